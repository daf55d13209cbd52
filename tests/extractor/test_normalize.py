from __future__ import annotations

import pytest

from nianbao.extractor.normalize import normalize
from tests.conftest import GOLDENS


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


def test_a_simplified_report_skips_opencc(monkeypatch: pytest.MonkeyPatch) -> None:
    """The traditional→simplified pass is skipped where the text holds no character it could change."""
    import nianbao.extractor.normalize as n

    def refuse() -> None:
        raise AssertionError("OpenCC was asked to convert a simplified report")

    text = (GOLDENS / "seed_000_wushan_2024" / "source.txt").read_text(encoding="utf-8")
    expected = n._t2s().convert(text.replace("\r\n", "\n").translate(n._TRANSLATE))
    monkeypatch.setattr(n, "_t2s", refuse)
    assert normalize(text) == expected


def test_a_traditional_report_still_converts_and_verifies() -> None:
    import opencc

    import nianbao

    text = (GOLDENS / "seed_000_wushan_2024" / "source.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(text)
    assert traditional != text
    assert normalize("主動公開政府信息情況") == "主动公开政府信息情况"
    assert normalize("藉口 瞭解 沈默") == "借口 了解 沉默"  # changed only inside a phrase
    assert nianbao.extract(traditional, backend="rules").status == "verified"


def test_every_character_opencc_changes_is_in_the_check() -> None:
    """Probes every CJK character through the installed OpenCC: one it changes and the check misses would
    leave traditional text unconverted."""
    import opencc

    from nianbao.extractor.traditional import MAY_CHANGE

    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
              (0x2F800, 0x2FA1F), (0x30000, 0x3134F)]  # fmt: skip
    chars = [chr(i) for a, b in ranges for i in range(a, b + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    missed = [a for a, b in zip(chars, converted, strict=True) if a != b and not MAY_CHANGE.search(a)]
    assert not missed


def test_a_gloss_needs_a_han_character_right_before_its_bracket() -> None:
    # the bracket is found first and the character behind it checked: both sides of that check
    assert normalize("数据(shù)") == "数据"
    assert normalize("data (shù) 数 (shù)") == "data (shù) 数 (shù)"
