"""Cell tokens: the numbers, blank markers and words of a table region, with their spans.

A table region is split on whitespace and ``|`` (the separators every flattened layout uses). A token
is a number when it is one whole: digits, optional thousands separators, decimals, a sign — and
optional trailing noise such as ``0?`` whose span then covers the digits only. A multi-digit token
with a leading zero (``000``) is cells run together, not a number, and is never read as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Literal, NamedTuple

from nianbao.schema import UNREAD_MARK

TokenKind = Literal["number", "blank", "glued", "word", "note"]

# One pass classifies each token: a parenthesised note, a whole number (with optional trailing noise), a
# blank marker, or a word. The lookaheads make "12件" a word, not the number 12; a number may end where a
# note begins ("105860(其中告知承诺制3204件)"). A note is never a value: agencies annotate cells
# ("其中…"), and a number inside one must not be read as the cell.
_END = r"(?=[\s|(]|\Z)"
_TOKEN = re.compile(
    r"(?P<note>\((?![一二三四五六七八九十]{1,3}\))[^()\n]*\))"  # (not a label's numbering: (三)不予公开)
    rf"|(?P<sign>[减增])?(?P<num>(?P<int>[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+))(?:\.\d+)?)(?P<unit>万元|元)?(?P<noise>[?*'\"`]*){_END}"
    rf"|(?P<blank>[/\\\-—–─]+|无|空){_END}"
    r"|[^\s|(]+|\("
)


# a mark a reader saw in a value cell but could not read (a scan's cell with ink that no reading settled):
# a word, never a blank — what is printed there is unknown, and the row's cells are left unread
UNREAD = UNREAD_MARK


class Token(NamedTuple):  # a NamedTuple: built ~200 times per report, 5x cheaper than a dataclass
    kind: TokenKind
    start: int
    end: int  # for numbers: end of the digits (noise excluded)
    text: str
    value: Decimal | int | None = None
    noise: str = ""
    unit: str = ""  # 元 / 万元 printed in the cell itself
    note: str = ""  # a parenthesised note printed right after the value, kept as provenance, never a value


def _token(m: re.Match[str]) -> Token:
    text = m.group()
    if text.isascii() and text.isdigit() and (len(text) == 1 or text[0] != "0"):
        start = m.start()  # the common case, a plain count: no group lookups
        return Token("number", start, start + len(text), text, int(text))
    num = m["num"]
    if num is not None:
        digits = m["int"].lstrip("+-").replace(",", "")
        if len(digits) > 1 and digits[0] == "0":
            return Token("glued", m.start(), m.end(), m.group())
        plain = num.replace(",", "")
        value: Decimal | int = Decimal(plain) if "." in plain else int(plain)  # int is far cheaper, and exact
        if m["sign"] == "减":  # the 2019 format's 本年增/减: 减4 is −4
            value = -value
        start = m.start()
        end = m.end("unit") if m["unit"] else m.end("num")
        return Token("number", start, end, m.group()[: end - start], value, m["noise"], m["unit"] or "")
    if m["blank"] is not None:
        return Token("blank", m.start(), m.end(), m.group())
    if m["note"] is not None:
        return Token("note", m.start(), m.end(), m.group())
    return Token("word", m.start(), m.end(), m.group())


def classify(text: str, start: int = 0) -> Token:
    """Classify one token's text (the tokenizer's rules applied to a lone string)."""
    m = _TOKEN.match(text)
    if m is None or m.end() != len(text):
        return Token("word", start, start + len(text), text)
    tok = _token(m)
    return tok._replace(start=tok.start + start, end=tok.end + start)


def tokenize(text: str, start: int, end: int) -> Iterator[Token]:
    # Lazy: a row's values are usually its first few tokens, and the rest of the region is never read.
    return (_token(m) for m in _TOKEN.finditer(text, start, end))


def first_run(tokens: Iterable[Token]) -> list[Token]:
    """The first unbroken run of value tokens (numbers, blanks, glued digits) after any leading words.
    Notes are transparent: one right after a value is attached to it (``Token.note``), never read."""
    run: list[Token] = []
    for tok in tokens:
        if tok.kind == "note":
            if run and not run[-1].note:
                run[-1] = run[-1]._replace(note=tok.text)
            continue
        if tok.kind == "word":
            if run:
                break
            continue
        run.append(tok)
    return run


# The common row, whole: words (nothing the tokenizer could read as a value or a note: no digit, no
# parenthesis, no blank marker, no sign), then plain counts, then only separators to the region's end —
# matched at once and split in Python, where the tokenizer takes one match per token. It gives the
# tokenizer's own tokens (a test holds it to that).
_WORD = r"[^\s|(\d/\\\-—–─无空减增+]++"  # (possessive: a failed match backs off in linear time)
_WORDS_THEN_COUNTS = re.compile(
    rf"[\s|]*(?:{_WORD}(?:[\s|]+{_WORD})*[\s|]+)?((?:(?:[1-9]\d*|0)[\s|]+)*(?:[1-9]\d*|0))[\s|]*\Z"
)
_DIGITS = re.compile(r"\d+")


def first_run_in(text: str, start: int, end: int) -> tuple[list[Token], int]:
    """:func:`first_run` over a region, building no token objects for the words it skips; with where the
    run ended (the rest of the region is what the row printed besides its run)."""
    run: list[Token] = []
    whole = _WORDS_THEN_COUNTS.match(text, start, end)
    if whole is not None:
        at = whole.start(1)
        for piece in _DIGITS.findall(whole.group(1)):
            at = text.index(piece, at)
            run.append(Token("number", at, at + len(piece), piece, int(piece)))
            at += len(piece)
        return run, end
    for m in _TOKEN.finditer(text, start, end):
        if m["note"] is not None:
            if run and not run[-1].note:
                run[-1] = run[-1]._replace(note=m.group())
            continue
        if m["num"] is None and m["blank"] is None:
            if run:
                return run, m.start()
            continue
        run.append(_token(m))
    return run, end


def spare_numbers(text: str, start: int, end: int) -> list[Token]:
    """Numbers (or run-together digits) printed in a region outside any note: what a row printed beyond
    the cells it filled. Each one is a reading the row did not account for."""
    return [_token(m) for m in _TOKEN.finditer(text, start, end) if m["num"] is not None]
