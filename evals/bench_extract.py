"""Benchmark of ``nianbao extract`` over many text reports, against a bare regex pass in the same run.

Run: ``python -m evals.bench_extract [--files 1000 10000 100000]``. For each size it writes that many distinct
text reports (the seeds under different agency names), then measures in fresh processes: a bare pass
(read each file, find its numbers with one regex) and ``nianbao extract`` writing JSONL to a file, each
with its reports/s and peak memory (ru_maxrss). Prints figures and the ratio extract / bare; asserts
nothing (speed goals live here, not in timed tests; ratios within one run are what to compare).

Also the floor: ``nianbao extract`` over a folder of one report, i.e. start-up (interpreter, imports, the
pool not started) and one file, and the best ratio that floor allows — what the ratio would be if every
report after it cost nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GOLDENS = Path(__file__).resolve().parent.parent / "goldens"
BARE = """
import re, resource, sys, time
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.txt"))
number = re.compile(r"\\d+(?:\\.\\d+)?")
t = time.perf_counter()
found = 0
for f in files:
    found += len(number.findall(f.read_text(encoding="utf-8")))
s = time.perf_counter() - t
print(len(files) / s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
EXTRACT = """
import resource, subprocess, sys, time
from pathlib import Path
n = sum(1 for _ in Path(sys.argv[1]).glob("*.txt"))
t = time.perf_counter()
with open(sys.argv[2], "w") as out:  # the folder, as a user would give 100 000 files (argv could not hold them)
    done = subprocess.run([sys.executable, "-m", "nianbao.cli", "extract", "--backend", "rules", *sys.argv[3:],
                           sys.argv[1]], stdout=out, stderr=subprocess.DEVNULL)
s = time.perf_counter() - t
size = Path(sys.argv[2]).stat().st_size / n
print(n / s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, size)
"""


def _write(folder: Path, n: int) -> None:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(GOLDENS.glob("seed_*/source.txt"))]
    names = ["巫山县", "郏县", "万盛经济技术开发区", "广河县", "白露"]
    for i in range(n):
        k = i % len(seeds)
        text = seeds[k].replace(names[k], f"{names[k]}{i:06d}", 1) if names[k] in seeds[k] else seeds[k] + f"\n{i}\n"
        (folder / f"r{i:06d}.txt").write_text(text, encoding="utf-8")


def _run(code: str, *args: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return [float(x) for x in done.stdout.split()]


@contextmanager
def _reports(n: int) -> Iterator[tuple[Path, Path, float]]:
    """A temporary folder of ``n`` reports, the JSONL path beside it, and the seconds writing them took."""
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as work:
        folder = Path(work) / "in"
        folder.mkdir()
        start = time.perf_counter()
        _write(folder, n)
        yield folder, Path(work) / "out.jsonl", time.perf_counter() - start


def _floor(extra: list[str]) -> float:
    """Seconds of ``nianbao extract`` over a folder holding one seed report, best of three."""
    with _reports(1) as (folder, out, _):
        return min(_run(EXTRACT, str(folder), str(out), *extra)[0] ** -1 for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, nargs="+", default=[1000])
    parser.add_argument("--extra", nargs="*", default=[], help="extra options for nianbao extract (e.g. --indent 2)")
    args = parser.parse_args()
    floor = _floor(args.extra)
    print(f"extract over one report: {floor:.2f} s (best of three)")
    print(f"{'files':>8}{'bare/s':>10}{'extract/s':>11}{'ratio':>8}{'ceiling':>9}{'peak MB':>9}{'KB/report':>11}")
    for n in args.files:
        with _reports(n) as (folder, out, written):
            bare, _ = _run(BARE, str(folder))
            rate, peak_kb, per_report = _run(EXTRACT, str(folder), str(out), *args.extra)
            ceiling = n / bare / floor  # the bare pass's seconds over the floor's: reports after the first free
            print(f"{n:>8}{bare:>10.0f}{rate:>11.0f}{rate / bare:>8.3f}{ceiling:>9.2f}{peak_kb / 1024:>9.0f}"
                  f"{per_report / 1024:>11.1f}   (files written in {written:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
