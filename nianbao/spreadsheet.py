"""Cells for spreadsheets: every text cell of every CSV and xlsx nianbao writes (``export``, ``metrics``,
``findings``) goes through :func:`cell`, so that none is run as a formula and none is too long for Excel.

- **Formula injection** (OWASP's rule): text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is written with a leading apostrophe — an agency name, a path, a label printed in a report are
  text from outside. A number written as text (``-0.0500``, a metric's change) is a number, left as it is.
- **Excel's cell limit** (32 767 characters): longer text — the list of a report's copies when it has many
  — is cut with a marker saying how long it was, never an export that fails whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_LEAD = frozenset(FORMULA_LEAD)
XLSX_CELL_CHARS = 32_767
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(text: str | None) -> str | None:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe; a number as text, kept."""
    if text and text[0] in _LEAD and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: Any) -> Any:
    """A CSV cell: text neutralised, anything else as it is."""
    return neutralise(value) if isinstance(value, str) else value


def xlsx_cell(value: Any) -> Any:
    """An xlsx cell: as :func:`cell`, and text over Excel's limit cut with a marker of its full length."""
    value = cell(value)
    if isinstance(value, str) and len(value) > XLSX_CELL_CHARS:
        marker = f" … [cut: {len(value)} characters, over Excel's cell limit; the CSV and JSONL exports hold all]"
        return value[: XLSX_CELL_CHARS - len(marker)] + marker
    return value


# the rows of a CSV: the test of :func:`neutralise` written out, not called a cell — an export writes
# millions of cells, and a call each cost it half as much time again as writing them (3.3 s against 2.2 for
# 200 000 rows); text is rarely a formula, so most cells pass at the first two tests


def row(values: Iterable[Any]) -> list[Any]:
    return ["'" + v if v.__class__ is str and v and v[0] in _LEAD and not _NUMBER.fullmatch(v) else v for v in values]


def record(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: "'" + v if v.__class__ is str and v and v[0] in _LEAD and not _NUMBER.fullmatch(v) else v
        for k, v in values.items()
    }
