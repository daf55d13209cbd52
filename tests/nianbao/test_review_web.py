"""The review page in a real browser: Debian's Chromium, driven by Playwright, against `nianbao review serve`.

`.ci/run` installs Chromium; without it these tests fail under CI and are skipped only on a machine
that lacks it outside CI.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao import bulk
from nianbao.store import Store
from tests.conftest import ROOT, plant, seed_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
if (CHROMIUM is None or not PLAYWRIGHT) and os.environ.get("CI"):
    raise RuntimeError("CI needs Debian's chromium and Playwright for the review page tests (.ci/run installs both)")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed on this machine"),
    pytest.mark.skipif(not PLAYWRIGHT, reason="Playwright is not installed (pip install -e '.[test]')"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "in"
    folder.mkdir()
    # the agency's 予以公开 natural-person cell printed 10 instead of 9: rejected, waiting for review
    (folder / "planted.txt").write_text(
        plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n"), encoding="utf-8"
    )
    # report text that tries to inject markup: must be shown as text
    hostile = plant(
        seed_text("seed_001"),
        "本年度，结合政务公开工作",
        "<script>window.pwned=1;alert('x')</script><b>粗体</b>本年度，结合政务公开工作",
    )
    hostile = plant(hostile, "(七) 总计\t\t35", "(七) 总计\t\t<script>alert(2)</script>35")
    (folder / "hostile.txt").write_text(hostile, encoding="utf-8")
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli", "review", "serve", "--db", str(db), "--port", str(port), "--reviewer", "李四"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield url, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _id(db: Path, name: str) -> int:
    with Store(db) as s:
        return next(r.id for r in s.latest() if r.path.endswith(name))


def test_correct_a_planted_cell_and_save(served: tuple[str, Path], page: object) -> None:
    url, db = served
    rid = _id(db, "planted.txt")
    pg = page  # type: ignore[assignment]
    pg.goto(url)  # type: ignore[attr-defined]
    pg.click(f"a[href='/report/{rid}']")  # type: ignore[attr-defined]
    cell = pg.locator("input[data-cell='applications.granted.natural_person']")  # type: ignore[attr-defined]
    assert cell.input_value() == "10"
    assert "bad" in cell.get_attribute("class")
    # its row's total and its column's total both break: the crossing cell is marked as the suspect
    assert pg.locator("input.cell.suspect").evaluate_all("e => e.map(x => x.dataset.cell)") == [  # type: ignore[attr-defined]
        "applications.granted.natural_person"
    ]
    assert pg.locator("#violations li[data-rule='t3_row_total']").count() == 1  # type: ignore[attr-defined]
    # clicking the cell shows where it was read in the source
    cell.click()
    source = pg.locator("#src-applications\\.granted\\.natural_person")  # type: ignore[attr-defined]
    assert source.inner_text() == "10" and "active" in source.get_attribute("class")
    # correct it: the identities are re-checked as one types and the violation disappears
    cell.fill("9")
    pg.wait_for_function("document.getElementById('check-status').textContent.includes('verified')")  # type: ignore[attr-defined]
    assert pg.locator("#violations li.error").count() == 0  # type: ignore[attr-defined]
    assert "bad" not in cell.get_attribute("class")
    pg.fill("#correct-reason", "misprint in the PDF")  # type: ignore[attr-defined]
    pg.click("#save")  # type: ignore[attr-defined]
    pg.wait_for_selector("#message")  # type: ignore[attr-defined]
    assert "correction saved" in pg.inner_text("#message")  # type: ignore[attr-defined]
    with Store(db) as s:
        row = s.get(rid)
    assert (row.decision, row.reviewer, row.review_reason) == ("corrected", "李四", "misprint in the PDF")
    assert row.corrected is not None and row.corrected["applications"]["granted"]["natural_person"] == 9


def test_report_text_with_script_is_shown_as_text(served: tuple[str, Path], page: object) -> None:
    url, db = served
    pg = page  # type: ignore[assignment]
    pg.goto(f"{url}/report/{_id(db, 'hostile.txt')}")  # type: ignore[attr-defined]
    pg.wait_for_selector("#source")  # type: ignore[attr-defined]
    text = pg.inner_text("#source")  # type: ignore[attr-defined]
    assert "<script>alert(2)</script>" in text  # shown literally, as text
    assert pg.evaluate("window.pwned === undefined")  # type: ignore[attr-defined]
    assert pg.locator("#source script, #source b").count() == 0  # type: ignore[attr-defined]
    assert pg.dialogs == []  # type: ignore[attr-defined]
