"""Cross-year checks over a store, and the findings report in its three formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from nianbao.findings import findings_report as fr
from nianbao.store import Store
from tests.conftest import plant, seed_text

runner = CliRunner()
T = "\t"


def _next_year(carried: int) -> str:
    """Seed 000 (巫山县 2024, carried 2 to the next year) edited into a consistent 2025 report."""
    text = plant(
        seed_text("seed_000"), "巫山县2024年政府信息公开工作年度报告\n", "巫山县2025年政府信息公开工作年度报告\n"
    )
    new = 51 - carried
    text = plant(text, f"一、本年新收政府信息公开申请数量\n{T}51\n", f"一、本年新收政府信息公开申请数量\n{T}{new}\n")
    text = plant(text, f"{T}0\n{T}{new if False else 51}\n\n{T}二、", f"{T}0\n{T}{new}\n\n{T}二、")
    text = plant(text, f"二、上年结转政府信息公开申请数量\n{T}0\n", f"二、上年结转政府信息公开申请数量\n{T}{carried}\n")
    text = plant(text, f"{T}0\n{T}0\n\n{T}三、本年度办理结果", f"{T}0\n{T}{carried}\n\n{T}三、本年度办理结果")
    return plant(text, f"{T}87\n", f"{T}90\n")  # 87 + 9 issued − 6 repealed


def _store(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    return db


def test_consecutive_years_quiet_when_carry_over_holds(tmp_path: Path) -> None:
    db = _store(tmp_path, {"2024.txt": seed_text("seed_000"), "2025.txt": _next_year(2)})
    with Store(db) as s:
        assert {r.status for r in s.latest()} == {"verified"}
        found = fr.collect(s)
    assert [f for f in found if f.rule in ("carry_over_mismatch", "in_force_drift")] == []


def test_broken_carry_over_is_warned_with_the_other_report(tmp_path: Path) -> None:
    db = _store(tmp_path, {"2024.txt": seed_text("seed_000"), "2025.txt": _next_year(3)})
    with Store(db) as s:
        found = [f for f in fr.collect(s) if f.rule == "carry_over_mismatch"]
    assert {f.cells for f in found} == {"applications.carried_over.natural_person", "applications.carried_over.total"}
    assert all(f.year == 2025 and "2024 report carried 2" in f.message and "2024.txt" in f.message for f in found)


def test_report_separates_source_errors_from_extraction_failures_in_three_formats(tmp_path: Path) -> None:
    planted = plant(
        seed_text("seed_001"),
        "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t9",
        "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t10",
    )
    cut = seed_text("seed_000")
    db = _store(tmp_path, {"planted.txt": planted, "cut.txt": cut[: cut.index("（四）无法提供")], "empty.txt": ""})
    csv_out = runner.invoke(app, ["findings", "--db", str(db), "--format", "csv"])
    assert csv_out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    source = [r for r in rows if r["category"] == "source inconsistent"]
    assert {r["rule"] for r in source} == {"t3_row_total", "t3_results_sum"}
    assert all(r["path"].endswith("planted.txt") and r["evidence"] == "awaiting review" for r in source)
    assert any("applications.unavailable_not_held.total" in r["cells"] for r in source)
    assert {r["category"] for r in rows if r["path"].endswith("cut.txt")} == {"extraction rejected"}
    assert {r["category"] for r in rows if r["path"].endswith("empty.txt")} == {"extraction failed"}
    md = runner.invoke(app, ["findings", "--db", str(db), "--format", "md"]).stdout
    assert "| source inconsistent | 2 |" in md and "## 郏县人民政府 2024 (县区)" in md
    html_out = tmp_path / "f.html"
    assert runner.invoke(app, ["findings", "--db", str(db), "--format", "html", "-o", str(html_out)]).exit_code == 0
    page = html_out.read_text(encoding="utf-8")
    assert "郏县人民政府" in page and "河南省" in page and "t3_row_total" in page  # one line per report, its region
