from __future__ import annotations

from decimal import Decimal

import pytest

from nianbao.extractor.cells import classify, first_run, first_run_in, spare_numbers, tokenize


@pytest.mark.parametrize(
    ("text", "kind", "value", "noise"),
    [
        ("0?", "number", 0, "?"),
        ("105,860", "number", 105860, ""),
        ("6248.72", "number", Decimal("6248.72"), ""),
        ("-8", "number", -8, ""),
        ("12件", "word", None, ""),
        ("000", "glued", None, ""),
        ("-", "blank", None, ""),
        ("—", "blank", None, ""),
        ("/", "blank", None, ""),
        ("无", "blank", None, ""),
        ("2.", "word", None, ""),
    ],
)
def test_classify(text: str, kind: str, value: object, noise: str) -> None:
    tok = classify(text)
    assert (tok.kind, tok.value, tok.noise) == (kind, value, noise)


def test_number_span_excludes_noise() -> None:
    text = "x | 0? | 12"
    (zero, twelve) = [t for t in tokenize(text, 0, len(text)) if t.kind == "number"]
    assert text[zero.start : zero.end] == "0"
    assert text[twelve.start : twelve.end] == "12"


def test_first_run_skips_leading_words_and_stops_at_the_next_word() -> None:
    text = "(区分处理的) 13 0 0 0 0 0 13 (三)不予公开 1 2"
    run = first_run(tokenize(text, 0, len(text)))
    assert [t.value for t in run] == [13, 0, 0, 0, 0, 0, 13]
    assert first_run_in(text, 0, len(text))[0] == run


def test_a_note_in_a_cell_is_never_a_value() -> None:
    # agencies annotate cells: the number inside the note is not the cell, and not a spare number either
    text = "行政许可 105860(其中告知承诺制 3204 件) 第二十条"
    run, stop = first_run_in(text, 0, len(text))
    assert [t.value for t in run] == [105860]
    assert run[0].note == "(其中告知承诺制 3204 件)"
    assert spare_numbers(text, stop, len(text)) == []


def test_numbers_outside_notes_are_spare() -> None:
    text = "行政许可 105860 其中告知承诺制 3204 件"
    run, stop = first_run_in(text, 0, len(text))
    assert [t.value for t in run] == [105860]
    assert [t.value for t in spare_numbers(text, stop, len(text))] == [3204]


@pytest.mark.parametrize(
    "text",
    [
        "政府信息公开申请数量\t\t35\t0\t0\t0\t0\t1\t36\t\n二、上年结转",  # a grid line
        "数量\n\t51\n\t0\n\t0\n\t0\n\t0\n\t0\n\t51\n\n\t",  # a cell a line
        "申请数量 |\n5 |\n1 |\n0 |\n0 |\n0 |\n0 |\n6 |\n下一行",  # a Markdown table cut into lines
        " | 0 | 0 | 0? | 0? | 0? | 0? |\n",  # noise between counts
        " 12 0? 5 (其中3件) 7件 8",  # a note, then a word that holds a number
        " 1,234 5 — 6\n7 000 8",  # thousands, a blank marker, run-together digits
        " 1 2 (注3) 4 5|6 7 词 8",  # a note between counts, a pipe, then a word
        " 12件 3 4",  # a word first: the run starts after it
        " 1 2 3",  # the region ends on a count
        " 90-8 减4 +2 0 1",  # signed cells end a run of plain counts and start another
        " 01 2 3",  # a leading zero: run together, not a count
    ],
)
def test_the_run_of_plain_counts_reads_as_the_tokenizer_does(text: str) -> None:
    """first_run_in takes a row's plain counts in one match: the tokens must be the tokenizer's own, and the
    run must stop where the tokenizer's first word after it starts."""
    tokens = list(tokenize(text, 0, len(text)))
    expected = first_run(tokens)
    run, stop = first_run_in(text, 0, len(text))
    assert run == expected
    after = [t for t in tokens if t.kind == "word" and expected and t.start >= expected[-1].end]
    assert stop == (after[0].start if after else len(text))
