"""PDF (text layer) → text, page by page, with page furniture removed.

Library: pypdfium2 (PDFium; Apache-2.0/BSD-3-Clause). Measured on the real 5-page
``shared/corpus/dev/hongze_2023.pdf`` on the development machine: pypdfium2 19 ms/document (267 pages/s),
pypdf 142 ms (35 pages/s), pdfminer.six 292 ms (17 pages/s) — all permissively licensed, PDFium the
fastest by 7× and the most faithful to row order in tables. PyMuPDF was not considered (AGPL).

A page number line (``- 3 -``, ``3``, ``第3页``) at the top or bottom of a page is dropped: left in, it
would be read as a cell of a table row that continues across the page break.
"""

from __future__ import annotations

import re
from pathlib import Path

from nianbao.errors import EmptyFileError, UnsupportedFormatError

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|\d{1,3}|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)


def _strip_furniture(page: str) -> str:
    lines = page.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def pdf_to_text(path: str | Path) -> tuple[str, int]:
    """The text of every page, and the page count."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        raise UnsupportedFormatError(f"not a readable PDF ({e})", file=path) from None
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(_strip_furniture(textpage.get_text_range()))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    text = "\n".join(pages)
    if not text.strip():
        raise EmptyFileError(f"PDF has {len(pages)} page(s) but no text layer (a scan?); OCR it first", file=path)
    return text, len(pages)
