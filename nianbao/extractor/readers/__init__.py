"""File → :class:`extractor.document.Document`, chosen by the file's content first, its name second."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from nianbao.errors import EmptyFileError, NianbaoError, UnreadableFileError, UnsupportedFormatError
from nianbao.extractor.document import Document, ScanPage
from nianbao.extractor.readers.limits import MAX_FILE_BYTES, LimitError, check_regular_file, check_text
from nianbao.extractor.readers.text import decode_text

_TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", "": "text"}

# Legacy Word/WPS binaries: no maintained pure-Python reader exists; a clear refusal beats garbage.
_OLE2 = b"\xd0\xcf\x11\xe0"


_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG, JPEG, TIFF


def _scan(p: Path, data: bytes, digest: str) -> Document:
    from nianbao.extractor.readers.ocr import scan_to_text

    try:
        text, pages = scan_to_text(p, data)
    except NianbaoError as e:
        raise e.with_file(p) from None
    layout = tuple(ScanPage(pg.width, pg.height, pg.dpi, pg.lines, pg.doubts) for pg in pages)
    return Document(str(p), "scan", text, None, digest, layout)


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
        from nianbao.extractor.readers.pdf import pdf_to_text

        text, _pages = pdf_to_text(p)
        if text.strip():
            return Document(str(p), "pdf", text, None, digest)
        return _scan(p, data, digest)  # no text layer: a scan
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
