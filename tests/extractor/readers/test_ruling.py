"""Rules found on pages as photographs and rough scans leave them: thin rules beside a column of dense labels
on a dim page, and the skew of a page turned 2–3° at a high resolution."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2", reason="needs nianbao[ocr] (OpenCV)")

from nianbao.extractor.readers.ruling import deskew, skew_degrees, tables  # noqa: E402

from .test_grid import DPI, XS, YS, _page  # noqa: E402


def _dim_page_with_labels(seed: int) -> np.ndarray:
    """The 8×7 grid drawn thin, a label of character-like strokes in every row's first cell, then seen as a
    phone sees it: blurred, a quarter darker, noisy."""
    img = _page(width=1, ink=60)
    for k in range(8):
        x0, y0, x1, y1 = XS[0] + 4, YS[k] + 6, XS[1] - 4, YS[k + 1] - 6
        for x in range(x0, x1 - 16, 19):  # characters 19 px apart (10.5 pt at 150 dpi), 18 px tall
            top = (y0 + y1) // 2 - 9
            for dy in (0, 8, 16):
                cv2.line(img, (x + 2, top + dy), (x + 14, top + dy), 0, 2)
            cv2.line(img, (x + 5, top), (x + 5, top + 18), 0, 2)
            cv2.line(img, (x + 11, top), (x + 11, top + 18), 0, 2)
    page = cv2.GaussianBlur(img, (0, 0), 0.8).astype(np.float32) * 0.75
    page += np.random.default_rng(seed).normal(0, 8, page.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_thin_rules_between_dense_labels_on_a_dim_page_are_found(seed: int) -> None:
    # the local mean, darkened by the labels' strokes, had hidden the rules between them: the label column's
    # eight cells read as one (49 cells) or the column lost; the paper's median is not darkened by text
    (t,) = tables(_dim_page_with_labels(seed), DPI)
    assert (t.rows, t.cols) == (8, 7)
    assert len(t.cells) == 56


def _turned_table(turn: float, dpi: int = 240) -> np.ndarray:
    """A table of 14 rows 0.2 inch high across most of an A4 page at ``dpi``, turned ``turn`` degrees."""
    h, w = round(11.7 * dpi), round(8.27 * dpi)
    img = np.full((h, w), 255, np.uint8)
    xs, ys = [round(w * f) for f in (0.08, 0.3, 0.55, 0.75, 0.92)], [round(h * 0.1) + 48 * k for k in range(15)]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), turn, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)  # type: ignore[return-value]


@pytest.mark.parametrize("turn", [-3.0, -2.7, 2.2, 3.0])
def test_the_skew_of_a_page_turned_up_to_three_degrees_at_240_dpi_is_measured(turn: float) -> None:
    # the fit had taken every pixel in a rule's bounding box: turned 2–3°, that box holds the rules above and
    # below it, and the skew came out ~0.2°: the page was read turned
    page = _turned_table(turn)
    assert skew_degrees(page, 240) == pytest.approx(-turn, abs=0.15)
    (t,) = tables(deskew(page, 240), 240)
    assert (t.rows, t.cols) == (14, 4)


def test_a_grid_smaller_than_any_table_is_not_one() -> None:
    # a large bold title's strokes, joined to a stray line above it, had made a one-row "table" 0.8 inch wide
    # through the title (a Chromium print's title lost, no agency read): a grid must be a table's size
    img = np.full((400, 1240), 255, np.uint8)
    cv2.line(img, (100, 90), (700, 90), 0, 2)  # a stray line, over an inch long
    xs, y0, y1 = [430, 468, 506, 545], 100, 129
    for y in (y0, y1):
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 3)
    for x in xs:
        cv2.line(img, (x, y0), (x, y1), 0, 3)
    cv2.line(img, (430, 90), (430, 100), 0, 3)  # joined to the stray line
    assert tables(img, DPI) == []


def test_a_tables_last_row_alone_on_the_next_page_is_a_table() -> None:
    """A table's last row carried over a page break stands alone under a quarter inch tall, framed twice (the
    template's doubled frame): read as a line, its column rules read as 1s beside its zeros (``0 10 10``…) and
    the report was rejected. A grid of one row at least three inches wide with three columns or more is a
    table; one narrower (a title's strokes, above) or with fewer columns is not."""
    img = np.full((300, 1240), 255, np.uint8)
    y0, y1 = 100, 132  # one row, 0.21 inch at 150 dpi, inside a frame drawn twice 4 px apart
    xs = [100, 560, 650, 740, 830, 920, 1010, 1100]
    for gap in (0, 4):
        cv2.rectangle(img, (xs[0] - gap, y0 - gap), (xs[-1] + gap, y1 + gap), 0, 2)
    for x in xs[1:-1]:
        cv2.line(img, (x, y0), (x, y1), 0, 2)
    (t,) = tables(img, DPI)
    assert t.rows == 1 and t.cols >= 7
    narrow = np.full((300, 1240), 255, np.uint8)  # the same row 2.4 inches wide, four columns: not a table
    cv2.rectangle(narrow, (100, y0), (460, y1), 0, 2)
    for x in (220, 340):
        cv2.line(narrow, (x, y0), (x, y1), 0, 2)
    assert tables(narrow, DPI) == []


def test_a_bold_titles_strokes_binarised_are_no_table() -> None:
    """A fax of a Chromium print (binarised at 150 dpi): the large bold title's strokes joined into rules of a
    2×9 "grid" 3 inches wide whose cells are slivers between strokes; read as a table it cut the title's line in
    two, and no agency was read. A grid most of whose cells are thinner than 0.06 inch is no table."""
    page = cv2.imread(str(Path(__file__).parent / "data" / "fax_title.png"), cv2.IMREAD_GRAYSCALE)
    assert tables(page, 150) == []


def test_a_bold_titles_strokes_inside_its_text_lines_are_no_table() -> None:
    """A Chromium print roughly scanned at 200 dpi: the large bold title's strokes, thickened by noise, make a
    grid of 4 rows × 7 columns over its two lines, whose cells are not slivers; read as a table it took the
    title's second line into a cell (no agency read). The detector's two title lines cover it: strokes."""
    page = cv2.imread(str(Path(__file__).parent / "data" / "bold_title.png"), cv2.IMREAD_GRAYSCALE)
    assert len(tables(page, 200)) == 1  # without the text lines, the strokes are a "table"
    title_lines = [(35, 65, 1499, 131), (36, 146, 432, 212)]  # as the detector boxed them
    assert tables(page, 200, title_lines) == []
    # a real table's text lies in its cells: lines narrower than half the table do not make it strokes
    cells = [(x, 80, x + 60, 120) for x in range(70, 340, 70)]
    assert len(tables(page, 200, cells)) == 1


def _dashed_page(dash: int, gap: int, *, frame_dashed: bool, touching: bool, restart: bool, seed: int) -> np.ndarray:
    """The 8×7 grid with dashed inner rules (``dash`` px of ink, ``gap`` px blank; ``restart``: the pattern
    begun again at every cell's corner, as LibreOffice draws a cell's border, else drawn across the table
    as reportlab's grid is), the frame solid or dashed too; a digit-like
    ring set against the left border of every value cell (``touching``: a pixel from it, as LibreOffice sets a
    number); then blurred and noisy as a copier leaves it."""
    img = np.full((800, 1240), 255, np.uint8)

    def dashes(p0: tuple[int, int], p1: tuple[int, int]) -> None:
        (x0, y0), (x1, y1) = p0, p1
        length = max(x1 - x0, y1 - y0)
        for s in range(0, length, dash + gap):  # (butt ends, as a PDF's dashes are drawn)
            e = min(s + dash, length)
            if y0 == y1:
                img[y0 - 1 : y0 + 1, x0 + s : x0 + e] = 0
            else:
                img[y0 + s : y0 + e, x0 - 1 : x0 + 1] = 0

    for k, y in enumerate(YS):
        if k in (0, len(YS) - 1) and not frame_dashed:
            cv2.line(img, (XS[0], y), (XS[-1], y), 0, 3)
        else:
            for x0, x1 in pairwise(XS) if restart else [(XS[0], XS[-1])]:
                dashes((x0, y), (x1, y))
    for k, x in enumerate(XS):
        if k in (0, len(XS) - 1) and not frame_dashed:
            cv2.line(img, (x, YS[0]), (x, YS[-1]), 0, 3)
        else:
            for y0, y1 in pairwise(YS) if restart else [(YS[0], YS[-1])]:
                dashes((x, y0), (x, y1))
    if touching:
        for x in XS[1:-1]:
            for y in YS[:-1]:
                cv2.ellipse(img, (x + 9, y + 22), (5, 9), 0, 0, 360, 0, 2)
    rng = np.random.default_rng(seed)
    page = cv2.GaussianBlur(img, (0, 0), 0.7).astype(np.float32) + rng.normal(0, 10, img.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("dash", "gap", "frame_dashed", "touching", "restart"),
    [
        (18, 7, False, True, True),  # LibreOffice's "dashed" at 150 dpi, numbers against the left border
        (8, 5, False, False, False),  # reportlab's dash pattern (3, 2)
        (6, 4, True, False, False),  # fine dashes (a 1px CSS border printed at 150 dpi), the frame dashed too
    ],
)
def test_a_grid_of_dashed_rules_is_found(
    dash: int, gap: int, frame_dashed: bool, touching: bool, restart: bool
) -> None:
    """Dashed rules are rows of strokes each shorter than the line kernel: no rule was found and the table was
    read as lines, each dash beside a number read as a 1 (``10``, ``1o``: a LibreOffice table with dashed
    borders, 39 of 200 cells). Dashes even in length, at one period, make a rule."""
    for seed in (0, 1):
        page = _dashed_page(dash, gap, frame_dashed=frame_dashed, touching=touching, restart=restart, seed=seed)
        (t,) = tables(page, DPI)
        assert (t.rows, t.cols) == (8, 7)
        assert len(t.cells) == 56


def test_specks_and_strokes_of_text_in_a_line_are_no_dashed_rule() -> None:
    """A noisy page's specks and a text line's separate strokes (the 二 and 三 of labels, unevenly spaced) do
    not line up as dashes: no rule."""
    from nianbao.extractor.readers.ruling import _dashed, ink

    rng = np.random.default_rng(3)
    img = np.full((800, 1240), 255, np.uint8)
    x = 100
    for _ in range(40):  # strokes of characters along a line: lengths and steps uneven
        w = int(rng.integers(6, 16))
        cv2.line(img, (x, 300), (x + w, 300), 0, 2)
        x += w + int(rng.integers(3, 14))
    page = img.astype(np.float32) + rng.normal(0, 12, img.shape)
    page[rng.random(img.shape) < 0.003] = 0  # salt
    gray = cv2.GaussianBlur(np.clip(page, 0, 255).astype(np.uint8), (0, 0), 0.6)
    horizontal, vertical = _dashed(ink(gray, DPI), DPI, round(DPI * 0.2))
    assert not horizontal.any() and not vertical.any()


def _two_tables_and_a_heading(rows_above_open: bool = False) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Two ruled tables 44 px apart with a large heading between them, its strokes 0.21 inch tall (a 16 pt
    ``三、收到和处理…`` at 150 dpi); with ``rows_above_open``, the first table's column rules run on 0.3 inch
    above its first rule (a table continued from the page before, its top row open)."""
    img = np.full((1000, 1240), 255, np.uint8)
    for top, rows, xs in ((100, 4, [100, 350, 550, 750, 1000]), (384, 5, [100, 400, 600, 800, 1000])):
        ys = [top + 60 * k for k in range(rows + 1)]
        for y in ys:
            cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
        start = top - (45 if rows_above_open and top == 100 else 0)
        for x in xs:
            cv2.line(img, (x, start), (x, ys[-1]), 0, 2)
    heading = (130, 346, 610, 380)  # the detector's box of the heading line, in the 44 px between the tables
    for x in range(140, 370, 24):  # character-like strokes: a tall vertical and two bars
        cv2.line(img, (x + 6, 348), (x + 6, 378), 0, 3)
        cv2.line(img, (x, 354), (x + 16, 354), 0, 2)
        cv2.line(img, (x, 370), (x + 16, 370), 0, 2)
    cv2.line(img, (600, 348), (600, 384), 0, 3)  # a last stroke touching the second table's column rule below
    return img, heading


def test_a_large_headings_strokes_do_not_join_the_tables_around_it() -> None:
    # the heading's strokes pass the vertical rules' opening: the two tables were one grid, read as a broken one
    img, heading = _two_tables_and_a_heading()
    assert len(tables(img, DPI)) == 1  # without the text boxes, as before
    found = tables(img, DPI, [heading])
    assert [(t.rows, t.cols) for t in found] == [(4, 4), (5, 4)]


def test_a_table_open_above_its_first_rule_gets_its_top_row() -> None:
    # Chromium and Word draw the border between two rows on one page only: the next page's first row has no
    # rule above it, every column rule running on up to where the row begins
    img, heading = _two_tables_and_a_heading(rows_above_open=True)
    first, second = tables(img, DPI, [heading])
    assert (first.rows, first.cols) == (5, 4) and first.box[1] < 60
    assert (second.rows, second.cols) == (5, 4)  # a closed table: as drawn


def test_an_unevenly_lit_page_is_divided_by_its_light_and_an_evenly_lit_one_left_as_it_is() -> None:
    from nianbao.extractor.readers.ruling import evenly_lit

    img, _ = _two_tables_and_a_heading()
    shaded = img.copy()
    shaded[162:218, 102:998] = np.minimum(shaded[162:218, 102:998], 217)  # a shaded row (D9D9D9)
    assert evenly_lit(shaded, DPI) is shaded
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(xx + 0.3 * w, yy - 1.2 * h)
    lit = np.clip(img * (1 - 0.4 * d / d.max()), 0, 255).astype(np.uint8)  # a lamp beside the page's corner
    out = evenly_lit(lit, DPI)
    paper = out[img == 255]
    assert np.ptp(lit[img == 255]) >= 70 and np.percentile(paper, 99) - np.percentile(paper, 1) < 25
    # the marks stay marks: the darkest rule pixels still far below the paper
    assert np.percentile(out[img == 0], 99) < np.percentile(paper, 1) - 100
