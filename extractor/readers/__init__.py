"""File → :class:`extractor.document.Document`, chosen by the file's content first, its name second."""

from __future__ import annotations

import hashlib
from pathlib import Path

from extractor.document import Document
from extractor.readers.text import decode_text
from nianbao.errors import EmptyFileError, UnreadableFileError, UnsupportedFormatError

_TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", "": "text"}

# Magic numbers of formats whose readers are not built yet: a clear refusal beats a page of garbage.
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "DOCX/ZIP"),
    (b"\xd0\xcf\x11\xe0", "legacy Word .doc/.wps (OLE2)"),
)


def read_document(path: str | Path) -> Document:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UnreadableFileError("file not found", file=p) from None
    except IsADirectoryError:
        raise UnreadableFileError("is a directory, not a report file", file=p) from None
    except OSError as e:
        raise UnreadableFileError(f"cannot read file: {e.strerror or e}", file=p) from None
    if not data.strip():
        raise EmptyFileError("file is empty", file=p)
    for magic, name in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormatError(
                f"{name} files are not supported yet; convert the report to text or Markdown", file=p
            )
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        from extractor.readers.html import html_to_text

        text, encoding = decode_text(data, p)
        return Document(str(p), "html", html_to_text(text), encoding, hashlib.sha256(data).hexdigest())
    fmt = _TEXT_SUFFIXES.get(suffix, "text")
    text, encoding = decode_text(data, p)
    return Document(str(p), fmt, text, encoding, hashlib.sha256(data).hexdigest())
