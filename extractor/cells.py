"""Cell tokens: the numbers, blank markers and words of a table region, with their spans.

A table region is split on whitespace and ``|`` (the separators every flattened layout uses). A token
is a number when it is one whole: digits, optional thousands separators, decimals, a sign — and
optional trailing noise such as ``0?`` whose span then covers the digits only. A multi-digit token
with a leading zero (``000``) is cells run together, not a number, and is never read as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

TokenKind = Literal["number", "blank", "glued", "word"]

_TOKEN = re.compile(r"[^\s|]+")
_NUMBER = re.compile(r"(?P<num>(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?)(?P<noise>[?*'\"`]*)")
_BLANK = re.compile(r"[/\\\-—–─]+|无|空|—+")


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    start: int
    end: int  # for numbers: end of the digits (noise excluded)
    text: str
    value: Decimal | None = None
    noise: str = ""


def classify(text: str, start: int) -> Token:
    m = _NUMBER.fullmatch(text)
    if m:
        digits = m["int"].replace(",", "")
        if len(digits) > 1 and digits.startswith("0"):
            return Token("glued", start, start + len(text), text)
        num = m["num"]
        return Token("number", start, start + len(num), num, Decimal(num.replace(",", "")), m["noise"])
    if _BLANK.fullmatch(text):
        return Token("blank", start, start + len(text), text)
    return Token("word", start, start + len(text), text)


def tokenize(text: str, start: int, end: int) -> list[Token]:
    return [classify(m.group(), m.start()) for m in _TOKEN.finditer(text, start, end)]


def first_run(tokens: list[Token]) -> list[Token]:
    """The first unbroken run of value tokens (numbers, blanks, glued digits) after any leading words."""
    run: list[Token] = []
    for tok in tokens:
        if tok.kind == "word":
            if run:
                break
            continue
        run.append(tok)
    return run
