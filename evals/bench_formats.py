"""Benchmark by input format: reports/s for text, HTML and DOCX; pages/s and reports/s for PDF.

Run: ``python -m evals.bench_formats [--seconds S]``. The inputs are the seed goldens rendered by the
corpus generator (same tables in every format, so the figures compare formats) plus the real reports
the goldens carry. One process, one core; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from evals.timing import rate
from nianbao.evals.corpus import render
from nianbao.extractor.readers.pdf import pdf_to_text
from nianbao.pipeline import extract_file
from nianbao.schema import Report

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "goldens"


def _seeds() -> list[Report]:
    return [
        Report.model_validate_json((d / "expected.json").read_text(encoding="utf-8"))
        for d in sorted((ROOT / "goldens").glob("seed_*"))
    ]


def _rate(paths: list[Path], seconds: float) -> float:
    return rate(lambda: [extract_file(p) for p in paths], len(paths), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per format")
    args = parser.parse_args()
    seeds = _seeds()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"format benchmark: {len(seeds)} seed reports rendered per format, one process")
        print(f"{'input':<28}{'reports/s':>11}{'ms/report':>11}{'pages/s':>10}")
        for fmt in ("txt", "html", "docx", "pdf"):
            paths = []
            for i, seed in enumerate(seeds):
                r = render(seed, fmt, "plain")
                path = Path(tmp) / f"seed{i}{r.suffix}"
                path.write_bytes(r.data)
                paths.append(path)
            rate = _rate(paths, args.seconds)
            pages = ""
            if fmt == "pdf":
                n_pages = sum(pdf_to_text(p)[1] for p in paths)
                pages = f"{rate * n_pages / len(paths):.0f}"
            print(f"{'rendered ' + fmt:<28}{rate:>11.0f}{1000 / rate:>11.2f}{pages:>10}")
    for case in ("dev_pingtan_2023_html", "dev_shuyang_fgj_2023_html", "dev_pingtan_2023_txt", "dev_hongze_2023_pdf"):
        for path in sorted((GOLDENS / case).glob("source.*")):
            name = case
            rate = _rate([path], args.seconds / 2)
            pages = f"{rate * pdf_to_text(path)[1]:.0f}" if path.suffix == ".pdf" else ""
            print(f"{name:<28}{rate:>11.0f}{1000 / rate:>11.2f}{pages:>10}")


if __name__ == "__main__":
    main()
