"""Bounds on the work one file may cause, so that a hostile or broken file fails with a named reason in
bounded time and memory, and the batch goes on. Real annual reports are far inside every bound (the
largest seen: a 4 MB PDF of 30 pages, a 600 KB web page, tables of 25 × 8 cells)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["LimitError", "check_regular_file", "check_text"]

from nianbao.errors import LimitError, UnreadableFileError, UnsupportedFormatError

MAX_FILE_BYTES = 64 * 1024 * 1024  # a file read whole
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # word/document.xml inflated (a zip bomb declares gigabytes)
MAX_TEXT_CHARS = 4_000_000  # text handed to the parser
MAX_GRID_COLUMNS = 64  # a table's columns after expanding merged cells (the template has 8)
MAX_GRID_CELLS = 200_000  # a document's table cells after expanding merged cells
MAX_PDF_PAGES = 500
MAX_TABLE_DEPTH = 32  # tables nested in tables (CMS layout tables nest a few deep; hostile pages 30 000)
MAX_XML_TAGS = 1_000_000  # a DOCX body's XML tags (a 30-page report holds ~100 000)


def check_regular_file(path: Path) -> int:
    """The file's size; refuses devices, FIFOs and sockets before opening them (a FIFO blocks on open,
    ``/dev/zero`` never ends) and files larger than :data:`MAX_FILE_BYTES`."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnreadableFileError("file not found", file=path) from None
    except OSError as e:
        raise UnreadableFileError(f"cannot read file: {e.strerror or e}", file=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableFileError("is a directory, not a report file", file=path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsupportedFormatError("not a regular file (a device, FIFO or socket): refused", file=path)
    if st.st_size > MAX_FILE_BYTES:
        raise LimitError(f"{st.st_size} bytes, over the limit of {MAX_FILE_BYTES} for one report", file=path)
    return st.st_size


def check_text(text: str, path: str | Path) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise LimitError(f"{len(text)} characters of text, over the limit of {MAX_TEXT_CHARS}", file=path)
    return text
