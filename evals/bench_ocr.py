"""Benchmark OCR: pages/s and accuracy of RapidOCR (nianbao's engine) and, where installed, Tesseract 5
with Debian's chi_sim, on the same scanned pages.

Run: ``python -m evals.bench_ocr [--goldens N] [--dpi 150]``. Pages: the seed goldens rendered as the eval
renders scans (LibreOffice PDF → page images turned a fraction of a degree, noise, JPEG). Both engines get
the same deskewed page and the same cell grid from its ruling lines; RapidOCR through nianbao's reader
(borders cut its boxes, empty-looking cells re-read from their ink), Tesseract as usually run — one call a
page (``--psm 6``, TSV words), each word placed in the cell holding its centre. Accuracy: the report's
cells read right (of the golden's) and whether the report verifies exactly. No cache. Prints figures.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from nianbao.evals.cases import golden_cases
from nianbao.evals.corpus import _cells, render, renderable, scan_pdf
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers.ocr import engine, join_pages, pdf_pages
from nianbao.extractor.readers.ocr_page import _join_line, _lines, _Piece, _render, _Slot, read_page
from nianbao.extractor.readers.pdf import strip_furniture
from nianbao.extractor.readers.ruling import deskew, tables
from nianbao.pipeline import extract_text
from nianbao.schema import SourceInfo

ROOT = Path(__file__).resolve().parent.parent


def _tesseract_page(gray: Any, dpi: float) -> str:
    from PIL import Image

    gray = deskew(gray, dpi)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, "PNG", dpi=(dpi, dpi))
    tsv = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "--dpi", str(int(dpi)), "tsv"],
        input=buf.getvalue(), capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")  # fmt: skip
    words = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[0] == "5" and f[11].strip() and float(f[10]) > 0:
            x, y, w, h = (int(v) for v in f[6:10])
            words.append(_Piece(f[11].strip(), (x, y, x + w, y + h), float(f[10]) / 100))
    found = tables(gray, dpi)
    slots = [{(c.row, c.col): _Slot(c) for c in t.cells} for t in found]
    loose = []
    for p in words:
        cx, cy = (p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2
        hit = None
        for table in slots:
            for s in table.values():
                b = s.cell.box
                if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                    hit = s
        if hit is None:
            loose.append(p)
        else:
            hit.pieces.append(p)
    blocks = [(line[0].box[1], _join_line(line)) for line in _lines(loose)]
    blocks += [(t.box[1], _render(t, s)) for t, s in zip(found, slots, strict=True)]
    return "\n".join(text for _, text in sorted(blocks, key=lambda b: b[0]))


def _score(text: str, truth: Any, name: str) -> tuple[int, int, bool]:
    norm = normalize(text)
    src = SourceInfo(path=name, format="scan", sha256="", normalized_sha256="")
    record = extract_text(norm, src, "rules")
    want, got = _cells(truth), _cells(record.report())
    right = sum(1 for k, v in want.items() if got.get(k) == v)
    return right, len(want), record.status == "verified" and right == len(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--goldens", type=int, default=5, help="how many renderable goldens (seeds first)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()
    cases = [
        g for g in golden_cases(ROOT / "goldens")
        if g.kind == "golden" and g.expected_status == "verified" and not g.expected_outcome and renderable(g.truth)
    ]  # fmt: skip
    cases.sort(key=lambda g: (not g.name.startswith("seed_"), g.name))
    cases = cases[: args.goldens]
    have_tesseract = shutil.which("tesseract") is not None
    totals: dict[str, list[float]] = {"rapidocr": [0, 0, 0, 0, 0], "tesseract": [0, 0, 0, 0, 0]}
    eng = engine()
    with tempfile.TemporaryDirectory() as tmp:
        for g in cases:
            path = Path(tmp) / f"{g.name}.pdf"
            path.write_bytes(scan_pdf(render(g.truth, "lo_pdf", "plain", g.name).data, args.dpi, g.name))
            frames = [(np.asarray(img, dtype=np.uint8), dpi) for img, dpi in pdf_pages(path)]
            engines: list[tuple[str, Any]] = [("rapidocr", lambda gr, d: read_page(gr, d, eng)[0])]
            if have_tesseract:
                engines.append(("tesseract", _tesseract_page))
            for label, fn in engines:
                start = time.perf_counter()
                text = join_pages([strip_furniture(fn(gray, dpi)) for gray, dpi in frames])
                seconds = time.perf_counter() - start
                right, n, exact = _score(text, g.truth, g.name)
                t = totals[label]
                t[0] += len(frames)
                t[1] += seconds
                t[2] += right
                t[3] += n
                t[4] += exact
                print(f"{g.name:<28}{label:<10} {len(frames)} pages {seconds:6.1f} s  cells {right}/{n}  "
                      f"{'exact' if exact else 'not exact'}")  # fmt: skip
    print(f"\n{len(cases)} reports at {args.dpi} dpi (one process; onnxruntime and tesseract use every core)")
    for label, figures in totals.items():
        n_pages, total_s, cells_right, cells, reports_exact = figures
        if n_pages:
            print(f"  {label:<10} {n_pages / total_s:5.2f} pages/s   cells right {cells_right / cells:6.1%}   "
                  f"reports exact {int(reports_exact)}/{len(cases)}")  # fmt: skip
    if not have_tesseract:
        print("  tesseract  not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)")


if __name__ == "__main__":
    main()
