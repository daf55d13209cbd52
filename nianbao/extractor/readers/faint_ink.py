"""A scanned page with its faint stray ink made paper: the back page showing through thin paper (mirrored
text, digits and rules at a tenth of the print's darkness), a watermark, a web page's grey bands.

Show-through defeated the reader in a way the verifier caught but could not repair: the back page's mirrored
``0`` in a value cell was found by the detector (it finds text far fainter than the print) and read as a
second number — ``0 0 0 0 0 0 0 0`` for seven cells — and the back's rules, seen as the page's, cut
``137511`` into ``137 | 511`` (probe scans: 3 of 5 rejected at 6–12 % of the back's ink, 5 of 5 at 18–30 %).

Kept as they are: every mark at least :data:`DARK` of the page's print (the 90th percentile of its ink's
darkness) and the pixels within :data:`HALO` of one — a stroke's anti-aliased and blurred edges — and a
table's light grey rules (CSS ``#ccc``, Word's grey borders, dashed or not: the rules the grid itself finds,
:func:`.ruling.line_masks`) that cross no printed rule and end, both ends, at the print or at a rule across
them: a table's light inner rules run from its frame to its frame; the back's rules, mirrored, run across the
front's table (a light column through a dark rule of its own table goes with them: :func:`_table_rules`).
Made paper: the rest, faint and away from the print. Darkness is relative to the paper around each pixel
(the median of :func:`.ruling.paper`), so a lamp's falloff and yellowed paper darken nothing, and relative
to the page's own print, so a faded toner's grey text is the print.

Left as they are, byte for byte: a page with little stray ink beyond its rules (:data:`SOME_STRAY`) — a clean
print, a table ruled in light grey; a page whose paper's grain hides marks as faint as show-through (a mark
within three sigmas of it: a noisy scan, whose grain made paper had cost rows their rules and read a ``0`` as
``10``); and a page under :data:`LEAST_DPI`, where a small grey ``1`` can fall under the print's quarter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from nianbao.extractor.readers.ruling import INK_STEP, Gray, line_masks, paper

# A mark is print where it is at least this share of the page's print darkness. Measured on the probe scans
# (README, "OCR"): show-through at 6–12 % of the back's ink lies at 0.06–0.12 of the paper, the print at
# 0.85–1.0 (a faded toner's at ~0.5, relative to which its edges are print too); a thin rule or a ``1`` blurred
# by a phone's lens keeps more than a third of its darkness. A quarter leaves a margin on both sides.
DARK = 0.25
INKED = 255 // INK_STEP + 1  # of 255: the ink :func:`.ruling.ink` sees (a tenth of the paper), whose level is measured
HALO = 1 / 60  # inches around the print kept as they are (2–3 px at 150 dpi): a stroke's edges
STRAY = 12  # of 255 (~0.05 of the paper): below the faintest show-through measured (0.06); lighter marks stay
# A page with fewer stray marks than this share of its pixels (in specks of 2×2 px or more, beyond its rules)
# is returned as it is: every page the probes showed through had more (but for backs nearly blank)
SOME_STRAY = 0.001
# inches: how far back along a rule, or beside it, its end may meet the rule it ends at — a run found by an
# opening stops a pixel short of it, a dashed rule drawn whole overshoots it by up to a dash and a gap (12 px
# at 150 dpi)
BESIDE = 1 / 10
LEAST_DPI = 120  # below it (a 100-dpi fax, a 96-dpi copy) a page is left as it is


def without_faint_ink(gray: Gray, dpi: float) -> Gray:
    """``gray`` with faint ink away from the print and from its tables' rules made its paper's brightness; a
    page left as it is (see the module's notes) is returned itself."""
    import cv2

    if dpi < LEAST_DPI:
        return gray
    bg = paper(gray, dpi)
    # darkness relative to the paper around the pixel, 0–255 (uint8 arithmetic: saturating, a tenth the CPU)
    dark: Gray = cv2.divide(cv2.subtract(bg, gray), bg, scale=255)  # type: ignore[assignment]
    histogram = np.bincount(dark.ravel(), minlength=256)
    counts = histogram[INKED:]
    if counts.sum() < 100:
        return gray
    level = INKED + int(np.searchsorted(np.cumsum(counts), 0.9 * counts.sum()))  # the print's darkness
    # The paper's grain: half the paper is lighter than its median (darkness 0), so the 75th percentile of
    # darkness is the grain's (0.674 sigma; a page's ink, a few percent, moves it little). A mark within
    # three sigmas of the paper cannot be told from its grain.
    grain = int(np.searchsorted(np.cumsum(histogram), 0.75 * gray.size)) / 0.674
    printed = _above(dark, max(INKED, int(DARK * level)) - 1)
    r = max(2, round(dpi * HALO))
    halo = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    keep: Gray = cv2.dilate(printed, halo)  # type: ignore[assignment]
    stray: Gray = cv2.bitwise_and(_above(dark, max(STRAY, round(3 * grain))), cv2.bitwise_not(keep))  # type: ignore[assignment]
    if _specks(stray) < SOME_STRAY * gray.size:
        return gray
    horizontal, vertical = line_masks(_above(dark, INKED - 1), dpi)
    if _specks(cv2.bitwise_and(stray, cv2.bitwise_not(cv2.bitwise_or(horizontal, vertical)))) < SOME_STRAY * gray.size:
        return gray  # its only stray ink is its light rules: a table ruled in grey
    rules = _table_rules(printed, keep, horizontal, vertical, dpi)
    keep = cv2.bitwise_or(keep, cv2.dilate(rules, np.ones((3, 3), np.uint8)))  # type: ignore[assignment]
    # the stray marks and their edges (a pixel around them), where nothing is kept
    erase = cv2.bitwise_and(cv2.dilate(stray, np.ones((3, 3), np.uint8)), cv2.bitwise_not(keep)) > 0
    out = gray.copy()
    np.copyto(out, bg, where=erase & (bg > gray))
    return out


def _above(dark: Gray, level: int) -> Gray:
    """255 where ``dark`` exceeds ``level``, else 0."""
    import cv2

    out: Gray = cv2.threshold(dark, level, 255, cv2.THRESH_BINARY)[1]  # type: ignore[assignment]
    return out


def _specks(mask: Any) -> int:  # (any mask OpenCV returns: its stubs type them loosely)
    """The pixels of ``mask`` in specks of 2×2 px or more (a pixel alone is the paper's grain)."""
    import cv2

    return int(cv2.countNonZero(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))))


