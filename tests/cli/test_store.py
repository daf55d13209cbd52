"""A damaged store is refused before anything is written into it, by every command, with exit 4 — and
`store check` / `store recover` are the way out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from nianbao import bulk
from tests.conftest import GOLDENS

runner = CliRunner()


def _damaged(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    bulk.run([str(p) for p in sorted(GOLDENS.glob("seed_*/source.txt"))], db)
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        size = c.execute("PRAGMA page_size").fetchone()[0]
    assert pages > 8
    data = bytearray(db.read_bytes())
    data[size * (pages - 3) : size * (pages - 2)] = b"\xa5" * size  # one page near the end: garbage
    db.write_bytes(bytes(data))
    return db


def test_a_damaged_store_is_refused_by_every_command_and_never_written(tmp_path: Path) -> None:
    from nianbao.cli import app

    db = _damaged(tmp_path)
    before = db.read_bytes()
    seed = str(GOLDENS / "seed_000_wushan_2024" / "source.txt")
    for args in (["run", seed, "--force"], ["export", "-o", str(tmp_path / "x.csv")], ["metrics"], ["findings"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 4, (args, result.output)
        assert "the store's file is damaged" in result.stderr and "nianbao store recover" in result.stderr, args
    assert db.read_bytes() == before  # nothing written into it
    assert not (tmp_path / "x.csv").exists()


def test_store_check_and_recover(tmp_path: Path) -> None:
    from nianbao.cli import app
    from nianbao.store import Store

    db = _damaged(tmp_path)
    check = runner.invoke(app, ["store", "check", "--db", str(db)])
    assert check.exit_code == 4 and "damaged" in check.stderr
    new = tmp_path / "new.db"
    recovered = runner.invoke(app, ["store", "recover", str(new), "--db", str(db)])
    assert recovered.exit_code == 0, recovered.stderr
    assert f"{new}: ok" in recovered.stderr and "documents:" in recovered.stderr
    assert runner.invoke(app, ["store", "check", "--db", str(new)]).exit_code == 0
    with Store(new) as s:
        assert sum(1 for _ in s.listing()) >= 1  # what was readable is there, and the new store opens
    assert runner.invoke(app, ["export", "--db", str(new), "-o", str(tmp_path / "x.csv")]).exit_code == 0
    again = runner.invoke(app, ["store", "recover", str(new), "--db", str(db)])
    assert again.exit_code == 2 and "exists already" in again.stderr  # never over an existing file
