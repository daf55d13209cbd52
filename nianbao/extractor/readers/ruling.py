"""A scanned page's tables from their ruling lines: skew, the line grid, and the merged cells.

The report tables are ruled (the official template is a Word table with every border drawn), so a
table's structure is in its lines, not in its text: a cell that prints nothing stays an empty cell in
its column, a label wrapped over eight lines stays one cell, and a label merged down over twenty rows is
one cell, not twenty fragments. Lines are found by morphological opening (OpenCV) with a kernel longer
than any stroke of a character at the page's resolution and shorter than the shortest cell border.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from nianbao.extractor.readers.grid import Cell, Gray, RowRule, Table, grid_of

__all__ = ["Cell", "Gray", "RowRule", "Table", "deskew", "ink", "line_masks", "row_rules", "skew_degrees", "tables"]


INK_STEP = 10  # a mark is darker than its paper by a tenth of the paper's brightness (25 levels on white)


def paper(gray: Gray, dpi: float = 150.0) -> Gray:
    """The paper's brightness around each pixel: the median over a third of an inch (on a copy four times
    smaller: ~1 ms a page). Text covers well under half of any such square, so the median is the paper's
    even among a label's dense characters — where the mean, darkened by them, had hidden a thin rule
    beside them (a phone photo's and a rough scan's label columns lost their row rules: rows merged)."""
    import cv2

    h, w = gray.shape[:2]
    small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    k = max(3, int(dpi / 12) | 1)
    return cv2.resize(cv2.medianBlur(small, k), (w, h), interpolation=cv2.INTER_LINEAR)  # type: ignore[return-value]


UNEVEN = 20  # grey levels between the page's most and least lit places: a page lit unevenly
SHADED = 12  # paper this much darker than the light fitted so far is shading (a row, a header cell), not light


def evenly_lit(gray: Gray, dpi: float = 150.0) -> Gray:
    """A page whose light varies by :data:`UNEVEN` levels or more (a phone's or a lamp's light falling off
    across it) divided by that light: the same marks on paper as bright throughout. A page evenly lit is
    returned as it is. The reader's threshold over the whole page (Otsu) took a dark corner's paper for ink,
    so a lone ``0`` there was never found; the recogniser reads a digit on grey paper less surely.

    The light is a smooth surface (a quadratic in x and y) fitted to the paper's brightness (the median over
    a third of an inch, as :func:`paper`, of every 8th pixel), paper darker than the fit by :data:`SHADED`
    left out and fitted again: a table's shaded rows and header cells are not light. Measured on the 48 scans
    of the ``t4`` set (README) and the benchmark's 15 pages: evenly lit pages (plain, copier, fax, seal,
    the template's shaded rows) spread 0–7 levels; lamp- and phone-lit ones 37–110, every one found."""
    import cv2

    h, w = gray.shape[:2]
    # the paper: every 8th pixel's median over a third of an inch, every other one of those kept (~3 ms a
    # page, where :func:`paper` and a resize took ~30 of every page read); text and shading left below
    # the fit are dropped by it
    sampled = np.ascontiguousarray(gray[::8, ::8])
    small = cv2.medianBlur(sampled, max(3, int(dpi / 24) | 1))[::2, ::2].astype(np.float64)
    yy, xx = np.mgrid[0 : small.shape[0], 0 : small.shape[1]]
    x, y = xx.ravel() / small.shape[1], yy.ravel() / small.shape[0]
    terms = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    values = small.ravel()
    keep = np.ones(values.shape, dtype=bool)
    for _ in range(3):  # least squares by the normal equations (six unknowns)
        a = terms[keep]
        coef = np.linalg.solve(a.T @ a, a.T @ values[keep])
        keep = values > terms @ coef - SHADED
    fitted = (terms @ coef).reshape(small.shape)
    top, low = float(fitted.max()), float(fitted.min())
    if top - low < UNEVEN or low <= 0:
        return gray
    gain = cv2.resize((top / fitted).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    out: Gray = np.clip(gray * gain, 0, 255).astype(np.uint8)
    return out


def ink(gray: Gray, dpi: float = 150.0) -> Gray:
    """Marks darker than their paper (:func:`paper`) by a share of its brightness. A threshold over the
    whole page (Otsu) splits a page lit unevenly into a light and a dark half, and a shaded header cell
    into a block of ink; a local one keeps a faint rule in the shadow (a shadow darkens a rule as much as
    its paper: hence a share, not a fixed step). The speckles it finds in noisy paper are shorter than any
    line kernel below."""
    import cv2

    bg = paper(gray, dpi)
    # (in OpenCV's uint8 arithmetic: the same marks as in int16 numpy, at a tenth of the CPU)
    threshold = cv2.subtract(bg, bg // INK_STEP)
    return cv2.compare(gray, threshold, cv2.CMP_LT)  # type: ignore[return-value]


# A dashed rule (Word's and CSS's ``dashed``, reportlab's dash patterns) is a row of short thin strokes, each
# shorter than the opening's kernel in :func:`line_masks`, so no rule was found and such a table was read as
# lines, each dash beside a number read as a ``1`` (``10``, ``1o``). Found as at least DASHES strokes in a line,
# most as long and as wide as the others, most a whole number of periods apart — up to DASH_SKIP dashes lost
# between two found (where a rule crosses, or a number touches it), the rest where the pattern begins again at a
# cell's corner (LibreOffice, Chromium). Specks of noise, and a text's strokes in a line, are not so even.
DASHES = 5
DASH_GAP = 0.07  # inches: the longest gap between two dashes
DASH_LIKE = 0.2  # a dash's length differs from most dashes' by at most this share (or 2 px)
DASH_LONG = 1.5  # a dash is at least this many times as long as wide (most of a line's)
DASH_SKIP = 2  # dashes that may be lost between two found (at a crossing, beside a digit)


def _dashed(binary: Gray, dpi: float, long: int) -> tuple[Gray, Gray]:
    """The dashed rules (horizontal, vertical) of a page's ink, drawn whole: each a line through its dashes,
    as thick as they are."""
    import cv2

    thin = max(3, round(dpi * 0.035))  # a 0.5 pt dash blurred by a phone's lens: 6 px at 200 dpi
    gap = max(4, round(dpi * DASH_GAP))
    least = max(4, round(dpi * 0.027))  # the shortest dash: a 1 px CSS dash printed (3 px: a speck of noise)
    # a dash is a shape of its own in the ink: a digit 1's stem is no dash (its flag makes it wider), nor a
    # character's stroke joined to others; where a rule crosses, the dash it meets is lost (skipped below)
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    out = []
    for lengthwise in (True, False):
        # x, w along the rule; y, h across it (a vertical rule's stats read transposed)
        x, y, w, h = (stats[1:, k].astype(int) for k in ((0, 1, 2, 3) if lengthwise else (1, 0, 3, 2)))
        pick = np.flatnonzero((h <= thin) & (w >= least) & (w > h) & (w < long))  # (a blurred CSS dash: 7 × 5 px)
        mask = np.zeros_like(binary)
        chains: list[list[int]] = []
        ends: dict[int, list[int]] = {}  # a chain's last stroke's centre line → the chains ending there
        reach = DASH_SKIP * long + (DASH_SKIP + 1) * gap
        for i in pick[np.argsort(x[pick], kind="stable")]:
            cy = (2 * y[i] + h[i]) // 2
            best = None
            for row in range(cy - 2, cy + 3):
                for c in ends.get(row, []):
                    last = chains[c][-1]
                    if 1 <= x[i] - (x[last] + w[last]) <= reach and (
                        best is None or len(chains[c]) > len(chains[best])
                    ):
                        best = c
            if best is None:
                chains.append([i])
                best = len(chains) - 1
            else:
                last = chains[best][-1]
                ends[(2 * y[last] + h[last]) // 2].remove(best)
                chains[best].append(i)
            ends.setdefault(cy, []).append(best)
        runs = [chain[i : j + 1] for chain in chains for i, j in _dash_runs(x[chain], w[chain], h[chain], gap)]
        for run in runs:
            # drawn a gap past its first and last dash: the dash it lost at a corner (joined to the rule across)
            # had left it short of the rule it meets
            for a, b in pairwise(run):
                p0 = (int(x[a]) - (gap if a == run[0] else 0), int((2 * y[a] + h[a]) // 2))
                p1 = (int(x[b] + w[b] - 1) + (gap if b == run[-1] else 0), int((2 * y[b] + h[b]) // 2))
                if not lengthwise:
                    p0, p1 = p0[::-1], p1[::-1]
                cv2.line(mask, p0, p1, 255, max(1, int(min(h[a], h[b]))))
        out.append(mask)
    return out[0], out[1]


def _dash_runs(
    starts: npt.NDArray[np.int_], lengths: npt.NDArray[np.int_], widths: npt.NDArray[np.int_], gap: int
) -> list[tuple[int, int]]:
    """The runs (first, last index) of strokes along a line (starts in order; their lengths and widths) that
    are a dashed rule's dashes: a line's strokes parted where more dashes are lost in a row than a crossing or
    a digit takes (specks that happen to line up, far apart), each run then judged by :func:`_periodic`."""
    if len(starts) < DASHES:
        return []
    usual = float(np.median(lengths))
    steps = np.diff(starts)
    # the period: a step between two dashes neither of which was lost, a dash and a gap long
    next_to = steps[(steps > usual) & (steps <= usual + gap)]
    if len(next_to) == 0:
        return []
    period = float(np.median(next_to))
    cuts = [0, *(int(i) + 1 for i in np.flatnonzero(steps > (DASH_SKIP + 1.25) * period)), len(starts)]
    return [(a, b - 1) for a, b in pairwise(cuts) if _periodic(starts[a:b], lengths[a:b], widths[a:b], gap)]


def _periodic(
    starts: npt.NDArray[np.int_], lengths: npt.NDArray[np.int_], widths: npt.NDArray[np.int_], gap: int
) -> bool:
    """Whether strokes (starts along a line, in order; their lengths and widths) are a dashed rule's dashes:
    most of one width and one length — or two or three dashes' (a gap closed by blur) — and set a whole
    number of periods apart; a few odd ones (a speck of noise) among them, as in any scan. Specks of noise
    that happen to line up, a text's strokes, are not so even."""
    if len(starts) < DASHES:
        return False
    usual = float(np.median(lengths))
    # a dotted rule's dots are as wide as long: found in part (a grid of some rules, its cells joining a heading
    # to its numbers) they did worse than none, its table then read as lines
    if usual < DASH_LONG * float(np.median(widths)):
        return False
    steps = np.diff(starts)
    next_to = steps[(steps > usual) & (steps <= usual + gap)]
    if len(next_to) == 0:
        return False
    period = float(np.median(next_to))
    # within a couple of pixels (blur and noise move a short dash's ends) or a fifth
    slack = max(2.0, DASH_LIKE * usual)
    joined = np.clip(np.rint((lengths - usual) / period), 0, DASH_SKIP)
    alike = (np.abs(lengths - usual - joined * period) <= slack) & (np.abs(widths - np.median(widths)) <= 1)
    k = np.rint(steps / period)
    regular = (k >= 1) & (k <= DASH_SKIP + 1) & (np.abs(steps - k * period) <= max(2.0, period / 4))
    # most steps a whole number of periods (dashes lost at a crossing, beside a digit, faded, or joined); the
    # rest where the pattern begins again at a cell's corner
    return 4 * int(alike.sum()) >= 3 * len(lengths) and 4 * int(regular.sum()) >= 3 * len(steps)


def line_masks(binary: Gray, dpi: float, across: int = 3, dashes: bool = True) -> tuple[Gray, Gray]:
    """The horizontal and the vertical rules. A rule a pixel off straight (a residual turn, a photo's
    perspective) is thickened ``across`` its length first so that the opening still finds one long run;
    gaps in a broken or faint rule are closed along it afterwards; with ``dashes``, dashed rules drawn whole
    (:func:`_dashed`)."""
    import cv2

    # Longer than a character's strokes (a 10.5 pt character is ~0.15 inch), shorter than a cell's border
    h_len = max(15, round(dpi * 0.30))
    v_len = max(12, round(dpi * 0.20))
    gap = max(3, round(dpi * 0.06))
    rect = cv2.getStructuringElement
    # (no closing before the openings, not even of a pixel's dropout: text stands a few pixels from the rules,
    # and closed onto them its strokes become rules through the cell)
    across_h = cv2.dilate(binary, rect(cv2.MORPH_RECT, (1, across)))
    across_v = cv2.dilate(binary, rect(cv2.MORPH_RECT, (across, 1)))
    horizontal = cv2.morphologyEx(across_h, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(across_v, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (1, v_len)))
    if dashes:
        dashed_h, dashed_v = _dashed(binary, dpi, min(h_len, v_len))
        horizontal, vertical = cv2.bitwise_or(horizontal, dashed_h), cv2.bitwise_or(vertical, dashed_v)
    # a rule broken every few millimetres (bits shorter than the kernel between its breaks) is bridged
    # where ink runs along it between two long runs; a run's ends are never extended (into a shaded cell,
    # a shadow's speckles), and the other way's rules are not taken for it
    bridge_h = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (2 * h_len + 1, 1)))
    bridge_v = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (1, 2 * v_len + 1)))
    not_v, not_h = cv2.bitwise_not(vertical), cv2.bitwise_not(horizontal)
    horizontal, vertical = (
        cv2.bitwise_or(horizontal, cv2.bitwise_and(cv2.bitwise_and(bridge_h, across_h), not_v)),
        cv2.bitwise_or(vertical, cv2.bitwise_and(cv2.bitwise_and(bridge_v, across_v), not_h)),
    )
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (gap, 1)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (1, gap)))
    return horizontal, vertical  # type: ignore[return-value]


def skew_degrees(gray: Gray, dpi: float) -> float:
    """The page's rotation from its long horizontal lines (table borders), length-weighted; 0 without lines."""
    import cv2

    # thickened enough that a rule turned by up to ~4° still runs the opening's length within its band
    # (thickened by 3 px, one turned 2.7° at 240 dpi broke into steps shorter than a sixth of the page: no
    # skew found, the page read turned and the grid's merged cells came out inside out)
    across = max(3, math.ceil(max(15, round(dpi * 0.30)) * math.tan(math.radians(4))) | 1)
    # (a frame's solid rules: a dashed rule's chain follows a turn of a degree or two as it is)
    horizontal, _ = line_masks(ink(gray, dpi), dpi, across, dashes=False)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    angles: list[tuple[float, float]] = []
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        if w < gray.shape[1] / 6:
            continue
        # the line's own pixels: the box of a line turned 2–3° reaches over the rules above and below it
        # (their pixels in it had pulled the fit to ~0.2°: a page turned 2.7° was read turned)
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
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


def row_rules(gray: Gray, dpi: float) -> list[RowRule]:
    """The page's horizontal rules at least an inch long, top to bottom: where a table is drawn with
    horizontal rules only (no grid of cells to be found), they still say which text lines make one row."""
    import cv2

    horizontal, _ = line_masks(ink(gray, dpi), dpi)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    out: list[RowRule] = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w < dpi:
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        slope, offset = np.polyfit(xs.astype(float) + x, ys.astype(float) + y, 1) if h > 2 else (0.0, y + (h - 1) / 2)
        out.append((float(slope), float(offset), x, x + w))
    return sorted(out, key=lambda r: r[0] * (r[2] + r[3]) / 2 + r[1])


def deskew(gray: Gray, dpi: float) -> Gray:
    import cv2

    angle = skew_degrees(gray, dpi)
    if abs(angle) < 0.05 or abs(angle) > 10:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)  # type: ignore[return-value]


