"""Tables whose rules cannot be trusted: a grid of part of a table is no grid, and a table line's marks that
the detector missed are found (synthetic pages: no OCR needed)."""

from __future__ import annotations

import numpy as np
import pytest

from nianbao.extractor.readers import unruled
from nianbao.extractor.readers.grid import Cell, Table
from nianbao.extractor.readers.unruled import LEADING_DOTS, partial, unread_marks

pytest.importorskip("cv2")
DPI = 200.0


def _table(box: tuple[int, int, int, int], rows: int = 5, cols: int = 6) -> Table:
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) // cols, (y1 - y0) // rows
    cells = tuple(
        Cell(r, c, 1, 1, (x0 + c * w + 2, y0 + r * h + 2, x0 + (c + 1) * w - 2, y0 + (r + 1) * h - 2))
        for r in range(rows)
        for c in range(cols)
    )
    return Table(box, rows, cols, cells)


def test_a_grid_with_labels_printed_just_beside_it_on_its_rows_is_part_of_a_table() -> None:
    grid = _table((600, 100, 1400, 600))
    labels = [(250, 120 + 100 * r, 560, 150 + 100 * r) for r in range(5)]  # the label column, its rules lost
    assert partial(grid, labels, DPI)
    assert not partial(grid, [], DPI)
    # text far from the grid (another column of the page, a heading above it) is not its label column
    assert not partial(grid, [(10, 120 + 100 * r, 200, 150 + 100 * r) for r in range(5)], DPI)
    assert not partial(grid, [(250, 20, 560, 50), (250, 640, 560, 670)], DPI)


def test_a_frame_holding_rows_of_label_and_numbers_is_no_grid_but_a_wrapped_label_is_a_cell() -> None:
    frame = _table((100, 100, 1500, 700), rows=1, cols=1)
    rows = [
        b for r in range(3) for b in ((150, 150 + 80 * r, 400, 180 + 80 * r), (700, 150 + 80 * r, 730, 180 + 80 * r))
    ]
    assert partial(frame, rows, DPI)
    wrapped = [(150, 150 + 40 * r, 1300, 180 + 40 * r) for r in range(4)]  # one piece a line
    assert not partial(frame, wrapped, DPI)


def _page() -> np.ndarray:
    page = np.zeros((200, 1400), np.uint8)
    page[80:110, 100:400] = 255  # a label's ink (its detected box below)
    page[82:108, 700:716] = 255  # a lone "0" the detector missed, well apart from the label
    page[82:108, 404:410] = 255  # a stroke just after the label: a clipped character, not a value
    for y in range(0, 200, 6):  # a dotted column rule running through the line
        page[y : y + 2, 1000:1002] = 255
    return page


def test_a_lone_mark_in_a_value_column_is_found_and_rule_dots_and_clipped_strokes_are_not() -> None:
    label = (100, 80, 400, 110)
    marks = unread_marks(_page(), [[label]], [label])
    assert [k for k, _ in marks] == [0]
    ((_, (x0, y0, x1, y1)),) = marks
    assert 695 <= x0 <= 700 and 716 <= x1 <= 720 and y1 - y0 >= 20
    # what a detected box covers is read already
    assert unread_marks(_page(), [[label]], [label, (690, 78, 725, 112)]) == []


def test_a_dashed_rule_s_piece_that_is_as_tall_as_a_digit_is_no_mark() -> None:
    page = np.zeros((200, 1400), np.uint8)
    page[80:110, 100:400] = 255
    for y in range(0, 200, 30):  # dashes as long as a line of text, three pixels wide
        page[y : y + 24, 1000:1003] = 255
    assert unread_marks(page, [[(100, 80, 400, 110)]], [(100, 80, 400, 110)]) == []


