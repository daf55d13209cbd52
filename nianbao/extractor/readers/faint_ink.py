"""A scanned page with its faint stray ink made paper: the back page showing through thin paper (mirrored
text and digits, a tenth as dark as the print), a watermark, the grain of a grey page.

Show-through defeated the reader in a way the verifier caught but could not repair: the back page's mirrored
``0`` in a value cell was found by the detector (it finds text far fainter than the print) and read as a
second number — ``0 0 0 0 0 0 0 0`` for seven cells — and the row was rejected (5 of 5 probe scans at 18–30 %
of the back's ink, 3 of 5 at 6–12 %).

What is kept: every mark at least :data:`DARK` of the page's print (the 90th percentile of its ink's
darkness) and the pixels within :data:`HALO` of one — a stroke's anti-aliased and blurred edges, a thin
``1`` under blur — and every faint straight run a fifth of an inch long (a table's light grey rules: CSS
``#ccc``, Word's grey borders, which the grid needs; a ghost's rules stay too, as before). What is made paper:
the rest, faint and away from the print. Darkness is relative to the paper around each pixel (the median of
:func:`.ruling.paper`), so a lamp's falloff and yellowed paper darken nothing, and relative to the page's own
print, so a faded toner's grey text is the print, not faint ink.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from nianbao.extractor.readers.ruling import Gray, paper

# A mark is print where it is at least this share of the page's print darkness. Measured on the probe scans
# (README, "OCR"): show-through at 6–12 % of the back's ink lies at 0.06–0.12 of the paper, the print at
# 0.85–1.0 (a faded toner's at ~0.5, relative to which its edges are print too); a thin rule or a ``1`` blurred
# by a phone's lens keeps more than a third of its darkness. A quarter leaves a margin on both sides.
DARK = 0.25
INKED = 25  # of 255: darker than the paper by a tenth — the ink :func:`.ruling.ink` sees, whose level is measured
FAINT_RUN = 25  # of 255: a faint rule the grid sees (:func:`.ruling.ink`, a tenth of the paper): runs kept
HALO = 1 / 60  # inches around the print kept as they are (2–3 px): a stroke's edges
STRAY = 12  # of 255 (~0.05 of the paper): below the faintest show-through measured (0.06); lighter marks stay
# A page with fewer stray marks than this share of its pixels (in specks of 2×2 px or more) is returned as it
# is: every page the probes showed through had more (but for backs nearly blank); a clean print has none — a
# web page's grey bands and buttons ~0.7 %, which are made paper
SOME_STRAY = 0.001


def without_faint_ink(gray: Gray, dpi: float) -> Gray:
    """``gray`` with faint ink away from the print (and from any straight rule a table may own) made its
    paper's brightness; a page with little such ink (:data:`SOME_STRAY`), or none at all, is returned as it is."""
    import cv2

    bg = paper(gray, dpi)
    # darkness relative to the paper around the pixel, 0–255 (uint8 arithmetic: saturating, a tenth the CPU)
    dark: Any = cv2.divide(cv2.subtract(bg, gray), bg, scale=255)  # (OpenCV's stubs: a bound, not an int)
    counts = np.bincount(dark.ravel(), minlength=256)[INKED:]
    if counts.sum() < 100:
        return gray
    level = INKED + int(np.searchsorted(np.cumsum(counts), 0.9 * counts.sum()))  # the print's darkness
    printed = _above(dark, max(INKED, int(DARK * level)) - 1)
    r = max(2, round(dpi * HALO))
    halo = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    keep = cv2.dilate(printed, halo)
    stray = cv2.bitwise_and(_above(dark, STRAY), cv2.bitwise_not(keep))
    # (specks of one pixel, the paper's grain, are not counted)
    if cv2.countNonZero(cv2.morphologyEx(stray, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))) < SOME_STRAY * gray.size:
        return gray
    faint = _above(dark, FAINT_RUN)
    run = max(8, round(dpi / 5))
    rule = max(run, round(dpi / 2))  # a printed rule: longer than any stroke of a character
    bridge = max(5, round(dpi / 6))  # a faint run broken where it meets a printed rule (its blur, JPEG's ringing)
    along = (np.ones((1, run), np.uint8), np.ones((run, 1), np.uint8))
    straight = [cv2.morphologyEx(faint, cv2.MORPH_OPEN, k) for k in along]
    lines = cv2.dilate(cv2.bitwise_or(*straight), np.ones((3, 3), np.uint8))
    # the only stray ink straight rules: a table ruled in light grey, nothing to take away
    rest = cv2.bitwise_and(stray, cv2.bitwise_not(lines))
    if cv2.countNonZero(cv2.morphologyEx(rest, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))) < SOME_STRAY * gray.size:
        return gray
    across = [
        cv2.dilate(cv2.morphologyEx(printed, cv2.MORPH_OPEN, k), halo)
        for k in (np.ones((rule, 1), np.uint8), np.ones((1, rule), np.uint8))
    ]
    if cv2.countNonZero(across[0]) or cv2.countNonZero(across[1]):
        # With printed rules on the page, a faint rule is its table's only where it crosses none of them and
        # ends at the print or at a rule across it, as a table's light inner rules do within a dark frame: the
        # back's rules, mirrored, cross the front's table, and their pieces float. (On a page without printed
        # rules, faint ones are its tables' own: all kept.)
        # (each judged joined across its gaps: where it meets a rule, and where noise broke it)
        gaps = (np.ones((1, bridge), np.uint8), np.ones((bridge, 1), np.uint8))
        for k in (0, 1):
            straight[k][_crossing(cv2.morphologyEx(straight[k], cv2.MORPH_CLOSE, gaps[k]), across[k], run)] = 0
        joined = [cv2.morphologyEx(straight[k], cv2.MORPH_CLOSE, gaps[k]) for k in (0, 1)]
        lines = cv2.bitwise_or(
            cv2.bitwise_and(straight[0], _anchored(joined[0], cv2.bitwise_or(keep, joined[1]), bridge, along_x=True)),
            cv2.bitwise_and(straight[1], _anchored(joined[1], cv2.bitwise_or(keep, joined[0]), bridge, along_x=False)),
        )
        lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    keep = cv2.bitwise_or(keep, lines)
    # the stray marks and their edges (a pixel around them), where nothing is kept
    erase = cv2.bitwise_and(cv2.dilate(stray, np.ones((3, 3), np.uint8)), cv2.bitwise_not(keep))
    out: Gray = np.where(erase > 0, np.maximum(gray, bg), gray).astype(np.uint8)
    return out


