"""Locate sections 二 (table 2), 三 (table 3) and 四 (table 4) by their headings.

A heading is a line whose text, after an optional Markdown marker and any numbering style (``二、``,
``（二）``, ``2.``, ``第二部分``), starts with the section's title phrase. Each section runs from the end
of its heading to the start of the next located heading. When a heading is missing, the table's own
first label anchors it, so a report with bare tables still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.schema import Span

_NUM = r"(?:[一二三四五六七八九十]+|\d{1,2})"
# After the numbering, spaces and at most one line break: an unbounded ``\s*`` here, tried from every line
# start, ran over every blank line below it — quadratic in a page of blank lines (30 000 nested empty HTML
# tables took minutes).
_PREFIX = rf"^[ \t#>*]*(?:{_NUM}\s*[、.:]|\(\s*{_NUM}\s*\)|第{_NUM}部分)?[ \t]*(?:\n[ \t]*)?"


def _flex(phrase: str) -> str:
    """Regex for ``phrase`` that tolerates whitespace (line breaks included) between characters."""
    return r"\s*".join(re.escape(ch) for ch in phrase)


def _heading(*phrases: str) -> re.Pattern[str]:
    alts = "|".join(_flex(p) for p in phrases)
    return re.compile(rf"{_PREFIX}(?:{alts})[^\n]{{0,24}}$", re.M)


HEADINGS: dict[str, re.Pattern[str]] = {
    "t2": _heading("主动公开政府信息情况", "主动公开政府信息"),
    "t3": _heading("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请"),
    "t4": re.compile(rf"{_PREFIX}(?:政府信息公开)?行政复议\s*[、,和及]?\s*行政诉讼[^\n]{{0,24}}$", re.M),
    "end": re.compile(
        rf"{_PREFIX}(?:{_flex('存在的主要问题')}|{_flex('主要问题')}|{_flex('其他需要报告的事项')})[^\n]*$"
        rf"|^[ \t#>*]*五\s*[、.]",
        re.M,
    ),
}

# Fallback anchors: the first label of each table.
ANCHORS: dict[str, re.Pattern[str]] = {
    "t2": re.compile(r"第\s*二\s*十\s*条\s*第"),
    "t3": re.compile(r"本\s*年\s*新\s*收|申\s*请\s*人\s*情\s*况"),
    "t4": re.compile(r"行\s*政\s*复\s*议[^\n]{0,20}\n?[^\n]{0,20}行\s*政\s*诉\s*讼"),
}


@dataclass(frozen=True)
class Sections:
    t2: Span | None
    t3: Span | None
    t4: Span | None
    notes: tuple[str, ...] = ()

    def found(self) -> bool:
        return any(s is not None for s in (self.t2, self.t3, self.t4))


def _find(pattern: re.Pattern[str], text: str, start: int) -> re.Match[str] | None:
    return pattern.search(text, start)


# Pages that run a whole report into one line still number their headings: ``…质效。二、主动公开…``.
_INLINE: dict[str, re.Pattern[str]] = {
    "t2": re.compile(rf"二\s*[、.]\s*{_flex('主动公开政府信息情况')}"),
    "t3": re.compile(rf"三\s*[、.]\s*{_flex('收到和处理政府信息公开申请情况')}"),
    "t4": re.compile(r"四\s*[、.]\s*(?:政府信息公开)?行政复议\s*[、,和及]?\s*行政诉讼情况"),
    "end": re.compile(rf"五\s*[、.]\s*(?:{_flex('存在的主要问题')}|{_flex('当前存在的主要问题')})"),
}


def locate_sections(text: str) -> Sections:
    notes: list[str] = []
    starts: dict[str, tuple[int, int]] = {}  # key -> (heading start, content start)
    cursor = 0
    for key in ("t2", "t3", "t4"):
        m = _find(HEADINGS[key], text, cursor) or _find(_INLINE[key], text, cursor)
        if m is None:
            a = _find(ANCHORS[key], text, cursor)
            if a is None:
                notes.append(f"section for table {key[1]} not found")
                continue
            notes.append(f"table {key[1]} heading not found; located by its first label")
            starts[key] = (a.start(), a.start())
            cursor = a.end()
        else:
            starts[key] = (m.start(), m.end())
            cursor = m.end()

    end_match = _find(HEADINGS["end"], text, cursor) or _find(_INLINE["end"], text, cursor)
    text_end = end_match.start() if end_match else len(text)
    ordered = sorted(starts.items(), key=lambda kv: kv[1][0])
    spans: dict[str, Span] = {}
    for i, (key, (_, content_start)) in enumerate(ordered):
        end = ordered[i + 1][1][0] if i + 1 < len(ordered) else max(text_end, content_start)
        spans[key] = Span(start=content_start, end=end)
    return Sections(spans.get("t2"), spans.get("t3"), spans.get("t4"), tuple(notes))
