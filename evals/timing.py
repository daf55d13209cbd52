"""Timing for the benchmarks: best of three blocks, so that a busy shared machine disturbs less."""

from __future__ import annotations

import time
from collections.abc import Callable


def rate(fn: Callable[[], object], items: int, seconds: float) -> float:
    """Items per second of ``fn`` (which handles ``items`` items per call), best of three timed blocks."""
    fn()
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            fn()
            n += items
        best = max(best, n / elapsed)
    return best
