"""Value columns of a table printed without column rules, from how its numbers line up down the rows.

A table read as lines of text (:mod:`.unruled`) gives each row its label and its numbers in the order
printed; a row that prints a cell blank has fewer numbers than columns, and which cell is blank cannot be
told from the order: the text rules reject it. Its place can be told from the page: a table's numbers
stand in columns. Where the numbers of a table's rows (the lines between two sections' headings), taken at
their centres, right or left edges, fall in exactly as many tight groups as the template has columns
(table 3's seven), a row printing fewer numbers has each one placed in the column it stands in, and its
other cells read blank — provided the page has no ink there (a mark left unread is not a blank). Anything
doubtful (a number between two columns, two in one, a label reaching into a blank first column, groups
that are not the template's count) leaves the row as it was read: the text rules then reject it, never
guess. A table whose rows print too few columns between them to show all seven (the zeros left blank in
most columns) is not placed: nothing on the page says where its blank columns stand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from statistics import median

import numpy as np

from nianbao.extractor.readers.grid import Gray

Box = tuple[int, int, int, int]
Piece = tuple[str, Box, bool]  # text, box, whether it reads as a number

# the template's table with a row of values wide enough to show its columns: table 3's seven applicant
# columns (table 2's first rows print three, but its later rows one value centred under them; table 4 has
# one row of values: nothing to line up)
SHAPE = 7
SLACK = 0.3  # of the space between two columns: how far a number may stand from its column
# a section's heading (``三、收到和处理政府信息公开申请情况``) ends one table's rows and begins another's
_HEADING = re.compile(r"^[二三四五六]、\S{6,}")
_ANCHORS: tuple[Callable[[Box], float], ...] = (
    lambda b: (b[0] + b[2]) / 2,  # centred numbers
    lambda b: float(b[2]),  # right-aligned
    lambda b: float(b[0]),  # left-aligned
)


def _row_numbers(line: Sequence[Piece]) -> int | None:
    """How many numbers a line prints after its label: None where text stands among its numbers."""
    flags = [num for _t, _b, num in line]
    if True not in flags:
        return None
    first = flags.index(True)
    return None if not all(flags[first:]) else len(flags) - first


def _blocks(lines: Sequence[Sequence[Piece]]) -> list[list[int]]:
    """The indices of lines printing 1–7 numbers after a label, in runs that a section's heading ends."""
    blocks: list[list[int]] = [[]]
    for k, line in enumerate(lines):
        count = _row_numbers(line)
        if count is None and line and _HEADING.match(line[0][0]):
            blocks.append([])
        elif count is not None and count <= SHAPE:
            blocks[-1].append(k)
    return [b for b in blocks if b]


def _clusters(xs: list[float], gap: float) -> list[list[float]]:
    out: list[list[float]] = []
    for x in sorted(xs):
        if out and x - out[-1][-1] <= gap:
            out[-1].append(x)
        else:
            out.append([x])
    return out


def columns(lines: Sequence[Sequence[Piece]], rows: list[int]) -> tuple[Callable[[Box], float], list[float]] | None:
    """The value columns of the table whose rows are ``rows``: where the numbers of all its rows, taken
    at one edge (centre, right or left), fall in exactly :data:`SHAPE` groups, each tighter than
    :data:`SLACK` of the space between two groups — the edge, and each column's place. None otherwise."""
    numbers = [b for k in rows for _t, b, num in lines[k] if num]
    if not numbers:
        return None
    height = median(b[3] - b[1] for b in numbers)
    full = [[b for _t, b, num in lines[k] if num] for k in rows if _row_numbers(lines[k]) == SHAPE]
    for edge in _ANCHORS:
        anchor = _upright(edge, full)
        groups = _clusters([anchor(b) for b in numbers], gap=height)
        if len(groups) != SHAPE:
            continue
        centres = [median(g) for g in groups]
        spacing = min(b - a for a, b in pairwise(centres))
        if all(max(abs(x - c) for x in g) <= SLACK * spacing for g, c in zip(groups, centres, strict=True)):
            return anchor, centres
    return None


