"""A scanned page without a ruled table, read cheaply: its text is found (detection), but only the lines
a report's reading uses are recognised — on the first page the title area (the agency and year), and on
every page the short lines: headings (``三、收到和处理政府信息公开申请情况``) and a table's unruled caption.
A paragraph's full-width lines (section 一's prose, section 五's problems) are not recognised: they are
most of a text page's recognition and feed only the narrative cross-checks, which are warnings.

Recognition is ~80 % of a page's CPU; a page of prose has ~40 lines, of which a handful are short.
"""

from __future__ import annotations

from typing import Any

from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers.ocr_page import (
    MIN_SCORE,
    Doubts,
    LineBoxes,
    Words,
    _bgr,
    _doubts,
    _join_line,
    _lines,
    _Piece,
    _recognise,
    _unread_marks,
    _upright,
    worth_reading,
)
from nianbao.extractor.readers.ruling import Gray, deskew, tables

Reading = tuple[str, Words, tuple[int, int, int], LineBoxes, Doubts]

CELLS = 20  # this many boxes under a fifth of the widest: a table without ruling lines, read in full


def _names_report(pieces: list[_Piece]) -> bool:
    """Whether the lines read give the report's agency and year (its title)."""
    from nianbao.extractor.report_identity import read_identity

    found = read_identity(normalize("\n".join(_join_line(line) for line in _lines(pieces))))
    return found.agency is not None and found.year is not None


def holds_table(gray: Gray, dpi: float) -> bool:
    """Whether the page has a ruled table (found from its ruling lines: ~0.05 s, no OCR)."""
    return bool(tables(deskew(gray, dpi), dpi))


def read_text_page(gray: Gray, dpi: float, engine: Any, number: int) -> Reading | None:
    """As :func:`~nianbao.extractor.readers.ocr_page.read_page`, for a page without a ruled table (page
    ``number`` of its file, from 1); None where its text lies in columns of short pieces — a table printed
    without ruling lines, which is read in full."""
    import cv2

    gray, boxes, turn = _upright(deskew(gray, dpi), engine)
    shape = (gray.shape[0], gray.shape[1], turn)
    if not boxes:
        return "", [], shape, [], []
    widest = max(b[2] - b[0] for b in boxes)
    if sum(1 for b in boxes if (b[2] - b[0]) < widest / 5) >= CELLS:
        return None
    chosen = worth_reading(boxes, gray.shape[0], number)
    image = _bgr(gray)
    binary: Gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]  # type: ignore[assignment]
    words: Words = []
    pieces: list[_Piece] = []

    def recognise(chosen: list[tuple[int, int, int, int]]) -> None:
        for box, (text, score) in zip(chosen, _recognise(engine, image, binary, chosen), strict=True):
            if text and score >= MIN_SCORE:
                words.append((text, box, score))
                pieces.append(_Piece(text, box, score))

    recognise(chosen)
    if number == 1 and not _names_report(pieces):
        # no title among the lines read: a web page's print puts it under the site's menus, lower than the
        # title area — the rest of the first page is read (once a report, only where the title was not found)
        taken = set(chosen)
        recognise([b for b in boxes if b not in taken])
    pieces += _unread_marks(engine, image, binary, dpi, pieces, boxes, words)  # a lone digit the detector missed
    doubts = _doubts(engine, image, pieces, words)  # the top lines read again, as on any page
    return "\n".join(_join_line(line) for line in _lines(pieces)), words, shape, [], doubts
