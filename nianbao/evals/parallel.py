"""The eval's work in worker processes: the project's local pool (:func:`~nianbao.pool.isolating_map`), with
the results handed back in the items' order whatever order they were sent and finished in — so that what
the eval reports does not depend on how many workers ran it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

from nianbao.pool import isolating_map
from nianbao.schema import Report
from nianbao.worker import init_worker

T = TypeVar("T")
R = TypeVar("R")


def _report_by_value(report: Report) -> tuple[Callable[[Any], Report], tuple[dict[str, Any]]]:
    """How a report travels to a worker: as its fields, validated again there. Its tables' classes are made
    by ``pydantic.create_model`` and cannot be pickled by name."""
    return Report.model_validate, (report.model_dump(),)


ForkingPickler.register(Report, _report_by_value)  # the pool's pickling only; a case carries its truth


# what one worker may hold at its peak: the OCR models and a page at 300 dpi (the whole eval one by one, in one
# process, peaked at 1.99 GiB)
WORKER_MEMORY = 2 << 30


def default_workers() -> int:
    """The machine's cores (those this process may run on), fewer where the memory available would not hold
    that many workers at their peak (:data:`WORKER_MEMORY` each)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, _available_memory() // WORKER_MEMORY))


def _available_memory() -> int:
    """Linux's estimate of the memory available without swapping (bytes); unbounded where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 1 << 62


def _numbered(fn: Callable[[T], R], numbered: tuple[int, T]) -> R:
    return fn(numbered[1])


def in_order(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    *,
    send_first: Sequence[int] | None = None,
    initializer: Callable[..., None] = init_worker,
    initargs: tuple[object, ...] = (0,),
) -> list[R | None]:
    """``[fn(item) for item in items]``, in ``min(workers, len(items))`` processes when that is over 1 (else
    here, in this process). ``send_first``: the items' indices in the order to send them (the longest first,
    so that the pool's tail is short); the results are in the items' order all the same. ``None`` for an item
    that killed its worker process (the others go on). ``fn`` must pickle: a module-level function or a
    ``functools.partial`` of one; ``initializer`` runs once in each worker."""
    workers = min(workers, len(items))
    if workers <= 1:
        return [fn(item) for item in items]
    order = list(send_first) if send_first is not None else list(range(len(items)))
    if sorted(order) != list(range(len(items))):
        raise ValueError("send_first must name every item once")
    out: list[R | None] = [None] * len(items)
    numbered = ((i, items[i]) for i in order)
    for (i, _), result in isolating_map(partial(_numbered, fn), numbered, workers, initializer, initargs):
        out[i] = result
    return out


__all__ = ["default_workers", "in_order"]
