"""Where a scanned page's text goes: a number is read whole or its row fails, whatever grid was built."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from nianbao.extractor.readers import ocr, ocr_page
from nianbao.extractor.readers.grid import Cell, Table

HAVE_OCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None
FONT = next(
    (p for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
     if Path(p).exists()),
    None,
)  # fmt: skip
needs_ocr = pytest.mark.skipif(not (HAVE_OCR and FONT), reason="needs nianbao[ocr] and a Chinese font")


def _row_with_a_number() -> tuple[np.ndarray, int]:
    """One ruled row, 200 dpi: ``行政许可 | 74833``; returns the page and the x between 74 and 833."""
    img = Image.new("L", (1200, 400), 255)
    d = ImageDraw.Draw(img)
    d.rectangle([100, 100, 1100, 200], outline=0, width=2)
    d.line([(500, 100), (500, 200)], fill=0, width=2)
    font = ImageFont.truetype(FONT or "", 40)
    d.text((140, 128), "行政许可", font=font, fill=0)
    d.text((700, 128), "74833", font=font, fill=0)
    cut = 700 + round(font.getlength("74")) + 1  # between the 4 and the 8
    return np.asarray(img), cut


def test_a_text_box_is_cut_only_where_a_rule_is_drawn_through_it() -> None:
    page = np.zeros((100, 300), np.uint8)
    page[40:60, 50:250] = 255  # a run of digits
    box, parts = (45, 38, 255, 62), [(45, 38, 148, 62), (152, 38, 255, 62)]
    assert not ocr_page._ruled_apart(page, box, parts)
    # one part, the rest of the box past its cell's end (a cut part too narrow to read was dropped)
    assert not ocr_page._ruled_apart(page, box, parts[:1])
    page[:, 150] = 255  # a rule through the whitespace above and below the text
    assert ocr_page._ruled_apart(page, box, parts)
    assert ocr_page._ruled_apart(page, box, parts[:1])


@needs_ocr
def test_a_grid_line_through_a_printed_number_never_reads_part_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit's 74833 read 833: a spurious column line cut the number. However the grid comes out, the
    number is read whole (here: in the cell holding most of it) or not at all, never cut short."""
    page, cut = _row_with_a_number()
    spurious = Table(
        (100, 100, 1100, 200),
        1,
        3,
        (Cell(0, 0, 1, 1, (103, 103, 497, 197)), Cell(0, 1, 1, 1, (503, 103, cut - 2, 197)),
         Cell(0, 2, 1, 1, (cut + 2, 103, 1097, 197))),
    )  # fmt: skip
    monkeypatch.setattr(ocr_page, "tables", lambda gray, dpi, texts=None: [spurious])
    text, *_ = ocr_page.read_page(page, 200, ocr.engine())
    cells = text.split("\n")[0].split("\t")
    assert "74833" in cells, cells
    assert "833" not in cells and "33" not in cells


@needs_ocr
def test_the_grid_leaves_a_printed_number_whole() -> None:
    page, _ = _row_with_a_number()
    text, *_ = ocr_page.read_page(page, 200, ocr.engine())
    assert text.split("\n")[0].split("\t")[-1] == "74833"


def test_a_number_in_a_lower_row_of_a_merged_cell_is_rendered_in_its_own_row() -> None:
    """A grid that lost a row rule merges a value cell over two rows: the number printed in the lower row is
    rendered there (its row accounts for it), not in the upper row's text, where it would be read as the
    upper row's value and the lower row read blank."""
    cells = (
        Cell(0, 0, 1, 1, (0, 0, 100, 40)), Cell(0, 1, 2, 1, (100, 0, 200, 80)),
        Cell(1, 0, 1, 1, (0, 40, 100, 80)),
    )  # fmt: skip
    table = Table((0, 0, 200, 80), 2, 2, cells)
    slots = {(c.row, c.col): ocr_page._Slot(c) for c in cells}
    slots[(0, 0)].pieces.append(ocr_page._Piece("行政许可", (5, 10, 95, 30), 0.9))
    slots[(1, 0)].pieces.append(ocr_page._Piece("行政处罚", (5, 50, 95, 70), 0.9))
    slots[(0, 1)].pieces.append(ocr_page._Piece("74833", (120, 50, 180, 70), 0.9))
    assert ocr_page._render(table, slots).split("\n") == ["\t行政许可\t", "\t行政处罚\t74833"]
    # a label merged down over both rows keeps its text whole in its first row
    slots[(0, 1)].pieces[:] = [
        ocr_page._Piece("不予", (120, 10, 180, 30), 0.9),
        ocr_page._Piece("公开", (120, 50, 180, 70), 0.9),
    ]
    assert ocr_page._render(table, slots).split("\n") == ["\t行政许可\t不予公开", "\t行政处罚\t〃"]
    # a lower row that prints nothing of its own (a rule drawn under a merged label alone, short of the
    # row's bottom) takes no number: it stays in the row that prints its label
    slots[(0, 1)].pieces[:] = [ocr_page._Piece("74833", (120, 42, 180, 62), 0.9)]
    slots[(1, 0)].pieces.clear()
    assert ocr_page._render(table, slots).split("\n") == ["\t行政许可\t74833", "\t\t〃"]


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("8属于行政查询事项", "8.属于行政查询事项"),  # the item's full stop lost
        ("1:本机关不掌握相关政府信息", "1.本机关不掌握相关政府信息"),  # read as a colon: 1 is no count
        ("2，没有现成信息需要另行制作", "2.没有现成信息需要另行制作"),  # read as a comma (a blurred 250 dpi scan)
        ("3,补正后申请内容仍不明确", "3.补正后申请内容仍不明确"),
        ("1,234", "1,234"),  # a thousands' comma in a count stays
        ("4.保护第：", "4.保护第"),  # a speckle after the last character a page break leaves in the cell
        ("0.", "0"),
        ("12", "12"),
        ("（本列数据的勾稽关系为：第一项", "（本列数据的勾稽关系为：第一项"),  # a colon inside a label stays
        ("本年收费金额（单位：万元）", "本年收费金额（单位：万元）"),
        ("2021年", "2021年"),
    ],
)
def test_noise_around_a_label_is_not_read_as_a_count_nor_kept_in_its_words(read: str, meant: str) -> None:
    assert ocr_page._tidy(read) == meant


