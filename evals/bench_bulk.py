"""Benchmark of the bulk run: ≥10 000 reports rendered from the goldens with variations, into a fresh store.

Run: ``python -m evals.bench_bulk [--reports N] [--workers W] [--format txt|html]``. Prints reports/s, peak
memory (the parent and its worker processes, each at its peak) and the database size; then re-runs to
show that a resumed run skips everything. Figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nianbao import bulk
from nianbao.evals.corpus import VARIANTS, render, renderable
from nianbao.schema import Report

ROOT = Path(__file__).resolve().parent.parent


def generate(folder: Path, n: int, fmt: str) -> int:
    goldens = [
        r
        for d in sorted((ROOT / "goldens").iterdir())
        if (d / "case.json").is_file()
        and json.loads((d / "case.json").read_text(encoding="utf-8"))["expected_status"] == "verified"
        and renderable(r := Report.model_validate_json((d / "expected.json").read_text(encoding="utf-8")))
    ]
    size = 0
    for i in range(n):
        report = goldens[i % len(goldens)].model_copy(update={"agency": f"样本{i:06d}县"})
        data = render(report, fmt, VARIANTS[i % len(VARIANTS)]).data
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"r{i:06d}.{fmt}").write_bytes(data)
        size += len(data)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=bulk.default_workers())
    parser.add_argument("--format", default="txt", choices=["txt", "html"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "in", Path(tmp) / "bench.db"
        folder.mkdir()
        t = time.perf_counter()
        size = generate(folder, args.reports, args.format)
        print(
            f"generated {args.reports} {args.format} reports ({size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s"
        )
        summary = bulk.run([str(folder)], db, workers=args.workers)
        rate = summary.processed / summary.seconds
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        db_size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
        c = summary.counts
        print(
            f"bulk run: {summary.processed} reports in {summary.seconds:.1f} s with {args.workers} worker(s): "
            f"{rate:.0f} reports/s (verified {c['verified']}, rejected {c['rejected']}, failed {c['failed']})"
        )
        print(f"peak memory: parent {peak_self:.0f} MB, largest worker {peak_child:.0f} MB")
        print(f"database: {db_size / 1e6:.1f} MB ({db_size / max(summary.processed, 1) / 1024:.1f} KB per report)")
        again = bulk.run([str(folder)], db, workers=args.workers)
        print(f"re-run: {again.processed} processed, {again.skipped} skipped in {again.seconds:.1f} s")
        from nianbao.store import Store

        t = time.perf_counter()
        with Store(db) as store:
            waiting = [r for r in store.listing() if r.effective_status == "rejected"]
        print(f"review list: {len(waiting)} waiting of {summary.processed} in {time.perf_counter() - t:.2f} s "
              "(columns only, no result unpacked)")  # fmt: skip
        for fmt in ("csv", "parquet", "xlsx"):
            out = Path(tmp) / f"export.{fmt}"
            code = (
                "import resource, sys, time; from pathlib import Path; from nianbao.export import export; "
                f"t = time.perf_counter(); n = export({str(db)!r}, {fmt!r}, Path({str(out)!r})); "
                "print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
            )
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            rows, secs, peak = done.stdout.split()
            print(f"export {fmt}: {rows} rows in {float(secs):.1f} s, peak memory {int(peak) / 1024:.0f} MB, "
                  f"{out.stat().st_size / 1e6:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
