"""A ruled table's cells from its line masks: rules as fitted lines, merged cells where a border is missing.

Rules are taken one connected piece at a time and fitted as straight lines, so that what a scan does to
them does not change the grid: a rule drawn twice a few pixels apart (a web page's cell borders), a thick
or a faint one, one broken in places, one a degree off straight (a photo's perspective) — each piece is
placed by its fit, pieces within a rule's tolerance of one another are one rule, and where a rule is
drawn is the union of its pieces. A rule too short to border a cell (a stroke, a seal's arc, a speckle
run) is no rule, and a vertical one must run from one horizontal rule to another: a column is a line
that borders a cell from top to bottom, not a mark inside one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.uint8] | npt.NDArray[np.bool_]
RowRule = tuple[float, float, int, int]  # a horizontal rule: y = slope * x + offset, drawn from x0 to x1


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


@dataclass
class _Piece:
    """One connected piece of a rule: ``across = slope * along + offset`` (for a horizontal rule, y over
    x), drawn from ``start`` to ``end`` along it, ``width`` pixels thick."""

    slope: float
    offset: float
    start: int
    end: int
    width: float

    def at(self, along: float) -> float:
        return self.slope * along + self.offset


@dataclass
class Rule:
    """A rule of the table (all its pieces): its fitted line, how far its pieces stand from it (a doubled
    rule's half spread) and the stretches along which it is drawn."""

    slope: float
    offset: float
    half: float
    drawn: list[tuple[int, int]]

    def at(self, along: float) -> float:
        return self.slope * along + self.offset

    def length(self) -> int:
        return sum(b - a for a, b in self.drawn)

    def cover(self, a: float, b: float) -> float:
        """The share of [a, b] along which the rule is drawn."""
        if b <= a:
            return 0.0
        got = sum(max(0.0, min(b, e) - max(a, s)) for s, e in self.drawn)
        return got / (b - a)


def _pieces(mask: Mask, horizontal: bool, least: int) -> list[_Piece]:
    import cv2

    m = mask if horizontal else mask.T
    count, labels, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(m, dtype=np.uint8), connectivity=8)
    out = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if w < least:
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        if h <= 2 or len(xs) < 3:
            slope, offset = 0.0, y + (h - 1) / 2
        else:
            slope, offset = np.polyfit(xs.astype(float) + x, ys.astype(float) + y, 1)
        out.append(_Piece(float(slope), float(offset), x, x + w, area / max(1, w)))
    return out


def _rules(pieces: list[_Piece], centre: float, tol: float, gap: float) -> list[Rule]:
    """Pieces within ``tol`` of one another (at the table's centre) made one rule each."""
    groups: list[list[_Piece]] = []
    for p in sorted(pieces, key=lambda p: p.at(centre)):
        if groups and p.at(centre) - groups[-1][-1].at(centre) <= tol:
            groups[-1].append(p)
        else:
            groups.append([p])
    rules = []
    for group in groups:
        weight = np.array([p.end - p.start for p in group], dtype=float)
        # the longest pieces say where the rule runs; each piece votes by its length
        slope = float(np.average([p.slope for p in group], weights=weight))
        mid = float(np.average([p.at(centre) for p in group], weights=weight))
        spread = max(abs(p.at(centre) - mid) for p in group)
        drawn: list[tuple[int, int]] = []
        for p in sorted(group, key=lambda p: p.start):
            if drawn and p.start - drawn[-1][1] <= gap:
                drawn[-1] = (drawn[-1][0], max(drawn[-1][1], p.end))
            else:
                drawn.append((p.start, p.end))
        half = spread + max(p.width for p in group) / 2
        rules.append(Rule(slope, mid - slope * centre, half, drawn))
    return rules


def _drawn_near(rule: Rule, along: float, tol: float) -> bool:
    return any(a - tol <= along <= b + tol for a, b in rule.drawn)


