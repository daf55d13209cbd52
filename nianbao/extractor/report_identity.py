"""Agency and year from the report's title lines.

The title is ``<agency><year>年(度)政府信息公开工作年度报告``; the agency may stand on its own line above a
title that starts with the year (seed 004), and Markdown or a page's ``标题:`` field may precede it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a long title wraps (a scanned or printed page): one line break allowed anywhere after the year
_TITLE = re.compile(
    r"^[ \t#>*]*(?:标题\s*[:：]\s*)?(?P<agency>[^\n]*?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
    r"(?:政\s*府\s*)?信\s*息\s*公\s*开[^\n]{0,12}?(?:\n[^\n]{0,12}?)?报\s*告",
    re.M,
)
# "2024 年上海市科委政府信息公开工作\n年度报告": the year first, the agency after it, the title split
_YEAR_FIRST = re.compile(
    r"^[ \t#>*]*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<agency>[^\n\d]{2,40}?)\s*(?:政府)?信息公开\S{0,6}"
    r"(?:\s*\n\s*)?(?:工作)?\s*年\s*度\s*报\s*告",
    re.M,
)
_SEARCH_CHARS = 3000  # the title is at the top; a long page header may push it down a little


@dataclass(frozen=True)
class ReportIdentity:
    agency: str | None
    year: int | None


def _clean(agency: str) -> str:
    return re.sub(r"\s+", "", agency).strip("#*:：-— ")


def read_identity(text: str) -> ReportIdentity:
    head = text[:_SEARCH_CHARS]
    m = _TITLE.search(head)
    y = _YEAR_FIRST.search(head)
    if y is not None and (m is None or y.start() < m.start()):
        return ReportIdentity(_clean(y["agency"]) or None, int(y["year"]))
    if m is None:
        return ReportIdentity(None, None)
    agency = _clean(m["agency"])
    if not agency:
        previous = [ln.strip() for ln in head[: m.start()].splitlines() if ln.strip()]
        if previous and len(previous[-1]) <= 40 and "。" not in previous[-1]:
            agency = _clean(previous[-1])
    return ReportIdentity(agency or None, int(m["year"]))
