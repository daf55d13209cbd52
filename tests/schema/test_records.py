"""The record as written: provenance in its compact form (rows of cells), read back in either form."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from nianbao.pipeline import extract_file
from nianbao.schema import Provenance, Record, Span, provenance_entries, provenance_json

SEED = Path(__file__).resolve().parents[2] / "goldens" / "seed_000_wushan_2024" / "source.txt"


def _seed() -> Record:
    return extract_file(SEED, backend="rules")


def test_written_provenance_is_rows_of_cells_and_small() -> None:
    record = _seed()
    written = record.model_dump_json()
    data = json.loads(written)
    assert len(written.encode()) <= 12 * 1024  # was ~30 KB with one object per cell
    granted = data["provenance"]["applications.granted"]
    assert len(granted) == 7  # the row's seven columns, in the template's order
    start, end, text = granted[0]
    assert text == str(record.applications.granted.natural_person)  # type: ignore[attr-defined]
    assert record.provenance["applications.granted.natural_person"].span == Span(start=start, end=end)


def test_read_back_equals_what_was_written() -> None:
    record = _seed()
    assert Record.model_validate_json(record.model_dump_json()) == record


def test_the_earlier_form_still_reads() -> None:
    """Stores and files written before the compact form: one object per cell path."""
    record = _seed()
    data = json.loads(record.model_dump_json())
    data["provenance"] = {k: asdict(v) for k, v in record.provenance.items()}
    assert Record.model_validate(data) == record
    compact = json.loads(record.model_dump_json())["provenance"]
    assert provenance_entries(compact, "2021") == provenance_entries(data["provenance"], "2021")


def test_method_note_blank_and_odd_paths_survive() -> None:
    provenance = {
        "applications.granted.natural_person": Provenance(span=Span(start=5, end=6), text="3"),
        "applications.granted.total": Provenance(span=Span(start=9, end=9), text="", method="blank", note="empty cell"),
        "applications.carried_over.total": Provenance(span=Span(start=0, end=0), text="", method="not_printed"),
        "active_disclosure.extra.x": Provenance(span=Span(start=1, end=2), text="7", method="inferred"),
    }
    written = provenance_json(provenance, "2021")
    assert written["applications.granted"][0] == [5, 6, "3"]
    assert written["applications.granted"][-1] == [9, 9, "", "blank", "empty cell"]
    assert written["applications.granted"][1] is None  # a cell without provenance stays without
    assert written["active_disclosure.extra.x"] == [1, 2, "7", "inferred"]  # not a template cell: its own key
    back = {k: TypeAdapter(Provenance).validate_python(v) for k, v in provenance_entries(written, "2021").items()}
    assert back == provenance


def test_2019_rows_use_the_2019_columns() -> None:
    path = "applications.granted.natural_person"
    provenance = {path: Provenance(span=Span(start=1, end=2), text="4")}
    assert provenance_entries(provenance_json(provenance, "2019"), "2019") == {path: asdict(provenance[path])}


def test_provenance_read_from_outside_is_validated() -> None:
    """Span and Provenance are plain dataclasses inside the pipeline; a record read back (a file, the
    store) still has every cell's provenance checked: a method nobody defined, a span that is not numbers."""
    data = json.loads(_seed().model_dump_json())
    row = next(iter(data["provenance"]))
    cell = next(c for c in data["provenance"][row] if c is not None)
    cell[:] = [cell[0], cell[1], cell[2], "guessed"]
    with pytest.raises(ValidationError):
        Record.model_validate(data)
    cell[:] = ["five", cell[1], cell[2]]
    with pytest.raises(ValidationError):
        Record.model_validate(data)