def _upright(edge: Callable[[Box], float], full: list[list[Box]]) -> Callable[[Box], float]:
    """``edge`` corrected for a turn the page kept (a table without rules gives the deskew no line to go
    by): each column's drift across the page's height, from the rows printing every column (the median of
    the columns' slopes); no correction without two such rows."""
    if len(full) < 2:
        return edge
    mid = [(b[1] + b[3]) / 2 for b in full[0]]
    slopes = []
    for i in range(SHAPE):
        ys = [(row[i][1] + row[i][3]) / 2 for row in full]
        xs = [edge(row[i]) for row in full]
        if max(ys) - min(ys) > 0:
            slopes.append(float(np.polyfit(ys, xs, 1)[0]))
    if not slopes:
        return edge
    slope, y0 = median(slopes), median(mid)
    return lambda b: edge(b) - slope * ((b[1] + b[3]) / 2 - y0)


def placed(lines: Sequence[Sequence[Piece]], binary: Gray) -> dict[int, tuple[int, list[str]]]:
    """For each line of an unruled table printing numbers, where each of them stands in a column of its
    own, left to right, the label ends before a blank first column and the page has no ink in the columns
    left blank on its line: (how many of its pieces are its label, each column's text — ``""`` where
    blank). A row printing every column is placed too: its cells then stay apart however close two
    numbers are printed (``4`` and ``69`` in narrow columns are not ``469``)."""
    out: dict[int, tuple[int, list[str]]] = {}
    for rows in _blocks(lines):
        found = columns(lines, rows)
        if found is None:
            continue
        anchor, centres = found
        spacing = min(b - a for a, b in pairwise(centres))
        for k in rows:
            line = lines[k]
            count = _row_numbers(line) or 0
            if count > SHAPE:
                continue
            label = len(line) - count
            cells = [""] * SHAPE
            at = [min(range(SHAPE), key=lambda i: abs(anchor(b) - centres[i])) for _t, b, _n in line[label:]]
            if at != sorted(set(at)) or any(
                abs(anchor(b) - centres[i]) > SLACK * spacing for (_t, b, _n), i in zip(line[label:], at, strict=True)
            ):
                continue  # two numbers in one column, or one between two
            for (text, _b, _n), i in zip(line[label:], at, strict=True):
                cells[i] = text
            width = median(b[2] - b[0] for _t, b, _n in line[label:])
            # the numbers' line (a label wrapped beside them, or a group's label, stands higher or lower), and
            # a tenth of a box's height beyond: a row's numbers a little lower than its first one (a
            # slight turn, a number centred on a wrapped label) are grouped with the next line of text, and
            # their place must not read blank here; the next row's numbers stand further off
            boxes = [b for _t, b, _n in line[label:]]
            mid, height = median((b[1] + b[3]) / 2 for b in boxes), median(b[3] - b[1] for b in boxes)
            label_end = max((b[2] for _t, b, _n in line[:label]), default=0)
            if not cells[0] and label and label_end > _middle(anchor, centres[0], width, mid):
                continue  # the label runs into the first column it would leave blank
            top, bottom = max(0, round(mid - 0.6 * height)), round(mid + 0.6 * height)
            if not any(_ink(binary, _middle(anchor, centres[i], width, mid), spacing, top, bottom)
                       for i, c in enumerate(cells) if not c):  # fmt: skip
                out[k] = (label, cells)
    return out


def _middle(anchor: Callable[[Box], float], at: float, width: float, y: float) -> float:
    """Where a number ``width`` wide on the line whose middle is at height ``y``, its ``anchor`` edge at
    ``at``, has its middle on the page: an anchor corrected for a turn (:func:`_upright`) depends on the
    height, and a column stands further left or right down a turned page."""
    probe = (0, round(y), round(width), round(y))
    return at - anchor(probe) + width / 2


def _ink(binary: Gray, centre: float, spacing: float, top: int, bottom: int) -> bool:
    """Whether a column's place on a line holds a mark (more than a few speckles): a cell printed but
    not read, which no blank may stand for."""
    half = spacing * 0.4
    area = binary[top:bottom, max(0, round(centre - half)) : max(0, round(centre + half))]
    if area.size == 0:
        return False
    return bool((area > 0).sum() > max(6, 0.01 * area.size))
