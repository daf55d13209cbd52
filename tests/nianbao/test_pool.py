"""The local pool: every item once, in order when asked, and a worker's death pinned on its own item even
when items travel in chunks."""

from __future__ import annotations

import os
import signal

from nianbao.pool import isolating_map


def _noop(*_: object) -> None:
    pass


def _square(x: int) -> int:
    return x * x


def _dies_on_37(x: int) -> int:
    if x == 37:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
    return x * x


def test_every_item_once_in_order_when_asked() -> None:
    ordered = list(isolating_map(_square, iter(range(500)), 2, _noop, ordered=True))
    assert ordered == [(i, i * i) for i in range(500)]
    unordered = list(isolating_map(_square, iter(range(500)), 2, _noop))
    assert sorted(unordered) == ordered


def test_a_death_inside_a_chunk_fails_that_item_alone() -> None:
    # quick items: by item 37 they travel in chunks, so the death breaks a chunk and whatever else was in
    # flight; each is run again alone and only 37 comes back without a result
    got = list(isolating_map(_dies_on_37, iter(range(120)), 2, _noop, ordered=True))
    assert [i for i, _ in got] == list(range(120))
    assert [i for i, r in got if r is None] == [37]
    assert all(r == i * i for i, r in got if i != 37)