def _borders(rule: Rule, others: list[Rule], tol: float, extent: int, ink: Mask | None, horizontal: bool) -> bool:
    """Whether ``rule`` borders a cell: some stretch of it (or the whole of it, where it is broken) crosses
    two of ``others`` (rules the other way, drawn where they cross) and ends at one of them or at the
    table's edge. A stroke, an arc of a seal or a short line inside a cell ends in the middle of a cell.
    A table cut by a page break leaves its frame running on past its last row rule: that still borders."""
    crossings = []
    for o in others:
        along = o.offset  # where o crosses rule, along rule: a fixed point of two small slopes
        for _ in range(3):
            along = o.at(rule.at(along))
        if _drawn_near(o, rule.at(along), tol):
            crossings.append((along, o.half))
    for a, b in [*rule.drawn, (rule.drawn[0][0], rule.drawn[-1][1])]:
        near = [c for c in crossings if a - 14 * tol <= c[0] <= b + 14 * tol]
        at_start = {c for c in near if _reaches(rule, ink, horizontal, a, c, tol, 1)}
        at_end = {c for c in near if _reaches(rule, ink, horizontal, b, c, tol, -1)}
        met = {c for c in crossings if a - tol <= c[0] <= b + tol} | at_start | at_end
        starts = a <= 2 * tol or bool(at_start)
        ends = b >= extent - 2 * tol or bool(at_end)
        if len(met) >= 2 and starts and ends:
            return True
        # a line through three rules is a rule however its ends run on: text printed just past the table
        # (a heading a few pixels under its last rule) joins a stroke to the rule's end, and a column lost
        # there takes the table's last column with it; no stroke, arc or short line crosses three rules
        if len({c for c in crossings if a - tol <= c[0] <= b + tol and _drawn_near(rule, c[0], tol)}) >= 3:
            return True
    return False


def _reaches(
    rule: Rule, ink: Mask | None, horizontal: bool, end: float, crossing: tuple[float, float], tol: float, inward: int
) -> bool:
    """Whether a stretch's end (``inward``: +1 at its start, -1 at its end) is at a crossing rule: within a
    rule's width of it; short of it (by up to about a line kernel's length) with ink along the rule's line
    most of the way there (a rule whose last bits, shorter than the kernel, were lost in breaks); never far
    past it (an arc or a stroke runs on past a rule; a rule stops)."""
    at, half = crossing
    if abs(at - end) <= tol + 1:
        return True
    if (at - end) * inward > 0:  # the crossing lies within the stretch: it runs on past it (by a rule's
        # width, and a speckle the gap closing joined to its end)
        return abs(at - end) <= 3 * tol
    # the ink between (the crossing rule's own width left out: it is ink along every line through it)
    a, b = sorted((end, at + inward * (half + 1)))
    return abs(at - end) <= 14 * tol and _ink_cover(ink, rule, horizontal, a, b) >= 0.6


def _ink_cover(ink: Mask | None, rule: Rule, horizontal: bool, a: float, b: float) -> float:
    """The share of [a, b] along ``rule`` where the page has ink on the rule's line (± its half width):
    a border broken into pieces shorter than the line kernel is still drawn there."""
    if ink is None or b - a < 2:
        return 0.0
    band = int(rule.half) + 1
    hits = 0
    # only where the crop has pixels: a text box's margin may run past the table's edge (an index past the
    # end failed the page; a negative one would read the far side of the crop)
    steps = range(max(0, int(a)), min(int(b), ink.shape[0 if not horizontal else 1]))
    if len(steps) < 2:
        return 0.0
    for t in steps:
        c = round(rule.at(t))
        strip = ink[max(0, c - band) : c + band + 1, t] if horizontal else ink[t, max(0, c - band) : c + band + 1]
        hits += bool(strip.any())
    return hits / max(1, len(steps))


def _drawn(rule: Rule, ink: Mask | None, horizontal: bool, a: float, b: float) -> bool:
    # (ink alone is not enough: a merged label's text can lie across where the rule would run)
    drawn = rule.cover(a, b)
    return drawn >= 0.5 or (drawn >= 0.2 and _ink_cover(ink, rule, horizontal, a, b) >= 0.85)


Box = tuple[int, int, int, int]
# a ruling line is drawn through the whitespace between cells, above and below a line of text as well as
# beside it; a glyph's stroke stops with the text. Over a text box's height and this share of it beyond,
# either way, a rule has ink on its line nearly all the way, a stroke (or strokes closed into a "rule")
# under half of it.
TEXT_PAD = 0.4
RULE_COVER = 0.7