# A table's last row carried over a page break stands alone on the next page: a grid of one row, under a
# quarter inch tall. Taken as a table where it is at least this wide (inches) and ruled into three columns
# or more, and at least _ROW_LOW tall — a title's bold strokes joined to a stray line are neither.
_ROW_WIDE = 3.0
_ROW_LOW = 0.12


# A table's cell holds text: a grid most of whose cells are thinner than this (inches) either way is made of
# characters' strokes — a bold title binarised (a fax) joins its strokes into rules of a "table".
_SLIVER = 0.06


def _strokes(t: Table, dpi: float) -> bool:
    slivers = sum(1 for c in t.cells if min(c.box[2] - c.box[0], c.box[3] - c.box[1]) < dpi * _SLIVER)
    return 2 * slivers >= len(t.cells)


# A ruled table's text lies in its cells, each line narrower than the table; a "table" whose box lies mostly
# inside text lines at least half its width is a line of text's own strokes (a large bold title, noisy: its
# strokes made a grid of 4 rows × 7 columns and took the title's second line into a "cell").
_IN_TEXT = 0.75


def _in_text(t: Table, texts: list[tuple[int, int, int, int]]) -> bool:
    x0, y0, x1, y1 = t.box
    area = max(1, (x1 - x0) * (y1 - y0))
    wide = [b for b in texts if b[2] - b[0] >= (x1 - x0) / 2]
    covered = np.zeros((max(1, y1 - y0), max(1, x1 - x0)), dtype=bool)
    for bx0, by0, bx1, by1 in wide:
        covered[max(0, by0 - y0) : max(0, by1 - y0), max(0, bx0 - x0) : max(0, bx1 - x0)] = True
    return bool(covered.sum() >= _IN_TEXT * area)


