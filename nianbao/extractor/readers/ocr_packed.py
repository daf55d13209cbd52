"""A table page's numbers (its value cells) recognised packed side by side into lines, instead of one crop
a row of the recogniser's batch; what that does not read surely is read as RapidOCR reads it.

RapidOCR pads every crop to at least 320 px wide (at its 48 px height) — the width the PP-OCR recogniser
was trained at — and its cost is linear in that width (OpenVINO: 82 ms a batch of 6 at 320, 37 at 160);
a value cell's few digits are ~40 px: most of their recognition was padding.

- **Packed**: crops up to three digits wide are laid side by side, 24 px apart, in 320 px lines — a row of
  numbers, as the model knows text. Its output is a character distribution a column of 8 px; each crop's
  reading is the CTC decoding of the columns over it and half the gaps beside it. A character written in a
  gap could be either neighbour's: both are left unread. Only a **number** read with confidence >= 0.9 is
  taken.
- **Alone**, as RapidOCR reads (padded to 320 or the group's widest), every crop left: in groups of similar
  width, so that a crop is not padded far beyond its width by a long line in its batch.

Measured and not kept: labels packed lost their edge marks confidently (``（三）不`` read ``（三``, a
test's scan then rejected); labels padded to 160 instead of 320 (2.2× less CPU for them) dropped a
character confidently (a two-line ``复议`` cell read ``复`` at 0.98) and saved ~7 % of a page.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from typing import Any

import numpy as np

PACK_WIDTH = 64  # crops at most this wide (at the recogniser's height: three digits) are packed
LINE_WIDTH = 320  # a packed line's width, the crops in it and the gaps between
GAP = 24  # blank columns between two crops (three of the model's 8 px steps)
LINES_A_BATCH = 8
SURE = 0.9  # a packed reading less confident than this is read again alone, as RapidOCR reads it
# only a number is taken from a packed line: a label's edge marks (the ``）`` of ``（三）不``) can vanish
# there, its characters read confidently all the same; a label is read alone, as before
NUMBER = re.compile(r"\d[\d,.]*")
# A packed crop whose character is held over this many steps of 8 px, or over two with the second written
# at less than FAINT_STEP (a blank nearly there), is read alone: a ``55`` packed beside other cells' numbers
# came back ``5`` at 0.99 — its columns ``5 5 5 5`` with no blank between, the second at 0.59. Of 661
# numbers packed on six scans' pages, a character spanned 1 step (658) or 2 (3), none under 0.7.
LONG_RUN = 3
FAINT_STEP = 0.7


def _merged_run(idx: Any, p: Any) -> bool:
    """Whether a crop's steps (character ids, probabilities) hold a character written over a run of steps
    that may be two of it decoded as one (CTC joins a run with no blank in it)."""
    starts = np.flatnonzero(np.diff(np.concatenate(([-1], idx, [-1]))) != 0)
    runs = [(a, b - a) for a, b in pairwise(starts) if idx[a] != 0]
    return any(n >= LONG_RUN or (n == 2 and p[a + 1] < FAINT_STEP) for a, n in runs)


SIMILAR = 1.3  # the crops read at 320 are read in groups no wider than this times their narrowest


def recognise(rec: Any, crops: list[Any]) -> list[tuple[str, float]]:
    """(text, confidence) for each crop, as ``rec(crops)`` (RapidOCR's ``TextRecognizer``) answers, short
    crops packed into lines."""
    if not crops:
        return []
    height = rec.rec_image_shape[1]
    widths = [max(1, math.ceil(height * c.shape[1] / max(1, c.shape[0]))) for c in crops]
    short = [i for i, w in enumerate(widths) if w <= PACK_WIDTH]  # in reading order: a line as a table row reads
    out: list[tuple[str, float] | None] = [None] * len(crops)
    lines: list[list[tuple[int, int]]] = []  # each line: (crop index, x offset)
    x = LINE_WIDTH
    for i in short:
        if x + widths[i] > LINE_WIDTH:
            lines.append([])
            x = GAP // 2
        lines[-1].append((i, x))
        x += widths[i] + GAP
    for start in range(0, len(lines), LINES_A_BATCH):
        batch = lines[start : start + LINES_A_BATCH]
        images = np.zeros((len(batch), 3, height, LINE_WIDTH), dtype=np.float32)
        for b, line in enumerate(batch):
            for i, x0 in line:
                images[b, :, :, x0 : x0 + widths[i]] = _normalised(crops[i], widths[i], height)
        preds = rec.session(images)[0]
        for b, line in enumerate(batch):
            for i, got in _split(preds[b], line, widths, rec.postprocess_op.character).items():
                if NUMBER.fullmatch(got[0]) and got[1] >= SURE:
                    out[i] = got
    for group in _similar_widths(sorted((i for i, r in enumerate(out) if r is None), key=lambda i: widths[i]), widths):
        read, _ = rec([crops[i] for i in group])
        for i, r in zip(group, read, strict=True):
            out[i] = (str(r[0]), float(r[1]))
    return [r if r is not None else ("", 0.0) for r in out]


def _similar_widths(order: list[int], widths: list[int]) -> list[list[int]]:
    """The crops (sorted by width) in groups whose widest is at most :data:`SIMILAR` times the narrowest's
    (or 320 px): RapidOCR pads a batch to its widest crop, and a crop padded far beyond its width reads
    otherwise (``行政复议`` as ``行政复`` beside a long line)."""
    groups: list[list[int]] = []
    for i in order:
        if groups and widths[i] <= max(LINE_WIDTH, SIMILAR * widths[groups[-1][0]]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _normalised(crop: Any, width: int, height: int) -> Any:
    """As RapidOCR's ``resize_norm_img``: to the recogniser's height, channels first, in [-1, 1]."""
    import cv2

    img = cv2.resize(crop, (width, height)).astype(np.float32).transpose((2, 0, 1))
    return img / 127.5 - 1.0


def _split(
    pred: Any, line: list[tuple[int, int]], widths: list[int], charset: list[str]
) -> dict[int, tuple[str, float]]:
    """Each crop's reading from one packed line's probabilities (steps × characters); a crop beside a gap
    whose middle column holds a character is left out (read alone)."""
    steps = pred.shape[0]
    stride = LINE_WIDTH / steps
    best = pred.argmax(axis=1)
    prob = pred.max(axis=1)
    bounds = [max(0, x0 - GAP // 2) for _, x0 in line] + [LINE_WIDTH]
    # every column of a gap, all but one step at each side, must be blank: a character written there may
    # be either crop's (the model can place a character's peak a step or two beside it)
    written = best != 0
    doubtful: set[int] = set()
    edges = [0] + [x for i, x0 in line for x in (x0, x0 + widths[i])] + [LINE_WIDTH]
    for k in range(len(line) + 1):  # the gap before crop k (k = len(line): after the last)
        lo, hi = int(edges[2 * k] / stride) + 1, int(edges[2 * k + 1] / stride) - 1
        if hi > lo and written[lo:hi].any():
            doubtful.update(j for j in (k - 1, k) if 0 <= j < len(line))
    out: dict[int, tuple[str, float]] = {}
    for k, (i, _) in enumerate(line):
        if k in doubtful:
            continue
        lo, hi = round(bounds[k] / stride), round(bounds[k + 1] / stride)
        idx, p = best[lo:hi], prob[lo:hi]
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        if _merged_run(idx, p):
            continue  # read alone: a doubled digit's strokes decoded as one character (``55`` as ``5``)
        chars = [charset[j] for j in idx[keep]]
        confs = p[keep]
        out[i] = ("".join(chars), float(confs.mean()) if len(confs) else 0.0)
    return out
