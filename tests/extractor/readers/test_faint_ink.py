"""The reader's faint-ink step: the back page showing through made paper; the print and a table's light rules kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

cv2 = pytest.importorskip("cv2", reason="needs nianbao[ocr] (OpenCV)")

from nianbao.extractor.readers.faint_ink import without_faint_ink  # noqa: E402

FONT = next(
    (p for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
     if Path(p).exists()),
    None,
)  # fmt: skip
needs_font = pytest.mark.skipif(FONT is None, reason="needs a Chinese font")


ROWS = [("行政许可", "105860"), ("行政处罚", "137511"), ("行政强制", "3204"), ("行政事业性收费", "0"), ("其他", "96")]


def _table(ink: int = 0, rules: bool = True, rows: int = 3) -> np.ndarray:
    """A ruled table's rows at 150 dpi: labels and numbers printed in ``ink`` on white paper."""
    img = Image.new("L", (1240, 700), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 24)
    for k, (label, numbers) in enumerate(ROWS[:rows]):
        y = 100 + 90 * k
        if rules:
            d.rectangle([80, y, 760, y + 90], outline=ink, width=2)
            d.line([(270, y), (270, y + 90)], fill=ink, width=2)
        d.text((120, y + 30), label, font=font, fill=ink)
        d.text((470, y + 30), numbers, font=font, fill=ink)
    return np.asarray(img)


def _back() -> np.ndarray:
    """The back page's text as it shows through: mirrored, shifted down (its rules are straight runs, kept)."""
    return np.roll(_table(rules=False, rows=5)[:, ::-1], 37, axis=0)


def _show_through(front: np.ndarray, share: float) -> np.ndarray:
    """``front`` with the back page showing through at ``share`` of its ink."""
    ghost = 255 - (255 - _back().astype(np.float32)) * share
    return np.minimum(front.astype(np.float32), ghost).astype(np.uint8)


def _noisy(page: np.ndarray, seed: int = 7) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 4, page.shape)
    return np.clip(page.astype(np.float32) + noise, 0, 255).astype(np.uint8)


@needs_font
@pytest.mark.parametrize("share", [0.08, 0.12])
def test_the_back_page_showing_through_is_made_paper_and_the_print_is_kept(share: float) -> None:
    front = _table()
    page = _noisy(_show_through(front, share))
    out = without_faint_ink(page, 150)
    far = _back() < 128  # the back's ink …
    for dy in range(-4, 5):
        for dx in range(-4, 5):
            far &= np.roll(front, (dy, dx), axis=(0, 1)) == 255  # … away from the print
    assert far.sum() > 2000
    assert (out[far] >= 240).mean() > 0.99, "show-through left on the page"
    printed = front < 128
    assert np.array_equal(out[printed], page[printed]), "the print itself changed"


@needs_font
def test_a_tables_light_grey_rules_are_kept_and_the_backs_rules_through_the_print_made_paper() -> None:
    front = _table().copy()
    # a second table in light grey (CSS #d7d7d7) within a printed frame, its inner rules ending at the frame
    front[500:503, 80:761] = 0
    front[677:680, 80:761] = 0
    front[500:680, 80:83] = 0
    front[500:680, 758:761] = 0
    front[590:592, 83:758] = 215
    front[503:677, 400:402] = 215
    page = front.copy()
    page[60:690, 600:602] = 215  # the back's rule, mirrored: it runs across the printed tables
    page[440:442, 900:1200] = 215  # a piece of the back's rules in the margin, ending nowhere
    page = _show_through(page, 0.1)  # and the back's text
    out = without_faint_ink(_noisy(page), 150)
    assert (out[590:592, 100:740] < 235).mean() > 0.95 and (out[520:660, 400:402] < 235).mean() > 0.95, "a rule erased"
    assert (out[60:95, 600:602] >= 240).mean() > 0.95 and (out[300:330, 600:602] >= 240).mean() > 0.9
    assert (out[440:442, 920:1180] >= 240).mean() > 0.95


