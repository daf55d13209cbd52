"""No input stops a batch: hostile and broken files end as named failures, in seconds and bounded memory,
and the good file beside them verifies. Outputs never destroy: distinct names, no second run on a store."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from nianbao import bulk
from nianbao.errors import StoreError
from tests.conftest import GOLDENS, ROOT

SEED = GOLDENS / "seed_000_wushan_2024" / "source.txt"
_DOCX_HEAD = (
    '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)


def _on_file(monkeypatch: pytest.MonkeyPatch, suffix: str, action: Callable[[], object]) -> None:
    """Make extracting a file whose path ends in ``suffix`` do ``action`` first (sleep, or die as the
    out-of-memory killer does); forked workers inherit the patch."""
    import nianbao.pipeline

    real = nianbao.pipeline.extract_file

    def patched(path: object, *args: object, **kw: object):  # type: ignore[no-untyped-def]
        if str(path).endswith(suffix):
            action()
        return real(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(nianbao.pipeline, "extract_file", patched)


def _docx(path: Path, body: str = "", bomb: int = 0, paragraphs: int = 0) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if bomb:  # a body that inflates to `bomb` bytes
            with z.open("word/document.xml", "w", force_zip64=True) as f:
                f.write(_DOCX_HEAD.encode())
                chunk = b" " * (1 << 20)
                for _ in range(bomb >> 20):
                    f.write(chunk)
        elif paragraphs:  # `paragraphs` empty paragraphs: 6 bytes of XML each, under the inflated-size limit
            with z.open("word/document.xml", "w", force_zip64=True) as f:
                f.write(_DOCX_HEAD.encode())
                chunk = b"<w:p/>" * 100_000
                for _ in range(paragraphs // 100_000):
                    f.write(chunk)
                f.write(b"</w:body></w:document>")
        else:
            z.writestr("word/document.xml", _DOCX_HEAD + body + "</w:body></w:document>")
    path.write_bytes(buf.getvalue())
    return path


def _span_cell(val: str) -> str:
    return f'<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="{val}"/></w:tcPr><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'


def _hostile(folder: Path) -> dict[str, str]:
    """name → the words its failure must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    _docx(folder / "bomb.docx", bomb=1 << 30)  # ~1 MB on disk, 1 GiB inflated
    _docx(folder / "wide.docx", _span_cell("200000000"))
    _docx(folder / "abc.docx", _span_cell("abc"))
    cells = "".join('<td rowspan="100" colspan="100">1</td>' for _ in range(60))
    (folder / "spans.html").write_text(f"<html><body><table>{'<tr>' + cells + '</tr>' * 40}</table></body></html>",
                                       encoding="utf-8")  # fmt: skip
    os.mkfifo(folder / "pipe.txt")
    (folder / "good.txt").write_bytes(SEED.read_bytes())
    # ten million empty paragraphs (60 MB of XML from ~90 KB): 9 s and 1.1 GB when the tree was built whole
    _docx(folder / "paragraphs.docx", paragraphs=10_000_000)
    _docx(folder / "nested.docx", "<w:tbl><w:tr><w:tc>" * 5000 + "<w:p/>" + "</w:tc></w:tr></w:tbl>" * 5000)
    (folder / "nested.html").write_text("<html><body>" + "<table><tr><td>" * 30_000, encoding="utf-8")
    # blank lines under a heading's numbering: the section search once ran over all of them from every line
    (folder / "blank.txt").write_text("二、\n" + "\t\n" * 30_000 + "x\n", encoding="utf-8")
    return {"bomb.docx": "limit", "wide.docx": "200000000", "abc.docx": "'abc'", "spans.html": "HTML table",
            "pipe.txt": "not a regular file", "paragraphs.docx": "over 1000000 XML tags",
            "nested.docx": "tables nested over 32 deep", "nested.html": "tables nested over 32 deep",
            "blank.txt": "no statistical tables"}  # fmt: skip


