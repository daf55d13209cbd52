"""HTML → text, tables rendered as a grid: a tab between cells, a newline per row.

``rowspan``/``colspan`` are expanded so that every row of a table has its cells in their true columns:
a covered position is emitted as the filler ``〃`` (the merged text is written once, never copied — a
copied label or number would be read twice), so that a covered position is never mistaken for an
empty cell, which is data (a blank). Text inside a cell (``<p>``, ``<span>``, ``<br>``) is
joined with spaces. A table nested in a cell (CMS layout tables) is emitted as its own block of lines.
Scripts, styles and the document head are dropped; the ``<title>`` is put first, as a page's title line.

The markup is tokenized by libxml2 (lxml's parser, events to a target): a CMS page is ~200 KB, and the
standard library's pure-Python tokenizer took 16 ms of the 21 ms this reader spent on one (lxml: 2.5 ms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree  # type: ignore[import-untyped]  # (no stubs shipped)

from nianbao.extractor.readers.limits import MAX_GRID_CELLS, MAX_GRID_COLUMNS, MAX_TABLE_DEPTH, LimitError

_BLOCK = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "header", "footer", "hr", "dd", "dt", "blockquote", "pre", "tr",
}  # fmt: skip
_SKIP = {"script", "style", "noscript", "template", "head", "select", "option"}
_WS = re.compile(r"[ \t\r\n\f]+")
MERGED = "〃"  # a grid position covered by a merged cell
MAX_HTML_COLUMNS = 4 * MAX_GRID_COLUMNS  # CMS layout tables are wider than report tables


def _span(attrib: dict[str, str], name: str) -> int:
    m = re.match(r"\s*(\d+)", attrib.get(name) or "")
    return max(1, min(int(m.group(1)), 100)) if m else 1


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    rowspan: int = 1
    colspan: int = 1

    def text(self) -> str:
        return _WS.sub(" ", "".join(self.parts)).strip()


@dataclass
class _Table:
    rows: list[list[_Cell]] = field(default_factory=list)
    cell: _Cell | None = None
    blocks: list[str] = field(default_factory=list)  # nested tables, emitted after this one's rows

    def render(self) -> str:
        grid: list[str] = []
        carry: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
        budget = MAX_GRID_CELLS
        for row in self.rows:
            out: list[str] = []
            col = 0
            cells = iter(row)
            pending = next(cells, None)
            # the last column still covered from above (columns covered by this row's own cells lie behind
            # the cursor): computed once per row, not per cell — many merged cells stay linear
            last_covered = max((c for c, n in carry.items() if n > 0), default=-1)
            while pending is not None or col <= last_covered:
                if col > MAX_HTML_COLUMNS:
                    raise LimitError(f"an HTML table row spans over {MAX_HTML_COLUMNS} columns")
                if carry.get(col, 0) > 0:
                    carry[col] -= 1
                    out.append(MERGED)
                    col += 1
                    continue
                if pending is None:  # a gap before columns still covered from above
                    out.append("")
                    col += 1
                    continue
                out.append(pending.text())
                for k in range(pending.colspan):
                    if pending.rowspan > 1:
                        carry[col + k] = pending.rowspan - 1
                    if k:
                        out.append(MERGED)
                col += pending.colspan
                pending = next(cells, None)
            carry = {c: n for c, n in carry.items() if n > 0}
            budget -= len(out)
            if budget < 0:
                raise LimitError(f"an HTML table holds over {MAX_GRID_CELLS} cells after merged cells are expanded")
            grid.append("\t" + "\t".join(out))
        return "\n".join([*grid, *self.blocks])


class _TextBuilder:
    """A parser target: lxml calls ``start``/``end``/``data`` as it reads the markup (entities decoded)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.tables: list[_Table] = []
        self.skip_depth = 0
        self.title: list[str] = []
        self.in_title = False

    def _emit(self, text: str) -> None:
        table = self.tables[-1] if self.tables else None
        if table is None:
            self.parts.append(text)
        elif table.cell is not None:
            table.cell.parts.append(text)
        # text between cells (whitespace, stray markup) is not part of any cell

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "table":
            if len(self.tables) >= MAX_TABLE_DEPTH:  # stopped while reading, before the rest is parsed
                raise LimitError(f"HTML tables nested over {MAX_TABLE_DEPTH} deep")
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
            self.tables[-1].cell = None
        elif tag in ("td", "th") and self.tables:
            table = self.tables[-1]
            if not table.rows:
                table.rows.append([])
            table.cell = _Cell(rowspan=_span(attrib, "rowspan"), colspan=_span(attrib, "colspan"))
            table.rows[-1].append(table.cell)
        elif tag in _BLOCK:
            self._emit(" " if self.tables else "\n")

    def end(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "table" and self.tables:
            rendered = self.tables.pop().render()
            if self.tables:
                self.tables[-1].blocks.append(rendered)
            else:
                self.parts.append("\n" + rendered + "\n")
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].cell = None
        elif tag in _BLOCK and not self.tables:
            self.parts.append("\n")

    def close(self) -> None:
        """(lxml's end of input: the text is gathered by :func:`_html_to_text`.)"""

    def data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.skip_depth:
            return
        self._emit(data if self.tables else _WS.sub(" ", data))


# Some CMS pages carry the report as a JavaScript string (``var content = "<table …>…";``, quotes escaped)
# written into the page by a script: the page's own markup then holds no table at all.
_JS_STRING = re.compile(r"""(["'])((?:\\.|(?!\1)[^\\\n])*?<table(?:\\.|(?!\1)[^\\\n])*?)\1""", re.I | re.S)
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_JS_SIMPLE = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "v": ""}


def _js_unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _JS_SIMPLE.get(e, e)

    # \uD83D\uDE00 is one character written as two halves: joined; a half alone is no character (replaced)
    return _JS_ESCAPE.sub(one, body).encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _script_tables(markup: str) -> str | None:
    """The HTML held in a script's string literal, where the page's markup has no table of its own."""
    bodies = [_js_unescape(m.group(2)) for m in _JS_STRING.finditer(markup)]
    bodies = [b for b in bodies if "<td" in b.lower() or "<tr" in b.lower()]
    return "\n".join(bodies) if bodies else None


def html_to_text(markup: str) -> str:
    text = _html_to_text(markup)
    if "\t" not in text and "<table" in markup.lower():  # no table outside scripts: one inside a string?
        inner = _script_tables(markup)
        if inner is not None:
            return text + "\n" + _html_to_text(inner)
    return text


def _html_to_text(markup: str) -> str:
    builder = _TextBuilder()
    parser = etree.HTMLParser(target=builder, recover=True, no_network=True)
    try:
        parser.feed(markup)
        parser.close()
    except etree.LxmlError:  # nothing a parser could read (an empty page): what was read stands
        pass
    while builder.tables:  # unclosed tables in broken markup still count
        builder.parts.append("\n" + builder.tables.pop().render() + "\n")
    text = "".join(builder.parts)
    text = re.sub(r"[ \u00a0]*\n[ \u00a0\n]*", "\n", text)
    title = " ".join("".join(builder.title).split())
    return f"{title}\n{text}" if title else text