def _above(dark: Any, level: int) -> Any:
    """255 where ``dark`` exceeds ``level``, else 0."""
    import cv2

    return cv2.threshold(dark, level, 255, cv2.THRESH_BINARY)[1]


def _crossing(runs: Any, rules_across: Any, run: int) -> npt.NDArray[np.bool_]:
    """The pixels of the straight runs (joined across the gaps where they meet a rule) that pass through a
    printed rule across them — a run on both sides of it.
    A table's own faint rule ends at its printed frame or at another faint rule; the back page's rules,
    mirrored, cross the front's table."""
    import cv2

    n, parents = cv2.connectedComponents(runs, connectivity=8)
    cut = cv2.bitwise_and(runs, cv2.bitwise_not(rules_across))
    m, pieces, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= run // 2
    long[0] = False
    where = long[pieces]
    pairs = np.unique(parents[where].astype(np.int64) * m + pieces[where])  # (run, piece of it) once each
    crossing = np.bincount(pairs // m, minlength=n) >= 2
    crossing[0] = False
    found: npt.NDArray[np.bool_] = crossing[parents]
    return found


def _anchored(runs: Any, anchors: Any, reach: int, *, along_x: bool) -> Gray:
    """The straight runs (along x, or along y) whose two ends each lie within ``reach`` of an anchor."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    h, w = runs.shape
    ok = np.zeros(n, dtype=bool)
    for k in range(1, n):
        x, y, bw, bh = (int(v) for v in stats[k, :4])
        if along_x:
            ends = [(slice(max(0, y - reach), y + bh + reach), slice(max(0, x - reach), x + 1)),
                    (slice(max(0, y - reach), y + bh + reach), slice(x + bw - 1, min(w, x + bw + reach)))]  # fmt: skip
        else:
            ends = [(slice(max(0, y - reach), y + 1), slice(max(0, x - reach), x + bw + reach)),
                    (slice(y + bh - 1, min(h, y + bh + reach)), slice(max(0, x - reach), x + bw + reach))]  # fmt: skip
        ok[k] = all(cv2.countNonZero(anchors[e]) > 0 for e in ends)
    ok[0] = False
    out: Gray = np.where(ok[labels], runs, 0).astype(np.uint8)
    return out