def test_hostile_files_fail_by_name_in_bounded_time_and_memory(tmp_path: Path) -> None:
    expect = _hostile(tmp_path / "in")
    files = [str(tmp_path / "in" / n) for n in [*expect, "good.txt"]] + ["/dev/zero"]
    probe = (
        # the peak of this process's own address space (VmHWM): ru_maxrss is kept across exec, so it would
        # count the pytest process this one was forked from (grown by the OCR models other tests load)
        "import sys, runpy; sys.argv = ['nianbao', 'extract', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('nianbao.cli', run_name='__main__')\n"
        "finally:\n    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "    print('PEAK_KB', hwm, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *files], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 3, done.stderr  # some failed
    lines = done.stderr.splitlines()
    for name, words in expect.items():
        (line,) = [ln for ln in lines if ln.startswith(str(tmp_path / "in" / name))]
        assert "failed" in line and words in line, line
    assert any(ln.startswith("/dev/zero: failed") and "not a regular file" in ln for ln in lines)
    assert any(ln.endswith("good.txt: verified") for ln in lines)
    peak_kb = int(next(ln for ln in lines if ln.startswith("PEAK_KB")).split()[1])
    assert peak_kb < 1024 * 1024, f"peak memory {peak_kb} KB"
    outputs = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(outputs) == len(files)  # every file accounted for


def test_a_killed_worker_fails_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    _on_file(monkeypatch, "killer.txt", lambda: os.kill(os.getpid(), signal.SIGKILL))
    folder = tmp_path / "in"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(6):
        (folder / f"r{i}.txt").write_text(text.replace("巫山县", f"巫山{i}县"), encoding="utf-8")
    (folder / "killer.txt").write_text(text.replace("巫山县", "某某县"), encoding="utf-8")
    summary = bulk.run([str(folder)], tmp_path / "s.db", workers=2)
    assert summary.counts["verified"] == 6 and summary.counts["failed"] == 1
    (failure,) = summary.unreadable
    assert "killer.txt" in failure and "worker process died" in failure
    assert summary.transient == 1  # the machine may have killed it: the next run tries it again …
    again = bulk.run([str(folder)], tmp_path / "s.db", workers=2)
    assert again.processed == 1 and again.counts["failed"] == 1 and again.transient == 1
    last = bulk.run([str(folder)], tmp_path / "s.db", workers=2)  # … a bounded number of times, then names it
    assert last.processed == 1 and last.transient == 0 and "died extracting this file 3 times" in last.unreadable[0]
    assert bulk.run([str(folder)], tmp_path / "s.db", workers=2).processed == 0  # and leaves it alone


def test_extract_s_pool_fails_only_the_file_that_kills_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`extract` with workers: the killer sits among the others (not first in flight, where blaming the
    oldest file would look right); it alone fails, every other file verifies, in input order."""
    import signal

    _on_file(monkeypatch, "r3.txt", lambda: os.kill(os.getpid(), signal.SIGKILL))
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for i in range(9):
        (tmp_path / f"r{i}.txt").write_text(text.replace("巫山县", f"巫山{i}县"), encoding="utf-8")
        paths.append(str(tmp_path / f"r{i}.txt"))
    outcomes = list(bulk.extract_many(paths, "rules", None, workers=2))
    assert [o.path for o in outcomes] == paths
    assert [o.status for o in outcomes] == ["verified"] * 3 + ["failed"] + ["verified"] * 5
    assert "worker process died" in outcomes[3].line


def test_a_file_over_the_time_limit_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    _on_file(monkeypatch, "slow.txt", lambda: time.sleep(30))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_bytes(SEED.read_bytes())
    (folder / "slow.txt").write_text(SEED.read_text(encoding="utf-8").replace("巫山县", "某县"), encoding="utf-8")
    start = time.monotonic()
    summary = bulk.run([str(folder)], tmp_path / "s.db", file_seconds=1.0)
    assert time.monotonic() - start < 10
    assert summary.counts["verified"] == 1 and summary.counts["failed"] == 1
    assert "per-file limit" in summary.unreadable[0]


def test_colliding_stems_give_distinct_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nianbao.cli import app

    inputs = []
    for rel in ("a/x/r.txt", "b/x/r.txt", "c/r.txt"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(SEED.read_bytes())
        inputs.append(p)
    html = tmp_path / "c" / "r.html"
    html.write_bytes((GOLDENS / "dev_pingtan_2021_html" / "source.html").read_bytes())
    inputs.append(html)
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["extract", *map(str, inputs), "--out", str(out)])
    assert result.exit_code in (0, 1)
    written = sorted(p.name for p in out.glob("*.json"))
    assert len(written) == 4, written
    assert {json.loads((out / n).read_text(encoding="utf-8"))["source"]["path"] for n in written} == set(
        map(str, inputs)
    )


def test_a_second_run_on_the_same_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with bulk._run_lock(db), pytest.raises(StoreError, match="another nianbao run"):
        bulk.run([str(SEED)], db)
    assert bulk.run([str(SEED)], db).counts["verified"] == 1  # and free again afterwards


def test_utf16_without_a_bom_is_read(tmp_path: Path) -> None:
    from nianbao.pipeline import extract_file

    for enc in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{enc}.txt"
        path.write_bytes(SEED.read_text(encoding="utf-8").encode(enc))
        assert extract_file(path).status == "verified"


def test_a_newline_in_a_file_name_keeps_the_message_on_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nianbao.cli import app

    odd = tmp_path / "evil\nname.txt"
    odd.write_bytes(b"")
    result = CliRunner().invoke(app, ["extract", str(odd)])
    (line,) = [ln for ln in result.stderr.splitlines() if "failed" in ln and "empty" in ln]
    assert "evil\\nname.txt" in line


@pytest.mark.parametrize("workers", [1, 2])
def test_extract_fails_a_file_over_the_time_limit_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """`extract` bounds each file's time as `run` does, in-process and in its pool: the slow file fails by
    name with the reason, the one after it verifies, and the batch takes seconds, not the sleep's 30."""
    import time

    _on_file(monkeypatch, "slow.txt", lambda: time.sleep(30))
    (tmp_path / "slow.txt").write_text(SEED.read_text(encoding="utf-8").replace("巫山县", "某县"), encoding="utf-8")
    (tmp_path / "ok.txt").write_bytes(SEED.read_bytes())
    paths = [str(tmp_path / "slow.txt"), str(tmp_path / "ok.txt")]
    start = time.monotonic()
    outcomes = list(bulk.extract_many(paths, "rules", None, workers=workers, seconds=1.0))
    assert time.monotonic() - start < 10
    assert [o.status for o in outcomes] == ["failed", "verified"]
    error = json.loads(outcomes[0].json)["error"]
    assert error["type"] == "LimitError" and "longer than 1 s" in error["message"]
    assert error["file"] == paths[0]
