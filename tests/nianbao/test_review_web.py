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
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao import bulk
from nianbao.schema import Record
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
    yield from _serve(folder, tmp_path / "s.db", "--reviewer", "李四")


def _serve(folder: Path, db: Path, *options: str) -> Iterator[tuple[str, Path]]:
    """The folder run into a store, and `nianbao review serve` on it until the test is done."""
    bulk.run([str(folder)], db)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli", "review", "serve", "--db", str(db), "--port", str(port), *options],
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


HAVE_OCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None and shutil.which("soffice") is not None


@pytest.fixture
def served_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    from nianbao.evals.cases import golden_cases
    from nianbao.evals.corpus import render, scan_pdf

    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    name = "seed_001_jiaxian_2024"
    truth = next(c for c in golden_cases(ROOT / "goldens") if c.name == name).truth
    folder = tmp_path / "in"
    folder.mkdir()
    # half of the 1 of 予以公开's 12 rubbed out: the report is rejected and waits, with its page image
    (folder / "scan.pdf").write_bytes(scan_pdf(render(truth, "lo_pdf", "plain", name).data, 150, name, damage=True))
    yield from _serve(folder, tmp_path / "s.db")


@pytest.mark.skipif(not HAVE_OCR, reason="needs nianbao[ocr] and LibreOffice (.ci/run installs both)")
def test_a_scan_is_reviewed_beside_its_page_with_the_cell_outlined(
    served_scan: tuple[str, Path], page: object, tmp_path: Path
) -> None:
    url, db = served_scan
    with Store(db) as s:
        (row,) = list(s.latest())
    assert row.result is not None
    record = Record.model_validate(row.result)
    assert record.status == "rejected" and record.scan is not None
    cell = "applications.new_received.total"  # 36, read cell by cell like every value of the scan
    at_page, x0, _y0, x1, _y1 = record.scan.cells[cell]
    pg = page  # type: ignore[assignment]
    pg.goto(f"{url}/report/{row.id}")  # type: ignore[attr-defined]
    pg.locator(f"input[data-cell='{cell}']").click()  # type: ignore[attr-defined]
    pg.wait_for_function("document.getElementById('scan-box').style.display === 'block'")  # type: ignore[attr-defined]
    img = pg.locator("#scan-img")  # type: ignore[attr-defined]
    assert img.get_attribute("src") == f"/page/{row.id}/{at_page}.png"
    natural = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert natural == list(record.scan.pages[at_page][:2])  # the page as it was read, deskewed
    box = pg.locator("#scan-box").bounding_box()  # type: ignore[attr-defined]
    frame = img.bounding_box()
    k = frame["width"] / natural[0]
    assert abs(box["x"] - frame["x"] - x0 * k) < 4 and abs(box["width"] - (x1 - x0) * k) < 6
    pg.screenshot(path=str(tmp_path / "review-scan.png"))  # type: ignore[attr-defined]
    # a page that is not there, and a file changed since it was read, are not served
    assert urllib.request.urlopen(f"{url}/page/{row.id}/{at_page}.png").status == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/page/{row.id}/99.png")
    Path(row.path).write_bytes(b"%PDF-1.4 replaced")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/page/{row.id}/{at_page}.png")
