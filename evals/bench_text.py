"""Benchmark of the text path: reports/s for read → normalise → rules → verify (→ findings → JSON), one core.

Run: ``python -m evals.bench_text [--seconds S]``. Prints figures; asserts nothing (speed goals live
here, not in timed tests). Figures from one run are comparable as ratios between stages.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from evals.timing import rate as _rate
from nianbao.bulk import extract_one
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers import read_document
from nianbao.extractor.rules import extract_rules
from nianbao.findings import check_report
from nianbao.verifier import verify

GOLDENS = Path(__file__).resolve().parent.parent / "goldens"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per stage")
    args = parser.parse_args()
    paths = sorted(GOLDENS.glob("*/source.txt"))
    raw = [read_document(p).raw_text for p in paths]
    norm = [normalize(t) for t in raw]
    extracted = [extract_rules(t) for t in norm]
    kb = sum(len(t.encode()) for t in raw) / len(raw) / 1024
    stages: list[tuple[str, Callable[[], object]]] = [
        ("read (decode)", lambda: [read_document(p) for p in paths]),
        ("normalize", lambda: [normalize(t) for t in raw]),
        ("rules parse", lambda: [extract_rules(t) for t in norm]),
        ("verify", lambda: [verify(r.report, r.provenance, t) for r, t in zip(extracted, norm, strict=True)]),
        ("findings", lambda: [check_report(t, r.report, r.sections) for r, t in zip(extracted, norm, strict=True)]),
        (
            "end to end",
            lambda: [
                (lambda t: (lambda r: verify(r.report, r.provenance, t))(extract_rules(t)))(
                    normalize(read_document(p).raw_text)
                )
                for p in paths
            ],
        ),
        # what `nianbao extract` does for each file: the above, the findings, the record and its JSON
        ("whole record", lambda: [extract_one(str(p), "rules") for p in paths]),
    ]
    print(f"text path benchmark: {len(paths)} seed reports, mean {kb:.1f} KB, one process")
    print(f"{'stage':<16}{'reports/s':>12}{'ms/report':>12}")
    for name, fn in stages:
        rate = _rate(fn, len(paths), args.seconds)
        print(f"{name:<16}{rate:>12.0f}{1000 / rate:>12.3f}")


if __name__ == "__main__":
    main()