def _table_rules(printed: Gray, keep: Gray, horizontal: Gray, vertical: Gray, dpi: float) -> Gray:
    """Of the faint rules (``horizontal``, ``vertical``: the grid's own masks), those a table owns: on a page
    without printed rules, every one (its tables are ruled in grey); else each that crosses no printed rule and
    whose two ends lie at the print or at a rule across it, as a table's light inner rules run from its frame
    to its frame. The back's rules, mirrored, cross the front's table (and may end where it does). A light
    rule crossing a dark one of its own table (a light column through a dark header rule) is lost with them:
    only on a page with stray ink to take away, and then its table is read without that rule."""
    import cv2

    rule = round(dpi / 2) | 1  # a printed rule: longer than any stroke of a character
    bridge = round(dpi / 6) | 1  # a faint rule broken where it meets a printed rule (its blur, JPEG's ringing)
    printed_v: Gray = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((rule, 1), np.uint8))  # type: ignore[assignment]
    printed_h: Gray = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, rule), np.uint8))  # type: ignore[assignment]
    if not cv2.countNonZero(printed_v) and not cv2.countNonZero(printed_h):
        out: Gray = cv2.bitwise_or(horizontal, vertical)  # type: ignore[assignment]
        return out
    reach = max(3, round(dpi * HALO)) + bridge // 2
    beside = max(4, round(dpi * BESIDE))
    runs: list[Any] = [  # (OpenCV's stubs type its results loosely)
        cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, bridge), np.uint8)),
        cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((bridge, 1), np.uint8)),
    ]
    parts: list[Any] = [cv2.connectedComponentsWithStats(r, connectivity=8)[1:3] for r in runs]
    crossing = [_crossing(parts[k][0], runs[k], across, bridge) for k, across in enumerate((printed_v, printed_h))]
    owned = [
        _ends_at(parts[k][1], ~crossing[k], cv2.bitwise_or(keep, runs[1 - k]), reach, beside, along_x=k == 0)
        for k in (0, 1)
    ]
    out = cv2.bitwise_or(  # type: ignore[assignment]
        np.where(owned[0][parts[0][0]], horizontal, 0).astype(np.uint8),
        np.where(owned[1][parts[1][0]], vertical, 0).astype(np.uint8),
    )
    return out


def _crossing(labels: npt.NDArray[np.int32], runs: Gray, printed_across: Gray, least: int) -> npt.NDArray[np.bool_]:
    """Per component of ``runs`` (``labels``), whether it passes through a printed rule across it: pieces of
    it at least ``least`` long on two sides."""
    import cv2

    n = int(labels.max()) + 1
    cut = cv2.bitwise_and(runs, cv2.bitwise_not(cv2.dilate(printed_across, np.ones((3, 3), np.uint8))))
    m, pieces, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    long = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= least
    long[0] = False
    at = np.flatnonzero(cut)
    piece = pieces.ravel()[at]
    at, piece = at[long[piece]], piece[long[piece]]
    pairs = np.unique(labels.ravel()[at].astype(np.int64) * m + piece)  # (run, piece of it) once each
    crossing: npt.NDArray[np.bool_] = np.bincount(pairs // m, minlength=n) >= 2
    crossing[0] = False
    return crossing


def _ends_at(
    stats: npt.NDArray[np.int32], judged: npt.NDArray[np.bool_], anchors: Any, reach: int, beside: int, *, along_x: bool
) -> npt.NDArray[np.bool_]:
    """Per component (its ``stats``: x, y, width, height), whether it is ``judged`` and its two ends each lie
    within ``reach`` of an anchor past the end (along x, or along y) — or within ``beside`` back along it or
    beside it (:data:`BESIDE`)."""
    import cv2

    ok = np.zeros(len(stats), dtype=bool)
    for k in np.flatnonzero(judged[1:]) + 1:  # (label 0: the background)
        x, y, bw, bh = (int(v) for v in stats[k, :4])
        if along_x:
            rows = slice(max(0, y - beside), y + bh + beside)
            ends = [
                (rows, slice(max(0, x - reach), x + beside)),
                (rows, slice(max(0, x + bw - beside), x + bw + reach)),
            ]
        else:
            cols = slice(max(0, x - beside), x + bw + beside)
            ends = [
                (slice(max(0, y - reach), y + beside), cols),
                (slice(max(0, y + bh - beside), y + bh + reach), cols),
            ]
        ok[k] = all(cv2.countNonZero(anchors[e]) > 0 for e in ends)
    return ok
