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


def test_a_full_disk_is_a_named_error_with_its_own_exit_status(tmp_path: Path) -> None:
    """The store's file cannot grow (a file-size limit, as a full disk: SQLite's write fails): `run` names
    the store and exits 4 — not a traceback and "some rejected" (1)."""
    import resource
    import signal
    import subprocess
    import sys

    from tests.nianbao.conftest import many_reports

    many_reports(tmp_path / "in", 40)

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), not kills
        resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, 96 * 1024))

    run = "import sys; from nianbao.cli import app; sys.argv = ['nianbao', *sys.argv[1:]]; app()"
    done = subprocess.run(
        [sys.executable, "-c", run, "run", str(tmp_path / "in"), "--db", str(tmp_path / "s.db"), "--workers", "1"],
        capture_output=True, text=True, preexec_fn=limit, timeout=120,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"run failed — .*s\.db: cannot write the store: (database or disk is full|disk I/O error)",
                     done.stderr), done.stderr  # fmt: skip


def test_a_read_only_store_folder_is_a_named_error(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    # root writes into a folder of mode 0555: /sys is a folder nobody may create files in
    db = Path("/sys/nianbao-test.db") if os.geteuid() == 0 else folder / "s.db"
    seed = str(GOLDENS / "seed_000_wushan_2024" / "source.txt")
    result = CliRunner().invoke(app, ["run", seed, "--db", str(db)])
    folder.chmod(0o755)
    assert result.exit_code == 4, result.stderr
    assert f"run failed — {db}: cannot write beside the store (s.db.lock)".replace("s.db", db.name) in result.stderr
