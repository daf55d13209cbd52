"""A scanned page's tables from their ruling lines: skew, the line grid, and the merged cells.

The report tables are ruled (the official template is a Word table with every border drawn), so a
table's structure is in its lines, not in its text: a cell that prints nothing stays an empty cell in
its column, a label wrapped over eight lines stays one cell, and a label merged down over twenty rows is
one cell, not twenty fragments. Lines are found by morphological opening (OpenCV) with a kernel longer
than any stroke of a character at the page's resolution and shorter than the shortest cell border.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Cell:
    """A table cell in grid units (``row``/``col`` of its top-left corner, spans) and page pixels."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 inside the borders


@dataclass(frozen=True)
class Table:
    box: tuple[int, int, int, int]
    rows: int
    cols: int
    cells: tuple[Cell, ...]


def _ink(gray: Gray) -> Gray:
    import cv2

    # Otsu over the whole page: scans are lit evenly enough, and noise speckles are removed by the
    # openings below (a speckle is shorter than any kernel)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary  # type: ignore[return-value]


def _line_masks(binary: Gray, dpi: float) -> tuple[Gray, Gray]:
    import cv2

    # Longer than a character's strokes (a 10.5 pt character is ~0.15 inch), shorter than a cell's border
    h_len = max(15, round(dpi * 0.30))
    v_len = max(12, round(dpi * 0.20))
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    return horizontal, vertical  # type: ignore[return-value]


def skew_degrees(gray: Gray, dpi: float) -> float:
    """The page's rotation from its long horizontal lines (table borders), length-weighted; 0 without lines."""
    import cv2

    horizontal, _ = _line_masks(_ink(gray), dpi)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    angles: list[tuple[float, float]] = []
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        if w < gray.shape[1] / 6:
            continue
        ys, xs = np.nonzero(horizontal[y : y + h, x : x + w])
        if len(xs) < 2:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        angles.append((math.degrees(math.atan(slope)), float(w)))
    if not angles:
        return 0.0
    angles.sort()
    half, acc = sum(w for _, w in angles) / 2, 0.0
    for angle, w in angles:  # the length-weighted median: one stray line does not tilt the page
        acc += w
        if acc >= half:
            return angle
    return angles[-1][0]


def deskew(gray: Gray, dpi: float) -> Gray:
    import cv2

    angle = skew_degrees(gray, dpi)
    if abs(angle) < 0.05 or abs(angle) > 10:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)  # type: ignore[return-value]


def _positions(profile: npt.NDArray[np.int64], minimum: float) -> list[int]:
    """Centres of the runs where the projection ``profile`` reaches ``minimum`` (one line is a few pixels thick)."""
    hits = np.nonzero(profile >= minimum)[0]
    out: list[int] = []
    start = prev = -10
    for v in hits.tolist():
        if v > prev + 2:
            if prev >= 0:
                out.append((start + prev) // 2)
            start = v
        prev = v
    if prev >= 0:
        out.append((start + prev) // 2)
    return out


def tables(gray: Gray, dpi: float) -> list[Table]:
    """Every ruled table on a (deskewed) page, top to bottom."""
    import cv2

    horizontal, vertical = _line_masks(_ink(gray), dpi)
    grid = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w < dpi * 1.0 or h < dpi * 0.25:
            continue  # a rule under a heading, a stray line: not a table
        t = _table(horizontal[y : y + h, x : x + w] > 0, vertical[y : y + h, x : x + w] > 0, (x, y), dpi)
        if t is not None:
            found.append(t)
    return sorted(found, key=lambda t: t.box[1])


def _table(
    hmask: npt.NDArray[np.bool_], vmask: npt.NDArray[np.bool_], origin: tuple[int, int], dpi: float
) -> Table | None:
    ys = _positions(hmask.sum(axis=1), dpi * 0.25)
    xs = _positions(vmask.sum(axis=0), dpi * 0.12)
    if len(ys) < 2 or len(xs) < 2:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    band = 3
    for r in range(rows):
        for c in range(cols):
            x0, x1 = xs[c], xs[c + 1]
            y0, y1 = ys[r], ys[r + 1]
            mx, my = max(2, (x1 - x0) // 6), max(2, (y1 - y0) // 6)
            if c + 1 < cols:  # the border to the right: drawn over most of the cell's height?
                seg = vmask[y0 + my : y1 - my, max(0, x1 - band) : x1 + band + 1].any(axis=1)
                if seg.size and seg.mean() < 0.5:
                    union(r * cols + c, r * cols + c + 1)
            if r + 1 < rows:  # the border below
                seg = hmask[max(0, y1 - band) : y1 + band + 1, x0 + mx : x1 - mx].any(axis=0)
                if seg.size and seg.mean() < 0.5:
                    union(r * cols + c, (r + 1) * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    ox, oy = origin
    cells = []
    for members in groups.values():
        r0, c0 = min(r for r, _ in members), min(c for _, c in members)
        r1, c1 = max(r for r, _ in members), max(c for _, c in members)
        box = (ox + xs[c0] + 2, oy + ys[r0] + 2, ox + xs[c1 + 1] - 2, oy + ys[r1 + 1] - 2)
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, box))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table((ox + xs[0], oy + ys[0], ox + xs[-1], oy + ys[-1]), rows, cols, tuple(cells))
