"""Column-number headers repeated inside rows: OCR and PDF converters copy the header's numbering of
table 3's columns (``1 2 3 4 5 6``, the numbered sub-columns of 法人或其他组织 and the columns beside them)
into the rows, so a row prints ``1 2 3 4 5 6 705 3 0 0 5 0 713``.

The leading numbers are taken for the header only where that is certain: they are exactly ``1 2 … k``,
the row holds exactly ``k`` numbers more than it has cells (the width says so), the numbers after them
satisfy the row's own identity and the first cells read as printed do not. Anything else is left as it
was (a row whose true values are ``1 2 3 4 5 6 21`` has no numbers to spare and is never touched; a row
the identity cannot settle stays ambiguous for a person).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from nianbao.extractor.cells import Token

HEADER_WIDTHS = (6, 7)  # 1–6 (自然人 and the five 法人 columns) or 1–7 (with 总计)


def header_before(run: Sequence[Token], ncols: int, check: Callable[[Sequence[int | Decimal]], bool]) -> int:
    """How many leading numbers of ``run`` are a repeated column-number header (0: none, or not certain)."""
    k = len(run) - ncols
    if k not in HEADER_WIDTHS or any(t.kind != "number" or t.note or t.noise for t in run):
        return 0
    if any(t.value != i for i, t in enumerate(run[:k], start=1)):
        return 0
    values = [t.value for t in run if t.value is not None]
    if check(values[k:]) and not check(values[:ncols]):
        return k
    return 0


def describe(run: Sequence[Token], k: int) -> str:
    return f"the header's column numbers {' '.join(t.text for t in run[:k])} repeated before the values (not values)"
