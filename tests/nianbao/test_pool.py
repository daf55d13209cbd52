"""The local pool: every item once, in order when asked, and a worker's death pinned on its own item even
when items travel in chunks."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from nianbao.errors import InternalError, MissingExtraError
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


class _NeedsKeyword(Exception):
    """An exception Python pickles but cannot unpickle: ``cls(*args)`` lacks the keyword."""

    def __init__(self, message: str, *, where: str) -> None:
        super().__init__(message)
        self.where = where


def _raises_on_5(x: int) -> int:
    if x == 5:
        raise _NeedsKeyword("no reading", where="page 2")
    if x == 6:
        raise MissingExtraError("reading a scan needs the OCR extra", extra="ocr", file="six.pdf")
    return x


def test_an_error_that_cannot_travel_back_is_named_not_taken_for_a_death() -> None:
    # unpickling it in the parent broke the pool: item 5 came back as None ("killed its worker")
    with pytest.raises(InternalError, match=r"_NeedsKeyword: no reading"):
        list(isolating_map(_raises_on_5, iter(range(5, 6)), 2, _noop))


def test_nianbao_errors_travel_back_with_their_context() -> None:
    with pytest.raises(MissingExtraError) as caught:
        list(isolating_map(_raises_on_5, iter(range(6, 7)), 2, _noop))
    assert (caught.value.extra, caught.value.file) == ("ocr", "six.pdf")
    assert "pip install 'nianbao[ocr]'" in str(caught.value)


def test_an_item_that_cannot_be_sent_raises() -> None:
    with pytest.raises(TypeError, match="pickle"):
        list(isolating_map(_square, iter([1, threading.Lock(), 3]), 2, _noop))  # type: ignore[list-item]
