"""Benchmark of the bulk run at several sizes: reports rendered from the goldens with variations, into a
fresh store each.

Run: ``python -m evals.bench_bulk [--reports 1000 100000] [--workers W] [--format txt|html] [--xlsx]``.
For each size, in fresh processes: a bare regex pass over the same files (read, find the numbers), then
``run`` (reports/s, ms a report, peak memory of the writer and of its largest worker, bytes a stored
report), a re-run (skips everything), ``review list`` and the exports (time, peak memory). Each rate is
also given as a ratio to the bare pass in the same run, and the cost a report against the first size's
(cost must grow linearly). xlsx is exported only with ``--xlsx`` (at 100 000 reports it is 14 M rows).
Figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nianbao import bulk
from nianbao.evals.corpus import VARIANTS, render, renderable
from nianbao.schema import Report

ROOT = Path(__file__).resolve().parent.parent
# A command's peak resident memory in KB. Linux: VmHWM, which starts afresh at exec (ru_maxrss would also
# count this benchmark's own pages, inherited by the fork that started the command).
PEAK = """
def peak_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
BARE = """
import re, sys, time
from pathlib import Path
files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file())
number = re.compile(r"\\d+(?:\\.\\d+)?")
t = time.perf_counter()
found = sum(len(number.findall(f.read_bytes().decode("utf-8", "replace"))) for f in files)
print(len(files) / (time.perf_counter() - t))
"""
RUN = (
    PEAK
    + """
import json, resource, sys
from nianbao import bulk
s = bulk.run([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]))
print(json.dumps({"processed": s.processed, "seconds": s.seconds, "counts": dict(s.counts), "skipped": s.skipped,
                  "self": peak_kb(),
                  "child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""
)
LISTING = """
import sys, time
from nianbao.store import Store
t = time.perf_counter()
with Store(sys.argv[1]) as store:
    waiting = sum(1 for _ in store.waiting())  # what review list shows
print(waiting, time.perf_counter() - t)
"""
EXPORT = (
    PEAK
    + """
import sys, time
from pathlib import Path
from nianbao.export import export
t = time.perf_counter()
n = export(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
print(n, time.perf_counter() - t, peak_kb())
"""
)


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


def _py(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--workers", type=int, default=bulk.default_workers())
    parser.add_argument("--format", default="txt", choices=["txt", "html"])
    parser.add_argument("--xlsx", action="store_true", help="also export xlsx (slow at large sizes)")
    args = parser.parse_args()
    first_ms: float | None = None
    for n in args.reports:
        with tempfile.TemporaryDirectory() as tmp:
            folder, db = Path(tmp) / "in", Path(tmp) / "bench.db"
            folder.mkdir()
            t = time.perf_counter()
            size = generate(folder, n, args.format)
            print(f"\n== {n} {args.format} reports ({size / 1e6:.1f} MB), generated in {time.perf_counter() - t:.0f} s")
            bare = float(_py(BARE, str(folder)))
            out = json.loads(_py(RUN, str(folder), str(db), str(args.workers)))
            rate = out["processed"] / out["seconds"]
            ms = 1000 / rate
            first_ms = first_ms or ms
            db_size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
            print(f"run: {out['processed']} in {out['seconds']:.1f} s with {args.workers} worker(s): {rate:.0f} "
                  f"reports/s ({ms:.2f} ms a report, {ms / first_ms:.2f}x the first size's); bare regex pass "
                  f"{bare:.0f}/s: ratio {rate / bare:.3f}; {out['counts']}")  # fmt: skip
            print(f"peak memory: writer {out['self'] / 1024:.0f} MB, largest worker {out['child'] / 1024:.0f} MB")
            print(f"store: {db_size / 1e6:.1f} MB ({db_size / max(out['processed'], 1) / 1024:.1f} KB a report)")
            again = json.loads(_py(RUN, str(folder), str(db), str(args.workers)))
            print(f"re-run: {again['processed']} processed, {again['skipped']} skipped in {again['seconds']:.1f} s")
            waiting, secs = _py(LISTING, str(db)).split()
            print(f"review list: {waiting} waiting of {out['processed']} in {float(secs):.2f} s (columns only)")
            for fmt in ("csv", "parquet", *(["xlsx"] if args.xlsx else [])):
                target = Path(tmp) / f"export.{fmt}"
                rows, secs, peak = _py(EXPORT, str(db), fmt, str(target)).split()
                print(f"export {fmt}: {rows} rows in {float(secs):.1f} s, peak memory {int(peak) / 1024:.0f} MB, "
                      f"{target.stat().st_size / 1e6:.1f} MB")  # fmt: skip
                target.unlink()


if __name__ == "__main__":
    main()
