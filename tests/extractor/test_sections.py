from __future__ import annotations

from nianbao.extractor.normalize import normalize
from nianbao.extractor.sections import locate_sections
from tests.conftest import seed_text


def test_sections_of_a_markdown_seed() -> None:
    text = normalize(seed_text("seed_001"))
    s = locate_sections(text)
    assert s.t2 and s.t3 and s.t4
    assert text[s.t2.start : s.t2.end].lstrip().startswith("第二十条")
    assert "本年新收" in text[s.t3.start : s.t3.end]
    t4 = text[s.t4.start : s.t4.end]
    assert "行政复议" in t4 and "存在的主要问题" not in t4


def test_traditional_headings_are_found_after_normalisation() -> None:
    s = locate_sections(normalize(seed_text("seed_003")))
    assert s.t2 and s.t3 and s.t4 and not s.notes


def test_other_numbering_styles() -> None:
    text = normalize(
        "（二）主动公开政府信息情况\nA\n3. 收到和处理政府信息公开申请情况\nB\n"
        "第四部分 政府信息公开行政复议、行政诉讼情况\nC\n五、存在的主要问题\nD"
    )
    s = locate_sections(text)
    assert s.t2 and s.t3 and s.t4
    assert [text[x.start : x.end].strip() for x in (s.t2, s.t3, s.t4)] == ["A", "B", "C"]


def test_narrative_mentions_do_not_count_as_headings() -> None:
    text = "一、总体情况\n本年度主动公开政府信息情况良好，收到和处理政府信息公开申请情况见下表。\n二、主动公开政府信息情况\nX"
    s = locate_sections(text)
    assert s.t2 is not None and text[s.t2.start : s.t2.end].strip() == "X"


def test_missing_headings_fall_back_to_first_labels() -> None:
    text = "第二十条第（一）项\n规章 0 0 0\n一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1"
    s = locate_sections(text)
    assert s.t2 is not None and s.t3 is not None
    assert any("located by its first label" in n for n in s.notes)


def test_text_without_tables_has_no_sections() -> None:
    assert not locate_sections("这是一份没有表格的文字。").found()
