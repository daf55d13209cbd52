"""The store is browsable by the tools analysts use: one row per cell (report, table, row, column, value,
method) beside the compressed records, read with plain SQL — sqlite3, and DuckDB's sqlite scanner where it
can be loaded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nianbao import bulk
from nianbao.export import export
from tests.conftest import GOLDENS

QUERY = """
SELECT agency, year, table_no, row, col, value, amount, method FROM report_cells
WHERE agency = '巫山县' AND row IN ('granted', 'fees', 'results_total') ORDER BY table_no, row, col
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    bulk.run([str(p) for p in sorted(GOLDENS.glob("seed_*/source.txt"))], db)
    return db


def _long_rows(db: Path, tmp_path: Path) -> set[tuple[object, ...]]:
    """What `export` says of every cell: (agency, table, row, column, value, amount, method)."""
    import csv

    export(db, "csv", tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(encoding="utf-8") as f:
        return {
            (r["agency"], int(r["table"]), r["row"], r["column"], int(r["value"]) if r["value"] else None,
             float(r["amount"]) if r["amount"] else None, r["method"] or None)
            for r in csv.DictReader(f) if not r["row"].startswith("extra:")
        }  # fmt: skip


def test_one_row_per_cell_in_plain_sql_agrees_with_the_export(store: Path, tmp_path: Path) -> None:
    with sqlite3.connect(store) as db:
        rows = db.execute(QUERY).fetchall()
        every = set(db.execute("SELECT agency, table_no, row, col, value, amount, method FROM report_cells"))
    assert ("巫山县", 2024, 3, "granted", "natural_person", 9, None, "read") in rows
    assert any(r[3] == "fees" and r[6] is not None and r[5] is None for r in rows)  # an amount, not a count
    assert every == _long_rows(store, tmp_path)  # every cell of every report, as the export reads it


def test_a_store_made_before_the_cells_table_is_filled_by_the_next_run(store: Path) -> None:
    from nianbao.store import Store

    with sqlite3.connect(store) as db:
        before = db.execute("SELECT count(*) FROM report_cells").fetchone()[0]
        db.executescript("DROP VIEW report_cells; DROP TABLE cell_values; DROP TABLE cell_names;")
    with Store(store):  # any command: the view is made (empty), nothing slow done
        pass
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM report_cells").fetchone()[0] == 0
    bulk.run([str(GOLDENS / "seed_000_wushan_2024" / "source.txt")], store)  # done already: only filled
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM report_cells").fetchone()[0] == before > 0


def test_duckdb_reads_the_cells_through_its_sqlite_scanner(store: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    try:
        con.execute("LOAD sqlite")
    except Exception as e:  # the extension is downloaded on first use: offline machines have none
        pytest.skip(f"DuckDB's sqlite extension cannot be loaded here: {str(e)[:80]}")
    con.execute(f"ATTACH '{store}' AS s (TYPE sqlite, READ_ONLY)")
    (granted,) = con.execute(
        "SELECT value FROM s.report_cells WHERE agency = '巫山县' AND row = 'granted' AND col = 'natural_person'"
    ).fetchone()
    assert granted == 9
