"""`run`'s messages: progress out of every file found, and a duplicate named with what it duplicates."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from nianbao.cli import app
from tests.conftest import GOLDENS


def test_piped_progress_keeps_its_total_and_a_duplicate_says_of_what(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    seeds = sorted(GOLDENS.glob("seed_*/source.txt"))[:3]
    for i, seed in enumerate(seeds):
        (folder / f"r{i}.txt").write_bytes(seed.read_bytes())
    (folder / "r0_copy.txt").write_bytes(seeds[0].read_bytes())  # met second, on a fresh store
    result = CliRunner().invoke(app, ["run", str(folder), "--db", str(tmp_path / "s.db"), "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    progress = [tuple(map(int, m.groups())) for m in re.finditer(r"^(\d+)/(\d+): ", result.stderr, re.M)]
    assert progress and {total for _, total in progress} == {4}  # never "1/20 …" then "19/19"
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert f"duplicate: {folder / 'r0_copy.txt'} has the content of {folder / 'r0.txt'}" in result.stderr
    assert "0 already in the store, 1 duplicate(s) of another file of this run" in result.stderr
