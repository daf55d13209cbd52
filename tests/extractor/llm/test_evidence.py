"""Answers that cite their evidence (prompt v2): marks in the question, and what an answer's citations
ground — a mark that does not hold the value, a number moved into another row, digits left over, a blank
the print does not show, a number of the report's words — each said in words for the re-ask."""

from __future__ import annotations

from nianbao.extractor.llm.evidence import explained, ground_cited
from nianbao.extractor.llm.marks import mark
from nianbao.extractor.sections import locate_sections
from nianbao.pipeline import load_normalized
from nianbao.schema import Span
from tests.conftest import GOLDENS

DOCS = "active_disclosure.normative_documents"
REGS = "active_disclosure.regulations"
T2 = (
    "一、总体情况\n本年度制发行政规范性文件62件。\n二、主动公开政府信息情况\n"
    "规章\t1\t2\t3\n行政规范性文件6233440\n行政许可\t5\n行政处罚\t6\n行政强制\t7\n行政事业性收费\t8\n"
    "三、收到和处理政府信息公开申请情况\n"
)


def _region(text: str) -> Span:
    a = text.index("二、主动公开")
    return Span(start=a, end=text.index("三、收到"))


def _ids(text: str) -> dict[str, int]:
    marked = mark(text, _region(text), [_region(text)])
    return {m.text: m.id for m in marked.marks.values()}


def _answer(ids: dict[str, int], **changes: tuple[object, str]) -> dict[str, tuple[object, str]]:
    g = str(ids["6233440"])
    out: dict[str, tuple[object, str]] = {
        f"{REGS}.issued": (1, str(ids["1"])), f"{REGS}.repealed": (2, str(ids.get("2"))),
        f"{REGS}.in_force": (3, str(ids["3"])),
        f"{DOCS}.issued": (62, f"{g}:0-2"), f"{DOCS}.repealed": (33, f"{g}:2-4"), f"{DOCS}.in_force": (440, f"{g}:4-7"),
        "active_disclosure.licensing.decisions": (5, str(ids["5"])),
        "active_disclosure.penalty.decisions": (6, str(ids["6"])),
        "active_disclosure.coercion.decisions": (7, str(ids["7"])),
        "active_disclosure.fees.amount_10k_yuan": (8, str(ids["8"])),
    }  # fmt: skip
    out.update({k.replace("__", "."): v for k, v in changes.items()})
    return out


def test_marks_number_the_table_and_the_counting_sentences() -> None:
    marked = mark(T2, _region(T2), [_region(T2)])
    assert "行政规范性文件⟦4:6233440⟧" in marked.table and "制发行政规范性文件⟦" in marked.words
    assert all(T2[m.start : m.end] == m.text for m in marked.marks.values())
    words = [m for m in marked.marks.values() if not m.in_table]
    assert [m.text for m in words] == ["62"]


def test_right_citations_ground_every_cell_and_digit_ranges_are_read_spans() -> None:
    ids = _answer(_ids(T2))
    got = ground_cited(T2, 2, _region(T2), ids, mark(T2, _region(T2), []).marks, {})
    assert not got.problems and not got.issues
    assert got.provenance[f"{DOCS}.repealed"].text == "33" and got.provenance[f"{DOCS}.repealed"].method == "read"


def test_a_mark_that_does_not_hold_the_value_is_said_in_words() -> None:
    ids = _ids(T2)
    marks = mark(T2, _region(T2), []).marks
    got = ground_cited(T2, 2, _region(T2), _answer(ids, active_disclosure__licensing__decisions=(9, str(ids["5"]))),
                       marks, {})  # fmt: skip
    assert any("reads 5, not 9" in p for p in got.problems)
    assert "active_disclosure.licensing.decisions" not in got.provenance


def test_digits_left_over_are_named_with_the_mark_and_the_digits() -> None:
    ids = _ids(T2)
    g = str(ids["6233440"])
    answer = _answer(ids, active_disclosure__normative_documents__in_force=(44, f"{g}:4-6"))
    got = ground_cited(T2, 2, _region(T2), answer, mark(T2, _region(T2), []).marks, {})
    assert any("digits 6-7 ('0')" in p for p in got.problems)
    assert not any(p.startswith(DOCS) for p in got.provenance)


def test_a_number_moved_into_another_row_is_not_grounded() -> None:
    ids = _ids(T2)
    # 行政许可 takes 行政处罚's 6, and 行政处罚 takes 5: both marks exist and hold those values
    answer = _answer(ids, active_disclosure__licensing__decisions=(6, str(ids["6"])),
                     active_disclosure__penalty__decisions=(5, str(ids["5"])))  # fmt: skip
    got = ground_cited(T2, 2, _region(T2), answer, mark(T2, _region(T2), []).marks, {})
    assert got.problems and "active_disclosure.licensing.decisions" not in got.provenance


