"""The shared options: a store that must exist is refused by name when it does not (only `run` creates one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao.cli import app

READERS = [
    ["export", "-o", "x.csv"],
    ["metrics"],
    ["findings"],
    ["review", "list"],
    ["review", "show", "1"],
    ["review", "correct", "1", "--set", "applications.granted.total=9"],
    ["review", "accept-source-error", "1"],
    ["review", "reject", "1"],
    ["review", "golden", "1", "--name", "case"],
    ["review", "serve"],
]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_store_is_a_usage_error_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, "--db", "typo.db"])
    assert result.exit_code == 2, result.output
    assert "typo.db does not exist" in result.stderr and "nianbao run" in result.stderr
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "x.csv").exists()


def test_run_creates_its_store(tmp_path: Path) -> None:
    from tests.conftest import GOLDENS

    db = tmp_path / "new.db"
    result = CliRunner().invoke(app, ["run", str(GOLDENS / "seed_000_wushan_2024" / "source.txt"), "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    assert db.is_file()