def test_a_heavy_frame_through_the_line_is_no_mark_but_a_1_in_a_column_of_digits_is() -> None:
    """A phone photo of a table whose dotted inner rules were lost: its solid frame, 10 px beside 32 px
    digits, came back a ``1`` ending the row (eight numbers for seven cells: rejected). A ``1`` in a column of
    digits, rows 47 px apart, has the blank between rows above and below it."""
    page = np.zeros((600, 1600), np.uint8)
    page[280:312, 100:400] = 255  # the label
    page[0:600, 1480:1490] = 255  # the frame, the page's height
    assert unread_marks(page, [[(100, 280, 400, 312)]], [(100, 280, 400, 312)]) == []
    last = page.copy()
    last[322:, 1480:1490] = 0  # the table's last row: the frame runs down to the corner only
    last[318:322, 1100:1490] = 255
    assert unread_marks(last, [[(100, 280, 400, 312)]], [(100, 280, 400, 312)]) == []
    seven = page.copy()
    seven[280:284, 1468:1480] = 255  # a dotted rule's last dots meeting the frame on the line: a "7", 22 px wide
    assert unread_marks(seven, [[(100, 280, 400, 312)]], [(100, 280, 400, 312)]) == []
    beside = page.copy()
    beside[282:308, 1462:1468] = 255  # a lone 1 in the last column, 12 px from the frame: a word with it
    marks = unread_marks(beside, [[(100, 280, 400, 312)]], [(100, 280, 400, 312)])
    assert [(x0, x1) for _, (x0, _y0, x1, _y1) in marks] == [(1462, 1468)]
    for top in range(30, 600, 47):  # a column of digits, one a row
        page[top : top + 32, 1200:1206] = 255
    marks = unread_marks(page, [[(100, 280, 400, 312)]], [(100, 280, 400, 312)])
    assert [(x0, x1) for _, (x0, _y0, x1, _y1) in marks] == [(1200, 1206)]


def test_dots_read_before_a_label_are_not_its_text() -> None:
    assert LEADING_DOTS.sub("", "：1.信访举报投诉类申请") == "1.信访举报投诉类申请"
    assert LEADING_DOTS.sub("", ": 0") == "0"
    assert LEADING_DOTS.sub("", "（一）予以公开") == "（一）予以公开"


def test_lines_between_two_rules_are_one_row_only_where_they_read_as_one() -> None:
    rules = [(0.0, 100.0, 300, 1500), (0.0, 230.0, 300, 1500), (0.0, 300.0, 300, 1500)]
    # a label wrapped over three lines, the total at the row's top, the other numbers on the second line
    wrapped = [
        [((310, 110, 750, 140), False), ((1400, 110, 1430, 140), True)],
        [((310, 150, 760, 180), False), *(((800 + 95 * k, 150, 825 + 95 * k, 180), True) for k in range(6))],
        [((310, 190, 380, 220), False)],
    ]
    below = [[((310, 250, 420, 280), False), *(((800 + 95 * k, 250, 825 + 95 * k, 280), True) for k in range(7))]]
    assert unruled.rows_between_rules([*wrapped, *below], rules, 200) == [[0, 1, 2]]
    # two rows whose rule between them was not found: numbers in the same columns, never one row
    two_rows = [below[0], [((310, 262, 420, 292), False), ((800, 262, 825, 292), True)]]
    assert unruled.rows_between_rules(two_rows, rules[1:], 200) == []
    # prose between two rules (text past its numbers): not a row
    prose = [[((310, 110, 1450, 140), False)], [((310, 150, 600, 180), False), ((620, 150, 650, 180), True),
                                                ((660, 150, 1450, 180), False), ((1460, 150, 1490, 180), True)]]  # fmt: skip
    assert unruled.rows_between_rules(prose, rules, 200) == []
    # lines standing outside the rules' reach (a group's label left of where the inner rules start): no band
    outside = [[((100, 110, 250, 140), False)], [((100, 150, 250, 180), False), ((800, 150, 825, 180), True)]]
    assert unruled.rows_between_rules(outside, rules, 200) == []
    # two labels, the first short of where the second ends (规章 with its numbers, then 行政规范性文件 printed
    # blank): two rows whose rule between them was not found — the label did not wrap
    two_labels = [
        [((310, 110, 380, 140), False), *(((800 + 95 * k, 110, 825 + 95 * k, 140), True) for k in range(3))],
        [((310, 150, 520, 180), False)],
    ]
    assert unruled.rows_between_rules(two_labels, rules, 200) == []


def test_a_1_between_its_rows_rules_is_a_mark_but_a_dotted_column_rules_piece_is_not() -> None:
    """A lone ``1`` the detector missed in table 4's one row: its cell's rules 5 px above and below, wide
    across the strip — no column rule running on through it (a dotted column rule's dots are as narrow as it)."""
    page = np.zeros((200, 1400), np.uint8)
    page[80:110, 300:500] = 255  # the line's detected text
    page[82:108, 700:706] = 255  # the lone "1"
    page[75:77, 100:1300] = 255  # the row's top rule
    page[113:115, 100:1300] = 255  # and its bottom rule
    line = [(300, 80, 500, 110)]
    assert [box[0] for _, box in unread_marks(page, [line], line)] == [700]
    for y in range(0, 200, 8):  # a dotted column rule's dots, straight above and below a piece of it
        page[y : y + 3, 1000:1003] = 255
    page[82:108, 1000:1003] = 255
    assert [box[0] for _, box in unread_marks(page, [line], line)] == [700]
