from __future__ import annotations

from nianbao.extractor.normalize import normalize


def test_pinyin_glosses_are_dropped_and_traditional_converted() -> None:
    assert normalize("年度報(bào)告 數(shù)據(jù)") == "年度报告 数据"


def test_bracketed_latin_without_tone_marks_is_kept() -> None:
    text = "门户网站(https://ws.cq.gov.cn/zwgk)下载 网站(abc)"
    assert normalize(text) == text


def test_full_width_digits_and_punctuation_become_ascii() -> None:
    assert normalize("（一）予以公开　１２，３４５") == "(一)予以公开 12,345"


def test_line_ends_and_zero_width_characters() -> None:
    assert normalize("a\r\nb\rc\u200bd\ufeff") == "a\nb\ncd"


def test_simplified_text_is_unchanged() -> None:
    text = "一、本年新收政府信息公开申请数量\t51\t0"
    assert normalize(text) == text
