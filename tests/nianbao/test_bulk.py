"""The bulk run: correct summary, resumable, one transaction per document, survives SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nianbao import bulk
from nianbao.store import Store
from tests.conftest import ROOT
from tests.nianbao.conftest import many_reports


def test_mixed_folder_summary_then_nothing_new(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = bulk.run([str(mixed_folder)], db, workers=2)
    assert first.files == 9  # 5 seeds + duplicate + planted + empty + broken pdf (notes.json ignored)
    assert first.skipped == 1  # the duplicate content, once per run
    assert dict(first.counts) == {"verified": 5, "rejected": 1, "failed": 2}
    assert any("empty.txt: file is empty" in u for u in first.unreadable)
    assert any("broken.pdf: not a readable PDF" in u for u in first.unreadable)
    second = bulk.run([str(mixed_folder)], db, workers=2)
    assert second.processed == 0 and second.skipped == 9
    with Store(db) as s:
        assert s.extraction_count() == 8
        planted = next(r for r in s.latest() if r.path.endswith("planted.txt"))
        assert (planted.status, planted.reason) == ("rejected", "source_inconsistent")


def test_force_redoes_and_keeps_history(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    again = bulk.run([str(mixed_folder)], db, force=True)
    assert again.processed == 8
    with Store(db) as s:
        assert s.extraction_count() == 16  # every attempt kept
        assert sum(1 for _ in s.latest()) == 8  # one latest per document


def test_globs_and_unmatched_inputs(mixed_folder: Path, tmp_path: Path) -> None:
    summary = bulk.run([str(mixed_folder / "seed_00[01]*.txt"), str(tmp_path / "nope")], tmp_path / "s.db")
    assert summary.counts["verified"] == 2
    assert any("nope: no such file, folder or matching glob" in u for u in summary.unreadable)


def test_sigkill_mid_run_then_resume_processes_every_file_exactly_once(tmp_path: Path) -> None:
    files = many_reports(tmp_path / "in", 400)
    db = tmp_path / "s.db"
    cmd = [
        sys.executable,
        "-m",
        "nianbao.cli",
        "run",
        str(tmp_path / "in"),
        "--db",
        str(db),
        "--workers",
        "2",
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as c:
                    written = c.execute("SELECT count(*) FROM extractions").fetchone()[0]
            except sqlite3.OperationalError:
                written = 0
        if written >= 40 or proc.poll() is not None:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; make the corpus bigger"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-write
    proc.wait(timeout=30)
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        killed_at = c.execute("SELECT count(*) FROM extractions").fetchone()[0]
    assert 0 < killed_at < len(files)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as c:
        per_doc = c.execute("SELECT sha256, count(*) FROM extractions GROUP BY sha256").fetchall()
        paths = {r[0] for r in c.execute("SELECT path FROM documents")}
    assert len(per_doc) == len(files) and all(n == 1 for _, n in per_doc)
    assert paths == {str(f) for f in files}


def test_a_new_parser_version_redoes_what_it_affects(
    mixed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nianbao.extractor import rules

    db = tmp_path / "s.db"
    old = rules.VERSION
    bulk.run([str(mixed_folder)], db)
    assert bulk.run([str(mixed_folder)], db).processed == 0
    monkeypatch.setattr(rules, "VERSION", old + "-next")
    again = bulk.run([str(mixed_folder)], db)
    assert again.processed == 8 and again.skipped == 1  # every document, once (the duplicate content skipped)
    with Store(db) as s:
        versions = {r[0] for r in s.db.execute("SELECT DISTINCT parser_version FROM extractions")}
    assert versions == {old, old + "-next"}


def test_expand_lists_each_file_once_in_path_order_and_ends_on_a_folder_loop(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_text("x", encoding="utf-8")
    (root / "b" / "c.pdf").write_bytes(b"%PDF")
    (root / "b" / "notes.json").write_text("{}", encoding="utf-8")  # not a report suffix
    (root / "c.txt").write_text("y", encoding="utf-8")
    (root / "b" / "loop").symlink_to(root, target_is_directory=True)  # a link to a parent: not entered
    (root / "link.txt").symlink_to(root / "a.txt")  # the same file under another name
    files, unmatched = bulk.expand([str(root), str(root / "c.txt"), str(root / "*.txt")])
    assert files == [str(root / "a.txt"), str(root / "b" / "c.pdf"), str(root / "c.txt")]
    assert unmatched == []


def test_a_folder_walk_accounts_for_every_entry(tmp_path: Path) -> None:
    """Images are read (the OCR reader takes them); a FIFO, a link loop, a broken link and a linked folder
    are listed as skipped with why; files of other formats are counted by suffix — nothing vanishes."""
    import os

    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for name in ("scan.png", "photo.JPG", "page.tif", "r.txt"):
        (root / name).write_bytes(b"x")
    os.mkfifo(root / "pipe.txt")
    (root / "loop.txt").symlink_to(root / "loop.txt")
    (root / "gone.txt").symlink_to(root / "nowhere.txt")
    (root / "up").symlink_to(root, target_is_directory=True)
    (root / "sub" / "notes.json").write_text("{}", encoding="utf-8")
    (root / "sub" / "data.xls").write_bytes(b"x")
    skipped: list[str] = []
    files, unmatched = bulk.expand([str(root)], skipped)
    assert files == [str(root / n) for n in ("page.tif", "photo.JPG", "r.txt", "scan.png")] and unmatched == []
    assert f"{root / 'pipe.txt'}: not a regular file (a FIFO, socket or device)" in skipped
    assert any(s.startswith(f"{root / 'loop.txt'}: a broken link or a link loop") for s in skipped)
    assert any(s.startswith(f"{root / 'gone.txt'}: a broken link or a link loop") for s in skipped)
    assert f"{root / 'up'}: a link to a folder, not entered" in skipped
    assert "2 file(s) not of a report format: 1 .json, 1 .xls" in skipped or (
        "2 file(s) not of a report format: 1 .xls, 1 .json" in skipped
    )
    assert len(skipped) == 5


def test_run_lists_what_it_skipped_and_fails_on_an_empty_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nianbao.cli import app
    from tests.conftest import GOLDENS

    (tmp_path / "empty").mkdir()
    summary = bulk.run([str(tmp_path / "empty")], tmp_path / "s.db")
    assert summary.counts["failed"] == 1 and summary.unreadable == [
        f"{tmp_path / 'empty'}: a folder holding no report file"
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_bytes((GOLDENS / "seed_000_wushan_2024" / "source.txt").read_bytes())
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    result = CliRunner().invoke(app, ["run", str(folder), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 0, result.stderr
    assert f"skipped: {folder / 'loop.txt'}: a broken link or a link loop" in result.stderr


def test_progress_total_counts_down_the_skipped_and_ends_at_what_was_processed(
    mixed_folder: Path, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    summary = bulk.run([str(mixed_folder)], tmp_path / "s.db", progress=lambda s, total, _p: seen.append(
        (s.processed, total)))  # fmt: skip
    assert len(seen) == 8  # each of the 9 files but the duplicate, skipped when its hash is met
    assert seen[0][1] == 9 and all(done <= total <= summary.files for done, total in seen)
    assert seen[-1] == (summary.processed, summary.processed) == (8, 8)
