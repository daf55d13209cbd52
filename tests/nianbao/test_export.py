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


def _load(fmt: str, path: Path) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, dtype={"value": "Int64"})
    if fmt == "xlsx":
        return pd.read_excel(path, sheet_name="长表").astype({"value": "Int64"})
    return pd.read_parquet(path, dtype_backend="numpy_nullable")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_long_rows_in_pandas(store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"x.{fmt}"
    n = export(store, fmt, out)
    df = _load(fmt, out)
    assert list(df.columns) == list(LONG_COLUMNS) and len(df) == n
    assert set(df["status"]) == {"verified"}
    assert df["agency"].nunique() == 5 and len(df) == 5 * 200
    licensing = df[(df["agency"] == "巫山县") & (df["row"] == "licensing")]
    assert licensing["value"].tolist() == [105860] and licensing["row_label"].tolist() == ["行政许可"]
    assert str(df["value"].dtype) in ("Int64", "int64")  # whole numbers, not 9.0
    blank = df[(df["agency"] == "重庆市万盛经济技术开发区管理委员会办公室") & (df["row"] == "regulations")]
    assert blank["value"].isna().all()  # blank stays blank, never 0
    fee = df[(df["agency"] == "巫山县") & (df["row"] == "fees")]
    assert fee["unit"].tolist() == ["万元"] and fee["value"].isna().all() and fee["amount"].notna().all()
    granted = df[(df["agency"] == "巫山县") & (df["row"] == "granted") & (df["column"] == "natural_person")]
    assert granted[["row_label", "column_label"]].values.tolist() == [["三、本年度办理结果（一）予以公开", "自然人"]]


def test_csv_with_a_bom_and_integer_text(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    export(store, "csv", out, bom=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows reads UTF-8
    assert ",105860," in raw.decode("utf-8-sig") and ",105860.0," not in raw.decode("utf-8-sig")


def test_duckdb_sums_each_report_once(tmp_path: Path) -> None:
    import duckdb

    from tests.conftest import GOLDENS

    folder = tmp_path / "in"
    folder.mkdir()
    seed = GOLDENS / "seed_000_wushan_2024" / "source.txt"
    (folder / "wushan.txt").write_bytes(seed.read_bytes())
    # the same report in another format (a web page): one report, two documents
    from nianbao.evals.corpus import render
    from nianbao.schema import Report

    truth = Report.model_validate_json((GOLDENS / "seed_000_wushan_2024" / "expected.json").read_text(encoding="utf-8"))
    (folder / "wushan.html").write_bytes(render(truth, "html", "plain").data)
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"x.{fmt}"
        export(db, fmt, out)
        reader = "read_csv_auto" if fmt == "csv" else "read_parquet"
        (got,) = duckdb.sql(
            f"SELECT sum(value) FROM {reader}('{out}') WHERE \"row\" = 'new_received' AND \"column\" = 'total'"
        ).fetchall()
        assert got[0] == 51  # not 102
        docs = duckdb.sql(f"SELECT DISTINCT documents FROM {reader}('{out}')").fetchall()
        assert docs == [(2,)]
    every = tmp_path / "every.csv"
    export(db, "csv", every, every_document=True)
    assert len(pd.read_csv(every)) == 2 * 200


def test_formula_leading_text_is_neutralised(tmp_path: Path) -> None:
    from tests.conftest import plant, seed_text

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "=cmd.txt").write_text(
        plant(
            seed_text("seed_000"),
            "巫山县2024年政府信息公开工作年度报告\n\n根据",
            '=HYPERLINK("x")县2024年政府信息公开工作年度报告\n\n根据',
        ),
        encoding="utf-8",
    )
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"x.{fmt}"
        export(db, fmt, out, include_rejected=True)
        df = _load(fmt, out)
        assert all(not str(a).startswith("=") for a in df["agency"].dropna())
        assert any(str(a).startswith("'=HYPERLINK") for a in df["agency"].dropna())  # kept, as text
        assert all(not str(p).startswith("=") for p in df["path"])
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert {"报告", "长表", "表二", "表三", "表四"} <= set(book.sheetnames)
    t3 = book["表三"]
    assert t3.cell(row=3, column=1).value == "一、本年新收政府信息公开申请数量" and t3.max_column == 8


def test_rejected_only_on_request(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    export(store, "csv", out, include_rejected=True)
    # the planted copy of seed 000 is the same report (agency, year): its verified document stands for it
    assert set(pd.read_csv(out)["status"]) == {"verified"}
    export(store, "csv", out, include_rejected=True, every_document=True)
    assert set(pd.read_csv(out)["status"]) == {"verified", "rejected"}


def test_jsonl_is_the_contract_per_report(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    assert export(store, "jsonl", out) == 5
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert {"agency", "year", "template", "active_disclosure", "applications", "reviews_litigation", "status",
            "report_key", "documents"} <= set(first)  # fmt: skip
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


def test_xlsx_sheets_continue_at_the_row_limit(store: Path, tmp_path: Path) -> None:
    """Past Excel's row limit XlsxWriter drops rows silently: the long sheet continues in 长表 2, …, and a
    report's table-3 block is never split. (Shown with a limit of 100 rows instead of 1 048 576.)"""
    import openpyxl

    from nianbao.export import _xlsx, reports
    from nianbao.store import Store

    out = tmp_path / "x.xlsx"
    with Store(store) as s:
        n = _xlsx(reports(s, False, False), out, limit=100)
    book = openpyxl.load_workbook(out, read_only=True)
    long_sheets = [name for name in book.sheetnames if name.startswith("长表")]
    assert long_sheets == ["长表", *[f"长表 {k}" for k in range(2, 12)]]  # 1 000 rows, 99 a sheet under its header
    assert sum(len(list(book[name].iter_rows())) - 1 for name in long_sheets) == n == 1000
    t3 = [name for name in book.sheetnames if name.startswith("表三")]
    assert t3 == ["表三", "表三 2"]  # five blocks of 28 rows: three fit in 100
    for name, blocks in zip(t3, (3, 2), strict=True):
        rows = list(book[name].iter_rows(values_only=True))
        titles = [k for k, r in enumerate(rows) if r and isinstance(r[0], str) and "政府信息公开申请" in r[0]
                  and "—" in r[0]]  # fmt: skip
        assert len(titles) == blocks and all(rows[k + 2][0] == "一、本年新收政府信息公开申请数量" for k in titles)
        assert rows[titles[-1] + 2 + 24][0] is not None  # the last block's 25th row is on this sheet