def test_a_blank_the_print_does_not_show_is_ambiguous() -> None:
    ids = _ids(T2)
    answer = _answer(ids, active_disclosure__regulations__repealed=(None, "blank"))
    got = ground_cited(T2, 2, _region(T2), answer, mark(T2, _region(T2), []).marks, {})
    assert any(v.rule == "ambiguous" and f"{REGS}.issued" in v.cells for v in got.issues)
    assert any("⟦2:2⟧ is printed there but no cell uses it" in p for p in got.problems)  # and 2 is left over


def test_kinds_printed_beside_values_explain_a_number() -> None:
    text = "1.属于国家秘密 2024年 第3页 (其中告知承诺制 3204 件) 1 2 3 4 5 6 705"
    marked = mark(text, Span(start=0, end=len(text)), [Span(start=0, end=len(text))])
    table = sorted(marked.marks.values(), key=lambda m: m.start)
    kinds = {m.text: explained(text, m, table) for m in table}
    assert kinds["2024"] == "a year" and kinds["3204"] == "a note in brackets" and kinds["705"] is None
    assert explained(text, table[0], table) == "an item number" and kinds["6"] == "column numbers"


def test_the_report_s_own_words_are_marked_on_a_real_report() -> None:
    text, _ = load_normalized(GOLDENS / "dev_pt_gwh_2022_txt" / "source.txt")
    s = locate_sections(text)
    assert s.t2 is not None
    marked = mark(text, s.t2, [x for x in (s.t2, s.t3, s.t4) if x is not None])
    assert "规范性文件⟦" in marked.table and "34⟧件" in marked.words


def test_a_cell_a_converter_dropped_is_ambiguous_and_not_re_asked_but_a_number_left_unused_is() -> None:
    dropped = T2.replace("规章\t1\t2\t3", "| 规章 | 1 | 3 |")
    ids = _ids(dropped)
    answer = _answer(ids, active_disclosure__regulations__repealed=(None, "blank"),
                     active_disclosure__regulations__in_force=(3, str(ids["3"])))  # fmt: skip
    got = ground_cited(dropped, 2, _region(dropped), answer, mark(dropped, _region(dropped), []).marks, {})
    assert any(v.rule == "ambiguous" for v in got.issues) and not got.problems
    assert got.unfixable == {f"{REGS}.{c}" for c in ("issued", "repealed", "in_force")}  # no re-ask would settle it
    answer = _answer(_ids(T2), active_disclosure__regulations__repealed=(None, "blank"))  # 2 printed, unused
    got = ground_cited(T2, 2, _region(T2), answer, mark(T2, _region(T2), []).marks, {})
    assert not got.unfixable and got.problems  # the model can cite the 2 it left out: re-asked


def test_a_row_printing_nothing_is_blank_whatever_a_crawl_ran_into_it() -> None:
    glued = T2.replace("规章\t1\t2\t3\n", "规章")  # 万盛 run together: 规章行政规范性文件6449
    ids = _ids(glued)
    blank = {f"{REGS}__{c}": (None, "blank") for c in ("issued", "repealed", "in_force")}
    answer = _answer({**ids, "1": 0, "3": 0}, **blank)  # type: ignore[arg-type]
    got = ground_cited(glued, 2, _region(glued), answer, mark(glued, _region(glued), []).marks, {})
    assert not got.issues and not got.problems and got.provenance[f"{REGS}.issued"].method == "blank"
    # a row that prints a number is no such row: one cell answered blank there is still open
    answer = _answer(_ids(T2), **{f"{REGS}__repealed": (None, "blank")})
    got = ground_cited(T2, 2, _region(T2), answer, mark(T2, _region(T2), []).marks, {})
    assert any(v.rule == "ambiguous" for v in got.issues)


