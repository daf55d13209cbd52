"""Every golden case extracts to exactly its hand-checked expected JSON, and verifies."""

from __future__ import annotations

import pytest

from nianbao.pipeline import extract_file
from nianbao.schema import TABLE2_CELLS, TABLE3_CELLS, TABLE4_CELLS, flatten
from tests.conftest import GoldenCase, golden_cases

CASES = golden_cases()


def test_there_are_five_seed_goldens() -> None:
    assert len([c for c in CASES if c.name.startswith("seed_")]) == 5


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_extracts_exactly(case: GoldenCase) -> None:
    record = extract_file(case.source)
    assert record.export() == case.expected
    assert record.status == case.meta["expected_status"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_cell_compared(case: GoldenCase) -> None:
    # The contract always carries all 175 + 10 + 15 cells, so the equality above covers each one.
    record = extract_file(case.source)
    cells = flatten(record.report())
    assert (len(TABLE2_CELLS), len(TABLE3_CELLS), len(TABLE4_CELLS)) == (10, 175, 15)
    assert set(cells) == {*TABLE2_CELLS, *TABLE3_CELLS, *TABLE4_CELLS}
    # every value read has a span that reads as itself (the verifier checks it; here: spans exist)
    assert all(record.provenance[p].text for p, v in cells.items() if v is not None)


def test_blank_regulations_row_stays_null() -> None:
    (case,) = [c for c in CASES if c.name.startswith("seed_002")]
    record = extract_file(case.source)
    assert record.active_disclosure.regulations.model_dump() == {"issued": None, "repealed": None, "in_force": None}
    assert record.status == "verified"
    missing = [v for v in record.violations if v.rule == "missing"]
    assert [v.severity for v in missing] == ["warning"]
    assert missing[0].cells == [
        "active_disclosure.regulations.issued",
        "active_disclosure.regulations.repealed",
        "active_disclosure.regulations.in_force",
    ]


def test_noise_after_number_is_read_around_and_noted() -> None:
    (case,) = [c for c in CASES if c.name.startswith("seed_003")]
    record = extract_file(case.source)
    prov = record.provenance["applications.new_received.research_institution"]
    assert prov.text == "0"
    assert prov.note == "ignored trailing '?'"
