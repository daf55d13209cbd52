"""Tables whose ruling lines cannot be trusted: read as lines of text, every mark of a row accounted for.

A table printed without inner rules (horizontal rules only, the outer frame only), or with rules too
dotted or too faint to be found, gives :mod:`.ruling` no grid, or a grid of part of the table (the value
columns whose faint rules were found, the labels left outside). Either way its rows are read as lines of
text, each line a row: its label, then its numbers in the order printed, which the text rules place in the
template's columns — a row with fewer numbers than columns is ambiguous there and the report is rejected,
never guessed.

Two things make that reading whole:

* a grid that holds part of a table is no grid (:func:`partial`): text printed on its rows just beside it
  means the table runs on past the rules found, and cutting it there parts labels from their numbers;
* a lone digit in a wide cell is often missed by the text detector (``0`` alone between two wide gaps): on
  a table line, ink that no detected box covers, standing apart from the line's text as a value stands in
  its column, is found here (:func:`unread_marks`) to be recognised as a number; what does not read as one
  is left out, as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from statistics import median

import numpy as np

from nianbao.extractor.readers.grid import Gray, RowRule, Table

Box = tuple[int, int, int, int]

# the dots of a dotted rule beside a line's text, read with it (``：1.信访举报投诉类申请``): no label or
# number opens with punctuation
LEADING_DOTS = re.compile(r"^[:：;；.。·,，、'`\s]+(?=[\d\u4e00-\u9fff（(])")

# text beside a grid on its rows: this many boxes within an inch of its side (fewer for a grid of fewer
# rows) mean a table cut short
BESIDE_BOXES = 4


def partial(table: Table, boxes: Sequence[Box], dpi: float) -> bool:
    """Whether ``table`` (a grid found from rules) holds only part of a printed table: text boxes centred
    on its rows lie just left or right of it (within an inch), as a table's label column does when its
    rules were not found; or one of its cells holds rows of a table itself (:func:`_hollow`: the frame
    found, the faint inner rules not). A table of the template fills its rows across; prose does not run
    beside one."""
    if any(_hollow(cell.box, boxes) for cell in table.cells):
        return True
    x0, y0, x1, y1 = table.box
    reach = dpi * 1.0
    beside = 0
    for b in boxes:
        cy = (b[1] + b[3]) / 2
        if not y0 < cy < y1:
            continue
        left = x0 - reach <= b[2] <= x0 + dpi * 0.05 and b[0] < x0
        right = x1 - dpi * 0.05 <= b[0] <= x1 + reach and b[2] > x1
        beside += left or right
    return beside >= min(BESIDE_BOXES, table.rows)


def _hollow(cell: Box, boxes: Sequence[Box]) -> bool:
    """Whether a cell holds two or more lines of text that each print apart in two or more pieces (a
    label and its numbers, a row of column headings): rows of a table whose inner rules were not found.
    A label wrapped in its cell, a note, a number are one piece a line."""
    inside = sorted(
        (b for b in boxes if cell[0] <= (b[0] + b[2]) / 2 <= cell[2] and cell[1] <= (b[1] + b[3]) / 2 <= cell[3]),
        key=lambda b: (b[1] + b[3]) / 2,
    )
    lines: list[list[Box]] = []
    for b in inside:
        if lines and (b[1] + b[3]) / 2 <= max(q[3] for q in lines[-1]):
            lines[-1].append(b)
        else:
            lines.append([b])
    apart = 0
    for line in lines:
        line.sort()
        height = max(q[3] - q[1] for q in line)
        apart += any(b[0] - a[2] > height for a, b in pairwise(line))
    return apart >= 2


def unread_marks(binary: Gray, lines: Sequence[Sequence[Box]], covered: Sequence[Box]) -> list[tuple[int, Box]]:
    """For each text line (its pieces' boxes, left to right), the marks on it that no detected box in
    ``covered`` holds, grouped into words (strokes closer than a character's height), each standing at
    least a character's height clear of the line's own pieces (a value in its column, not a character
    clipped off a word): ``(line index, box)`` to recognise. Speckles (smaller than a stroke of a
    character) and rule remnants (thin and long: a dotted or faint rule's run) are no marks."""
    import cv2

    out: list[tuple[int, Box]] = []
    w = binary.shape[1]
    for k, line in enumerate(lines):
        if not line:
            continue
        top, bottom = min(b[1] for b in line), max(b[3] for b in line)
        # a character's height: a line's pieces may stand a little apart up and down (a label wrapped beside
        # a row's numbers, a group's label centred across two rows), and the band they span is taller
        height = round(median(b[3] - b[1] for b in line))
        if height < 6:
            continue
        band = binary[top:bottom, :].copy()
        for b in covered:  # what the detector found is read already
            if b[3] > top and b[1] < bottom:
                band[max(0, b[1] - top) : max(0, b[3] - top), max(0, b[0]) : min(w, b[2])] = 0
        count, _labels, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
        strokes = []
        for i in range(1, count):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if area < max(8, (height * 0.12) ** 2) or bh < height * 0.3:
                continue  # a speckle, a dot of a dotted rule, a comma
            if bw <= max(3, height * 0.12) and bh >= height * 0.9:
                continue  # a vertical rule's run through the line
            if bh <= max(3, height * 0.12) and bw >= height:
                continue  # a horizontal rule's run along it
            if _rule_through(binary, (x, top + y, x + bw, top + y + bh), height):
                continue  # a frame's run (10 px beside 32 px digits: read as a 1 ending the row), whatever joins it
            strokes.append((x, top + y, x + bw, top + y + bh))
        for word in _words(sorted(strokes), gap=height * 0.6):
            x0, y0, x1, y1 = word
            # a character's size, and clear of the line's own text by a character's height
            if y1 - y0 < height * 0.5 or x1 - x0 > 8 * height:
                continue
            if any(x0 - height < b[2] and b[0] < x1 + height for b in line):
                continue
            if x1 - x0 <= height * 0.3 and _runs_on(binary, word, height):
                continue  # a dotted or broken column rule's piece, not a narrow digit
            out.append((k, word))
    return out


def _rule_through(binary: Gray, word: Box, height: int) -> bool:
    """Whether a column of a stroke holds ink in nearly every row for two characters' heights above it or
    below it, and runs on at the other side: a solid rule (a table's frame) runs through the line — in its
    last row, only to the corner; a dotted rule's dots meeting it on the line made a ``7`` of it. Judged a
    stroke at a time: a ``1`` beside the frame is a word with it, and stays when the frame goes. A digit's
    columns have the blank between rows."""
    x0, y0, x1, y1 = word
    top, bottom = max(0, y0 - 2 * height), y1 + 2 * height  # only the rows looked at, not the page's height
    above, below = binary[top:y0, max(0, x0) : x1] > 0, binary[y1:bottom, max(0, x0) : x1] > 0
    none = np.zeros(above.shape[1], bool)
    long_above = above.mean(axis=0) >= 0.95 if len(above) >= height else none
    long_below = below.mean(axis=0) >= 0.95 if len(below) >= height else none
    on_above = above[-2:].any(axis=0) if len(above) else none
    on_below = below[:2].any(axis=0) if len(below) else none
    return bool(((long_above & on_below) | (long_below & on_above)).any())


def _runs_on(binary: Gray, word: Box, height: int) -> bool:
    """Whether a narrow mark has ink straight above and below it, close by: a rule runs on past the text
    line (a dotted one in dots), a ``1`` stops with it."""
    x0, y0, x1, y1 = word
    reach = max(3, round(height * 0.4))

    def runs(top: int, bottom: int) -> bool:
        strip = binary[top:bottom, max(0, x0 - 1) : x1 + 1] > 0
        # a row rule crossing (the cell's own borders, close round a 1 in a low row) is no run: its ink spans
        # far to both sides of the strip
        across = (binary[top:bottom, max(0, x0 - 2 * height) : x1 + 2 * height] > 0).mean(axis=1) >= 0.6
        return bool((strip.any(axis=1) & ~across).any())

    return runs(max(0, y0 - reach), y0) and runs(y1, y1 + reach)


def _words(strokes: list[Box], gap: float) -> list[Box]:
    """Strokes (sorted by their left edge) joined where closer than ``gap`` side by side."""
    words: list[list[int]] = []
    for x0, y0, x1, y1 in strokes:
        if words and x0 - words[-1][2] <= gap:
            last = words[-1]
            last[1], last[2], last[3] = min(last[1], y0), max(last[2], x1), max(last[3], y1)
        else:
            words.append([x0, y0, x1, y1])
    return [(a, b, c, d) for a, b, c, d in words]


def rows_between_rules(
    lines: Sequence[Sequence[tuple[Box, bool]]], rules: Sequence[RowRule], dpi: float
) -> list[list[int]]:
    """Text lines that print one row of a table drawn with horizontal rules only: the lines (their pieces'
    boxes, each flagged where it reads as a number) lying between the same two rules, where together they
    read as one row — a label wrapped over several lines left of numbers that stand in distinct columns
    (LibreOffice prints a wrapped row's numbers centred in it, or its last column at its top: read line by
    line, its total stood with the label's first line and the rest with its second, two rows of neither).
    Lines between two rules that each print numbers in the same columns are rows whose rule between them was
    not found: never joined. Returns the groups of line indices to read as one row (two lines or more)."""
    bands: dict[tuple[int, int], list[int]] = {}
    for k, line in enumerate(lines):
        band = _band(line, rules, dpi)
        if band is not None:
            bands.setdefault(band, []).append(k)
    out = []
    for members in bands.values():
        if len(members) < 2:
            continue
        pieces = [p for k in members for p in lines[k]]
        numbers = sorted(b for b, num in pieces if num)
        labels = [b for b, num in pieces if not num]
        if len(numbers) < 2 or any(b[0] < a[2] for a, b in pairwise(numbers)):
            continue  # one number, or two in one column: not one row's numbers
        if any(b[2] > (numbers[0][0] + numbers[0][2]) / 2 for b in labels):  # (a box runs a little past its ink)
            continue  # text among or past the numbers: prose, not a row's label
        if not _wrapped(members, lines, labels):
            continue  # two labels (规章, then 行政规范性文件): two rows whose rule between them was not found
        out.append(members)
    return sorted(out)


def _wrapped(members: list[int], lines: Sequence[Sequence[tuple[Box, bool]]], labels: list[Box]) -> bool:
    """Whether the labels on lines ``members`` are one label wrapped: each line but the last runs on to about
    where the longest ends (within two characters); a line that stops short ended its label there."""
    if not labels:
        return True
    height = float(np.median([b[3] - b[1] for b in labels]))
    ends = [max((b[2] for b, num in lines[k] if not num), default=None) for k in members]
    full = max(e for e in ends if e is not None)
    return all(e is None or e >= full - 2 * height for e in ends[:-1])


def _band(line: Sequence[tuple[Box, bool]], rules: Sequence[RowRule], dpi: float) -> tuple[int, int] | None:
    """The two rules (indices) a line lies between, drawn over each of its pieces and under an inch apart;
    None where it lies between none, or its pieces between different ones."""
    found = None
    for (x0, y0, x1, y1), _num in line:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        drawn = [(i, s * cx + o) for i, (s, o, a, b) in enumerate(rules) if a <= cx <= b]
        above = max(((y, i) for i, y in drawn if y < cy), default=None)
        below = min(((y, i) for i, y in drawn if y > cy), default=None)
        if above is None or below is None or below[0] - above[0] > dpi or (found and found != (above[1], below[1])):
            return None
        found = (above[1], below[1])
    return found
