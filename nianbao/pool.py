"""Local worker processes for many files: bounded in flight, sent in chunks, and isolating a file that kills
its worker.

A file is sent with others in a chunk when files are quick (a text report takes ~3 ms; sending each alone
costs ~0.5 ms of pickling and waking processes), alone when they are slow (a scanned PDF: seconds), so that
a slow file does not hold quick ones behind it. A worker that dies (the out-of-memory killer, a crash in a
native library) breaks the whole pool and every file in flight with it: those are then run again one at a
time in a fresh pool, so that the one that kills its worker is known — it alone fails; the others go on.
"""

from __future__ import annotations

import pickle
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Generic, NamedTuple, TypeVar

from nianbao.errors import InternalError

T = TypeVar("T")
R = TypeVar("R")

CHUNK_SECONDS = 0.02  # a chunk's work, about: the sending costs ~1 % of it, and a chunk waits little behind another
MAX_CHUNK = 32


def run_chunk(fn: Callable[[T], R], items: list[T]) -> tuple[list[R], float]:
    """In a worker: ``fn`` over one chunk, with the seconds it took (the parent sizes the next chunks by it).
    An exception ``fn`` raises goes back to the parent as it is where it can (pickled, then unpickled there),
    else as an :class:`~nianbao.errors.InternalError` naming it: one the parent cannot unpickle (a class
    whose ``__init__`` requires arguments its ``args`` do not hold) would break the pool, and the item would be
    taken for one that killed its worker."""
    start = time.perf_counter()
    try:
        return [fn(i) for i in items], time.perf_counter() - start
    except Exception as e:
        if _travels(e):
            raise
        raise InternalError(f"{type(e).__module__}.{type(e).__qualname__}: {e}") from None


def _travels(error: BaseException) -> bool:
    """Whether ``error`` comes back whole from a worker process."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True


class _Sent(NamedTuple, Generic[T]):
    """One chunk in flight: its items and their places in the input (for the ordered output)."""

    seqs: list[int]
    items: list[T]


def isolating_map(
    fn: Callable[[T], R],
    items: Iterator[T],
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple[object, ...] = (),
    *,
    ordered: bool = False,
) -> Iterator[tuple[T, R | None]]:
    """``(item, fn(item))`` for every item, run in ``workers`` processes; ``None`` for an item that killed its
    worker. As they finish, or (``ordered``) in the items' order. In flight, and (ordered) finished but held
    for an earlier item, at most ``workers * 4`` chunks' worth: memory stays flat on a province-sized folder.
    ``fn`` and the items must pickle (``fn`` a module-level function or a ``functools.partial`` of one)."""

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=initargs)

    pool = new_pool()
    limit = workers * 4
    chunk, per_item = 1, 0.0  # the first files go alone: until one is timed, nothing says they are quick
    pending: dict[Future[tuple[list[R], float]], _Sent[T]] = {}
    suspects: deque[tuple[int, T]] = deque()  # in flight when a worker died: each run alone
    isolating = False
    held: dict[int, tuple[T, R | None]] = {}  # finished ahead of an earlier item (ordered)
    head = sent = 0  # the next item to yield (ordered); the number of items taken from ``items``
    exhausted = False

    def submit(seqs: list[int], batch: list[T]) -> None:
        pending[pool.submit(run_chunk, fn, batch)] = _Sent(seqs, batch)

    def finish(seq: int, item: T, result: R | None) -> Iterator[tuple[T, R | None]]:
        nonlocal head
        if not ordered:
            yield item, result
            return
        held[seq] = (item, result)
        while head in held:
            yield held.pop(head)
            head += 1

    try:
        while True:
            if isolating:
                if not pending and suspects:
                    seq, one = suspects.popleft()
                    submit([seq], [one])
            else:
                # ordered: nothing sent too far ahead of the item waited for, so what is held stays bounded
                while not exhausted and len(pending) < limit and (not ordered or sent - head < limit * chunk):
                    batch = list(islice(items, chunk))
                    if len(batch) < chunk:
                        exhausted = True
                    if batch:
                        submit(list(range(sent, sent + len(batch))), batch)
                        sent += len(batch)
            if not pending:
                if isolating:  # every suspect has run: back to chunks
                    isolating = False
                    continue
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken: list[_Sent[T]] = []
            for fut in finished:
                one_sent = pending.pop(fut)
                try:
                    results, seconds = fut.result()
                except BrokenProcessPool:
                    broken.append(one_sent)
                    continue
                per_item = seconds / len(results)
                for seq, item, result in zip(one_sent.seqs, one_sent.items, results, strict=True):
                    yield from finish(seq, item, result)
            if broken:
                if isolating:  # the one file in flight killed its worker: it alone fails
                    for one_sent in broken:
                        yield from finish(one_sent.seqs[0], one_sent.items[0], None)
                else:
                    for one_sent in [*broken, *pending.values()]:
                        suspects.extend(zip(one_sent.seqs, one_sent.items, strict=True))
                    suspects = deque(sorted(suspects, key=lambda s: s[0]))  # in order: the held ones go out first
                    isolating = True
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
            if not isolating:
                chunk = max(1, min(MAX_CHUNK, int(CHUNK_SECONDS / per_item))) if per_item > 0 else MAX_CHUNK
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["isolating_map", "run_chunk"]