@needs_font
def test_a_page_ruled_only_in_light_grey_and_a_faded_print_are_kept() -> None:
    grey = _table(ink=215)
    printed_text = _table(rules=False) < 128
    page = np.where(printed_text, _table(rules=False), grey)  # the text printed black, every rule light grey
    page = _show_through(page, 0.1)
    out = without_faint_ink(_noisy(page), 150)
    rules = (grey < 240) & ~printed_text
    assert (out[rules] < 240).mean() > 0.9, "a light grey table's rules erased"
    faded = _noisy(_table(ink=150))  # a tired toner: the print itself grey
    printed = _table(ink=150) < 200
    assert np.array_equal(without_faint_ink(faded, 150)[printed], faded[printed])


def test_a_blank_page_is_returned_as_it_is() -> None:
    blank = np.full((400, 300), 250, np.uint8)
    assert without_faint_ink(blank, 150) is blank


def _light_grid(dashed: bool = False, header_rule: bool = False) -> np.ndarray:
    """A table ruled in light grey (#d7d7d7) with black numbers in its cells, under a title underlined in black;
    ``dashed``: its rules dashed; ``header_rule``: a black rule under its first row, its light columns crossing it."""
    img = Image.new("L", (1240, 700), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 24)
    d.text((100, 40), "三、收到和处理政府信息公开申请情况", font=font, fill=0)
    d.line([(100, 80), (700, 80)], fill=0, width=3)  # a printed rule on the page
    xs, ys = [100, 400, 600, 800, 1000], [150, 240, 330, 420, 510, 600]
    for x in xs:
        for y0 in range(ys[0], ys[-1], 12 if dashed else ys[-1]):
            d.line([(x, y0), (x, min(ys[-1], y0 + (8 if dashed else ys[-1])))], fill=215, width=2)
    for y in ys:
        for x0 in range(xs[0], xs[-1], 12 if dashed else xs[-1]):
            d.line([(x0, y), (min(xs[-1], x0 + (8 if dashed else xs[-1])), y)], fill=215, width=2)
    if header_rule:
        d.line([(xs[0], ys[1]), (xs[-1], ys[1])], fill=0, width=2)
    for y in ys[:-1]:
        for x in xs[1:]:
            d.text((x + 60, y + 30), "17", font=font, fill=0)
    return np.asarray(img)


def _cells(page: np.ndarray) -> int:
    from nianbao.extractor.readers.ruling import tables

    return sum(len(t.cells) for t in tables(page, 150))


@needs_font
@pytest.mark.parametrize("dashed", [False, True])
def test_a_table_ruled_in_light_grey_keeps_its_cells_with_the_back_showing_through(dashed: bool) -> None:
    front = _light_grid(dashed)
    page = _noisy(_show_through(front, 0.1), seed=3)
    assert _cells(page) == _cells(front) > 15
    out = without_faint_ink(page, 150)
    assert _cells(out) == _cells(front)
    assert (out[_back() < 128] >= 240).mean() > 0.9  # the back's text made paper


@needs_font
def test_a_light_column_through_a_dark_header_rule_is_taken_for_the_backs_where_the_back_shows() -> None:
    """The known limit (the module's notes): such a column crosses a printed rule, as the back's do."""
    front = _light_grid(header_rule=True)
    assert without_faint_ink(_noisy(front, seed=3), 150)[300:320, 400:402].min() < 240  # a clean page: kept
    out = without_faint_ink(_noisy(_show_through(front, 0.1), seed=3), 150)
    assert (out[300:320, 400:402] >= 240).all()


@needs_font
def test_a_clean_page_ruled_dashed_in_light_grey_is_read_as_it_is() -> None:
    page = _noisy(_light_grid(dashed=True), seed=5)
    assert without_faint_ink(page, 150) is page


def test_a_noisy_scan_and_a_low_resolution_one_are_read_as_they_are() -> None:
    rng = np.random.default_rng(1)
    page = np.full((700, 1240), 250, np.float32)
    page[100:400:30, 100:1100] = 0
    for y in range(300, 330, 12):
        for x in range(200, 600, 12):
            page[y : y + 6, x : x + 6] = 225  # faint marks: within three sigmas of this paper's grain
    noisy = np.clip(page + rng.normal(0, 20, page.shape), 0, 255).astype(np.uint8)
    assert without_faint_ink(noisy, 150) is noisy
    clean = np.clip(page + rng.normal(0, 3, page.shape), 0, 255).astype(np.uint8)
    assert not np.array_equal(without_faint_ink(clean, 150), clean)  # the faint mark made paper
    assert without_faint_ink(clean, 100) is clean