def _lone_row(t: Table, dpi: float) -> bool:
    return t.cols >= 3 and t.box[2] - t.box[0] >= dpi * _ROW_WIDE and t.box[3] - t.box[1] >= dpi * _ROW_LOW


TEXT_SLACK = 2  # pixels a stroke may stand beyond its line's detected box


def _without_strokes_of_text(vertical: Gray, texts: list[tuple[int, int, int, int]]) -> Gray:
    """The vertical rules less their pixels inside a detected line of text where they do not run through
    it, above and below: a large heading's strokes (a 16 pt ``三、收到和处理…`` is 0.2 inch tall: its 收, 到,
    理 pass the vertical opening) standing between two tables joined them into one grid, which then read as
    a broken grid — both tables read as lines, rows of table 3 lost (a CMS page printed by Chromium, scanned;
    a stroke may touch the column rule just below it). A rule runs through a line of text that crosses it
    (a number box drawn across a border), or stays outside it."""
    h, w = vertical.shape[:2]
    out = vertical
    s = TEXT_SLACK
    for x0, y0, x1, y1 in texts:
        x0, x1 = max(0, x0), min(w, x1)
        y0, y1 = max(0, y0), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            continue
        part = out[y0:y1, x0:x1]
        if not part.any():
            continue
        # a rule runs through where it is drawn just above the box and just below it (a box at the page's
        # edge: nothing runs through)
        through = np.zeros(x1 - x0, dtype=bool)
        if y0 - s - 1 >= 0 and y1 + s < h:
            through = (out[y0 - s - 1, x0:x1] > 0) & (out[y1 + s, x0:x1] > 0)
        strokes = part.any(axis=0) & ~through
        if strokes.any():
            if out is vertical:
                out = vertical.copy()
            out[y0:y1, x0:x1][:, strokes] = 0
    return out