def through_text(rule: Rule, ink: Mask | None, texts: list[Box], y0: float, y1: float, dpi: float) -> bool:
    """Whether the vertical ``rule`` crosses a text box (the OCR detector's, centred between ``y0`` and
    ``y1``) where the page has no rule drawn: a column line through a word is not a line there, and a cut
    there would split a printed number (74833 read 833 when a stroke-made rule cut it)."""
    if ink is None:
        return False
    margin = max(3.0, dpi * 0.03)  # the box runs well past the line either way, not a box touching it
    for x0, ty0, x1, ty1 in texts:
        cy = (ty0 + ty1) / 2
        if not y0 <= cy <= y1:
            continue
        x = rule.at(cy)
        if x0 < x - rule.half - margin and x1 > x + rule.half + margin:
            pad = TEXT_PAD * (ty1 - ty0)
            if _ink_cover(ink, rule, False, ty0 - pad, ty1 + pad) < RULE_COVER:
                return True
    return False


OPEN_ROW = 0.12  # inches: every column rule running on this far beyond the table's first or last rule


def _closed_at_open_ends(hrules: list[Rule], vrules: list[Rule], dpi: float, tol: float) -> list[Rule]:
    """The row rules, with a rule added where the table runs on past its first (last) rule with no rule
    drawn: every column rule — the outer two and each inner one — running on by :data:`OPEN_ROW` inches or
    more and stopping within ``2 * tol`` of the others. That is a table broken across pages: a browser or
    Word draws the border between two rows on one page only, so the next page's first row is open above it
    (a CMS page printed by Chromium: that row was read as lines, its wrapped label's second line a row of its
    own, and the row lost). A closed table's first rule stops its column rules; a heading merged across the
    table leaves its inner column rules short."""
    if len(vrules) < 3 or len(hrules) < 1:
        return hrules
    out = list(hrules)
    x_left, x_right = vrules[0].at(hrules[0].offset), vrules[-1].at(hrules[0].offset)
    for first, top in ((hrules[0], True), (hrules[-1], False)):
        ends = [min(a for a, _ in v.drawn) if top else max(b for _, b in v.drawn) for v in vrules]
        beyond = [
            (first.at(v.at(e)) - e) if top else (e - first.at(v.at(e))) for v, e in zip(vrules, ends, strict=True)
        ]
        if min(beyond) < dpi * OPEN_ROW or max(ends) - min(ends) > 2 * tol:
            continue
        y = float(np.median(ends))
        mid = (x_left + x_right) / 2
        edge = Rule(first.slope, y - first.slope * mid, 0.0, [(int(x_left), int(x_right) + 1)])
        out = [edge, *out] if top else [*out, edge]
    return out


