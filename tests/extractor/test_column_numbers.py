"""A column-number header repeated inside a row is dropped only where the width and the identity are sure."""

from __future__ import annotations

import pytest

from nianbao.extractor.align import row_total_ok
from nianbao.extractor.cells import Token, classify
from nianbao.extractor.column_numbers import header_before


def _run(printed: str) -> list[Token]:
    return [classify(x) for x in printed.split()]


@pytest.mark.parametrize(
    ("printed", "header"),
    [
        ("1 2 3 4 5 6 705 3 0 0 5 0 713", 6),  # the row: 1–6 are the header's numbering
        ("1 2 3 4 5 6 7 705 3 0 0 5 0 713", 7),  # numbered 1–7 (with 总计)
        ("1 2 3 4 5 6 1 2 3 4 5 6 21", 6),  # true values 1 2 3 4 5 6 21 behind the header: kept
        ("1 2 3 4 5 6 21", 0),  # true values 1 2 3 4 5 6 21 alone: nothing to spare, never touched
        ("1 2 3 4 5 6 705 3 0 0 5 0 714", 0),  # what is left breaks its row: not sure, left ambiguous
        ("1 2 3 4 5 6 21 0 0 0 0 0 21", 0),  # both readings add up: two readings, none chosen
        ("1 2 3 4 5 7 705 3 0 0 5 0 713", 0),  # not the header's numbering
        ("1 2 3 4 5 705 3 0 0 5 0 713", 0),  # five numbers before: no header of that width
        ("1 2 3 4 5 6 705 3 0 0 5 - 713", 0),  # a blank marker: the identity cannot be checked
    ],
)
def test_header_before(printed: str, header: int) -> None:
    assert header_before(_run(printed), 7, row_total_ok) == header
