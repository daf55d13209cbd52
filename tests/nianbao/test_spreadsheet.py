"""Every text cell of every CSV and xlsx nianbao writes is safe to open: no cell runs as a formula (all
columns, all commands), no export fails on a cell's length, and metrics keep one number format a column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from nianbao.spreadsheet import FORMULA_LEAD, XLSX_CELL_CHARS, neutralise, xlsx_cell
from tests.conftest import plant, seed_text

runner = CliRunner()


def _hostile_store(tmp_path: Path) -> Path:
    """A store whose agency names and paths begin like formulas, one report verified and one rejected."""
    folder = tmp_path / "=in"
    folder.mkdir()
    title = "巫山县2024年政府信息公开工作年度报告\n\n根据"
    (folder / "=cmd.txt").write_text(plant(seed_text("seed_000"), title, f"=HYPERLINK(1)巫山县{title[3:]}"),
                                     encoding="utf-8")  # fmt: skip
    rejected = plant(seed_text("seed_000"), title, f"@SUM(1)奉节县{title[3:]}")
    rejected = plant(rejected, "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n")  # the agency's own sum broken
    (folder / "+r.txt").write_text(rejected, encoding="utf-8")
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    return db


def _unsafe(value: object) -> bool:
    text = "" if value is None else str(value)
    return text.startswith(FORMULA_LEAD) and neutralise(text) != text


def _csv_cells(text: str) -> list[str]:
    return [c for r in csv.reader(io.StringIO(text)) for c in r]


def test_every_text_cell_of_every_csv_and_xlsx_is_neutralised(tmp_path: Path) -> None:
    import openpyxl

    db = _hostile_store(tmp_path)
    outputs: dict[str, list[str]] = {}
    for name, args in {
        "export.csv": ["export", "--include-rejected", "--format", "csv"],
        "metrics.csv": ["metrics", "--format", "csv"],
        "findings.csv": ["findings", "--format", "csv"],
    }.items():
        result = runner.invoke(app, [*args, "--db", str(db), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outputs[name] = _csv_cells((tmp_path / name).read_text(encoding="utf-8"))
    result = runner.invoke(app, ["export", "--include-rejected", "--format", "xlsx", "--db", str(db), "-o",
                                 str(tmp_path / "x.xlsx")])  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)
    outputs["x.xlsx"] = [c for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    for name, cells in outputs.items():
        assert any(str(c).startswith(("'=HYPERLINK", "'@SUM")) for c in cells), name  # planted, kept as text
        assert not [c for c in cells if _unsafe(c)], name
    assert any(str(c).startswith("'@SUM") for c in outputs["export.csv"])  # the rejected report's agency too


def test_negative_numbers_as_text_stay_numbers() -> None:
    assert neutralise("-0.0500") == "-0.0500" and neutralise("+3") == "+3" and neutralise("-1+2") == "'-1+2"
    assert neutralise("=1") == "'=1" and neutralise("@x") == "'@x" and neutralise("\tx") == "'\tx"


def test_an_xlsx_export_of_a_report_with_many_copies_does_not_fail(tmp_path: Path) -> None:
    """The joined list of a report's copies once exceeded Excel's 32 767-character cell limit and the whole
    export failed ("cannot write row 1 of sheet 报告"); the cell is now cut with a marker."""
    import openpyxl

    folder = tmp_path / "in"
    text = seed_text("seed_000").encode()
    for i in range(300):  # 300 copies under 120-character folder names: ~40 000 characters of paths
        copy = folder / f"{i:03d}{'x' * 120}" / "r.txt"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(text)
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    result = runner.invoke(app, ["export", "--format", "xlsx", "--db", str(db), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)["报告"]
    documents = list(sheet.iter_rows(values_only=True))[1][-1]
    assert len(documents) <= XLSX_CELL_CHARS and "characters, over Excel's cell limit" in documents
    assert xlsx_cell("a" * 40_000).endswith("the CSV and JSONL exports hold all]")


def test_metrics_csv_has_one_number_format_a_column(tmp_path: Path) -> None:
    from tests.conftest import GOLDENS

    db = tmp_path / "s.db"
    bulk.run([str(p) for p in GOLDENS.glob("seed_*/source.txt")], db)  # counts of 0 and not, rates of 1 and not
    result = runner.invoke(app, ["metrics", "--format", "csv", "--db", str(db), "-o", str(tmp_path / "m.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8")))
    assert rows
    for column in rows[0]:
        if column in ("agency", "year", "report_key", "status"):
            continue
        shapes = {("rate" if "." in r[column] else "count") for r in rows if r[column]}
        assert len(shapes) <= 1, (column, [r[column] for r in rows])
    assert all(len(r["granted_share"].split(".")[1]) == 4 for r in rows if r["granted_share"])


@pytest.mark.parametrize("command", ["export", "extract"])
def test_output_files_respect_the_umask(tmp_path: Path, command: str) -> None:
    import os

    from tests.conftest import GOLDENS

    seed = str(GOLDENS / "seed_000_wushan_2024" / "source.txt")
    old = os.umask(0o022)
    try:
        if command == "export":
            db = tmp_path / "s.db"
            bulk.run([seed], db)
            for fmt in ("csv", "xlsx"):
                out = tmp_path / f"x.{fmt}"
                assert runner.invoke(app, ["export", "--format", fmt, "--db", str(db), "-o", str(out)]).exit_code == 0
                assert out.stat().st_mode & 0o777 == 0o644, fmt
        else:
            assert runner.invoke(app, ["extract", seed, "--out", str(tmp_path / "o")]).exit_code == 0
            (written,) = (tmp_path / "o").glob("*.json")
            assert written.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
