"""A damaged store: checked (SQLite's ``integrity_check``) and its readable rows copied into a new file.

SQLite stores rows in pages; a damaged page (a disk fault, a copy cut short, a write by another program)
makes every query that touches it fail. ``recover`` copies each table row by row — by rowid, one query a
row, so one bad page loses only the rows on it — into a new store made by this nianbao (its schema and
version), then checks the new file. The damaged file is never written."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import StoreError
from nianbao.store import Store

TABLES = ("documents", "paths", "extractions", "reviews")  # in the order their references need


def problems(path: str | Path, limit: int = 20) -> list[str]:
    """What SQLite's full integrity check finds wrong (empty: the store is sound)."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        found = [r[0] for r in db.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as e:
        return [str(e)]
    finally:
        db.close()
    return [] if found == ["ok"] else found


@dataclass(frozen=True)
class Recovered:
    copied: dict[str, int]  # table → rows copied
    lost: dict[str, int]  # table → rows that could not be read (or whose references were lost)


def recover(damaged: str | Path, into: str | Path) -> Recovered:
    """Copy every readable row of ``damaged`` into a new store at ``into`` (which must not exist)."""
    target = Path(into)
    if target.exists():
        raise StoreError("exists already; recover into a new file", file=target)
    source = sqlite3.connect(f"file:{Path(damaged)}?mode=ro", uri=True)
    copied: dict[str, int] = {}
    lost: dict[str, int] = {}
    try:
        with Store(target) as new:
            new.db.execute("PRAGMA foreign_keys=OFF")  # a row whose document was lost is still worth keeping
            new.db.execute("BEGIN")
            for table in TABLES:
                copied[table], lost[table] = _copy(source, new.db, table)
            new.db.execute("COMMIT")
    finally:
        source.close()
    return Recovered(copied, lost)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, table: str) -> tuple[int, int]:
    try:
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError:
        return 0, 0
    if not columns:
        return 0, 0
    wanted = [c for c in columns if c in {r[1] for r in target.execute(f"PRAGMA table_info({table})")}]
    names = ", ".join(wanted)
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({', '.join('?' * len(wanted))})"
    try:  # the fast way, where every page of the table reads
        rows = source.execute(f"SELECT {names} FROM {table}").fetchall()
        target.executemany(insert, rows)
        return len(rows), 0
    except sqlite3.DatabaseError:
        pass
    top = _max_rowid(source, table)
    ok = bad = 0
    for rowid in range(1, top + 1):  # row by row: a damaged page loses only its rows
        try:
            row = source.execute(f"SELECT {names} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            bad += 1
            continue
        if row is not None:
            target.execute(insert, row)
            ok += 1
    return ok, bad


def _max_rowid(source: sqlite3.Connection, table: str) -> int:
    try:
        return int(source.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0)
    except sqlite3.DatabaseError:
        return 1_000_000  # the table's b-tree is damaged at its end: try every rowid a store could hold
