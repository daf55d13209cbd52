"""Benchmark of the review page as a reviewer works it: Chromium (Debian's, through Playwright) plays a
reviewer on the seeded rejected reports (:mod:`nianbao.evals.review_seeds`: a run-together row, a misread
scan digit, a source error with every cell read) and counts what each took from opening it until the
decision is saved — keyboard only, no clicks.

Run: ``python -m evals.bench_review [--lang zh|en] [--no-scan]``. Prints, per report, the actions (a value
typed is one action however many digits it has; every other key is one), the keystrokes, the clicks and
the decision the store then holds; exits 1 if a report was not cleared or took more than 8 actions.
The scan needs LibreOffice and the OCR extra (~1–3 minutes to make and read); without them it is left out.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao import bulk
from nianbao.evals.review_seeds import write_seeds
from nianbao.store import Store

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
MOST = 8  # actions a seeded report may take

# what a reviewer does on each, from the moment the report opens (the first cell at fault has the focus)
Step = tuple[str, str]  # ("type", text) | ("press", key)
PLAYS: dict[str, tuple[list[Step], str]] = {
    # the row prints 31031: the reviewer reads 3 10 31 in the PDF and types the row at once
    "run_together": ([("type", "3 10 31"), ("press", "Enter"), ("press", "c"), ("press", "Enter")], "corrected"),
    # the scan's 予以公开 row: the rubbed-out 1 of 12; the page image shows the row
    "scan": ([("type", "12 0 0 0 0 0 12"), ("press", "Enter"), ("press", "c"), ("press", "Enter")], "corrected"),
    # every cell read, the agency's sums wrong: accept with the offered reason (the broken sums)
    "source_error": ([("press", "a"), ("press", "Enter")], "source_error"),
}


@dataclass(frozen=True)
class Played:
    name: str
    actions: int
    keystrokes: int
    clicks: int
    decision: str | None
    seconds: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``nianbao review serve`` on the store until the block ends; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli", "review", "serve", "--db", str(db), "--port", str(port), *options],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def ids_by_seed(db: Path) -> dict[str, int]:
    with Store(db) as s:
        return {Path(r.path).stem: r.id for r in s.latest()}


def play(page: Any, url: str, rid: int, steps: list[Step]) -> tuple[int, int]:
    """Open the report and play the steps; (actions, keystrokes). Waits for the decision's page."""
    page.goto(f"{url}/report/{rid}", wait_until="domcontentloaded")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('cell')")
    keystrokes = 0
    for kind, value in steps:
        if kind == "type":
            page.keyboard.type(value)
            keystrokes += len(value)
        else:
            page.keyboard.press(value)
            keystrokes += 1
    page.wait_for_selector("#message, #error", timeout=60_000)
    return len(steps), keystrokes


def run(lang: str, scan: bool) -> list[Played]:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        raise SystemExit("needs Debian's chromium")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        write_seeds(ROOT / "goldens", folder, scan=None if scan else False)
        db = Path(tmp) / "s.db"
        bulk.run([str(folder)], db)
        ids = ids_by_seed(db)
        with serving(db, "--reviewer", "审核员甲", "--lang", lang) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(120_000)
            for name, (steps, _) in PLAYS.items():
                if name not in ids:
                    continue
                started = time.perf_counter()
                actions, keys = play(page, url, ids[name], steps)
                with Store(db) as s:
                    decision = s.get(ids[name]).decision
                out.append(Played(name, actions, keys, 0, decision, time.perf_counter() - started))
            browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--no-scan", action="store_true", help="leave the scan out (no OCR)")
    args = parser.parse_args()
    played = run(args.lang, not args.no_scan)
    print(f"{'report':<14} {'actions':>7} {'keystrokes':>10} {'clicks':>6}  {'decision':<14} {'seconds':>7}")
    ok = True
    for p in played:
        want = PLAYS[p.name][1]
        cleared = p.decision == want and p.actions <= MOST
        ok &= cleared
        print(
            f"{p.name:<14} {p.actions:>7} {p.keystrokes:>10} {p.clicks:>6}  {p.decision or '-':<14} {p.seconds:>7.1f}"
            + ("" if cleared else f"  NOT CLEARED (wanted {want} in <= {MOST} actions)")
        )
    sys.exit(0 if ok and played else 1)


if __name__ == "__main__":
    main()
