"""The text a model is shown under prompt v2: every printed number marked with an id (``⟦17:6233440⟧``).

The table's section, and the sentences of the report's own words that state a count (``…62件``), each
number replaced by its mark; the ids index :class:`Mark` objects holding the number's span in the
normalised text, so that an answer citing "17" or "17:0-2" is turned back into a span there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.schema import Span

# A printed number: digits, with thousands separators or decimals. Full-width digits are ASCII by now.
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")
_COUNT = re.compile(r"\d+\s*件")
MAX_SENTENCES = 40


@dataclass(frozen=True)
class Mark:
    id: int
    start: int
    end: int
    text: str
    in_table: bool  # False: a number of the report's own words


@dataclass
class Marked:
    table: str  # the section, numbers marked
    words: str  # the narrative's sentences that state counts, numbers marked ("" when none)
    marks: dict[int, Mark]


def _mark(text: str, start: int, end: int, marks: dict[int, Mark], in_table: bool) -> str:
    out: list[str] = []
    at = start
    for m in NUMBER.finditer(text, start, end):
        k = len(marks) + 1
        marks[k] = Mark(k, m.start(), m.end(), m.group(), in_table)
        out.append(text[at : m.start()])
        out.append(f"⟦{k}:{m.group()}⟧")
        at = m.end()
    out.append(text[at:end])
    return "".join(out)


def mark(text: str, region: Span, tables: list[Span]) -> Marked:
    """The section ``region`` marked, and the counting sentences outside every table section."""
    marks: dict[int, Mark] = {}
    lead = len(text[region.start : region.end]) - len(text[region.start : region.end].lstrip())
    tail = len(text[region.start : region.end]) - len(text[region.start : region.end].rstrip())
    table = _mark(text, region.start + lead, region.end - tail, marks, True)
    sentences: list[str] = []
    for m in _SENTENCE.finditer(text):
        if any(t.start <= m.start() < t.end for t in tables) or not _COUNT.search(m.group()):
            continue
        sentences.append(_mark(text, m.start(), m.end(), marks, False).strip())
        if len(sentences) >= MAX_SENTENCES:
            break
    return Marked(table, "\n".join(sentences), marks)
