"""One scanned page → text: deskew, ruled tables as cell grids, OCR boxes placed in their cells.

Kept apart from :mod:`.ocr` (files, pages, cache) so that this, the part that decides where each piece of
text goes, reads as one procedure. The engine is passed in: anything with RapidOCR's call signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median
from typing import Any

import numpy as np

from nianbao.extractor.cells import UNREAD
from nianbao.extractor.readers import columns_from_boxes, ocr_packed, unruled
from nianbao.extractor.readers.grid import RULE_COVER, TEXT_PAD
from nianbao.extractor.readers.html import _Cell, _Table
from nianbao.extractor.readers.ruling import Cell, Gray, Table, deskew, evenly_lit, row_rules, tables
from nianbao.extractor.readers.ruling import ink as page_ink

# (text, (x0, y0, x1, y1), score) for each piece recognised; the page's (height, width)
Words = list[tuple[str, tuple[int, int, int, int], float]]
Box = tuple[int, int, int, int]
LineBoxes = list[tuple[str, list[tuple[int, int, int, int]]]]
Doubts = list[tuple[str, list[str]]]  # a line as placed in the text, and every reading of it
MIN_SCORE = 0.5  # below, the recogniser is reading noise (a speckle as "、")


@dataclass
class _Piece:
    text: str
    box: tuple[int, int, int, int]
    score: float

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class _Slot:
    cell: Cell
    pieces: list[_Piece] = field(default_factory=list)


def _bgr(gray: Gray) -> Any:
    import cv2

    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def _char_rows(binary: Gray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """A tall narrow box (a column of characters, one a line — table 4's headers) cut between its
    characters: the recogniser reads horizontal lines only."""
    x0, y0, x1, y1 = box
    rows = (binary[y0:y1, x0:x1] > 0).sum(axis=1)
    out, start = [], None
    for i, v in enumerate([*rows.tolist(), 0]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start >= 3:
                out.append((x0, y0 + start, x1, y0 + i))
            start = None
    # strokes of one character can leave a blank row between them: rejoin pieces much shorter than wide
    merged: list[tuple[int, int, int, int]] = []
    for b in out:
        if merged and (b[3] - merged[-1][1]) <= (x1 - x0) * 1.15:
            merged[-1] = (x0, merged[-1][1], x1, b[3])
        else:
            merged.append(b)
    return merged or [box]


def _recognise(
    engine: Any,
    image: Any,
    binary: Gray,
    boxes: list[tuple[int, int, int, int]],
    lines: dict[int, list[Box]] | None = None,
    *,
    unsure: bool = False,
    clips: list[Box | None] | None = None,
) -> list[tuple[str, float]]:
    """(text, confidence) of each box; ``lines``: boxes (by index) that stand for lines of text read laid
    side by side as one line (a label wrapped in its cell, :func:`_wrapped_labels`). A reading under
    :data:`MIN_SCORE` comes back empty, unless ``unsure`` (:func:`_settle_digits` judges those). ``clips``:
    for each box, the cell it was cut to at ruled borders, or None (:func:`_crop`)."""
    if not boxes:
        return []
    lines = lines or {}
    crops = []
    for i, (box, clip) in enumerate(zip(boxes, clips or [None] * len(boxes), strict=True)):
        if i in lines:
            crops.append(_side_by_side([_crop(image, b, clip) for b in lines[i]]))
        elif _tall(box):
            crops.append(_side_by_side([_crop(image, b, clip) for b in _char_rows(binary, box)]))
        else:
            crops.append(_crop(image, box, clip))
    results = ocr_packed.recognise(engine.text_rec, crops)  # short crops packed side by side, the rest by width
    read = [(str(t).strip(), float(s)) for t, s in results]
    return read if unsure else [(t, s) if t and s >= MIN_SCORE else ("", 0.0) for t, s in read]


def _tall(box: Box) -> bool:
    """A box of a column of characters, one a line (table 4's headers): read by :func:`_char_rows`."""
    return (box[3] - box[1]) > 1.6 * (box[2] - box[0])


def _crop(image: Any, box: Box, clip: Box | None = None, pad: int = 2) -> Any:
    """A box of the page with ``pad`` pixels round it; with ``clip`` (the cell a part was cut to at its ruled
    borders), paper beyond the cell: the padding reached the border, and a bilevel page's crisp rule beside a
    lone ``0`` read ``10`` (a 200 dpi fax of the template's narrow columns, three cells of one page)."""
    h, w = image.shape[:2]
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    out = image[y0 : min(h, box[3] + pad), x0 : min(w, box[2] + pad)]
    if clip is None:
        return out
    out = out.copy()
    cx0, cy0, cx1, cy1 = clip[0] - x0, clip[1] - y0, clip[2] - x0, clip[3] - y0
    out[: max(0, cy0)] = 255
    out[max(0, cy1 + 1) :] = 255
    out[:, : max(0, cx0)] = 255
    out[:, max(0, cx1 + 1) :] = 255
    return out


def _side_by_side(rows: list[Any]) -> Any:
    """A column of characters (one a line: table 4's headers) laid out as a line, at the scale printed: read
    as the line of text the recogniser knows, in one crop (each character read alone was padded to 320 px;
    the headers of a table 4 cost ~1.6 s so, ~0.5 s as lines, and read the same)."""
    import cv2

    if len(rows) == 1:
        return rows[0]
    height = max(r.shape[0] for r in rows)
    gap = np.full((height, max(2, height // 6), 3), 255, dtype=np.uint8)
    laid = []
    for r in rows:
        top = (height - r.shape[0]) // 2
        laid += [
            cv2.copyMakeBorder(r, top, height - r.shape[0] - top, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255)),
            gap,
        ]
    return np.ascontiguousarray(np.concatenate(laid[:-1], axis=1))


def _wrapped_labels(
    to_read: list[tuple[Box, _Slot | None]],
) -> tuple[list[tuple[Box, _Slot | None]], dict[int, list[Box]]]:
    """``to_read`` with the lines of each label wrapped in its cell made one entry (the lines' union box),
    and those entries' line boxes, top to bottom: a label in a narrow column (the template's table 3: two
    characters a line, four to six lines) was read a crop a line, each padded to 320 px — most of a table
    page's recognition; laid side by side, its lines are one crop, read as the line of text they are. Only
    cells whose boxes each stand on a line of their own, of one type size; a reading that is no label's
    is read again line by line (:func:`_read_cells`: a cell merged down over rows places each number in the
    row it is printed in)."""
    by_slot: dict[int, list[int]] = {}
    for i, (box, slot) in enumerate(to_read):
        if slot is not None and not _tall(box):
            by_slot.setdefault(id(slot), []).append(i)
    groups: dict[int, list[int]] = {}
    for members in by_slot.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: to_read[i][0][1])
        boxes = [to_read[i][0] for i in members]
        heights = [b[3] - b[1] for b in boxes]
        # (the detector's boxes stand a little beyond their ink: consecutive lines' boxes overlap; two boxes
        # of one line hold each other's middle)
        apart = all((b[1] + b[3]) / 2 > a[3] and (a[1] + a[3]) / 2 < b[1] for a, b in pairwise(boxes))
        if apart and max(heights) <= 1.5 * min(heights):
            groups[members[0]] = members
    if not groups:
        return to_read, {}
    joined = {i for members in groups.values() for i in members}
    out: list[tuple[Box, _Slot | None]] = []
    lines: dict[int, list[Box]] = {}
    for i, (box, slot) in enumerate(to_read):
        if i in groups:
            boxes = [to_read[k][0] for k in groups[i]]
            lines[len(out)] = boxes
            union = (min(b[0] for b in boxes), boxes[0][1], max(b[2] for b in boxes), boxes[-1][3])
            out.append((union, slot))
        elif i not in joined:
            out.append((box, slot))
    return out, lines


# a wrapped label's lines read as one: kept where it reads as a label (no digit but an item number's at its
# start); anything else — numbers stacked in a cell whose row rule was lost — is read line by line
_LABEL_READING = re.compile(r"(?:[(（]?\d{1,2}[.．、)）])?[^\d]+")


def _read_cells(
    engine: Any,
    image: Any,
    binary: Gray,
    to_read: list[tuple[Box, _Slot | None]],
    loose: list[Box],
    cut: set[tuple[Box, int]] | None = None,
) -> tuple[list[tuple[Box, _Slot | None]], list[tuple[str, float]]]:
    """The cells' boxes and the loose boxes recognised: ``to_read`` as read (a wrapped label's lines one
    entry, :func:`_wrapped_labels`), and each entry's reading, then the loose boxes' readings — unsure ones
    too (:func:`read_page` settles the cells' and drops the rest)."""
    to_read, lines = _wrapped_labels(to_read)
    # a wrapped label's lines cut to their cell at ruled borders (``cut``) are read with paper beyond the cell:
    # the left rule in a line's padding read as a 1 (``15.要求…``, a 200 dpi fax), a number of the row above
    within = [
        slot.cell.box
        if i in lines and slot is not None and all((b, id(slot)) in (cut or set()) for b in lines[i])
        else None
        for i, (_, slot) in enumerate(to_read)
    ]
    texts = _recognise(
        engine, image, binary, [b for b, _ in to_read] + loose, lines, unsure=True, clips=within + [None] * len(loose)
    )
    for i in lines:  # where one line ends and the next begins the model may read a space: lines join without
        texts[i] = ("".join(texts[i][0].split()), texts[i][1])
    undo = [i for i in lines if not (texts[i][1] >= MIN_SCORE and _LABEL_READING.fullmatch(texts[i][0]))]
    if not undo:
        return to_read, texts
    parts = [(b, to_read[i][1]) for i in undo for b in lines[i]]
    again = iter(zip(parts, _recognise(engine, image, binary, [b for b, _ in parts], unsure=True), strict=True))
    entries: list[tuple[Box, _Slot | None]] = []
    read: list[tuple[str, float]] = []
    for i, (entry, text) in enumerate(zip(to_read, texts, strict=False)):
        if i in undo:
            for part, part_text in (next(again) for _ in lines[i]):
                entries.append(part)
                read.append(part_text)
        else:
            entries.append(entry)
            read.append(text)
    return entries, read + texts[len(to_read) :]


_NOISE = r"[.。,，、·'`°:：;；\"“”]"  # what a speckle beside a character is read as
_NUMBER_NOISE = re.compile(rf"^([-+]?\d[\d,]*(?:\.\d+)?){_NOISE}$")
_TRAILING_NOISE = re.compile(rf"{_NOISE}+$")
_ONLY_NOISE = re.compile(rf"(?:{_NOISE}|\s)+")
_CLEAN_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
# a count that the recogniser read with letters that look like digits (O for 0, l for 1, S for 5, B for 8)
_CONFUSABLE = re.compile(r"(?=.*[^\d.,])[\dODQoUlI|iSsBZzGgTtb.,]{1,12}")


class _DigitsOnly:
    """The recogniser's own per-position probabilities decoded over digits (and . ,) alone: how a value
    cell that came back as ``O`` or ``l0`` reads when it is taken to hold a number, as the template says
    every value cell does. Its confidence is the recogniser's for the digits it chose; with ``share``, the
    chosen digits' share of what the recogniser gave digits and the gap between characters (a bilevel ``0``
    read ``D`` at 0.97 and ``0`` at 0.01 is a ``0`` by a share of 0.98 over the other digits)."""

    def __init__(self, engine: Any, *, share: bool = False) -> None:
        import copy

        self.rec = copy.copy(engine.text_rec)
        inner = self.rec.postprocess_op
        allowed = np.array([i == 0 or ch in "0123456789.," for i, ch in enumerate(inner.character)])

        def decode(preds: Any, return_word_box: bool = False, **kw: Any) -> Any:
            kept = np.where(allowed[None, None, :], preds, 0.0)
            if share:
                kept = kept / np.maximum(kept.sum(axis=-1, keepdims=True), 1e-12)
            return inner(kept, return_word_box, **kw)

        self.rec.postprocess_op = decode

    def __call__(self, crops: list[Any]) -> list[tuple[str, float]]:
        results, _ = self.rec(crops)
        return [(str(t), float(sc)) for t, sc in results]


_ITEM_NUMBER = re.compile(r"^(\d{1,2})(?:[:：;；,，]|(?=[\u4e00-\u9fff]{3}))(?=[\u4e00-\u9fff])")
# a label's line that ends where a page break cuts its cell (``4.保护第`` / ``三方合法权益``) with a speckle
# beside its last character read as a colon or a dot: no label of the template ends so
_LABEL_END_NOISE = re.compile(r"(?<=[\u4e00-\u9fff])[:：.。·]+$")


def _tidy(text: str) -> str:
    """Noise, not readings: a speckle after a number read as a full stop (``0.``), the full stop of a
    label's item number lost or read as a colon or a comma (``8属于行政查询事项``, ``1:本机关不掌握``,
    ``2，没有现成信息``: the 1, the 2 and the 8 are items, not counts), a speckle after a label's last
    character read as a colon (``4.保护第：``)."""
    m = _NUMBER_NOISE.match(text)
    if m:
        return m.group(1)
    return _LABEL_END_NOISE.sub("", _ITEM_NUMBER.sub(r"\1.", text))


def _is_number(p: _Piece) -> bool:
    """Whether a piece reads as a number alone (a count, an amount)."""
    return bool(_CLEAN_NUMBER.fullmatch(_tidy(p.text)))


def _lines(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Pieces grouped into lines (top to bottom), each line left to right."""
    out: list[list[_Piece]] = []
    for p in sorted(pieces, key=lambda p: p.cy):
        if out:
            last = out[-1]
            # the line's band from its pieces of a line's height: a label wrapped in its cell read as one crop
            # is a piece two or three lines tall, and its band had taken the next row's pieces into the line
            usual = median(q.box[3] - q.box[1] for q in last) * 1.5
            core = [q for q in last if q.box[3] - q.box[1] <= usual]
            top = min(q.box[1] for q in core)
            bottom = max(q.box[3] for q in core)
            if top <= p.cy <= bottom:
                last.append(p)
                continue
        out.append([p])
    _closer_to_the_next(out)
    return [sorted(line, key=lambda p: p.box[0]) for line in out]


T3_OTHERS = 6  # table 3's value columns but its total


def _closer_to_the_next(lines: list[list[_Piece]]) -> None:
    """A row's numbers printed at two heights — the template's 总计 column at the top of a row whose label
    wraps, the other six centred — make two lines where the grid is lost (dotted rules under uneven light):
    the label's first line with the total, then six numbers on a line of their own or on the label's next line.
    The total belongs with them: a number on a label's line, right of the labels, is moved to the line below
    where that line ends in two numbers or more, the number reaches into their band and stands in a column
    none of them holds."""

    for upper, lower in pairwise(lines):
        words = [p for p in upper if not _is_number(p)]
        below = max((p.box[2] for p in lower if not _is_number(p)), default=0)
        numbers = [q for q in lower if _is_number(q) and q.box[0] > below]
        if not words or len(numbers) < 2:
            continue
        top, bottom = min(q.box[1] for q in numbers), max(q.box[3] for q in numbers)
        right = max(below, *(p.box[2] for p in words))
        apart = [
            p for p in upper
            if _is_number(p) and p.box[0] > right
            and not any(p.box[0] < q.box[2] and q.box[0] < p.box[2] for q in numbers)
        ]  # fmt: skip
        moved = [p for p in apart if p.box[3] > top and p.box[1] < bottom]
        # or, the line above theirs, the one number its label's line holds, right of all six (the template's
        # 总计 at the top of a row three lines tall, the others on its middle line)
        above = [p for p in upper if _is_number(p)]
        if not moved and len(numbers) == T3_OTHERS and apart == above and len(above) == 1:
            total = above[0]
            line = median(q.box[3] - q.box[1] for q in numbers)
            if total.box[0] > max(q.box[2] for q in numbers) and top - total.box[3] < line:
                moved = above
        if moved:
            upper[:] = [p for p in upper if p not in moved]
            lower += moved


def _join_line(line: list[_Piece]) -> str:
    text = line[0].text
    for prev, p in pairwise(line):
        gap = p.box[0] - prev.box[2]
        height = prev.box[3] - prev.box[1]
        text += (" " if gap > height * 0.8 else "") + p.text
    return text


def _cell_text(pieces: list[_Piece]) -> str:
    # a label wrapped inside its cell continues on the next line: joined without a space, as in the DOCX
    return _tidy("".join(_join_line(line) for line in _lines(pieces)))


def _inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int], slack: int = 1) -> bool:
    return (
        box[0] >= outer[0] - slack
        and box[1] >= outer[1] - slack
        and box[2] <= outer[2] + slack
        and box[3] <= outer[3] + slack
    )


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x0, y0, x1, y1) if x1 - x0 >= 4 and y1 - y0 >= (a[3] - a[1]) * 0.4 else None


def _ruled_apart(marks: Gray, box: tuple[int, int, int, int], parts: list[tuple[int, int, int, int]]) -> bool:
    """Whether a text box cut into ``parts`` by cell borders is cut only where a rule is drawn: between
    each two parts side by side, and between a part and the box's end where the box runs on past its cell,
    some column of the page has ink over the box's height and beyond it (a rule runs through the
    whitespace above and below a line of text; a glyph's stroke stops with it). Whatever the grid says, a
    number is never cut where the page prints no line through it."""
    h, w = marks.shape[:2]
    pad = round(TEXT_PAD * (box[3] - box[1]))
    y0, y1 = max(0, box[1] - pad), min(h, box[3] + pad)
    ordered = sorted(parts)
    cuts = [(a[2], b[0]) for a, b in pairwise(ordered)]
    slack = 3  # a box's own padding past the ink
    if ordered and ordered[0][0] - box[0] > slack:
        cuts.append((box[0], ordered[0][0]))
    if ordered and box[2] - ordered[-1][2] > slack:
        cuts.append((ordered[-1][2], box[2]))
    for a, b in cuts:
        x0, x1 = max(0, min(a, b) - 2), min(w, max(a, b) + 3)
        band = marks[y0:y1, x0:x1] > 0
        if band.size == 0:
            return False
        # a column with ink (± a pixel: a rule a degree off straight) over most of the height
        near = band.copy()
        near[:, 1:] |= band[:, :-1]
        near[:, :-1] |= band[:, 1:]
        if near.mean(axis=0).max() < RULE_COVER:
            return False
    return True


def _ruled_apart_on_page(
    gray: Gray, dpi: float, box: tuple[int, int, int, int], parts: list[tuple[int, int, int, int]]
) -> bool:
    """:func:`_ruled_apart` on the page's ink around the box alone (the local threshold's block and the
    text's margin beyond it): a whole page's ink mask is one more page-sized array, over the memory budget
    on a large image."""
    h, w = gray.shape[:2]
    margin = round(dpi / 3) + box[3] - box[1]
    x0, y0 = max(0, box[0] - margin), max(0, box[1] - margin)
    x1, y1 = min(w, box[2] + margin), min(h, box[3] + margin)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return True
    marks = page_ink(np.ascontiguousarray(gray[y0:y1, x0:x1]), dpi)

    def local(b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0)

    return _ruled_apart(marks, local(box), [local(p) for p in parts])


def _shared(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _ink_box(binary: Gray, box: tuple[int, int, int, int], inset: int = 3) -> tuple[int, int, int, int] | None:
    """The bounding box of the ink in a cell (noise speckles removed; ``inset`` pixels inside its borders),
    or None for an empty cell."""
    import cv2

    x0, y0, x1, y1 = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    # no opening first: it would erase a thin "0"; speckles are dropped by size below
    area = binary[y0:y1, x0:x1]
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(area, connectivity=8)
    h, w = area.shape

    def inside(st: Any) -> bool:  # a thin blob along the cell's length is a remnant of a border
        bw, bh = int(st[2]), int(st[3])
        return not ((bh > 0.8 * h and bw <= 4) or (bw > 0.8 * w and bh <= 4))

    blobs = [stats[i] for i in range(1, count) if stats[i][4] >= 12 and stats[i][3] >= 8 and inside(stats[i])]
    if not blobs:
        return None
    bx0 = min(int(s[0]) for s in blobs)
    by0 = min(int(s[1]) for s in blobs)
    bx1 = max(int(s[0] + s[2]) for s in blobs)
    by1 = max(int(s[1] + s[3]) for s in blobs)
    return (x0 + bx0, y0 + by0, x0 + bx1, y0 + by1)


def _reread_confusables(engine: Any, image: Any, slots: list[dict[tuple[int, int], _Slot]], words: Words) -> None:
    """Value cells read with digit-like letters are read again over digits alone; the new reading is
    kept only where it has as many characters as the first (no digit invented or dropped) and the
    recogniser is confident of it. Either way the verifier's identities judge the row."""
    todo = [
        p for table in slots for slot in table.values() for p in slot.pieces if _CONFUSABLE.fullmatch(_tidy(p.text))
    ]
    if not todo:
        return
    crops = [_crop(image, p.box) for p in todo]
    for piece, (text, score) in zip(todo, _DigitsOnly(engine)(crops), strict=True):
        was, text = _TRAILING_NOISE.sub("", piece.text), _TRAILING_NOISE.sub("", text)
        if _CLEAN_NUMBER.fullmatch(text) and len(text) == len(was) and score >= 0.5:
            words.append((f"{text} (read over digits; first read {was!r})", piece.box, score))
            piece.text = text


SURE_NUMBER = 0.9  # a cell read again without its lighter ink is taken where read at least this surely


def _print_alone(crop: Any) -> Any | None:
    """The crop with its lighter ink made paper: the cell's ink split in two by its grey levels (Otsu's
    threshold over the ink alone), the darker kept — the print, with a pixel round it (its blurred edge: a
    thin 0 cut at its core alone broke into ``()``) — the lighter made paper: a seal's or a pen's stroke over a
    count printed black. None where the crop holds no print, or its ink is of one level (the two levels'
    means closer than a fifth of the grey scale)."""
    import cv2

    g = crop[..., 0]
    paper = float(np.percentile(g, 75))
    inked = g[g < paper - 40]
    if inked.size < 20:
        return None
    cut, _ = cv2.threshold(inked.reshape(1, -1), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    dark, light = inked[inked <= cut], inked[inked > cut]
    if dark.size == 0 or light.size == 0 or float(light.mean()) - float(dark.mean()) < 50:
        return None
    dark_mask = (g <= cut).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark_mask, connectivity=8)
    if count < 2:
        return None
    # the lighter ink's darkest specks are left alone, far smaller than the print's strokes (read as ``:``)
    areas = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(areas < areas.max() / 8) + 1
    dark_mask[np.isin(labels, small)] = 0
    kept = cv2.dilate(dark_mask, np.ones((3, 3), np.uint8)) > 0
    out = crop.copy()
    out[~kept] = 255
    # tight round the print (a lone 0 left in the blank where a seal's character was read ``。``)
    ys, xs = np.nonzero(kept)
    return out[max(0, ys.min() - 2) : ys.max() + 3, max(0, xs.min() - 2) : xs.max() + 3]


def _overprinted(
    engine: Any, image: Any, binary: Gray, slots: list[dict[tuple[int, int], _Slot]], words: Words
) -> None:
    """Value cells read as digits with a character or two beside them, or as one character alone, read again
    with their lighter ink made paper (:func:`_print_alone`): a seal stamped in red on a page scanned in grey
    left its characters mid-grey in two cells, read ``0室`` and ``办`` (a ``0`` under it). Read so as a sure
    number (:data:`SURE_NUMBER`), the cell is that number where the first reading held those very digits and
    points (the rest was the lighter ink), and unread where it held others — two readings the page allows:
    the row's identities place a 0 they force (:mod:`nianbao.extractor.rules`), else a person decides.
    Otherwise the first reading stands. A number read unsurely is left to the identities (most of a thin
    font's zeros at 150 dpi read under 0.9: reading each again cost ~1 s a page)."""
    todo: list[tuple[_Slot, str, Any]] = []
    for table in slots:
        for slot in table.values():
            text = "".join(_tidy(p.text) for p in slot.pieces)
            if not slot.pieces or UNREAD in text:
                continue
            core = _NOISE_CHARS.sub("", text)
            if _CLEAN_NUMBER.fullmatch(core):  # (a number read unsurely: most of a thin font's zeros at 150 dpi)
                continue
            numberish = re.search(r"\d", core) is not None and len(_HAN.findall(core)) <= 2 and len(core) <= 8
            if not (numberish or len(core) == 1):  # (a label, a header: words)
                continue
            if not (_value_cell(table, slot) or _right_of_a_label(table, slot)):
                continue
            ink = _ink_box(binary, slot.cell.box)
            crop = _print_alone(_crop(image, ink, slot.cell.box)) if ink is not None else None
            if crop is not None:
                todo.append((slot, text, crop))
    for slot, text, crop in todo:  # one crop a call (a batch pads a lone digit's crop, and it reads otherwise)
        again, score = engine.text_rec([crop])[0][0]
        again = _tidy(str(again).strip())
        if not _CLEAN_NUMBER.fullmatch(again) or float(score) < SURE_NUMBER or again == text:
            continue
        boxes = [p.box for p in slot.pieces]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if _tidy(re.sub(r"[\u4e00-\u9fff\s]", "", text)) == again:  # (its digits and points, in order)
            words.append((f"{again} (read again without the lighter ink over it; first read {text!r})", box, score))
            slot.pieces = [_Piece(again, box, float(score))]
        else:
            words.append((f"unread: {text!r} read, {again!r} without the lighter ink over it", box, score))
            slot.pieces = [_Piece(UNREAD, box, 0.0)]


_EDGE_ONE = re.compile(r"^[1lI|]|[1lI|]$")  # a rule beside a number is read as a 1 (or a letter like it)


def _numbers_within_cells(
    engine: Any,
    image: Any,
    binary: Gray,
    boxes: list[Box],
    clips: list[Box | None],
    readings: list[tuple[str, float]],
    cut: list[bool] | None = None,
) -> list[tuple[str, float]]:
    """Numbers in a cell whose crop's padding took in ink beyond the cell, read again with paper there
    (:func:`_crop`): parts cut to their cell at a ruled border (``cut``) where a dark pixel lies beyond it — a
    bilevel page's crisp rule beside a lone ``0`` read ``10`` at 0.98 (a 200 dpi fax of the template's narrow
    columns, three cells of one page) — and any number in a cell read with a ``1`` at an end where ink lies
    beyond it, a faint line too (:func:`_ink_beyond`: a blurred rule's edge read as the ``1`` of table 2's
    ``10``, verified; boxes inside their cell whose padding touches a rule are many on the template's tight
    rows — only a reading the rule can have made is read again). Where the first reading is a number, the
    second is taken where it is the same or the first less a ``1`` at an end (the rule); where both are numbers
    of other digits the cell is unread. Only numbers: a label read again from another crop may read another
    character of a page at the edge of legibility, and a label has no identity to catch it."""
    out = list(readings)
    todo = []
    for i, (box, clip, (text, score)) in enumerate(zip(boxes, clips, readings, strict=True)):
        numberish = _CLEAN_NUMBER.fullmatch(_tidy(text)) is not None or _digit_like(text, score) is not None
        was_cut, edge_one = cut is None or cut[i], _EDGE_ONE.search(_tidy(text)) is not None
        if clip is None or not numberish or not (was_cut or edge_one):
            continue  # (most numbers: no crop made)
        whole, within = _crop(image, box), _crop(image, box, clip)
        dark = was_cut and int((whole < 128).sum()) != int((within < 128).sum())
        if dark or (edge_one and _ink_beyond(whole, within)):
            todo.append(i)
    # one crop a call: packed into a line with other cells' numbers, a ``55`` read ``5`` at 0.99 (a doubled
    # digit's two strokes decoded as one) — and verified, table 2's cell having no identity
    for i in todo:
        text, score = engine.text_rec([_crop(image, boxes[i], clips[i])])[0][0]
        reading = (str(text).strip(), float(score))
        first, again = _tidy(readings[i][0]), _tidy(reading[0])
        if not _CLEAN_NUMBER.fullmatch(first) or first in (again, f"1{again}", f"{again}1"):
            out[i] = reading  # the same, a rule beside the number read as a 1, or a first reading no number
        elif not _CLEAN_NUMBER.fullmatch(again):
            # a digit-like second reading is settled over digits later (:func:`_settle_digits`); an empty one
            # or a speck says nothing against the first
            out[i] = reading if _digit_like(*reading) is not None else readings[i]
        elif _NOT_DIGIT.sub("", again) == _NOT_DIGIT.sub("", first):
            out[i] = readings[i]  # the same digits, a speck read as a point between them in one reading
        else:
            # two numbers read from the cell's own ink: the page allows both, and neither is taken (the
            # unread mark: the row's identities place a 0 they force, else a person decides)
            out[i] = (UNREAD, 1.0)
    return out


FAINT_LINE = 16  # grey levels under the paper: a line along a crop's edge this faint is ink the recogniser reads


def _ink_beyond(whole: Any, within: Any) -> bool:
    """Whether a crop's padding beyond its cell (the pixels ``within`` made paper) holds ink the recogniser
    may read as a 1: a dark pixel, or a faint line along the crop — a column or row made paper whose mean lies
    :data:`FAINT_LINE` under the crop's paper. A blurred rule's edge at ~225 grey along a ``0``'s crop read
    ``10`` at 0.75, verified wrong in table 2, whose cells no identity checks (a template scan, 150 dpi grey
    JPEG, turned 0.7°); one dark pixel alone missed it. A column's mean over the crop's height averages noise
    out (σ 18 grey levels over a 20 px crop: ~4)."""
    g, w = whole[..., 0].astype(np.int16), within[..., 0]
    gone = g != w
    if not gone.any():
        return False
    if bool((g[gone] < 128).any()):
        return True
    paper = float(np.median(g))
    cols = np.flatnonzero(gone.any(axis=0) & (w == 255).all(axis=0))
    rows = np.flatnonzero(gone.any(axis=1) & (w == 255).all(axis=1))
    faint = paper - FAINT_LINE
    return bool((g[:, cols].mean(axis=0) < faint).any() or (g[rows].mean(axis=1) < faint).any())


_NOT_DIGIT = re.compile(r"[^\d]")


DIGIT_SHARE = 0.8  # a digit-like reading is settled over digits only where the digits chosen hold this share
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NOISE_CHARS = re.compile(rf"{_NOISE}|\s")


def _digit_like(text: str, score: float) -> str | None:
    """What a cell's reading says of its digits, where it looks like a number it is unsure of (the reading
    with speckles read as punctuation left out: ``''`` for a ``0`` read as ``。``); None for a sure number or
    anything else (a word, ``/``, a dash)."""
    tidy = _tidy(_TRAILING_NOISE.sub("", text))
    core = _NOISE_CHARS.sub("", tidy)
    if not text or _HAN.search(core):
        return None
    if not core:
        return core  # punctuation alone: a small digit read as a dot or a circle
    if _CONFUSABLE.fullmatch(core):
        return core
    if _CLEAN_NUMBER.fullmatch(core) and (score < MIN_SCORE or core != tidy):
        return core
    return None


def _settle_digits(
    engine: Any,
    image: Any,
    binary: Gray,
    boxes: list[Box],
    readings: list[tuple[str, float]],
    notes: Words,
    clips: list[Box | None] | None = None,
) -> list[tuple[str, float]]:
    """Cell readings that look like a number but are unsure of it — a number under :data:`MIN_SCORE`, a count
    read with digit-like letters (``D``, ``Q``, ``t``), a digit read as punctuation (``。``) or beside a
    speckle read as punctuation (``:0``) — read again from the ink alone (speckles left out, the crop tight
    round the digits) decoded over digits alone, and kept where the digits chosen hold :data:`DIGIT_SHARE` of
    what the recogniser gave digits, with as many digits as first read (one, where none was). On a bilevel
    page of ~8 px digits (a 100 dpi fax) a lone ``0`` in a detector's box twice its height comes back ``0`` at
    0.3–0.5, ``D``, ``Q`` or ``。``, and its row was lost. A cell read as anything else (a word, ``/``, a dash,
    nothing) keeps its reading; a misread digit breaks an identity as any misreading does. ``notes``: each
    settled reading with what was first read, for the review."""
    out = list(readings)
    todo = []
    for i, (box, (text, score)) in enumerate(zip(boxes, readings, strict=False)):
        core = _digit_like(text, score)
        if core is not None and (ink := _ink_box(binary, box, inset=0)) is not None:
            todo.append((i, ink, core))
    if todo:
        within = clips or [None] * len(boxes)
        crops = [_crop(image, b, within[i]) for i, b, _ in todo]
        for (i, ink, core), (text, score) in zip(todo, _DigitsOnly(engine, share=True)(crops), strict=True):
            text = _TRAILING_NOISE.sub("", text)
            if not _CLEAN_NUMBER.fullmatch(text) or score < DIGIT_SHARE or len(text) != (len(core) or 1):
                continue
            notes.append((f"{text} (read over digits from its ink at a share of {score:.2f}; first read "
                          f"{readings[i][0]!r} at {readings[i][1]:.2f})", ink, score))  # fmt: skip
            out[i] = (text, score)
    return [(t, s) if t and s >= MIN_SCORE else ("", 0.0) for t, s in out]


_EDGE_NOISE = re.compile(r"[\s。.，,、·'`]+$")  # a title's readings compared without a trailing full stop


# a report's title: a year, then 报告 (…2023年度政府信息公开工作年度报告)
_TITLE_LINE = re.compile(r"(?:19|20)\d{2}\s*年.{0,30}报\s*告")


def _doubts(engine: Any, image: Any, narrative: list[_Piece], words: Words, top: int = 2) -> Doubts:
    """The page's top lines (a report's title, which names the agency) read again from wider crops: OCR
    has no identity to check a name against, so a reading is trusted only where the crops agree. The
    lines they disagree on are returned with every reading. Where no top line is a report's title (a web
    page's print puts it under the site's menus), the first line below that is one is read again too."""
    ordered = sorted(narrative, key=lambda p: p.box[1])
    lines = ordered[:top]
    if not any(_TITLE_LINE.search(p.text) for p in lines):
        lines += [p for p in ordered[top:] if _TITLE_LINE.search(p.text)][:1]
    if not lines:
        return []
    crops = [_crop(image, p.box, pad=pad) for p in lines for pad in (8, 16)]
    # one crop a call: a batch pads its images to a common width, and the readings would depend on it
    again = [engine.text_rec([crop])[0][0] for crop in crops]
    out: Doubts = []
    for k, p in enumerate(lines):
        readings = [p.text, *(str(t) for t, _s in again[2 * k : 2 * k + 2])]
        if _unknown_place(readings):
            readings += _head_readings(engine, image, p)
        if _unknown_place(readings) and (second := _second_choice(engine, image, p)) is not None:
            readings.append(second)
        if len({_EDGE_NOISE.sub("", "".join(r.split())) for r in readings}) > 1:
            chosen = _by_place(readings)
            if chosen is None:
                out.append((p.text, readings))
            else:  # one reading alone names a real place where the others do not: that one is kept
                words.append((f"{chosen} (read at three crops: {' / '.join(readings)}; the one naming a place)",
                              p.box, 1.0))  # fmt: skip
                p.text = chosen
    return out


def _unknown_place(readings: list[str]) -> bool:
    """Whether every reading of a line opens with a county or a city that is no real division (沐阳县): the
    identity check would reject the report (where the divisions are known)."""
    from nianbao.extractor.readers.gazetteer import unknown_place

    return all(unknown_place(r) for r in readings)


def _head_readings(engine: Any, image: Any, line: _Piece) -> list[str]:
    """A long title line read again from its head alone (the agency's name): the real division each head crop
    opens with, put over the line's reading where the two are one character apart (one misread, or one the
    whole line's reading lost). Read whole, a wide line is recognised at a scale where 沭 reads 沐 — or
    where the rare 沭 is dropped, the line read ``阳县…`` (a zebra-ruled template under uneven light); a head
    alone reads it right at some crops. The heads: the line's first half, and its first four and a half
    line-heights (about four characters) at three paddings. Which reading stands is :func:`_by_place`'s choice
    — a single longest real division among all readings — as for any doubt."""
    heads = _head_crops(image, line)
    if not heads:  # a short line is read at the head's scale already
        return []
    x0, y0, x1, y1 = line.box
    h, w = image.shape[:2]
    half = image[max(0, y0 - 8) : min(h, y1 + 8), max(0, x0 - 8) : min(w, (x0 + x1) // 2)]
    from nianbao.extractor.readers.gazetteer import place_prefix

    out: list[str] = []
    for crop in [half, *heads]:
        # only the real division the head opens with is taken from it (its last character may be cut by the
        # crop's edge)
        place = place_prefix("".join(str(engine.text_rec([crop])[0][0][0]).split()))
        if (spliced := _splice(place, line.text)) is not None and spliced not in out:
            out.append(spliced)
    return out


def _head_crops(image: Any, line: _Piece) -> list[Any]:
    """A long line's first four and a half line-heights (about four characters: a county's name and 县) at
    three paddings; none for a short line (read at that scale already)."""
    x0, y0, x1, y1 = line.box
    if x1 - x0 < 8 * (y1 - y0):
        return []
    h, w = image.shape[:2]
    right = x0 + round(4.5 * (y1 - y0))
    return [
        image[max(0, y0 - pad) : min(h, y1 + pad), max(0, x0 - pad) : min(w, right + pad // 2)] for pad in (2, 8, 16)
    ]


def _splice(place: str, line: str) -> str | None:
    """``place`` (a real division read from a line's head) put over the line's reading where the two are one
    character apart: one misread (沐阳县 for 沭阳县), or one the line's reading lost (阳县 for 沭阳县)."""
    whole = "".join(line.split())
    if not place or len(place) > len(whole) + 1:
        return None
    if sum(a != b for a, b in zip(place, whole, strict=False)) <= 1:
        return place + whole[len(place) :]
    if any(place[:k] + place[k + 1 :] == whole[: len(place) - 1] for k in range(len(place))):
        return place + whole[len(place) - 1 :]
    return None


SECOND_CHOICE = 0.1  # a character's other reading the recogniser gives at least this probability


def _second_choice(engine: Any, image: Any, line: _Piece) -> str | None:
    """A title whose every reading opens with no real division (沐阳县), read with one character of that
    opening taken at the recogniser's other choice for it — one it gives at least :data:`SECOND_CHOICE` of
    its probability (a seal's red over 沭 read 沐 at 0.30 and 沭 at 0.17) — at the crops :func:`_doubts`
    reads and at the line's head crops (:func:`_head_crops`: 沭 at 0.24 there, under 0.1 read whole). Returned
    only where exactly one real division is so named: two would be two readings the page allows, and the
    report goes to a person (``ocr_identity``)."""
    import copy

    from nianbao.extractor.readers.gazetteer import place_prefix, unknown_place

    rec = copy.copy(engine.text_rec)
    inner = rec.postprocess_op
    chars = inner.character
    seen: list[Any] = []

    def keep(preds: Any, return_word_box: bool = False, **kw: Any) -> Any:
        seen.append(preds)
        return inner(preds, return_word_box, **kw)

    rec.postprocess_op = keep
    named: dict[str, str] = {}  # each real division named, and the line read with it
    for k, crop in enumerate(
        [_crop(image, line.box, pad=8), _crop(image, line.box, pad=16), *_head_crops(image, line)]
    ):
        seen.clear()
        rec([crop])
        probs = seen[0][0]
        best = probs.argmax(axis=-1)
        emitted = [c for c in range(len(best)) if best[c] != 0 and (c == 0 or best[c] != best[c - 1])]
        text = "".join(chars[best[c]] for c in emitted)
        for pos, col in enumerate(emitted[: len(unknown_place(text))]):
            for other in np.flatnonzero(probs[col] >= SECOND_CHOICE):
                variant = text[:pos] + chars[other] + text[pos + 1 :]
                if other in (0, best[col]) or unknown_place(variant) or not (place := place_prefix(variant)):
                    continue
                spliced = variant if k < 2 else _splice(place, line.text)
                if spliced is not None:
                    named.setdefault(place, spliced)
    return next(iter(named.values())) if len(named) == 1 else None


def _by_place(readings: list[str]) -> str | None:
    """Of an agency title's readings, the single one whose opening is the longest run of real division
    names (沭阳县, not 沐阳县 or 淋阳县) — only if no other reading's is as long."""
    from nianbao.extractor.readers.gazetteer import place_prefix

    plain = {"".join(r.split()).rstrip("。.，,"): r for r in readings}
    scored = sorted(((len(place_prefix(k)), k) for k in plain), reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _unread_marks(
    engine: Any, image: Any, binary: Gray, dpi: float, narrative: list[_Piece], covered: list[Box], words: Words
) -> list[_Piece]:
    """Numbers on the text lines that the detector missed or the recogniser could not read (a lone digit in
    a table printed without rules, a digit beside a dotted rule's dots; :func:`.unruled.unread_marks`), read
    one crop a call, and over digits alone where the first reading is empty; ``covered``: the boxes whose
    reading stands. Only what reads as a number is kept."""
    lines = [[p.box for p in line if not _ONLY_NOISE.fullmatch(p.text)] for line in _lines(narrative)]
    marks = unruled.unread_marks(binary, lines, covered)
    # and where the page's one threshold fails (a dark corner), against the local paper: those apart from these
    marks += [
        (k, box) for k, box in _marks_in_bands(image, dpi, lines, covered)
        if not any(j == k and box[0] < b[2] and b[0] < box[2] for j, b in marks)
    ]  # fmt: skip
    out = []
    for _k, box in marks:
        text, score = _recognise(engine, image, binary, [box])[0]
        text = _tidy(_TRAILING_NOISE.sub("", text))
        if not text or score < MIN_SCORE or _ONLY_NOISE.fullmatch(text):  # unread, never a word read otherwise
            text, score = _DigitsOnly(engine)([_crop(image, box)])[0]
            text = _TRAILING_NOISE.sub("", text)
        if _CLEAN_NUMBER.fullmatch(text) and score >= MIN_SCORE:
            words.append((f"{text} (a mark the detector missed)", box, score))
            out.append(_Piece(text, box, score))
    return out


def _marks_in_bands(image: Any, dpi: float, lines: list[list[Box]], covered: list[Box]) -> list[tuple[int, Box]]:
    """:func:`.unruled.unread_marks` on the page's ink against its local paper (:func:`.ruling.ink`): under
    uneven light the page's one threshold made a dark corner's paper all ink and lost a lone ``1`` there (table
    4's first cell). Not instead of that threshold: against the local paper a phone's faint dotted rules show
    round a row's ``1``s and they were taken for a rule's run. The ink is found band by band round the lines
    (three line heights and a third of an inch beyond them, where the marks' checks look): no page-sized mask
    more."""
    gray = image[:, :, 0]
    h = gray.shape[0]
    bands: list[tuple[int, int, list[int]]] = []  # (top, bottom, the lines' indices), overlapping ones merged
    for k, line in sorted(((k, line) for k, line in enumerate(lines) if line), key=lambda kl: kl[1][0][1]):
        tall = round(median(b[3] - b[1] for b in line))
        top = max(0, min(b[1] for b in line) - 3 * tall - round(dpi / 3))
        bottom = min(h, max(b[3] for b in line) + 3 * tall + round(dpi / 3))
        if bands and top <= bands[-1][1]:
            bands[-1] = (bands[-1][0], max(bands[-1][1], bottom), [*bands[-1][2], k])
        else:
            bands.append((top, bottom, [k]))
    out: list[tuple[int, Box]] = []
    for top, bottom, members in bands:
        marks = page_ink(np.ascontiguousarray(gray[top:bottom]), dpi)
        shift = [[(b[0], b[1] - top, b[2], b[3] - top) for b in lines[k]] for k in members]
        held = [(b[0], b[1] - top, b[2], b[3] - top) for b in covered if b[3] > top and b[1] < bottom]
        for j, (x0, y0, x1, y1) in unruled.unread_marks(marks, shift, held):
            out.append((members[j], (x0, y0 + top, x1, y1 + top)))
    return sorted(out)


# a label's line read with the number printed just past its end (``行政机关不再处理其政府信息公开8``): no label
# of the template ends with a digit
_LABEL_AND_NUMBER = re.compile(r"^(.*[\u4e00-\u9fff）)、])(\d[\d,]*(?:\.\d+)?)$")


def _label_and_number(piece: _Piece, binary: Gray) -> list[_Piece]:
    """A piece of a table row read as a label with a number after it, parted where the page leaves a gap
    between them (a third of the line's height of blank columns — a dotted rule's dots in it are blank — the
    number's side no wider than its digits would print); the piece as it was where the page shows no such gap."""
    m = _LABEL_AND_NUMBER.match(piece.text)
    if m is None:
        return [piece]
    x0, y0, x1, y1 = piece.box
    height = y1 - y0
    # a column with a dot or two of ink is blank: a dotted rule's dot between them, a speck
    columns = [v > height * 0.1 for v in np.count_nonzero(binary[y0:y1, x0:x1], axis=0).tolist()]
    inked = [*columns, True]
    gap_start = None
    for x, on in enumerate(inked):
        if not on and gap_start is None:
            gap_start = x
        elif on and gap_start is not None:
            wide = x - gap_start >= max(3, height / 3)
            if wide and x < len(inked) - 1 and (x1 - x0 - x) <= len(m.group(2)) * 0.8 * height:
                return [
                    _Piece(m.group(1), (x0, y0, x0 + gap_start, y1), piece.score),
                    _Piece(m.group(2), (x0 + x, y0, x1, y1), piece.score),
                ]
            gap_start = None
    return [piece]


def _ruled_rows(lines: list[list[_Piece]], gray: Gray, dpi: float) -> list[list[_Piece]]:
    """Text lines that print one row of a table drawn with horizontal rules only (a label wrapped over
    several lines beside its numbers: :func:`.unruled.rows_between_rules`) made one line, at the first's
    place: the label's pieces line by line, then the numbers left to right. (A number read with the label's
    end is parted from it by the caller, :func:`_label_and_number`.)"""

    flagged = [[(p.box, _is_number(p)) for p in line] for line in lines]
    if sum(n for line in flagged for _b, n in line) < 2:
        return lines
    groups = unruled.rows_between_rules(flagged, row_rules(gray, dpi), dpi)
    first = {g[0]: g for g in groups}
    later = {k for g in groups for k in g[1:]}
    out = []
    for k, line in enumerate(lines):
        if k in first:
            pieces = [p for j in first[k] for p in lines[j]]
            out.append(
                [p for p in pieces if not _is_number(p)]
                + sorted((p for p in pieces if _is_number(p)), key=lambda p: p.box[0])
            )
        elif k not in later:
            out.append(line)
    return out


# a label's item number: 1. （一） 一、 at a line's start, or 1. （一） after a character (a cell's lines read as one
# crop run together) but not 第（一）项 — a cell holds one label, so one item number at most
_ITEM_START = re.compile(r"^(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")
_ITEM_INSIDE = re.compile(r"(?<![\d第])(?:\d{1,2}[.．]|[（(][一二三四五六七八九十]{1,3}[）)])(?=[\u4e00-\u9fff])")


_WORDS = re.compile(r"[\u4e00-\u9fff]{2}")


def _missing_rows(table: dict[tuple[int, int], _Slot]) -> bool:
    """Whether a grid lacks rows its page prints: a cell holding more lines of numbers than the rows it spans
    (a value cell holds one number a row), or two labels (two lines opening with an item number). Faint
    rules found in pieces had given table 2 four rows of its fourteen (a cell holding ten lines of labels
    beside one holding their numbers) and table 3 its value columns' rows but not its labels' (eight labels
    in one cell): read as such, their rows were lost; read as lines, the tables are whole. Columns lost show
    as a cell's numbers side by side."""
    for slot in table.values():
        lines = _lines(slot.pieces)
        counts = [sum(_is_number(p) for p in line) for line in lines]
        numbers = [line for line, n in zip(lines, counts, strict=True) if n]
        texts = [_join_line(line) for line in lines]
        items = max(sum(bool(_ITEM_START.match(t)) for t in texts), len(_ITEM_INSIDE.findall("".join(texts))))
        if len(numbers) > slot.cell.rowspan or items > 1:
            return True
        # columns or a row lost too (rules found in part: a dotted table 4's header joined to its numbers):
        # two numbers apart on one line of a cell, or a line of numbers alone under a line of words (two
        # characters or more: a rule's remnant read 一 over a number is no heading)
        under_words = any(
            _WORDS.search(above) and n == len(line)
            for above, line, n in zip(texts, lines[1:], counts[1:], strict=False)
        )
        if any(n >= 2 for n in counts) or under_words:
            return True
    return False


def _aligned(lines: list[list[_Piece]], binary: Gray) -> list[str]:
    """Each text line as joined; a row of a table printed without column rules that prints some cells
    blank, as a grid row (label, then each column's cell, tab-separated), where its numbers' places settle
    their columns (:mod:`.columns_from_boxes`)."""
    texts = [_join_line(line) for line in lines]
    flagged = [[(_tidy(p.text), p.box, bool(_CLEAN_NUMBER.fullmatch(_tidy(p.text)))) for p in line] for line in lines]
    for k, (label, cells) in columns_from_boxes.placed(flagged, binary).items():
        texts[k] = (_join_line(lines[k][:label]) if label else "") + "\t" + "\t".join(cells)
    return texts


# a digit read as Latin letters (a fax's ``0`` read ``D``, ``C.``, ``Q``), or a count with a leading zero (a
# seal's stroke beside a ``0`` read ``01``): no count is printed so
_LATIN_SLIP = re.compile(rf"(?=.*[A-Za-z])(?:[A-Za-z\d]|{_NOISE}){{1,4}}|0\d+")


def _value_cell(table: dict[tuple[int, int], _Slot], slot: _Slot) -> bool:
    """A cell of one column where at least two other cells read as numbers."""
    numbers = sum(
        1
        for s in table.values()
        if s is not slot and s.cell.col == slot.cell.col and s.cell.colspan == 1
        and any(_is_number(p) for p in s.pieces)
    )  # fmt: skip
    return slot.cell.colspan == 1 and numbers >= 2


def _right_of_a_label(table: dict[tuple[int, int], _Slot], slot: _Slot) -> bool:
    """Whether a cell left of ``slot`` in its row reads as Chinese text (the row's label)."""
    row, col = slot.cell.row, slot.cell.col
    return any(
        s.cell.row <= row < s.cell.row + s.cell.rowspan and s.cell.col + s.cell.colspan <= col
        and any(_HAN.search(p.text) for p in s.pieces)
        for s in table.values()
    )  # fmt: skip


FAINT_MARK = 30  # grey levels under a cell's paper, the cell smoothed: a faint print's 0 (~60), not noise


def _faint_in_empty(image: Any, slots: list[dict[tuple[int, int], _Slot]]) -> list[tuple[Box, _Slot | None]]:
    """Value cells nothing was read in that hold a faint mark the page's one threshold (Otsu) missed: a
    light grey ``0`` in a thin font, blurred by a shaken hand (~190 on paper at 250), came back as no ink at
    all and table 2's cell verified as printed blank. The cell smoothed (a pixel's Gaussian: noise averages
    out, a stroke stays) is looked at for a mark :data:`FAINT_MARK` under its paper, as large as a digit
    (:func:`_ink_box`); such cells are returned to be marked unread (:func:`_mark_unread`) — never read as
    blank."""
    import cv2

    out: list[tuple[Box, _Slot | None]] = []
    g = image[..., 0]
    for table in slots:
        for slot in table.values():
            if slot.pieces or not (_value_cell(table, slot) or _right_of_a_label(table, slot)):
                continue
            x0, y0, x1, y1 = slot.cell.box
            crop = g[max(0, y0) : y1, max(0, x0) : x1]
            if crop.size == 0:
                continue
            smooth = cv2.GaussianBlur(crop, (0, 0), 1.0)
            marks = (smooth < float(np.median(crop)) - FAINT_MARK).astype(np.uint8) * 255
            ink = _ink_box(marks, (0, 0, crop.shape[1], crop.shape[0]))
            if ink is not None:
                out.append(((x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3]), slot))
    return out


def _mark_unread(slots: list[dict[tuple[int, int], _Slot]], still: list[tuple[Box, _Slot | None]]) -> None:
    """A value cell with ink that no reading settled (first read, read from its ink, read over digits) is
    written :data:`~nianbao.extractor.cells.UNREAD`, not left empty: an empty cell is a cell printed blank,
    which table 2 allows (a warning), and a printed ``0`` the recogniser lost would verify as blank. So is
    a value cell read as a few Latin letters (``D``, ``C.``: a digit no reading settled), which the rules
    would otherwise take for a note beside the row's other numbers and place those without it, and one
    read as a count with a leading zero (``01``: a mark beside a ``0``, or a ``1`` beside a speck). A value
    cell is one in a column where other cells read as numbers; a label the recogniser cannot read is left
    as before (its row's numbers then have no label: the rules reject it). So is a cell right of a label in
    its row: table 2's one-value rows span every value column, and on a page holding a table's last rows no
    other cell of the column need read as a number (a lone ``0`` lost under uneven light, or read ``。``,
    verified as printed blank) — and a cell right of a label read as a letter (table 2's ``9`` read ``g``:
    its row ``6 87`` was cut 6 | 8 | 7 by its digits' count). A reading of punctuation alone is no reading."""
    for box, slot in still:
        if slot is None or any(not _ONLY_NOISE.fullmatch(p.text) for p in slot.pieces):
            continue
        table = next(t for t in slots if any(s is slot for s in t.values()))
        if _value_cell(table, slot) or _right_of_a_label(table, slot):
            slot.pieces = [_Piece(UNREAD, box, 0.0)]
    for table in slots:
        for slot in table.values():
            # a cell holding several numbers (a grid that missed a dotted column rule: ``0``, ``0``, ``0``
            # in one cell) is judged a piece at a time — joined they read ``000``, a "leading zero"
            if any(_is_number(p) for p in slot.pieces):
                marked = [_Piece(UNREAD, p.box, 0.0) if _LATIN_SLIP.fullmatch(p.text.strip()) else p
                          for p in slot.pieces]  # fmt: skip
            elif slot.pieces and _LATIN_SLIP.fullmatch("".join(p.text for p in slot.pieces).strip()):
                marked = [_Piece(UNREAD, slot.pieces[0].box, 0.0)]
            else:
                continue
            # the readings first, the cell's place only for a slip: each of these looks over the whole table
            if marked != slot.pieces and (_value_cell(table, slot) or _right_of_a_label(table, slot)):
                slot.pieces = marked


def _render(table: Table, slots: dict[tuple[int, int], _Slot]) -> str:
    t = _Table()
    cells = _by_row(table, slots)
    for r in range(table.rows):
        t.rows.append([cell for (rr, _c), cell in sorted(cells.items()) if rr == r])
    return t.render()


def _by_row(table: Table, slots: dict[tuple[int, int], _Slot]) -> dict[tuple[int, int], _Cell]:
    """Each slot as a cell of the rendered grid. A number lying in a lower row of a cell merged down over
    several rows (a grid that lost a row rule there) is rendered in the row where it is printed, where that
    row's reading accounts for it (read, or left over and the row ambiguous), never in another row's text."""
    tops: dict[int, int] = {}
    for placed in table.cells:
        tops[placed.row] = min(tops.get(placed.row, placed.box[1]), placed.box[1])
    # a row is one to render a number in only where a cell of it starting there prints something (its label):
    # a rule drawn under a merged label alone (a web page's rowspan box ending short of its last row) makes a
    # grid row that prints nothing, and a number centred beside that rule belongs to the row it is printed in
    printing = {r for (r, _c), s in slots.items() if s.pieces}
    out: dict[tuple[int, int], _Cell] = {}
    for (r, c), slot in slots.items():
        cell = slot.cell
        rows = range(r, r + cell.rowspan)
        own: dict[int, list[_Piece]] = {r: []}
        for p in slot.pieces:
            row = r
            if _is_number(p):
                row = max((k for k in rows if k in tops and tops[k] <= p.cy and k in printing), default=r)
            own.setdefault(row, []).append(p)
        starts = sorted(own)
        for a, b in zip(starts, [*starts[1:], r + cell.rowspan], strict=True):
            out[(a, c)] = _Cell(parts=[_cell_text(own[a])], rowspan=b - a, colspan=cell.colspan)
    return out


def _row_boxes(table: Table) -> list[list[tuple[int, int, int, int]]]:
    """For each grid row, the box of the cell at each column (a merged cell's box at every position it
    covers): the n-th tab-separated cell of the row's line lies in the n-th box."""
    covering: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for c in table.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                covering[(r, k)] = c.box
    return [[covering[(r, k)] for k in range(table.cols) if (r, k) in covering] for r in range(table.rows)]


def _detect(engine: Any, gray: Gray) -> list[tuple[int, int, int, int]]:
    detected, _ = engine(_bgr(gray), use_cls=False, use_rec=False)
    boxes = []
    for quad in detected or []:
        xs = [int(p[0]) for p in quad]
        ys = [int(p[1]) for p in quad]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


SURELY_UPRIGHT = 1.0 - 0.1 + 1e-3  # a page read upright above this is not read turned (see _upright)


def _upright(gray: Gray, engine: Any) -> tuple[Gray, list[tuple[int, int, int, int]], int]:
    """The page turned upright, and its text boxes. A page scanned sideways has text lines taller than
    wide: turned a quarter, its widest lines must then read with clearly more confidence (a column of
    one-character-a-line headers, as in table 4, is tall on an upright page too). Upside down: the
    recogniser's direction classifier over the page's long lines, where it has at least five."""
    turn = 0  # degrees clockwise applied
    boxes = _detect(engine, gray)
    tall = sum(1 for b in boxes if (b[3] - b[1]) > 2 * (b[2] - b[0]) and (b[3] - b[1]) > 40)
    wide = sum(1 for b in boxes if (b[2] - b[0]) > 2 * (b[3] - b[1]))
    # a confidence is a mean of probabilities, at most 1: a page read upright at more than 0.9 cannot be read
    # turned at 0.1 more, and is not detected again turned (a table 4 of one-character-a-line headers: ~0.6 s)
    if tall > 2 * wide and tall >= 5 and (upright := _confidence(engine, gray, boxes)) <= SURELY_UPRIGHT:
        turned = np.ascontiguousarray(np.rot90(gray, -1))
        turned_boxes = _detect(engine, turned)
        if _confidence(engine, turned, turned_boxes) > upright + 0.1:
            gray, boxes, turn = turned, turned_boxes, 90
    long_lines = [b for b in boxes if (b[2] - b[0]) >= 3 * (b[3] - b[1])]
    if len(long_lines) >= 5:
        lines = sorted(long_lines, key=lambda b: b[2] - b[0], reverse=True)[:15]
        image = _bgr(gray)
        _, labels, _ = engine.text_cls([image[b[1] : b[3], b[0] : b[2]] for b in lines])
        flipped = sum(1 for label, score in labels if "180" in str(label) and float(score) > 0.9)
        if flipped > 0.7 * len(lines):
            gray = np.ascontiguousarray(gray[::-1, ::-1])
            boxes = _detect(engine, gray)
            turn = (turn + 180) % 360
    return gray, boxes, turn


def turn_page(gray: Gray, turn: int) -> Gray:
    """``turn`` degrees clockwise (0, 90, 180, 270), as :func:`_upright` turned the page."""
    return np.ascontiguousarray(np.rot90(gray, -(turn // 90) % 4)) if turn else gray


def _confidence(engine: Any, gray: Gray, boxes: list[tuple[int, int, int, int]]) -> float:
    """The recogniser's mean confidence over the page's ten widest boxes, read as horizontal lines."""
    widest = sorted(boxes, key=lambda b: b[2] - b[0], reverse=True)[:10]
    if not widest:
        return 0.0
    image = _bgr(gray)
    results, _ = engine.text_rec([image[b[1] : b[3], b[0] : b[2]] for b in widest])
    return sum(float(sc) for _t, sc in results) / len(widest)


TITLE_SHARE = 0.25  # the first page's top quarter: the title lines and the addressee, never a table
SHORT = 0.6  # a line narrower than this share of the page's widest line: a heading, a caption, a last line


def worth_reading(boxes: list[tuple[int, int, int, int]], height: int, number: int) -> list[tuple[int, int, int, int]]:
    """Of a page's text lines outside its tables, those a report's reading uses: on the first page
    (``number`` 1) the title area (the agency and year), and on every page the short lines — headings
    (``三、收到和处理政府信息公开申请情况``), a table's caption, a paragraph's last line. A paragraph's
    full-width lines feed only the narrative cross-checks, which are warnings; recognising them was ~20–35 %
    of a table page's CPU where prose surrounds the tables (the 洪泽 scan)."""
    if not boxes:
        return []
    widest = max(b[2] - b[0] for b in boxes)
    title_end = height * TITLE_SHARE if number == 1 else -1
    return [b for b in boxes if b[1] < title_end or (b[2] - b[0]) < SHORT * widest]


PROSE_WIDTH = 0.6  # a paragraph's line spans at least this share of the page (a heading, a caption: less)
PROSE_GAP = 1.2  # and leaves no blank wider than this many line heights (a table row's cells stand further apart)


def _prose(outside: list[Box], tables: list[Box], binary: Gray) -> set[Box]:
    """Of a ruled table page's text lines outside its tables, those of a paragraph — not recognised, as on a
    page without a table (:func:`worth_reading`): on a page of prose around a table (a web page printed,
    section 一 ending above table 2) they were ~30 % of its recognition. A paragraph's figures serve the
    narrative's cross-checks (warnings) and settle digits run together, which a scan's cells rarely are (left
    unsettled, a split is rejected, never verified otherwise). A paragraph's line spans most of the page and
    its ink runs on without a cell's gap; another such line lies directly above or below it; and no table lies
    within a line's height of it (where a grid misses a row, the row stands there). Only where ruled tables
    were found: a page read with its tables as lines (no grid, or one not trusted) has its rows among these
    lines, and a row of four-digit counts 80 px apart leaves no cell's gap — every line is read there."""
    if not tables:
        return set()
    width = binary.shape[1]
    full = [b for b in outside if b[2] - b[0] >= PROSE_WIDTH * width and _runs_on(binary, b)]
    out: set[Box] = set()
    for b in full:
        tall = b[3] - b[1]
        if any(max(t[1] - b[3], b[1] - t[3]) < tall for t in tables):
            continue
        if any(c is not b and abs(c[1] - b[1]) > tall / 2 and max(c[1] - b[3], b[1] - c[3]) < tall for c in full):
            out.add(b)
    return out


def _runs_on(binary: Gray, box: Box) -> bool:
    """Whether a line's ink leaves no blank run wider than :data:`PROSE_GAP` times its height (a column with a
    speck or two of noise is blank: salt noise in a row's gaps must not join its cells)."""
    x0, y0, x1, y1 = box
    counts = np.count_nonzero(binary[max(0, y0) : y1, max(0, x0) : x1], axis=0)
    inked = np.flatnonzero(counts >= max(2, (y1 - y0) // 8))
    if len(inked) == 0:
        return False
    gaps = np.diff(inked) - 1
    return int(gaps.max(initial=0)) <= PROSE_GAP * (y1 - y0)


PageText = tuple[str, Words, tuple[int, int, int], LineBoxes, Doubts]


def read_page(gray: Gray, dpi: float, engine: Any) -> PageText:
    """The page's text; the pieces recognised; the (deskewed) page's shape; each table line with the
    boxes of its cells, so that a value read from the text can be shown where it stands on the page; and
    the top lines whose readings disagree (:func:`_doubts`). Every line is recognised, outside the tables too."""
    gray, boxes, turn = _upright(evenly_lit(deskew(gray, dpi), dpi), engine)
    return _read(gray, boxes, turn, dpi, engine, grids=True)


def _read(gray: Gray, boxes: list[Box], turn: int, dpi: float, engine: Any, grids: bool) -> PageText:
    """:func:`read_page` of the page turned upright and its text boxes; ``grids`` False to read the page's
    tables as lines whatever rules it has."""
    import cv2

    image = _bgr(gray)
    # a grid of part of a table (faint or dotted rules found for some columns only) is no grid: read as lines
    found = [t for t in tables(gray, dpi, boxes) if not unruled.partial(t, boxes, dpi)] if grids else []
    slots = [{(c.row, c.col): _Slot(c) for c in t.cells} for t in found]
    loose: list[tuple[int, int, int, int]] = []
    outside: list[tuple[int, int, int, int]] = []
    to_read: list[tuple[tuple[int, int, int, int], _Slot | None]] = []
    cut: set[tuple[Box, int]] = set()  # parts cut to their cell at ruled borders: (box, id of the cell's slot)
    for box in boxes:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        k = next((i for i, t in enumerate(found) if t.box[0] <= cx <= t.box[2] and t.box[1] <= cy <= t.box[3]), None)
        if k is None:
            outside.append(box)
            continue
        # cut at the borders: each part is read within its own cell, never across a ruling line; but where
        # no line is drawn through the text (the grid cut it at a stroke), it is read whole, in the cell
        # holding most of it: a number is read entire or the row fails, never read cut short
        # (a box that overlaps no cell enough — a grid line through it lengthwise — is read whole in the cell
        # holding most of it too, never dropped)
        parts = [(part, slot) for slot in slots[k].values() if (part := _overlap(box, slot.cell.box)) is not None]
        if not parts or not _ruled_apart_on_page(gray, dpi, box, [p for p, _ in parts]):
            holder = max(slots[k].values(), key=lambda s: _shared(box, s.cell.box), default=None)
            parts = [(box, holder)] if holder is not None and _shared(box, holder.cell.box) > 0 else []
            if not parts:
                loose.append(box)
        else:
            cut |= {(part, id(slot)) for part, slot in parts}
        to_read += parts
    # Text outside the tables is read on a table page, all but its paragraphs' lines: where the grid misses
    # rows (a wrapped label's lines, a faint rule), their labels and the next section's heading stand outside
    # it, and reading only short lines dropped them (degraded Chromium scans: a row's label lost, its numbers
    # given to the row above — rejected). ``worth_reading`` stays for pages without a table.
    binary: Gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]  # type: ignore[assignment]
    prose = _prose(outside, [t.box for t in found], binary)
    loose += [b for b in outside if b not in prose]
    to_read, texts = _read_cells(engine, image, binary, to_read, loose, cut)
    # the cell each entry was cut to at ruled borders (None: read whole, or a wrapped label's lines joined)
    # (a box inside its cell has one too: its crop's padding may reach the cell's rule, read as a 1)
    clips = [
        slot.cell.box if slot is not None and ((box, id(slot)) in cut or _inside(box, slot.cell.box, 0)) else None
        for box, slot in to_read
    ]
    was_cut = [slot is not None and (box, id(slot)) in cut for box, slot in to_read]
    settled: Words = []
    cells = [b for b, _ in to_read]
    texts[: len(cells)] = _numbers_within_cells(engine, image, binary, cells, clips, texts[: len(cells)], was_cut)
    texts = _settle_digits(engine, image, binary, cells, texts[: len(cells)], settled, clips) + [
        (t, s) if t and s >= MIN_SCORE else ("", 0.0) for t, s in texts[len(cells) :]
    ]
    # cells with ink that came back with no text (the detector drops a lone "0" in a wide cell, or boxes
    # it with the border): read from their ink, then, if still nothing, over digits alone
    # (a cell read as punctuation alone — a thin "0" broken into two dots on a fax, read "：" — is unread too)
    read_in = {
        id(s)
        for (_, s), (t, sc) in zip(to_read, texts, strict=False)
        if t and sc >= MIN_SCORE and not _ONLY_NOISE.fullmatch(t)
    }
    again: list[tuple[tuple[int, int, int, int], _Slot | None]] = []
    still: list[tuple[tuple[int, int, int, int], _Slot | None]] = []  # ink no reading settled
    for table in slots:
        for slot in table.values():
            if id(slot) not in read_in and (ink := _ink_box(binary, slot.cell.box)) is not None:
                again.append((ink, slot))
    if again:
        # one crop a call: a batch pads its crops to a common width, which loses a lone digit's reading
        inside = [s.cell.box if s is not None else None for _, s in again]
        second = [
            _recognise(engine, image, binary, [b], unsure=True, clips=[c])[0]
            for (b, _), c in zip(again, inside, strict=True)
        ]
        second = _settle_digits(engine, image, binary, [b for b, _ in again], second, settled, inside)
        unread = [i for i, (t, sc) in enumerate(second) if not t or sc < MIN_SCORE]
        crops = [_crop(image, again[i][0]) for i in unread]
        for i, (text, score) in zip(unread, _DigitsOnly(engine)(crops) if crops else [], strict=True):
            text = _TRAILING_NOISE.sub("", text)
            if _CLEAN_NUMBER.fullmatch(text) and score >= MIN_SCORE:
                second[i] = (text, score)
        still = [again[i] for i, (t, sc) in enumerate(second) if not t or sc < MIN_SCORE or _ONLY_NOISE.fullmatch(t)]
        # the cell's first, empty readings are dropped; its ink reading stands for it
        redone = {id(s) for _, s in again}
        kept = [i for i, (_, s) in enumerate(to_read) if id(s) not in redone]
        texts = [texts[i] for i in kept] + second + texts[len(to_read) :]
        to_read = [to_read[i] for i in kept] + again
    words: Words = settled
    narrative: list[_Piece] = []
    placed: list[tuple[tuple[int, int, int, int], _Slot | None]] = [*to_read, *((b, None) for b in loose)]
    for (box, where), (text, score) in zip(placed, texts, strict=True):
        if not text or score < MIN_SCORE:
            continue
        piece = _Piece(text, box, score)
        words.append((text, box, score))
        if where is None:
            # a dotted rule's dots read as punctuation: alone, nothing; before a label, not its text
            piece.text = unruled.LEADING_DOTS.sub("", text)
            if piece.text and not _ONLY_NOISE.fullmatch(piece.text):
                narrative.append(piece)
        else:
            where.pieces.append(piece)
    _reread_confusables(engine, image, slots, words)
    _overprinted(engine, image, binary, slots, words)
    # a grid whose cells hold rows of a table is part of its rules (faint rules found in pieces): the page's
    # rules are not to be trusted (one hand drew its tables), and the page is read again with its tables as
    # lines, as tables drawn without them — from the detector's boxes: a cell's lines were read as one crop
    # (a wrapped label), and a cell holding ten rows' labels had been read as one line. (Measured: reading
    # only the broken table as lines lost table 3's first rows on a faint-ruled reportlab scan, whose other grid
    # looked whole — the eval's styled faint case; it gained nothing verified on zebra-shaded scans.)
    if any(_missing_rows(table) for table in slots):
        return _read(gray, boxes, turn, dpi, engine, grids=False)
    still += _faint_in_empty(image, slots)
    _mark_unread(slots, still)
    read = [p.box for p in narrative if not _ONLY_NOISE.fullmatch(p.text)] + [t.box for t in found] + sorted(prose)
    narrative += _unread_marks(engine, image, binary, dpi, narrative, read, words)
    doubts = _doubts(engine, image, narrative, words)
    # a label's last line read with the number beside it (``…信息公开0``: no rule found between them) is parted
    # where the page leaves a gap: the row then has its numbers apart, as where the rule was found
    parted = [q for p in narrative for q in _label_and_number(p, binary)]
    text_lines = _ruled_rows(_lines(parted), gray, dpi)
    blocks: list[tuple[int, str, list[list[tuple[int, int, int, int]]]]] = [
        (line[0].box[1], text, []) for line, text in zip(text_lines, _aligned(text_lines, binary), strict=True)
    ]
    blocks += [(t.box[1], _render(t, s), _row_boxes(t)) for t, s in zip(found, slots, strict=True)]
    blocks.sort(key=lambda b: b[0])
    lines: LineBoxes = []
    for _, text, grid_boxes in blocks:
        if grid_boxes:  # a table: one line a grid row
            lines += list(zip(text.split("\n"), grid_boxes, strict=False))
    shape = (gray.shape[0], gray.shape[1], turn)
    return "\n".join(text for _, text, _ in blocks), words, shape, lines, doubts
