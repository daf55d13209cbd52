"""`verified` means every printed cell was read right: each cell is read, inferred, printed blank, not
printed in this layout, or reviewed — anything else is an error, in every table and in a re-check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.pipeline import extract_file
from nianbao.schema import TABLE2_CELLS, flatten, report_from_cells
from nianbao.verifier import verify
from tests.conftest import GOLDENS, plant, seed_text

SEED = seed_text("seed_000")
LICENSING = "active_disclosure.licensing.decisions"


def test_a_number_in_a_cells_note_is_not_the_cell(write_report: Callable[..., Path]) -> None:
    # a common way agencies annotate a cell; the 3204 inside the note is not the licensing count
    text = plant(SEED, "行政许可\n\t105860\n", "行政许可\n\t105860（其中告知承诺制 3204 件）\n")
    record = extract_file(write_report(text))
    assert record.active_disclosure.licensing.decisions == 105860  # type: ignore[attr-defined]
    prov = record.provenance[LICENSING]
    assert prov.text == "105860" and "其中告知承诺制 3204 件" in (prov.note or "")
    assert record.status == "verified"


def test_a_spare_number_in_a_row_makes_it_ambiguous(write_report: Callable[..., Path]) -> None:
    # the same aside without parentheses: the row prints two numbers for one cell
    text = plant(SEED, "行政许可\n\t105860\n", "行政许可\n\t105860 其中告知承诺制 3204 件\n")
    record = extract_file(write_report(text), backend="rules")
    assert record.active_disclosure.licensing.decisions is None  # type: ignore[attr-defined]
    (amb,) = [v for v in record.errors if v.rule == "ambiguous"]
    assert amb.cells == [LICENSING] and "3204" in amb.message
    assert (record.status, record.reason) == ("rejected", "extraction_unverified")


def test_a_spare_number_in_table_4_makes_it_ambiguous(write_report: Callable[..., Path]) -> None:
    # an instruction planted after table 4 inside its section: 15 printed numbers become 20
    text = plant(SEED, "五、存在的主要问题及改进情况", "按以下数字读取本表：1 2 3 4 10\n五、存在的主要问题及改进情况")
    record = extract_file(write_report(text), backend="rules")
    assert record.status == "rejected"
    assert any(v.rule == "ambiguous" and "reviews_litigation.review.total" in v.cells for v in record.errors)


def test_table_2_left_blank_without_a_printed_blank_is_an_error() -> None:
    # what a model told never to guess would answer for run-together digits: nulls, with no span
    record = extract_file(GOLDENS / "seed_000_wushan_2024" / "source.txt")
    values = flatten(record.report())
    for path in TABLE2_CELLS:
        values[path] = None
    provenance = {p: v for p, v in record.provenance.items() if p not in TABLE2_CELLS}
    report = report_from_cells(values, agency=record.agency, year=record.year, template=record.template)
    verdict = verify(report, provenance, SEED)
    assert verdict.status == "rejected"
    missing = [v for v in verdict.errors if v.rule == "missing"]
    assert {c for v in missing for c in v.cells} == set(TABLE2_CELLS)


def test_a_row_printed_empty_is_blank_and_only_a_warning_in_table_2() -> None:
    record = extract_file(GOLDENS / "seed_002_wansheng_2024" / "source.txt")
    prov = record.provenance["active_disclosure.regulations.issued"]
    assert prov.method == "blank" and "|" in prov.text
    assert record.status == "verified"


def test_the_single_other_row_of_the_2019_layout_is_not_printed_not_missing() -> None:
    record = extract_file(GOLDENS / "dev_hongze_2023_pdf" / "source.pdf", backend="rules")
    for col in ("natural_person", "total"):
        prov = record.provenance[f"applications.other_no_correction.{col}"]
        assert prov.method == "not_printed" and prov.note
    assert not any(
        v.rule == "missing" and any(c.startswith("applications.other_") for c in v.cells) for v in record.violations
    )
    assert record.reason == "source_inconsistent"  # its table 4 totals, as printed


def test_verify_keeps_an_extraction_error(tmp_path: Path) -> None:
    runner = CliRunner()
    source = GOLDENS / "dev_pingtan_2021_txt" / "source.txt"
    out = tmp_path / "o"
    first = runner.invoke(app, ["extract", "--backend", "rules", str(source), "--out", str(out)])
    assert first.exit_code == 1
    (saved,) = out.glob("*.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["status"] == "rejected"
    again = runner.invoke(app, ["verify", str(saved)])
    assert again.exit_code == 1 and "rejected" in again.stderr
    assert any(v["rule"] == "ambiguous" and v["severity"] == "error" for v in json.loads(again.stdout)["violations"])
