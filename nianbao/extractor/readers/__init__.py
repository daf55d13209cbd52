"""File → :class:`extractor.document.Document`, chosen by the file's content first, its name second."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from nianbao.errors import EmptyFileError, NianbaoError, UnreadableFileError, UnsupportedFormatError
from nianbao.extractor.document import Document, ScanPage
from nianbao.extractor.readers.limits import MAX_FILE_BYTES, LimitError, check_regular_file, check_text
from nianbao.extractor.readers.text import decode_text

_TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", "": "text"}

# Legacy Word/WPS binaries: no maintained pure-Python reader exists; a clear refusal beats garbage.
_OLE2 = b"\xd0\xcf\x11\xe0"


_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG, JPEG, TIFF


def is_image(p: Path, data: bytes) -> bool:
    """Whether :func:`read_document` reads this file (neither a PDF nor a Word file) as an image."""
    image = p.suffix.lower() in _IMAGE_SUFFIXES or data.startswith(_IMAGE_MAGIC)
    return image and not data.startswith((b"%PDF", _OLE2)) and p.suffix.lower() not in (".pdf", ".doc", ".wps")


def _scan(p: Path, data: bytes, digest: str) -> Document:
    from nianbao.extractor.readers.ocr import scan_to_text

    try:
        text, pages = scan_to_text(p, data)
    except NianbaoError as e:
        raise e.with_file(p) from None
    return Document(str(p), "scan", text, None, digest, _layout(pages))


def _layout(pages: list[Any]) -> tuple[ScanPage, ...]:
    return tuple(ScanPage(pg.number, pg.width, pg.height, pg.dpi, pg.lines, pg.doubts, pg.turn) for pg in pages)


def _pdf(p: Path, data: bytes, digest: str) -> Document:
    """A PDF's text layer; a PDF without one is a scan; the pages of a mixed PDF that have none (a table
    page scanned into a typed report) are OCR'd in their place."""
    from nianbao.extractor.readers.pdf import pdf_page_texts

    texts = pdf_page_texts(p)
    missing = [n for n, t in enumerate(texts, start=1) if not t.strip()]
    if not missing:
        return Document(str(p), "pdf", "\n".join(texts), None, digest)
    if len(missing) == len(texts):
        return _scan(p, data, digest)
    from nianbao.extractor.readers.ocr import join_rows, ocr_pdf_pages
    from nianbao.extractor.readers.pdf import strip_furniture

    try:
        pages = ocr_pdf_pages(p, missing)
    except NianbaoError as e:
        raise e.with_file(p) from None
    for page in pages:
        text = strip_furniture(page.text)
        first, _, rest = text.partition("\n")
        if page.number - 1 not in missing and first.startswith("\t") and not re.search(r"\d", first):
            # a row the page break cut, continued on a scanned page after a typed one: the typed page's
            # layout writes a wrapped label's further lines as plain lines, and so this one is written
            text = " ".join(c for c in first.split("\t") if c.strip() and c != "〃") + ("\n" + rest if rest else "")
        texts[page.number - 1] = text
    lines: list[str] = []
    for n, text in enumerate(texts, start=1):
        part = text.split("\n")
        if n in missing and n - 1 in missing and lines and (joined := join_rows(lines[-1], part[0])) is not None:
            lines[-1], part = joined, part[1:]  # a row cut between two scanned pages, as in a whole scan
        lines.extend(part)
    return Document(str(p), "scan", "\n".join(lines), None, digest, _layout(pages))


def read_document(path: str | Path) -> Document:
    p = Path(path)
    check_regular_file(p)  # devices, FIFOs and oversized files refused before anything is read
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UnreadableFileError("file not found", file=p) from None
    except OSError as e:
        raise UnreadableFileError(f"cannot read file: {e.strerror or e}", file=p) from None
    if len(data) > MAX_FILE_BYTES:
        raise LimitError(f"over the limit of {MAX_FILE_BYTES} bytes for one report", file=p)
    doc = _read(p, data)
    check_text(doc.raw_text, p)
    return doc


def _read(p: Path, data: bytes) -> Document:
    if not data.strip():
        raise EmptyFileError("file is empty", file=p)
    digest = hashlib.sha256(data).hexdigest()
    suffix = p.suffix.lower()
    if data.startswith(_OLE2) or (suffix in (".doc", ".wps") and not data.startswith(b"PK\x03\x04")):
        from nianbao.extractor.readers.legacy import to_docx_text

        return Document(str(p), "doc" if suffix != ".wps" else "wps", to_docx_text(p, data), None, digest)
    if data.startswith(b"%PDF") or suffix == ".pdf":
        return _pdf(p, data, digest)
    if suffix in _IMAGE_SUFFIXES or data.startswith(_IMAGE_MAGIC):
        return _scan(p, data, digest)
    if data.startswith(b"PK\x03\x04"):
        if suffix not in (".docx", ".docm", ".doc", ".wps", ""):  # a .doc that is really a DOCX is read as one
            raise UnsupportedFormatError(f"a ZIP container ({suffix or 'no suffix'}), not a report DOCX", file=p)
        from nianbao.extractor.readers.docx import docx_to_text

        return Document(str(p), "docx", docx_to_text(p), None, digest)
    if suffix in (".html", ".htm", ".xhtml"):
        from nianbao.extractor.readers.html import html_to_text

        text, encoding = decode_text(data, p)
        return Document(str(p), "html", html_to_text(text), encoding, digest)
    fmt = _TEXT_SUFFIXES.get(suffix, "text")
    text, encoding = decode_text(data, p)
    if fmt == "text" and re.match(r"\s*<(?:!doctype html|html)", text[:200], re.I):
        from nianbao.extractor.readers.html import html_to_text

        return Document(str(p), "html", html_to_text(text), encoding, digest)
    return Document(str(p), fmt, text, encoding, digest)