def test_a_wide_title_misread_at_its_scale_takes_the_real_place_its_heads_read() -> None:
    """A title in a large font, read whole, gives 沐阳县 (no such county); its first half alone reads 沭阳县:
    that place, and nothing more of the head, is put over the line's reading as one more reading."""
    from types import SimpleNamespace

    from nianbao.extractor.readers.gazetteer import place_names

    if not place_names():
        pytest.skip("needs the divisions' table (addressparser, in nianbao[ocr])")

    def engine(head: str) -> SimpleNamespace:
        return SimpleNamespace(text_rec=lambda crops: ([(head, 0.96)], 0.0))

    image = np.full((300, 1700, 3), 255, np.uint8)
    line = ocr_page._Piece("沐阳县发展和改革局2023年政府信息公开工作年度", (95, 128, 1558, 190), 0.97)
    assert ocr_page._unknown_place([line.text, line.text])
    right = "沭阳县发展和改革局2023年政府信息公开工作年度"
    assert ocr_page._head_readings(engine("沭阳县发展和改革局2023"), image, line) == [right]
    assert ocr_page._head_readings(engine("沭阳县发展禾"), image, line) == [right]  # a cut last character: not taken
    assert ocr_page._head_readings(engine("平潭县发展和改革局"), image, line) == []  # another place: no splice
    assert ocr_page._by_place([line.text, line.text, line.text, right]) == right
    # the rare 沭 lost whole (the line read 阳县…): the head's place is put over it, one character longer
    lost = ocr_page._Piece("阳县发展和改革局2023年政府信息公开工作年度", (95, 128, 1558, 190), 0.97)
    assert ocr_page._unknown_place([lost.text])
    assert ocr_page._head_readings(engine("沭阳县发"), image, lost) == [right]
    assert ocr_page._head_readings(engine("沭阳县发展和改革局"), image, lost) == [right]
    assert ocr_page._head_readings(engine("平阳县发展"), image, lost) == [
        "平阳县发展和改革局2023年政府信息公开工作年度"
    ]
    # two heads naming two real places: neither stands (a person decides)
    both = [lost.text, right, "平阳县发展和改革局2023年政府信息公开工作年度"]
    assert ocr_page._by_place(both) is None
    assert not ocr_page._unknown_place(["沭阳县发展和改革局2023年"])  # a real county: nothing read again


