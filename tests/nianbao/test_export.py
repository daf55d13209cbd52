"""Exports load in pandas with the documented columns; only verified or reviewed data by default."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nianbao import bulk
from nianbao.export import LONG_COLUMNS, export


@pytest.fixture
def store(mixed_folder: Path, tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    return db


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_long_rows_in_pandas(store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"x.{fmt}"
    n = export(store, fmt, out)
    df = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert list(df.columns) == list(LONG_COLUMNS) and len(df) == n
    assert set(df["status"]) == {"verified"}
    assert df["agency"].nunique() == 5 and len(df) == 5 * 200
    licensing = df[(df["agency"] == "巫山县") & (df["row"] == "licensing")]
    assert licensing["value"].tolist() == [105860.0]
    blank = df[(df["agency"] == "重庆市万盛经济技术开发区管理委员会办公室") & (df["row"] == "regulations")]
    assert blank["value"].isna().all()  # blank stays blank, never 0


def test_rejected_only_on_request(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    export(store, "csv", out, include_rejected=True)
    df = pd.read_csv(out)
    assert set(df["status"]) == {"verified", "rejected"}


def test_jsonl_is_the_contract_per_report(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    assert export(store, "jsonl", out) == 5
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert {"agency", "year", "template", "active_disclosure", "applications", "reviews_litigation", "status"} <= set(
        first
    )
    assert len(first["applications"]) == 25


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_to_stdout_with_dash(store: Path, tmp_path: Path, fmt: str) -> None:
    import io
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "export", "--db", str(store), "--format", fmt, "-o", "-"],
        capture_output=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "-").exists()
    if fmt == "csv":
        assert len(pd.read_csv(io.BytesIO(done.stdout))) == 5 * 200
    elif fmt == "parquet":
        assert len(pd.read_parquet(io.BytesIO(done.stdout))) == 5 * 200
    else:
        assert len(done.stdout.decode("utf-8").splitlines()) == 5


def test_export_refuses_to_write_over_its_store(store: Path) -> None:
    from nianbao.errors import ExportError

    size = store.stat().st_size
    with pytest.raises(ExportError, match="store itself"):
        export(store, "csv", store)
    assert store.stat().st_size == size