def tables(gray: Gray, dpi: float, texts: list[tuple[int, int, int, int]] | None = None) -> list[Table]:
    """Every ruled table on a (deskewed) page, top to bottom; ``texts``, the OCR detector's text boxes, which
    no column line may cut where it is not drawn. A page with no long rules returns at once (two openings
    and a component count): a text page costs no grid work."""
    import cv2

    marks = ink(gray, dpi)
    horizontal, vertical = line_masks(marks, dpi)
    if texts:
        vertical = _without_strokes_of_text(vertical, texts)
    # rules doubled (a web page's cell borders a few pixels apart) or broken belong to one table
    link = max(3, round(dpi * 0.08))
    grid = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((link, link), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w < dpi * 1.0 or h < dpi * (0.25 if w < dpi * _ROW_WIDE else _ROW_LOW):
            continue  # a rule under a heading, a stray line: not a table
        mine = labels[y : y + h, x : x + w] == i
        crop = (slice(y, y + h), slice(x, x + w))
        t = grid_of(horizontal[crop] * mine, vertical[crop] * mine, (x, y), dpi, marks[crop], texts)
        # the grid itself as large as a table: a large bold title's strokes, joined to a stray line, made a
        # "table" of one row 0.8 inch wide through the title (a Chromium print's title lost: no agency read)
        if t is None or t.box[2] - t.box[0] < dpi or _strokes(t, dpi) or _in_text(t, texts or []):
            continue
        if t.box[3] - t.box[1] >= dpi * 0.25 or _lone_row(t, dpi):
            found.append(t)
    return sorted(found, key=lambda t: t.box[1])
