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
