"""Derived metrics, checked by hand against the golden values of the seeds."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from nianbao.metrics import METRICS, per_report
from nianbao.store import Store
from tests.conftest import GOLDENS, seed_text


def _store(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for c in ("seed_000_wushan_2024", "seed_001_jiaxian_2024"):
        (folder / f"{c}.txt").write_bytes((GOLDENS / c / "source.txt").read_bytes())
    # the same agency a year earlier, with the same tables
    earlier = seed_text("seed_000").replace("2024年", "2023年")  # its title, period and sentences
    (folder / "wushan_2023.txt").write_text(earlier, encoding="utf-8")
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    return db


def test_seed_000_rates_by_hand(tmp_path: Path) -> None:
    with Store(_store(tmp_path)) as s:
        rows = {(r.agency, r.year): r for r in per_report(s)}
    wushan = rows[("巫山县", 2024)]
    v = wushan.values
    # 巫山县 2024 as printed: 51 new, 49 results (9 granted, 13 partly, 12 denied, 9 unavailable, 6 other), 2 carried
    assert v["applications_received"] == 51
    assert v["granted_share"] == Decimal("0.1837")  # 9 / 49
    assert v["partially_granted_share"] == Decimal("0.2653")  # 13 / 49
    assert v["denied_share"] == Decimal("0.2449")  # (9 + 3) / 49
    assert v["unavailable_share"] == Decimal("0.1837")  # (8 + 1) / 49
    assert v["not_processed_share"] == 0 and v["other_share"] == Decimal("0.1224")  # 6 / 49
    assert v["carry_over_share"] == Decimal("0.0392")  # 2 / (51 + 0)
    assert v["reviews"] == 23 and v["review_correction_rate"] == Decimal("0.3043")  # 7 / 23
    assert v["litigations"] == 6 and v["litigation_correction_rate"] == 0  # 0 / (0 + 6)
    # against its 2023 report (same numbers): no change
    assert wushan.change["granted_share"] == 0
    assert rows[("巫山县", 2023)].change["granted_share"] is None  # no 2022 in the store


def test_a_rate_over_nothing_is_blank_not_zero(tmp_path: Path) -> None:
    with Store(_store(tmp_path)) as s:
        rows = per_report(s)
    for r in rows:
        if r.values["reviews"] == 0:
            assert r.values["review_correction_rate"] is None


def test_metrics_command_prints_definitions_and_coverage(tmp_path: Path) -> None:
    db = _store(tmp_path)
    result = CliRunner().invoke(app, ["metrics", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["metric"] for d in data["definitions"]] == [m.key for m in METRICS]
    assert all(d["definition"] for d in data["definitions"])
    assert data["covered"]["granted_share"] == 3 and len(data["reports"]) == 3
    md = CliRunner().invoke(app, ["metrics", "--db", str(db)])
    assert "予以公开率" in md.stdout and "reports covered" in md.stdout
