"""Value columns of an unruled table from its numbers' places: a row printing blanks placed only where the
columns are settled and nothing unread stands in a blank (synthetic lines: no OCR needed)."""

from __future__ import annotations

import numpy as np

from nianbao.extractor.readers.columns_from_boxes import placed

COLS = [600, 680, 760, 840, 920, 1000, 1080]  # seven centred columns
H = 24


def _line(
    y: int, label: str, values: list[str | None], shift: int = 0
) -> list[tuple[str, tuple[int, int, int, int], bool]]:
    out = [(label, (100, y, 400, y + H), False)]
    for x, v in zip(COLS, values, strict=True):
        if v is not None:
            w = 10 * len(v)
            out.append((v, (x + shift - w // 2, y, x + shift + w // 2, y + H), True))
    return out


def _table(rows: list[list[str | None]]) -> list[list[tuple[str, tuple[int, int, int, int], bool]]]:
    return [_line(100 + 40 * k, f"row{k}", r) for k, r in enumerate(rows)]


FULL = ["5", "0", "0", "0", "0", "0", "5"]


def test_a_row_printing_blanks_is_placed_by_the_columns_its_table_shows() -> None:
    lines = _table([FULL, ["3", None, "1", None, None, None, "4"], ["0", "2", None, "0", "0", "1", None], FULL])
    got = placed(lines, np.zeros((400, 1400), np.uint8))
    assert got[1] == (1, ["3", "", "1", "", "", "", "4"]) and got[2] == (1, ["0", "2", "", "0", "0", "1", ""])
    assert got[0] == got[3] == (1, FULL)  # a full row's cells kept apart too


def test_columns_drifting_down_a_page_that_kept_a_turn_are_still_columns() -> None:
    rows = [FULL, FULL, ["3", None, "1", None, None, None, "4"], FULL, FULL]
    lines = [_line(100 + 40 * k, f"row{k}", r, shift=-3 * k) for k, r in enumerate(rows)]  # 3 px a row
    # drifting the whole way down, a column's numbers would spread past a third of the space between columns
    lines += [_line(100 + 40 * k, f"row{k}", FULL, shift=-3 * k) for k in range(5, 12)]
    assert placed(lines, np.zeros((700, 1400), np.uint8))[2] == (1, ["3", "", "1", "", "", "", "4"])


def test_the_columns_can_be_shown_by_several_rows_together() -> None:
    # no row prints all seven; between them they show every column
    lines = _table(
        [
            ["1", "2", "3", None, None, None, "6"],
            ["1", None, None, "4", "5", "6", "16"],
            ["1", None, None, None, None, None, "1"],
        ]
    )
    got = placed(lines, np.zeros((400, 1400), np.uint8))
    assert got[2] == (1, ["1", "", "", "", "", "", "1"])


def test_ink_where_a_blank_would_stand_leaves_the_row_as_read() -> None:
    lines = _table([FULL, ["3", None, "1", None, None, None, "4"], FULL])
    page = np.zeros((400, 1400), np.uint8)
    page[142:158, 676:686] = 255  # a mark in the second column of row 1 that nothing read
    assert 1 not in placed(lines, page)


def test_a_number_between_two_columns_or_too_few_columns_shown_place_nothing() -> None:
    between = _table([FULL, FULL, FULL])
    between.append(_line(300, "row3", ["3", None, None, None, None, None, "3"], shift=0))
    between[3][1] = ("3", (630, 300, 650, 324), True)  # halfway between the first two columns
    assert 3 not in placed(between, np.zeros((400, 1400), np.uint8))
    sparse = _table([["5", None, None, None, None, None, "5"], ["2", None, None, None, None, None, "2"]])
    assert placed(sparse, np.zeros((400, 1400), np.uint8)) == {}  # two columns shown: where are the others?


def test_another_section_s_table_is_not_this_one() -> None:
    t2 = [[("规章", (100, 40, 300, 64), False), ("0", (595, 40, 615, 64), True)]]
    heading = [[("三、收到和处理政府信息公开申请情况", (100, 80, 700, 104), False)]]
    lines = t2 + heading + _table([FULL, FULL])
    assert sorted(placed(lines, np.zeros((400, 1400), np.uint8))) == [2, 3]  # table 3's rows, not table 2's


def test_a_row_s_numbers_a_little_lower_than_its_first_keep_their_places_from_reading_blank() -> None:
    """A row split over two text lines (its total grouped with the label's first line, the rest a few
    pixels lower with the next): the total alone is no row printing six blanks."""
    lines = _table([FULL, FULL, FULL])
    lines.append([("1.申请人无正当理由", (100, 220, 400, 244), False), ("10", (1070, 220, 1090, 244), True)])
    page = np.zeros((400, 1400), np.uint8)
    page[236:252, 595:605] = 255  # the row's other numbers, their glyphs 12 px under the total's
    assert 3 not in placed(lines, page)


def test_ink_in_a_blank_is_looked_for_where_the_column_stands_on_that_row_of_a_turned_page() -> None:
    # a page that kept a turn: 3 px a row to the left; on the last row, 33 px left of where the column stands
    # at the table's top, a mark in column 2 that nothing read — no blank may stand for it
    rows: list[list[str | None]] = [FULL] * 11 + [["3", None, "1", None, None, None, "4"]]
    lines = [_line(100 + 40 * k, f"row{k}", r, shift=-3 * k) for k, r in enumerate(rows)]
    page = np.zeros((700, 1400), np.uint8)
    page[542:558, 642:652] = 255
    assert 11 not in placed(lines, page)
    assert placed(lines, np.zeros((700, 1400), np.uint8))[11] == (1, ["3", "", "1", "", "", "", "4"])
