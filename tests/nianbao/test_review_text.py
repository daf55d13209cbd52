"""The queue in a terminal: columns padded by display width, so wide (Chinese) text keeps them aligned."""

from __future__ import annotations

from rich.cells import cell_len

from nianbao.review_text import clip, counts_line, pad, table


def test_columns_line_up_by_display_width() -> None:
    lines = list(table(("#", "report", "file"), [("1", "巫山县 2024", "a.txt"), ("22", "x 2024", "b.txt")]))
    assert [cell_len(line[: line.index(end)]) for line, end in zip(lines, ("file", "a.txt", "b.txt"), strict=True)] == [
        cell_len(lines[1][: lines[1].index("a.txt")])
    ] * 3


def test_numbers_are_right_aligned_and_short_rows_allowed() -> None:
    lines = list(
        table(("", "本年制发件数", "本年废止件数"), [("规章", "0", "12"), ("行政许可", "74833")], numbers=True)
    )
    assert lines[1].endswith(" 12") and cell_len(lines[1]) == cell_len(lines[0])
    assert lines[2].endswith("74833")


def test_pad_clip_and_counts() -> None:
    assert cell_len(pad("郏县", 6)) == 6 and pad("7", 3, right=True) == "  7"
    assert clip("三、本年度办理结果（一）予以公开", 10).endswith("…") and cell_len(clip("三、本年度办理结果", 10)) <= 10
    assert counts_line({"rejected": 3, "verified": 12}) == "verified 12 · rejected 3"