@needs_ocr
def test_a_page_of_one_character_a_line_headers_read_surely_upright_is_not_detected_again_turned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # table 4's headers printed one character a line make more tall text boxes than wide ones: the page could
    # be sideways. Its widest boxes read at > 0.9 upright, and a turned reading cannot beat that by 0.1
    img = Image.new("L", (1240, 1000), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 32)
    d.text((100, 80), "四、政府信息公开行政复议、行政诉讼情况", font=font, fill=0)
    for k, word in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "行政复议", "行政诉讼", "复议后起"]):
        for j, ch in enumerate(word):
            d.text((120 + 160 * k, 250 + 34 * j), ch, font=font, fill=0)
    for k in range(9):  # a row of counts under them: the page's widest boxes after the heading
        d.text((110 + 120 * k, 500), str(101 + 111 * k), font=font, fill=0)
    calls: list[tuple[int, int]] = []
    inner = ocr_page._detect

    def counted(engine: object, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        calls.append(gray.shape)
        return inner(engine, gray)

    monkeypatch.setattr(ocr_page, "_detect", counted)
    page = np.asarray(img)
    gray, boxes, turn = ocr_page._upright(page, ocr.engine())
    tall = [b for b in boxes if b[3] - b[1] > 2 * (b[2] - b[0]) and b[3] - b[1] > 40]
    assert len(tall) >= 5 and turn == 0  # the case the sideways check is for
    assert calls == [page.shape] and gray is page


@needs_ocr
def test_a_column_of_one_character_a_line_is_read_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # table 4's headers (结果维持 printed down a narrow column): its characters laid side by side and read
    # in one crop, as the line of text the recogniser knows, not one padded crop a character
    import cv2

    img = Image.new("L", (300, 400), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 30)
    for j, ch in enumerate("结果维持"):
        d.text((100, 60 + 38 * j), ch, font=font, fill=0)
    gray = np.asarray(img)
    binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    seen: list[int] = []
    inner = ocr_page.ocr_packed.recognise

    def spy(rec: object, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        seen.append(len(crops))
        assert all(c.shape[1] > 3 * c.shape[0] for c in crops)  # a line, wider than tall
        return inner(rec, crops)

    monkeypatch.setattr(ocr_page.ocr_packed, "recognise", spy)
    box = (95, 55, 140, 60 + 38 * 4)
    got = ocr_page._recognise(ocr.engine(), cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), binary, [box])
    assert seen == [1] and got[0][0] == "结果维持" and got[0][1] > 0.9


def test_a_title_under_a_web_sites_menus_is_read_again_like_a_title_at_the_top() -> None:
    """The crops that confirm the agency's name are taken of the title line, wherever it stands: a web
    page's print has menus on its top lines and the title under them."""
    from types import SimpleNamespace

    read_again: list[int] = []

    def text_rec(crops: list[np.ndarray]) -> tuple[list[tuple[str, float]], float]:
        read_again.append(crops[0].shape[0])
        return [("平潭综合实验区2023年度政府信息公开工作年度报吿", 0.95)], 0.0

    image = np.full((1000, 1200, 3), 255, np.uint8)
    menus = [ocr_page._Piece(t, (100, 40 + 50 * k, 400, 70 + 50 * k), 0.99) for k, t in enumerate(["首页", "政务公开"])]
    title = ocr_page._Piece("平潭综合实验区2023年度政府信息公开工作年度报告", (100, 500, 1100, 540), 0.97)
    body = ocr_page._Piece("现将2023年度报告公布如下", (100, 600, 900, 630), 0.97)
    doubts = ocr_page._doubts(SimpleNamespace(text_rec=text_rec), image, [*menus, title, body], [])
    assert title.text in [line for line, _ in doubts]  # its crops read 报吿: a doubt on the name's line
    assert len(read_again) == 6  # two crops of each top line and of the title — not of the body's sentence
    # where a top line is the title (the usual page), nothing below it is read again
    read_again.clear()
    ocr_page._doubts(SimpleNamespace(text_rec=text_rec), image, [title, body], [])
    assert len(read_again) == 4


def _rows_ruled_across(font_px: int = 30) -> np.ndarray:
    """Table 3's rows, 200 dpi, with horizontal rules only (no column line anywhere): a plain row, then one
    whose label wraps over three lines with its total printed at the row's top and its other numbers on the
    label's second line (as LibreOffice prints such a row), then a plain row."""
    img = Image.new("L", (1654, 700), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", font_px)
    cols = [856, 950, 1045, 1140, 1235, 1330, 1425]  # the first just past the longest label line
    rows = [
        (["2.重复申请"], ["0", "0", "0", "0", "0", "0", "0"], 1),
        (
            ["1.申请人无正当理由逾期不补正、", "行政机关不再处理其政府信息公开", "申请"],
            ["8", "2", "0", "0", "0", "0", "10"],
            3,
        ),
        (["3.其他"], ["4", "0", "0", "0", "0", "0", "4"], 1),
    ]
    y = 100
    d.line([(380, y), (1500, y)], fill=0, width=2)
    for label, numbers, lines in rows:
        height = 18 + 42 * lines
        for k, part in enumerate(label):
            d.text((390, y + 10 + 42 * k), part, font=font, fill=0)
        for k, (x, n) in enumerate(zip(cols, numbers, strict=True)):
            top = y + 10 if k == 6 or lines == 1 else y + 10 + 42  # the total at the top, the rest centred
            d.text((x, top), n, font=font, fill=0)
        y += height
        d.line([(380, y), (1500, y)], fill=0, width=2)
    return np.asarray(img)


@needs_ocr
def test_a_row_wrapped_between_two_horizontal_rules_is_read_as_one_row() -> None:
    """Read line by line, the wrapped row's total stood with its label's first line and its other numbers
    with the second: two rows of neither (a styled scan of the template rejected). Between the same two
    rules, with its numbers in distinct columns, it is one row."""
    text, *_ = ocr_page.read_page(_rows_ruled_across(), 200, ocr.engine())
    rows = [line.replace("\t", " ") for line in text.split("\n")]
    assert "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 8 2 0 0 0 0 10" in rows, rows
    assert "2.重复申请 0 0 0 0 0 0 0" in rows and "3.其他 4 0 0 0 0 0 4" in rows, rows


def test_a_number_read_with_the_end_of_a_label_is_parted_from_it_where_the_page_leaves_a_gap() -> None:
    binary = np.zeros((60, 600), np.uint8)
    binary[10:40, 10:300] = 255  # the label's characters, close together
    for x in range(10, 300, 30):
        binary[10:40, x + 26 : x + 30] = 0
    binary[10:40, 320:335] = 255  # a digit, a gap of 20 px after the label
    piece = ocr_page._Piece("政府信息公开8", (10, 10, 336, 40), 0.9)
    label, number = ocr_page._label_and_number(piece, binary)
    assert (label.text, number.text) == ("政府信息公开", "8")
    assert label.box[2] <= 300 and number.box[0] >= 318
    binary[10:40, 300:320] = 255  # no gap: the piece stays as read
    assert ocr_page._label_and_number(piece, binary) == [piece]
    assert ocr_page._label_and_number(ocr_page._Piece("2023年", (10, 10, 336, 40), 0.9), binary)[0].text == "2023年"


def test_a_grid_holding_rows_of_a_table_in_one_cell_lacks_rows() -> None:
    """Faint rules found in pieces give a grid whose cells hold several rows: read as cells, every such row
    was lost (a platypus table with faint rules: 43 of 200 cells); its page is then read as lines."""

    def slot(rowspan: int, *lines: str) -> ocr_page._Slot:
        s = ocr_page._Slot(Cell(0, 0, rowspan, 1, (0, 0, 400, 60 * len(lines))))
        s.pieces = [ocr_page._Piece(t, (10, 10 + 50 * k, 300, 40 + 50 * k), 0.9) for k, t in enumerate(lines)]
        return s

    merged_label = slot(8, "（三）不", "予公开")  # one label merged down eight rows
    wrapped = slot(1, "1.申请人无正当理由逾期不补正、", "行政机关不再处理其政府信息公开申请")
    assert not ocr_page._missing_rows({(0, 0): merged_label, (0, 1): wrapped, (0, 2): slot(2, "0", "1")})
    assert ocr_page._missing_rows({(0, 0): slot(8, "1.属于国家秘密", "2.其他法律行政法规禁止公开")})
    assert ocr_page._missing_rows({(0, 0): slot(2, "（一）予以公开", "（二）部分公开")})
    assert ocr_page._missing_rows({(0, 0): slot(1, "34", "本年处理决定数量", "0")})
    # a cell's lines read as one crop run together: the item numbers inside count (第（一）项 is no item)
    assert ocr_page._missing_rows({(0, 0): slot(8, "1.属于国家秘密2.其他法律行政法规禁止公开")})
    assert ocr_page._missing_rows({(0, 0): slot(2, "（一）予以公开（二）部分公开")})
    assert not ocr_page._missing_rows({(0, 0): slot(1, "第二十条第（一）项"), (0, 1): slot(3, "（三）不予公开")})
    # columns lost too: a cell's numbers side by side; a heading's words over a line of its numbers alone
    side = slot(1, "0")
    side.pieces.append(ocr_page._Piece("1", (340, 10, 360, 40), 0.9))
    assert ocr_page._missing_rows({(0, 0): side})
    assert ocr_page._missing_rows({(0, 0): slot(1, "结果维持", "0")})
    assert not ocr_page._missing_rows({(0, 0): slot(1, "一", "0")})  # a rule's remnant over a number


@pytest.mark.parametrize(
    ("read", "score", "digits"),
    [
        ("D", 0.97, "D"),  # a bilevel 0 read as a letter
        ("t3", 0.88, "t3"),  # 13 with its 1 read as a t
        ("。", 0.5, ""),  # a small 0 read as a circle
        (":0", 0.86, "0"),  # a speckle before it read as a colon
        ("0", 0.41, "0"),  # a number the recogniser is unsure of
        ("0", 0.9, None),  # sure: kept as read
        ("/", 0.9, None),  # not a digit's look-alike: kept as read
        ("—", 0.9, None),
        ("行政许可", 0.4, None),
        ("", 0.0, None),
    ],
)
def test_only_a_reading_that_looks_like_an_unsure_number_is_read_again_over_digits(
    read: str, score: float, digits: str | None
) -> None:
    assert ocr_page._digit_like(read, score) == digits


def _fax_cell(text: str) -> np.ndarray:
    """A cell's ink as a 100 dpi fax prints it (1 bit, ~8 px digits), shown at 150 dpi as the reader
    rasterises such a page: a small, jagged glyph."""
    font = ImageFont.truetype(FONT or "", 11)
    small = Image.new("L", (40, 24), 255)
    ImageDraw.Draw(small).text((14, 5), text, font=font, fill=0)
    bilevel = small.point(lambda v: 0 if v < 170 else 255)
    return np.asarray(bilevel.resize((60, 36), Image.Resampling.BILINEAR))


@needs_ocr
@pytest.mark.parametrize(("printed", "first", "settled"), [("0", "D", "0"), ("0", "。", "0"), ("/", "/", "")])
def test_a_small_bilevel_digit_read_as_a_letter_or_a_dot_is_settled_over_digits_from_its_ink(
    printed: str, first: str, settled: str
) -> None:
    """A 100 dpi fax's lone 0 came back ``D``, ``Q`` or ``。`` (its row lost): read again from its ink over
    digits alone it reads 0; a mark that is no digit's look-alike is left as read, never made a digit."""
    page = _fax_cell(printed)
    gray = np.ascontiguousarray(page)
    binary = (gray < 128).astype(np.uint8) * 255
    notes: ocr_page.Words = []
    got = ocr_page._settle_digits(ocr.engine(), ocr_page._bgr(gray), binary, [(0, 0, 60, 36)], [(first, 0.9)], notes)
    if settled:
        assert got == [(settled, pytest.approx(got[0][1]))] and got[0][1] >= ocr_page.DIGIT_SHARE
        assert notes and "first read" in notes[0][0]
    else:
        assert got[0][0] == first and not notes


def _slot(row: int, col: int, *texts: str) -> ocr_page._Slot:
    """A grid slot of a small test table (cells 100 px apart across, 40 down) holding pieces read as ``texts``."""
    s = ocr_page._Slot(Cell(row, col, 1, 1, (col * 100, row * 40, col * 100 + 90, row * 40 + 30)))
    s.pieces = [ocr_page._Piece(t, s.cell.box, 0.9) for t in texts]
    return s


def test_a_value_cell_with_ink_no_reading_settled_is_marked_unread_not_left_blank() -> None:
    """An empty cell is a printed blank to the rules (table 2 allows it): a printed 0 the recogniser lost
    would verify as a blank. Only value cells (a column of numbers) are marked; a label is left as read."""

    table = {(r, c): _slot(r, c, *t) for (r, c), t in {
        (0, 0): ("规章",), (0, 1): ("0",), (0, 2): ("0",),
        (1, 0): ("行政规范性文件",), (1, 1): ("3",), (1, 2): (),
        (2, 0): (), (2, 1): ("12",), (2, 2): ("1",),
    }.items()}  # fmt: skip
    ink = (1, 1, 9, 9)
    ocr_page._mark_unread([table], [(ink, table[(1, 2)]), (ink, table[(2, 0)]), (ink, table[(0, 1)])])
    assert [p.text for p in table[(1, 2)].pieces] == [ocr_page.UNREAD]  # a value column: marked
    assert table[(2, 0)].pieces == []  # the label column: not a number in it
    assert [p.text for p in table[(0, 1)].pieces] == ["0"]  # read: untouched


def test_a_lone_value_right_of_its_label_with_ink_no_reading_settled_is_marked_unread() -> None:
    """Table 2's one-value rows (行政强制, the fee) span the value columns, and on a page holding a table's
    last rows no other cell of the column reads as a number: a ``0`` lost there under uneven light (or read
    ``。``) verified as a printed blank. A cell right of a label is a value's place; a cell with nothing
    left of it (a label) is left as read."""

    def slot(row: int, col: int, span: int, *texts: str) -> ocr_page._Slot:
        s = ocr_page._Slot(Cell(row, col, 1, span, (col * 100, row * 40, (col + span) * 100 - 10, row * 40 + 30)))
        s.pieces = [ocr_page._Piece(t, s.cell.box, 0.9) for t in texts]
        return s

    table = {(r, c): slot(r, c, span, *t) for (r, c, span), t in {
        (0, 0, 1): ("行政强制",), (0, 1, 3): (),
        (1, 0, 4): ("第二十条第（八）项",),
        (2, 0, 1): ("信息内容",), (2, 1, 3): ("本年收费金额（单位：万元）",),
        (3, 0, 1): ("行政事业性收费",), (3, 1, 3): ("。",),
        (4, 0, 1): (), (4, 1, 3): (),
    }.items()}  # fmt: skip
    ink = (1, 1, 9, 9)
    ocr_page._mark_unread([table], [(ink, table[(r, c)]) for r, c in ((0, 1), (3, 1), (4, 0))])
    assert [p.text for p in table[(0, 1)].pieces] == [ocr_page.UNREAD]
    assert [p.text for p in table[(3, 1)].pieces] == [ocr_page.UNREAD]  # punctuation alone is no reading
    assert table[(4, 0)].pieces == []  # nothing left of it: a label's place
    assert table[(4, 1)].pieces == []  # no ink left unread in it: printed blank


def test_a_value_cell_read_as_latin_letters_is_marked_unread() -> None:
    """A fax's ``0`` read ``C.`` or ``D``: left as read, the rules took it for a note and placed the row's six
    other numbers by the identities without it; a ``0`` under a seal's stroke read ``01``. A label column's
    Latin text and a value cell's ``无`` stay."""

    table = {(r, c): _slot(r, c, *t) for (r, c), t in {
        (0, 0): ("规章",), (0, 1): ("0",), (0, 2): ("0",),
        (1, 0): ("Ab",), (1, 1): ("C.",), (1, 2): ("无",),
        (2, 0): ("行政许可",), (2, 1): ("12",), (2, 2): ("1",),
        (3, 0): ("行政处罚",), (3, 1): ("7",), (3, 2): ("D",),
        (4, 0): ("行政强制",), (4, 1): ("01",), (4, 2): ("10",),
        # a grid that missed a dotted column rule: three numbers in one cell, each a piece
        (5, 0): ("规章",), (5, 1): ("0", "0", "0"), (5, 2): ("3", "D"),
    }.items()}  # fmt: skip
    ocr_page._mark_unread([table], [])
    assert [p.text for p in table[(5, 1)].pieces] == ["0", "0", "0"]  # not one count "000"
    assert [p.text for p in table[(5, 2)].pieces] == ["3", ocr_page.UNREAD]
    assert [p.text for p in table[(1, 1)].pieces] == [ocr_page.UNREAD]
    assert [p.text for p in table[(3, 2)].pieces] == [ocr_page.UNREAD]
    assert [p.text for p in table[(4, 1)].pieces] == [ocr_page.UNREAD]  # no count is printed 01
    assert [p.text for p in table[(4, 2)].pieces] == ["10"]
    assert [p.text for p in table[(1, 2)].pieces] == ["无"]  # a printed blank's word: as read
    assert [p.text for p in table[(1, 0)].pieces] == ["Ab"]  # the label column: as read


def test_a_letter_right_of_a_label_is_marked_unread_even_where_its_column_holds_one_other_number() -> None:
    """Table 2's first block, its ``9`` read ``g`` under a scanner's dark border: its column holds one other
    number (规章's ``0``), so it is no "value cell" — but it stands right of its row's label. Left as read,
    the rules cut the row's ``6 87`` into 6 | 8 | 7 by their count, and the report verified wrong."""
    table = {(r, c): _slot(r, c, *t) for (r, c), t in {
        (0, 0): ("信息内容",), (0, 1): ("本年制发件数",), (0, 2): ("本年废止件数",), (0, 3): ("现行有效件数",),
        (1, 0): ("规章",), (1, 1): ("0",), (1, 2): ("0",), (1, 3): ("0",),
        (2, 0): ("行政规范性文件",), (2, 1): ("g",), (2, 2): ("6",), (2, 3): ("87",),
    }.items()}  # fmt: skip
    ocr_page._mark_unread([table], [])
    assert [p.text for p in table[(2, 1)].pieces] == [ocr_page.UNREAD]
    assert [[p.text for p in table[(2, c)].pieces] for c in (2, 3)] == [["6"], ["87"]]
    assert [p.text for p in table[(0, 1)].pieces] == ["本年制发件数"]


@needs_ocr
def test_a_100_dpi_fax_page_reads_its_zeros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Table 3 of a reportlab table faxed at 100 dpi (binarised, speckled; :mod:`nianbao.evals.degrade`): its
    digits are ~8 px tall and a lone ``0`` came back ``D``, ``Q``, ``。`` or at a confidence under 0.5 — 138 of
    the page's 189 value cells read as numbers before they were settled over digits from their ink, 155 after."""
    import dataclasses
    import re

    from nianbao.evals import degrade
    from nianbao.evals.cases import golden_cases
    from nianbao.evals.scan_builders import platypus_pdf

    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    goldens = Path(__file__).resolve().parents[3] / "goldens"
    truth = next(c for c in golden_cases(goldens) if c.name == "seed_000_wushan_2024").truth
    fax = dataclasses.replace(degrade.plan("fax", "s1"), dpi=100)
    monkeypatch.setattr(degrade, "plan", lambda family, seed: fax)
    path = tmp_path / "fax.pdf"
    path.write_bytes(degrade.scan(platypus_pdf(truth), "fax", "s1")[0])
    [(img, dpi)] = list(ocr.pdf_pages(path, {2}))
    text = ocr_page.read_page(np.asarray(img, dtype=np.uint8), dpi, ocr.engine())[0]
    rows = [line.split("\t")[-7:] for line in text.split("\n") if line.count("\t") >= 8]
    read = sum(1 for row in rows for cell in row if re.fullmatch(r"\d+", cell))
    assert len(rows) == 27 and read >= 150, text


def test_a_part_cut_to_its_cell_is_read_with_paper_beyond_the_cells_borders() -> None:
    """A crop's padding reached past a ruled border: on a bilevel page the crisp rule beside a lone ``0``
    read ``10``. A part cut to its cell is read with paper beyond the cell; a box read whole keeps its pixels."""
    page = np.full((40, 60), 255, np.uint8)
    page[:, 10] = 0  # a column rule
    page[15:25, 14:20] = 0  # the digit's ink, just inside the cell
    cell = (12, 2, 58, 38)
    clipped = ocr_page._crop(page, (12, 13, 22, 27), cell)
    assert clipped.shape == (18, 14) and clipped[:, 0].min() == 255 and clipped[4:14, 4:10].max() == 0
    whole = ocr_page._crop(page, (12, 13, 22, 27))
    assert whole[:, 0].max() == 0  # (the rule: x 10 is the crop's first column)
    assert page[:, 10].max() == 0  # the page itself untouched


def test_a_label_wrapped_in_its_cell_is_read_as_one_line_and_stacked_numbers_are_not() -> None:
    """A label in a narrow column, two characters a line (the detector's boxes of consecutive lines
    overlap a little), is one crop, in a cell merged down over rows too; a cell with two boxes on one
    line, and a lone line, are read as before."""
    label = ocr_page._Slot(Cell(0, 0, 1, 1, (100, 100, 200, 260)))
    merged = ocr_page._Slot(Cell(0, 1, 2, 1, (200, 100, 300, 300)))
    one_line = ocr_page._Slot(Cell(0, 2, 1, 1, (300, 100, 500, 140)))
    lone = ocr_page._Slot(Cell(0, 3, 1, 1, (500, 100, 600, 140)))
    lines = [(110, 104, 160, 131), (110, 125, 162, 157), (110, 151, 160, 178), (110, 172, 136, 198)]
    to_read: list[tuple[tuple[int, int, int, int], ocr_page._Slot | None]] = [
        (lines[2], label), (lines[0], label), ((210, 104, 260, 131), merged), ((210, 125, 260, 157), merged),
        ((310, 104, 360, 131), one_line), ((400, 106, 450, 133), one_line), ((510, 104, 560, 131), lone),
        (lines[1], label), (lines[3], label), ((700, 100, 800, 130), None),
    ]  # fmt: skip
    out, joined = ocr_page._wrapped_labels(to_read)
    # top to bottom, one entry where the label's first box stood
    assert joined == {0: lines, 1: [(210, 104, 260, 131), (210, 125, 260, 157)]}
    assert out[:2] == [((110, 104, 162, 198), label), ((210, 104, 260, 157), merged)]
    assert out[2:] == [e for e in to_read if e[1] not in (label, merged)]


def test_a_wrapped_reading_that_is_no_label_is_read_line_by_line() -> None:
    assert ocr_page._LABEL_READING.fullmatch("5.属于三类内部事务信息")
    assert ocr_page._LABEL_READING.fullmatch("（七）总计")
    assert not ocr_page._LABEL_READING.fullmatch("35")  # numbers stacked in a cell whose row rule was lost
    assert not ocr_page._LABEL_READING.fullmatch("行政许可74833")
    assert not ocr_page._LABEL_READING.fullmatch("")


def _wrapped_row(cell_numbers: list[str]) -> np.ndarray:
    """One ruled row at 200 dpi: a narrow label cell holding ``5.属于三类内部事务信息`` two characters a
    line, then a cell a number."""
    img = Image.new("L", (1300, 500), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 30)
    d.rectangle([100, 100, 1200, 420], outline=0, width=2)
    d.line([(200, 100), (200, 420)], fill=0, width=2)
    for k, x in enumerate(range(300, 1200, 100)):
        d.line([(x, 100), (x, 420)], fill=0, width=2)
        if k < len(cell_numbers):
            d.text((x - 60, 245), cell_numbers[k], font=font, fill=0)
    for k, part in enumerate(["5.属", "于三", "类内", "部事", "务信", "息"]):
        d.text((115, 115 + 50 * k), part, font=font, fill=0)
    return np.asarray(img)


@needs_ocr
def test_a_wrapped_label_read_as_one_line_reads_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    joined = ocr_page._wrapped_labels

    def counting(to_read):  # type: ignore[no-untyped-def]
        out, lines = joined(to_read)
        calls.append(len(lines))
        return out, lines

    monkeypatch.setattr(ocr_page, "_wrapped_labels", counting)
    text, *_ = ocr_page.read_page(_wrapped_row(["2", "0", "0", "0", "0", "1", "3"]), 200, ocr.engine())
    assert calls == [1]  # the label's six lines were one crop
    assert text.split("\n")[0].split("\t")[1:9] == ["5.属于三类内部事务信息", "2", "0", "0", "0", "0", "1", "3"]


@needs_ocr
def test_a_title_misread_at_every_crop_takes_the_one_real_place_the_recogniser_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A title under a seal's red (the template's print of the 沭阳 report, scanned by the eval's degrader):
    every crop reads 沐阳县 (no such county), but the recogniser gives 沭 0.17 of that character at one crop.
    The one reading with a real division is taken; where several other choices name real places (the
    threshold lowered until 泌阳县, 濮阳县… come in), none is, and the report goes to a person."""
    import cv2

    from nianbao.extractor.readers.gazetteer import place_names

    if not place_names():
        pytest.skip("needs the divisions' table (addressparser, in nianbao[ocr])")
    gray = cv2.imread(str(Path(__file__).parent / "data" / "seal_title.png"), cv2.IMREAD_GRAYSCALE)
    image = ocr_page._bgr(gray)
    box = (40, 40, gray.shape[1] - 40, gray.shape[0] - 40)
    line = ocr_page._Piece("沐阳县发展和改革局2023年政府信息公开工作年", box, 0.96)
    words: ocr_page.Words = []
    assert ocr_page._doubts(ocr.engine(), image, [line], words) == []
    assert line.text.startswith("沭阳县发展和改革局")
    assert "the one naming a place" in words[0][0]
    monkeypatch.setattr(ocr_page, "SECOND_CHOICE", 0.0005)
    assert ocr_page._second_choice(ocr.engine(), image, line) is None


@needs_ocr
def test_a_number_cut_to_its_cell_read_again_is_taken_only_less_a_rule() -> None:
    """A cell's number cut to its cell at a ruled border is read again with paper beyond the cell (a fax's
    rule beside a ``0`` read ``10``). The saved crop: ``55`` in table 2's last column of a turned template scan,
    the cell's left rule in the padding. Read again it stays ``55``; a first reading that had a ``1`` more at
    an end (the rule) gives way to it; another number leaves the cell unread — two readings."""
    import cv2

    gray = cv2.imread(str(Path(__file__).parent / "data" / "cell_55.png"), cv2.IMREAD_GRAYSCALE)
    image, binary = ocr_page._bgr(gray), (gray < 128).astype(np.uint8) * 255
    box, cell = (27, 20, 63, 47), (27, 19, 274, 47)
    cases = [
        ("55", "55"), ("155", "55"), ("551", "55"),  # the same, or less the rule read as a 1: the second
        ("5", ocr_page.UNREAD), ("8", ocr_page.UNREAD),  # numbers of other digits: two readings, neither
        ("5.5", "5.5"),  # the same digits, a point between them in one reading only: the first stands
        ("·", "55"),  # a first reading no number: the second, as before
    ]  # fmt: skip
    for first, then in cases:
        got = ocr_page._numbers_within_cells(ocr.engine(), image, binary, [box], [cell], [(first, 0.99)])
        assert got[0][0] == then, first


@needs_ocr
def test_a_faint_rule_in_a_numbers_padding_is_ink_beyond_its_cell() -> None:
    """A blurred rule's edge at ~225 grey along the crop of table 2's ``0`` (a template scan at 150 dpi, grey
    JPEG, a seal's grey ink nearby) was read ``10`` at 0.75 and verified — no identity checks the cell. No pixel
    beyond the cell is dark, yet the recogniser reads the line: the cell is read again with paper there, and
    reads ``0``. A crop whose padding beyond the cell is paper with noise is not read again."""
    import cv2

    from nianbao.extractor.readers import ocr

    gray = cv2.imread(str(Path(__file__).parent / "data" / "cell_0_faint_rule.png"), cv2.IMREAD_GRAYSCALE)
    image, binary = ocr_page._bgr(gray), (gray < 128).astype(np.uint8) * 255
    box, cell = (30, 16, 49, 39), (30, 12, 277, 39)
    whole, within = ocr_page._crop(image, box), ocr_page._crop(image, box, cell)
    assert int((whole < 128).sum()) == int((within < 128).sum())  # no dark pixel beyond the cell
    assert ocr.engine().text_rec([whole])[0][0][0] == "10"
    assert ocr_page._ink_beyond(whole, within)
    got = ocr_page._numbers_within_cells(ocr.engine(), image, binary, [box], [cell], [("10", 0.75)])
    assert got[0][0] == "0"
    # the same digit a column to the right: the padding holds paper and noise only
    inner = (box[0] + 4, box[1], box[2] + 4, box[3])
    assert not ocr_page._ink_beyond(ocr_page._crop(image, inner), ocr_page._crop(image, inner, cell))


@needs_ocr
def test_a_grey_seals_character_over_a_count_is_lighter_ink_read_away() -> None:
    """A red seal on a grey scan (150 dpi, JPEG): its characters, mid-grey, stand in two cells of table 3's
    ``其他`` column beside printed ``0``s, read ``0室`` and ``办`` (the 0 lost under it). Read again with the
    lighter of the cell's two ink levels made paper: ``0`` — the first reading's very digits, so the cell is
    ``0``; and ``0`` where the first held no digit — two readings the page allows, so the cell is unread (the
    row's identities place a 0 they force). A cell read as a sure number is left alone."""
    import cv2

    from nianbao.extractor.readers import ocr

    gray = cv2.imread(str(Path(__file__).parent / "data" / "seal_grey_cells.png"), cv2.IMREAD_GRAYSCALE)
    image = ocr_page._bgr(gray)
    binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]

    def slot(row: int, box: tuple[int, int, int, int], *pieces: tuple[str, tuple[int, int, int, int], float]) -> Any:
        s = ocr_page._Slot(Cell(row, 5, 1, 1, box))
        s.pieces = [ocr_page._Piece(t, b, sc) for t, b, sc in pieces]
        return s

    under = slot(0, (11, 11, 71, 106), ("办", (7, 36, 75, 77), 0.9996))
    beside = slot(1, (10, 114, 70, 210), ("0", (10, 149, 31, 181), 0.55), ("室", (35, 158, 70, 199), 0.9999))
    sure = slot(2, (10, 114, 70, 210), ("0", (10, 149, 31, 181), 0.95))
    other = slot(3, (0, 0, 2, 2), ("0", (0, 0, 2, 2), 1.0))
    table = {(s.cell.row, 5): s for s in (under, beside, sure, other)}
    words: ocr_page.Words = []
    ocr_page._overprinted(ocr.engine(), image, binary, [table], words)
    assert [p.text for p in beside.pieces] == ["0"]
    assert [p.text for p in under.pieces] == [ocr_page.UNREAD]
    assert [p.text for p in sure.pieces] == ["0"] and sure.pieces[0].score == 0.95
    assert any("first read '0室'" in w[0] for w in words)
    # the printed 0 alone, its blurred edge a lighter level too: the edge beside its core is kept, and it reads 0
    alone = ocr_page._print_alone(ocr_page._crop(image, (10, 149, 31, 181)))
    assert alone is not None and ocr.engine().text_rec([alone])[0][0][0] == "0"
    blank = np.full((30, 24, 3), 250, np.uint8)
    assert ocr_page._print_alone(blank) is None  # no ink


def test_a_faint_zero_the_pages_threshold_missed_is_no_printed_blank() -> None:
    """Table 2 of a template scan in a thin font, 150 dpi grey, blurred by a shaken hand: its ``0``s stand at
    ~190 grey on paper at 250 — the page's one threshold found no ink in three cells, and the cells verified as
    printed blank. Smoothed, each holds a mark 30 levels under its paper, as large as a digit: unread, not
    blank. A blank cell of noisy JPEG paper (σ 18, quality 40) holds none."""
    import cv2

    gray = cv2.imread(str(Path(__file__).parent / "data" / "faint_zero_cell.png"), cv2.IMREAD_GRAYSCALE)
    image = ocr_page._bgr(gray)

    def slot(row: int, col: int, box: tuple[int, int, int, int], text: str = "") -> Any:
        s = ocr_page._Slot(Cell(row, col, 1, 1, box))
        s.pieces = [ocr_page._Piece(text, box, 0.99)] if text else []
        return s

    faint = [slot(0, 1, (11, 19, 256, 47)), slot(0, 2, (265, 19, 510, 47)), slot(1, 2, (264, 54, 509, 82))]
    table = {(s.cell.row, s.cell.col): s for s in faint}
    table |= {(0, 0): slot(0, 0, (0, 19, 2, 47), "规章"), (1, 0): slot(1, 0, (0, 54, 2, 82), "行政规范性文件")}
    table[(1, 1)] = slot(1, 1, (11, 54, 256, 82), "2")
    found = ocr_page._faint_in_empty(image, [table])
    assert [s for _, s in found] == faint
    noise = np.random.default_rng(7).normal(250, 18, (40, 260)).clip(0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 40])
    paper = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    blank = {(0, 0): slot(0, 0, (0, 5, 2, 35), "规章"), (0, 1): slot(0, 1, (5, 5, 255, 35))}
    assert ok and ocr_page._faint_in_empty(ocr_page._bgr(paper), [blank]) == []


@needs_ocr
def test_a_title_whose_rare_first_character_is_lost_or_misread_whole_takes_its_heads_reading() -> None:
    """A reportlab title under uneven light (zebra-ruled tables, 200 dpi): read whole, 沭 comes back 沐 or
    is lost (``阳县…``: 沭 under the blank) at every crop, and at under 0.1 as a second choice. Its head alone
    — four and a half line-heights — reads 沭 as a second choice at 0.24: the one real division, put over
    the line's reading, whichever of the two it was."""
    import cv2

    from nianbao.extractor.readers import ocr
    from nianbao.extractor.readers.gazetteer import place_names

    if not place_names():
        pytest.skip("needs the divisions' table (addressparser, in nianbao[ocr])")
    gray = cv2.imread(str(Path(__file__).parent / "data" / "light_title.png"), cv2.IMREAD_GRAYSCALE)
    image = ocr_page._bgr(gray)
    box = (40, 40, gray.shape[1] - 40, gray.shape[0] - 40)
    for read in ("沐阳县发展和改革局2023年政府信息公开工作年度报告", "阳县发展和改革局2023年政府信息公开工作年度报告"):
        line = ocr_page._Piece(read, box, 0.96)
        words: ocr_page.Words = []
        assert ocr_page._doubts(ocr.engine(), image, [line], words) == []
        assert line.text == "沭阳县发展和改革局2023年政府信息公开工作年度报告"


def test_a_rows_total_printed_at_its_top_joins_the_numbers_centred_beside_its_wrapped_label() -> None:
    """Read as lines (dotted rules lost under uneven light), the template's row （二）部分公开 prints its label
    on two lines, its total ``1`` at the cell's top and the six others centred between the label's lines: the
    total joins the six, not the label's first line. A next row's number never moves up: rows do not overlap."""

    def piece(text: str, x0: int, y0: int, x1: int, y1: int) -> ocr_page._Piece:
        return ocr_page._Piece(text, (x0, y0, x1, y1), 0.9)

    pieces = [
        piece("（二）部分公开（区分处理的，只计这一情", 269, 716, 790, 750), piece("1", 1414, 717, 1436, 748),
        *(piece(t, x, 738, x + 26, 772) for t, x in zip("100000", range(841, 1400, 95), strict=True)),
        piece("形，不计其他情形）", 261, 761, 509, 796),
        piece("1.属于国家秘密", 388, 810, 600, 842), piece("1", 841, 810, 866, 842), piece("1", 1414, 810, 1436, 842),
    ]  # fmt: skip
    lines = [[p.text for p in line] for line in ocr_page._lines(pieces)]
    assert lines == [
        ["（二）部分公开（区分处理的，只计这一情"],
        ["1", "0", "0", "0", "0", "0", "1"],
        ["形，不计其他情形）"],
        ["1.属于国家秘密", "1", "1"],
    ]


def test_a_rows_total_a_line_above_its_six_numbers_joins_them_right_of_them() -> None:
    """The template's row （六）1 read as lines (dotted rules not found): its label on three lines, its total at
    the row's top beside the first, the six others on the second line — one line below, not reaching into it
    (a copier's and a phone's scan of three: rejected, the row ambiguous). The total joins the six only where it
    is the one number of its line and stands right of all six; two numbers above, or one among the six's
    columns, are a row of their own."""

    def piece(text: str, x0: int, y0: int, x1: int, y1: int) -> ocr_page._Piece:
        return ocr_page._Piece(text, (x0, y0, x1, y1), 0.9)

    def rows(above: list[ocr_page._Piece]) -> list[list[str]]:
        pieces = [
            piece("1.申请人无正当理由逾期不补正、", 393, 1636, 810, 1667), *above,
            piece("行政机关不再处理其政府信息公开", 392, 1677, 826, 1714),
            *(piece("0", x, 1677, x + 24, 1712) for x in (847, 937, 1031, 1126, 1221, 1315)),
            piece("申请", 392, 1718, 450, 1752),
        ]  # fmt: skip
        return [[p.text for p in line] for line in ocr_page._lines(pieces)]

    assert rows([piece("7", 1410, 1638, 1434, 1668)]) == [
        ["1.申请人无正当理由逾期不补正、"],
        ["行政机关不再处理其政府信息公开", "0", "0", "0", "0", "0", "0", "7"],
        ["申请"],
    ]
    two = [piece("3", 1315, 1638, 1339, 1668), piece("7", 1410, 1638, 1434, 1668)]
    assert rows(two)[0] == ["1.申请人无正当理由逾期不补正、", "3", "7"]
    among = [piece("7", 1126, 1638, 1150, 1668)]  # in a column one of the six holds
    assert rows(among)[0] == ["1.申请人无正当理由逾期不补正、", "7"]
    far = [piece("7", 1410, 1560, 1434, 1590)]  # two lines above: another row's
    assert ["7"] in rows(far) or ["1.申请人无正当理由逾期不补正、", "7"] in rows(far)


def test_a_dotted_rules_dot_in_the_gap_does_not_keep_a_number_with_its_label() -> None:
    """A dotted column rule, not found, leaves a dot or two of ink in the gap between a label's last line and
    the row's first number, read as one piece (``…信息公开0``): a column with so little ink is blank."""
    binary = np.zeros((60, 600), np.uint8)
    binary[10:40, 10:300] = 255
    for x in range(10, 300, 30):
        binary[10:40, x + 26 : x + 30] = 0
    binary[10:40, 318:333] = 255  # the digit, 18 px after the label
    binary[[14, 26, 38], 309] = 255  # the rule's dots, in one column mid-gap
    piece = ocr_page._Piece("政府信息公开0", (10, 10, 334, 40), 0.9)
    assert [p.text for p in ocr_page._label_and_number(piece, binary)] == ["政府信息公开", "0"]
    binary[10:40, 309] = 255  # a stroke down the line's height is ink: no gap of a third of it on either side
    assert ocr_page._label_and_number(piece, binary) == [piece]


def test_a_lone_mark_in_a_dark_corner_is_found_against_its_local_paper() -> None:
    """Uneven light: the page darkens toward its left, where the page's one threshold makes the paper a
    field of specks; a lone ``1`` in table 4's first cell, the detector missing it, is found against the
    paper round it (band by band, not a page-sized mask)."""
    import cv2

    rng = np.random.default_rng(0)
    light = np.linspace(90, 235, 1400).astype(np.float32)  # dark at the left
    gray = np.tile(light, (400, 1)) + rng.normal(0, 3, (400, 1400)).astype(np.float32)
    gray[180:210, 300:700] -= 70  # the line's detected text
    gray[182:208, 120:126] -= 60  # the lone "1" in the dark
    gray = np.clip(gray, 0, 255).astype(np.uint8)
    otsu = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    line = [(300, 180, 700, 210)]
    assert unruled_marks(otsu, line) == []  # one threshold: the dark side all ink, no mark in it
    marks = ocr_page._marks_in_bands(ocr_page._bgr(gray), 150.0, [line], line)
    assert [(k, (x0, x1)) for k, (x0, _y0, x1, _y1) in marks] == [(0, (120, 126))]


def unruled_marks(binary: np.ndarray, line: list[ocr_page.Box]) -> list[tuple[int, ocr_page.Box]]:
    from nianbao.extractor.readers.unruled import unread_marks

    return unread_marks(binary, [line], line)


@pytest.mark.skipif(FONT is None, reason="needs a Chinese font")
def test_a_table_pages_paragraph_lines_are_left_unread_but_a_rows_line_and_a_line_by_a_table_are_read() -> None:
    """A paragraph's full-width lines on a table page feed only the narrative's warnings: not recognised. A
    row of a table printed without rules is as wide, but its cells leave gaps — salt noise in them too —
    and is read; so is a paragraph's line within a line's height of a table (where a grid misses a row, the
    row stands there)."""
    img = Image.new("L", (1240, 1000), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT or "", 28)
    prose = "本机关严格按照条例要求，主动公开政府信息，及时回应社会关切，全面推进政务公开工作。"
    boxes = []
    for y in (100, 145, 190, 600, 645):  # two paragraphs; the second's first line just under a table
        d.text((120, y), prose[:36], font=font, fill=0)
        boxes.append((118, y - 2, 120 + round(font.getlength(prose[:36])) + 2, y + 34))
    d.text((120, 300), "（一）予以公开", font=font, fill=0)  # a row of a table without rules: label, numbers
    for x in (760, 880, 1000, 1120):
        d.text((x, 300), "12", font=font, fill=0)
    boxes.append((118, 298, 1160, 334))
    d.text((120, 345), "（二）部分公开", font=font, fill=0)
    for x in (760, 880, 1000, 1120):
        d.text((x, 345), "3", font=font, fill=0)
    boxes.append((118, 343, 1160, 379))
    page = np.asarray(img).copy()
    rng = np.random.default_rng(5)
    page[rng.random(page.shape) < 0.003] = 0  # salt noise over the page, the rows' gaps included
    binary = (page < 128).astype(np.uint8) * 255
    table = (100, 420, 1140, 590)  # a ruled table's box, 10 px above the second paragraph
    skipped = ocr_page._prose(boxes, [table], binary)
    assert skipped == set(boxes[:3]) | {boxes[4]}  # the first paragraph, and the second's line clear of the table
    assert boxes[3] not in skipped and not skipped & set(boxes[5:])  # by the table; the rows
    assert ocr_page._prose(boxes[5:], [table], binary) == set()  # two rows, one above the other: no paragraph
    # a page read without a grid (no ruled table, or its tables read as lines): its rows are among these lines,
    # and a row of four-digit counts leaves no cell's gap — every line is read
    assert ocr_page._prose(boxes, [], binary) == set()
