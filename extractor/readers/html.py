"""HTML → text with the table structure kept as separators: a tab between cells, a newline per row.

Cells are emitted once each (merged cells are not duplicated): the rules parser reads rows by their
labels, and a duplicated label cell would only add noise. Text inside a cell (``<p>``, ``<span>``,
``<br>``) is joined with spaces so a cell stays one token run.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "table",
    "tbody",
    "thead",
    "title",
    "hr",
    "dd",
    "dt",
    "blockquote",
    "pre",
}
_SKIP = {"script", "style", "noscript", "template", "head"}


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.cell_depth = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag in ("td", "th"):
            self.cell_depth += 1
            self.parts.append("\t")
        elif tag == "tr":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append(" " if self.cell_depth else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in ("td", "th"):
            self.cell_depth = max(0, self.cell_depth - 1)
        elif tag in ("tr", "table") or (tag in _BLOCK and not self.cell_depth):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.skip_depth:
            return
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> str:
    builder = _TextBuilder()
    builder.feed(markup)
    builder.close()
    text = unescape("".join(builder.parts))
    text = re.sub(r"[ \u00a0]*\n[ \u00a0\n]*", "\n", text)
    title = " ".join("".join(builder.title).split())
    return f"{title}\n{text}" if title else text