def test_blanks_stand_where_the_print_shows_empty_cells() -> None:
    from nianbao.extractor.llm.evidence import empty_slots

    assert empty_slots("\t\t\t\t\t\t") == 5 and empty_slots(" | | | ") == 2 and empty_slots(" / — ") == 2
    assert empty_slots("\t〃\t〃\t") == 0 and empty_slots("\n/\n") == 1  # one cell per line: a "/" line
    assert empty_slots("\t\n二、上年结转\t") is None  # tabs across a line break: the print does not say
    printed = T2.replace("规章\t1\t2\t3", "规章\t1\t\t3")
    ids = _ids(printed)
    right = _answer(ids, active_disclosure__regulations__repealed=(None, "blank"))
    got = ground_cited(printed, 2, _region(printed), right, mark(printed, _region(printed), []).marks, {})
    assert not got.problems and got.provenance[f"{REGS}.repealed"].method == "blank"
    # the same numbers moved one column right, the blank put first: the print shows no empty cell there
    moved = _answer(ids, active_disclosure__regulations__issued=(None, "blank"),
                    active_disclosure__regulations__repealed=(1, str(ids["1"])))  # fmt: skip
    got = ground_cited(printed, 2, _region(printed), moved, mark(printed, _region(printed), []).marks, {})
    assert any("empty cell(s) are printed between" in p for p in got.problems)
    assert f"{REGS}.repealed" not in got.provenance
    dropped = T2.replace("规章\t1\t2\t3", "规章\t1\t3\t\t")  # the empty cell printed last, answered first
    ids = _ids(dropped)
    moved = _answer(ids, active_disclosure__regulations__issued=(None, "blank"),
                    active_disclosure__regulations__repealed=(1, str(ids["1"])))  # fmt: skip
    got = ground_cited(dropped, 2, _region(dropped), moved, mark(dropped, _region(dropped), []).marks, {})
    assert any("answered blank before" in p for p in got.problems) and not got.issues


def test_an_inferred_cell_is_a_zero_with_nothing_printed_for_the_verifier_to_check() -> None:
    printed = T2.replace("规章\t1\t2\t3", "规章\t1\t\t3")
    ids = _ids(printed)
    answer = _answer(ids, active_disclosure__regulations__repealed=(0, "inferred"))
    got = ground_cited(printed, 2, _region(printed), answer, mark(printed, _region(printed), []).marks, {})
    prov = got.provenance[f"{REGS}.repealed"]
    assert not got.problems and prov.method == "inferred" and prov.text == "" and prov.span.start == prov.span.end
    answer = _answer(ids, active_disclosure__regulations__repealed=(2, "inferred"))
    got = ground_cited(printed, 2, _region(printed), answer, mark(printed, _region(printed), []).marks, {})
    assert any("only a 0 the identities force" in p for p in got.problems)


def test_table_2_rows_printed_out_of_order_are_read_each_after_its_label() -> None:
    shuffled = (
        "二、主动公开政府信息情况\n行政许可 5\n行政处罚 6\n行政强制 7\n行政事业性收费 8\n"
        "| 规章 | 1 | 2 | 3 |\n| 行政规范性文件 | 62 | 33 | 440 |\n三、收到和处理政府信息公开申请情况\n"
    )
    ids = _ids(shuffled)
    marks = mark(shuffled, _region(shuffled), []).marks
    values = {f"{REGS}.issued": 1, f"{REGS}.repealed": 2, f"{REGS}.in_force": 3, f"{DOCS}.issued": 62,
              f"{DOCS}.repealed": 33, f"{DOCS}.in_force": 440, "active_disclosure.licensing.decisions": 5,
              "active_disclosure.penalty.decisions": 6, "active_disclosure.coercion.decisions": 7,
              "active_disclosure.fees.amount_10k_yuan": 8}  # fmt: skip
    answer: dict[str, tuple[object, str]] = {p: (v, str(ids[str(v)])) for p, v in values.items()}
    got = ground_cited(shuffled, 2, _region(shuffled), answer, marks, {})
    assert not got.problems and not got.issues and len(got.provenance) == 10
    # 行政许可 and 行政处罚 swapped (each citing the other's number): beyond its own label's row
    answer["active_disclosure.licensing.decisions"] = (6, str(ids["6"]))
    answer["active_disclosure.penalty.decisions"] = (5, str(ids["5"]))
    got = ground_cited(shuffled, 2, _region(shuffled), answer, marks, {})
    assert got.problems and "active_disclosure.licensing.decisions" not in got.provenance


def test_a_number_alone_on_its_line_between_rows_is_a_page_number() -> None:
    text = "2.重复申请\t0\t0\n信息公开申请\n1\n| 0 | 0 |\n"
    marked = mark(text, Span(start=0, end=len(text)), [Span(start=0, end=len(text))])
    table = sorted(marked.marks.values(), key=lambda m: m.start)
    alone = next(m for m in table if m.text == "1")
    assert explained(text, alone, table) == "a page number"
    cells = "5\n6\n7\n"  # one cell per line: each number alone, beside other numbers alone — values
    marked = mark(cells, Span(start=0, end=len(cells)), [Span(start=0, end=len(cells))])
    table = sorted(marked.marks.values(), key=lambda m: m.start)
    assert explained(cells, table[1], table) is None
