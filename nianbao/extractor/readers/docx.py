"""DOCX → text: paragraphs in order, tables as a grid (a tab between cells, a newline per row).

Read straight from the OOXML with the standard library (no third-party parser to trust or install).
Merged cells keep their text once: a ``gridSpan`` cell is followed by empty cells for the columns it
covers, and a ``vMerge`` continuation likewise is the filler ``〃`` — so numbers stay in their true
columns and a merge is never mistaken for an empty (blank) cell.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

from nianbao.errors import UnsupportedFormatError
from nianbao.extractor.readers.html import MERGED
from nianbao.extractor.readers.limits import (
    MAX_GRID_CELLS,
    MAX_GRID_COLUMNS,
    MAX_TABLE_DEPTH,
    MAX_UNZIPPED_BYTES,
    MAX_XML_TAGS,
    LimitError,
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_text(p: ET.Element) -> str:
    out = []
    for node in p.iter():
        if node.tag == f"{_W}t" and node.text:
            out.append(node.text)
        elif node.tag == f"{_W}tab" or node.tag in (f"{_W}br", f"{_W}cr"):
            out.append(" ")
    return "".join(out)


def _cell_text(tc: ET.Element) -> str:
    paragraphs = [_paragraph_text(p) for p in tc.iter(f"{_W}p")]
    return " ".join(t for t in paragraphs if t.strip())


def _span(value: str | None, path: str | Path) -> int:
    """A ``gridSpan``: a whole number of grid columns, within bounds (a hostile 200000000 is refused)."""
    try:
        span = int((value or "1").strip())
    except ValueError:
        raise UnsupportedFormatError(f"DOCX table cell spans {value!r} columns: not a number", file=path) from None
    if span > MAX_GRID_COLUMNS:
        raise LimitError(f"DOCX table cell spans {span} columns, over the limit of {MAX_GRID_COLUMNS}", file=path)
    return max(1, span)


def _table_lines(tbl: ET.Element, path: str | Path, budget: list[int]) -> list[str]:
    lines = []
    for tr in tbl.findall(f"{_W}tr"):
        cells: list[str] = []
        for tc in tr.findall(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span, continued = 1, False
            if props is not None:
                grid = props.find(f"{_W}gridSpan")
                if grid is not None:
                    span = _span(grid.get(f"{_W}val"), path)
                vmerge = props.find(f"{_W}vMerge")
                continued = vmerge is not None and vmerge.get(f"{_W}val", "continue") != "restart"
            cells.append(MERGED if continued else _cell_text(tc).replace("\t", " "))
            cells.extend([MERGED] * (span - 1))
            budget[0] -= span
            if budget[0] < 0 or len(cells) > MAX_GRID_COLUMNS:
                raise LimitError(f"DOCX tables hold over {MAX_GRID_CELLS} cells or a row over "
                                 f"{MAX_GRID_COLUMNS} columns", file=path)  # fmt: skip
        lines.append("\t" + "\t".join(cells))
        for nested in _nested_tables(tr):
            lines.extend(_table_lines(nested, path, budget))
    return lines


def _nested_tables(row: ET.Element) -> Iterator[ET.Element]:
    """The tables nested in a row's cells, not entering them: a table nested deeper is its parent's to
    emit (``iter`` would hand it to every table above it — emitted again at each level, 2^depth times)."""
    if row.find(f".//{_W}tbl") is None:  # (most rows: found in C, nothing walked in Python)
        return
    stack = list(reversed(row))
    while stack:
        node = stack.pop()
        if node.tag == f"{_W}tbl":
            yield node
        else:
            stack.extend(reversed(node))


# a table's opening or closing tag, whatever the namespace prefix (``tblPr``, ``tblGrid`` are not tables)
_TABLE_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?tbl[\s/>]")


def _parse_bounded(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: str | Path) -> ET.Element:
    """The body's XML tree, read in chunks and bounded before each chunk is parsed: its tags (counted at
    C speed — a body of ten million empty paragraphs, 60 MB of XML from a 90 KB file, fails after the
    first million instead of building a tree of gigabytes) and how deep its tables nest (a table 5 000
    deep fails by name, not by Python's recursion limit). Each chunk ends at a tag's end, so no tag is
    counted in two halves."""
    parser = ET.XMLParser()
    tags = depth = read = 0
    carry = b""
    with z.open(info) as f:
        while chunk := f.read(1 << 20):
            read += len(chunk)
            if read > MAX_UNZIPPED_BYTES:  # never more than the limit, whatever the zip declares
                raise LimitError(f"DOCX body inflates over {MAX_UNZIPPED_BYTES} bytes", file=path)
            data = carry + chunk
            cut = data.rfind(b">") + 1
            data, carry = data[:cut], data[cut:]
            tags += data.count(b"<")
            if tags > MAX_XML_TAGS:
                raise LimitError(f"DOCX body holds over {MAX_XML_TAGS} XML tags", file=path)
            for m in _TABLE_TAG.finditer(data):
                depth += -1 if m.group(1) else 1
                if depth > MAX_TABLE_DEPTH:
                    raise LimitError(f"DOCX tables nested over {MAX_TABLE_DEPTH} deep", file=path)
            parser.feed(data)
    parser.feed(carry)
    root: ET.Element = parser.close()
    return root


def docx_to_text(path: str | Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_UNZIPPED_BYTES:  # checked before inflating: a zip bomb never expands
                raise LimitError(f"DOCX body inflates to {info.file_size} bytes, over the limit of "
                                 f"{MAX_UNZIPPED_BYTES}", file=path)  # fmt: skip
            root = _parse_bounded(z, info, path)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, NotImplementedError) as e:
        raise UnsupportedFormatError(f"not a readable DOCX file ({e})", file=path) from None
    except ET.ParseError as e:
        raise UnsupportedFormatError(f"DOCX body is not valid XML ({e})", file=path) from None
    body = root.find(f"{_W}body")
    if body is None:
        raise UnsupportedFormatError("DOCX has no document body", file=path)
    lines: list[str] = []
    budget = [MAX_GRID_CELLS]
    for child in body:
        if child.tag == f"{_W}p":
            lines.append(_paragraph_text(child))
        elif child.tag == f"{_W}tbl":
            lines.extend(_table_lines(child, path, budget))
        elif child.tag == f"{_W}sdt":  # content controls wrap ordinary paragraphs and tables
            for node in child.iter():
                if node.tag == f"{_W}p" and not any(True for _ in node.iter(f"{_W}tbl")):
                    lines.append(_paragraph_text(node))
    return "\n".join(lines)
