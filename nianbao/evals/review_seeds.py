"""Three rejected reports a reviewer meets every day, seeded from the goldens for the review page's browser
tests and its benchmark (``evals/bench_review.py``):

- ``run_together``: seed 001 with table 2's 行政规范性文件 row printed ``31031`` (3 10 31 run together): four
  readings satisfy the table, so the row waits for a person;
- ``scan``: seed 001 rendered by LibreOffice, scanned at 150 dpi with half of one digit of table 3 rubbed
  out (needs LibreOffice and the OCR extra; left out without them);
- ``source_error``: seed 000 with 予以公开 printed 10 where the agency's own sums say 9 — every cell read,
  the agency's arithmetic wrong.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

from nianbao.evals.cases import golden_cases

RUN_TOGETHER = ("行政规范性文件\t3\t10\t31", "行政规范性文件\t31031")
SOURCE_ERROR = ("（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n")
SEEDS = ("run_together", "scan", "source_error")


def can_scan() -> bool:
    return find_spec("rapidocr_onnxruntime") is not None and shutil.which("soffice") is not None


def _plant(text: str, change: tuple[str, str]) -> str:
    old, new = change
    if text.count(old) != 1:
        raise ValueError(f"the passage to plant occurs {text.count(old)} times: {old!r}")
    return text.replace(old, new)


def write_seeds(goldens: Path, folder: Path, scan: bool | None = None) -> dict[str, Path]:
    """Write the seeded reports into ``folder``; the scan only where it can be made (``scan=None``: if the
    tools are there)."""
    from nianbao.evals.corpus import render, scan_pdf

    cases = {c.name: c for c in golden_cases(goldens)}
    s000 = next(c for n, c in cases.items() if n.startswith("seed_000"))
    s001 = next(c for n, c in cases.items() if n.startswith("seed_001"))
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "run_together": folder / "run_together.txt",
        "source_error": folder / "source_error.txt",
    }
    out["run_together"].write_text(_plant(s001.path.read_text(encoding="utf-8"), RUN_TOGETHER), encoding="utf-8")
    out["source_error"].write_text(_plant(s000.path.read_text(encoding="utf-8"), SOURCE_ERROR), encoding="utf-8")
    if scan if scan is not None else can_scan():
        pdf = render(s001.truth, "lo_pdf", "plain", s001.name).data
        out["scan"] = folder / "scan.pdf"
        out["scan"].write_bytes(scan_pdf(pdf, 150, s001.name, damage=True))
    return out
