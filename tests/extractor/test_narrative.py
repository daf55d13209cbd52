"""Figures the narrative states, with the span of their digits (a rules parser's evidence for a cell)."""

from __future__ import annotations

from nianbao.extractor.narrative import single_cell_figures

NEXT_YEAR = "applications.carried_to_next_year.total"


def test_a_sentence_hard_wrapped_by_a_pdf_is_read_through_and_spanned() -> None:
    text = "所有办结的申请中其他处理 14 件,转下一\n年度办理答复的有 1 件。\n"
    (stated,) = single_cell_figures(text)[NEXT_YEAR]
    assert stated.value == 1 and text[stated.start : stated.end] == "1"
    assert stated.phrase == "转下一年度办理答复的有 1 件" and "\n" not in stated.sentence


def test_a_number_broken_by_a_line_break_or_a_blank_line_states_nothing() -> None:
    assert NEXT_YEAR not in single_cell_figures("转下一年度办理答复的有 1\n2 件。")
    assert NEXT_YEAR not in single_cell_figures("转下一年度办理答复的有\n\n1 件。")


def test_a_figure_on_one_line_keeps_its_span() -> None:
    text = "一、总体情况\n本年度制发规范性文件34件,现行有效件数424件。"
    figures = single_cell_figures(text)
    (issued,) = figures["active_disclosure.normative_documents.issued"]
    (in_force,) = figures["active_disclosure.normative_documents.in_force"]
    assert (text[issued.start : issued.end], text[in_force.start : in_force.end]) == ("34", "424")