def grid_of(
    hmask: Mask,
    vmask: Mask,
    origin: tuple[int, int],
    dpi: float,
    ink: Mask | None = None,
    texts: list[Box] | None = None,
) -> Table | None:
    """The table whose rules are ``hmask`` and ``vmask`` (a crop of the page at ``origin``; ``ink``, the
    page's ink over the same crop; ``texts``, the page's text boxes in page pixels), or None when they do
    not make a grid of at least one cell."""
    h, w = hmask.shape[:2]
    ox, oy = origin
    local = [(x0 - ox, y0 - oy, x1 - ox, y1 - oy) for x0, y0, x1, y1 in texts or []]
    tol = max(4.0, dpi * 0.035)  # a doubled rule's two lines; rows and columns are much further apart
    gap = max(4.0, dpi * 0.06)  # a break in a rule that is still the same rule
    hrules = [r for r in _rules(_pieces(hmask, True, round(dpi * 0.2)), w / 2, tol, gap) if r.length() >= dpi * 0.25]
    vrules = [r for r in _rules(_pieces(vmask, False, round(dpi * 0.1)), h / 2, tol, gap) if r.length() >= dpi * 0.12]
    vrules = [r for r in vrules if _borders(r, hrules, tol, h, ink, False)]
    hrules = [r for r in hrules if _borders(r, vrules, tol, w, ink, True)]
    hrules = _closed_at_open_ends(hrules, vrules, dpi, tol)
    if len(hrules) < 2 or len(vrules) < 2:
        return None
    rows, cols = len(hrules) - 1, len(vrules) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    # the corners of every grid position: row rule r meets column rule c
    def corner(r: int, c: int) -> tuple[float, float]:
        hr, vr = hrules[r], vrules[c]
        # y = hs*x + ho, x = vs*y + vo  →  y = hs*(vs*y + vo) + ho
        y = (hr.slope * vr.offset + hr.offset) / (1 - hr.slope * vr.slope)
        return vr.at(y), y

    corners = [[corner(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    for r in range(rows):
        for c in range(cols):
            # each side between its own two corners: on a table that leans (a turn the deskew left, a
            # photo's perspective) the right side stands higher or lower than the left by the lean across a
            # cell — measured at the left corners' heights, a border missing in a heading merged across the
            # table was taken as drawn from the row above's
            y0, y1 = corners[r][c + 1][1], corners[r + 1][c + 1][1]
            x0, x1 = corners[r + 1][c][0], corners[r + 1][c + 1][0]
            my, mx = max(2.0, (y1 - y0) / 6), max(2.0, (x1 - x0) / 6)
            # a border is drawn over most of the cell's side: as a rule, or as ink along the rule's line
            # most of the way (a rule broken into bits shorter than the line kernel)
            # (and not through a line of text: a rule there is a stroke, or a label's rule carried through
            # a merged cell that prints across it)
            beside = vrules[c + 1] if c + 1 < cols else None
            if beside is not None and (
                not _drawn(beside, ink, False, y0 + my, y1 - my) or through_text(beside, ink, local, y0, y1, dpi)
            ):
                union(r * cols + c, r * cols + c + 1)
            if r + 1 < rows and not _drawn(hrules[r + 1], ink, True, x0 + mx, x1 - mx):  # the border below
                union(r * cols + c, (r + 1) * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, c0 = min(r for r, _ in members), min(c for _, c in members)
        r1, c1 = max(r for r, _ in members), max(c for _, c in members)
        top = max(corners[r0][c0][1], corners[r0][c1 + 1][1]) + hrules[r0].half + 1
        bottom = min(corners[r1 + 1][c0][1], corners[r1 + 1][c1 + 1][1]) - hrules[r1 + 1].half - 1
        left = max(corners[r0][c0][0], corners[r1 + 1][c0][0]) + vrules[c0].half + 1
        right = min(corners[r0][c1 + 1][0], corners[r1 + 1][c1 + 1][0]) - vrules[c1 + 1].half - 1
        # inside every border where the table stands square; where it still leans (a turn the deskew left,
        # a photo's perspective) a cell wide and low — a heading merged across the table — has its top
        # corners' lower one below its bottom corners' higher one: it is placed between the corners' means
        # (inside out, it had held none of its text, which was read as lines after the table)
        if bottom - top < 2:
            top = (corners[r0][c0][1] + corners[r0][c1 + 1][1]) / 2 + hrules[r0].half + 1
            bottom = (corners[r1 + 1][c0][1] + corners[r1 + 1][c1 + 1][1]) / 2 - hrules[r1 + 1].half - 1
        if right - left < 2:
            left = (corners[r0][c0][0] + corners[r1 + 1][c0][0]) / 2 + vrules[c0].half + 1
            right = (corners[r0][c1 + 1][0] + corners[r1 + 1][c1 + 1][0]) / 2 - vrules[c1 + 1].half - 1
        box = (ox + round(left), oy + round(top), ox + round(right), oy + round(bottom))
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, box))
    cells.sort(key=lambda c: (c.row, c.col))
    x0 = min(corners[0][0][0], corners[rows][0][0])
    x1 = max(corners[0][cols][0], corners[rows][cols][0])
    y0 = min(corners[0][0][1], corners[0][cols][1])
    y1 = max(corners[rows][0][1], corners[rows][cols][1])
    return Table((ox + round(x0), oy + round(y0), ox + round(x1), oy + round(y1)), rows, cols, tuple(cells))
