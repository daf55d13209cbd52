"""The figures a report's own narrative (section 一) states: "本年度制发规范性文件34件", "受理申请51件".

Sentences are read, not bags of numbers: a figure counts only when it follows (or, for 收到N件申请,
precedes) the phrase that names it, directly as ``N件`` — so "3万余条" or "100余件" is never a figure,
and "其中县政府60件" is not a total. The parser uses them to settle a run-together split the identities
leave open (recording which sentence decided); the findings compare every one with the tables.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from nianbao.schema import RESULT_ROWS, CellValue

_N = r"(\d+)\s*件"
_GAP = r"[^。；;\d]{0,14}?"


@dataclass(frozen=True)
class Claim:
    what: str
    pattern: re.Pattern[str]
    cells: Callable[[dict[str, CellValue]], list[Sequence[str]]]  # acceptable readings: each a list of cells to sum


def _rows(*rows: str, col: str = "total") -> list[str]:
    return [f"applications.{r}.{col}" for r in rows]


def _prefixed(prefix: str) -> list[str]:
    return _rows(*[r for r in RESULT_ROWS if r.startswith(prefix)])


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "申请数量",
        re.compile(rf"(?:收到|受理|接收|新收){_GAP}申请{_GAP}{_N}|(?:收到|受理|接收)\s*{_N}\s*申请"),
        lambda c: [_rows("new_received"), _rows("new_received", "carried_over")],
    ),
    Claim("办结", re.compile(rf"办\s*结{_GAP}{_N}"), lambda c: [_rows("results_total")]),
    Claim(
        "予以公开及部分公开",
        re.compile(rf"予以公开[及和与、]部分公开{_N}"),
        lambda c: [_rows("granted", "partially_granted")],
    ),
    Claim("予以公开", re.compile(rf"(?<!不)予以公开(?![及和与、]){_N}"), lambda c: [_rows("granted")]),
    Claim("部分公开", re.compile(rf"(?<![及和与、])部分公开{_N}"), lambda c: [_rows("partially_granted")]),
    Claim("不予公开", re.compile(rf"不予公开{_N}"), lambda c: [_prefixed("denied_")]),
    Claim("无法提供", re.compile(rf"无法提供{_N}"), lambda c: [_prefixed("unavailable_")]),
    Claim("不予处理", re.compile(rf"不予处理{_N}"), lambda c: [_prefixed("not_processed_")]),
    Claim("其他处理", re.compile(rf"其他处理{_N}"), lambda c: [[p for p in _prefixed("other") if p in c]]),
    Claim("上年结转", re.compile(rf"上年结转{_GAP}{_N}"), lambda c: [_rows("carried_over")]),
    Claim(
        "结转下年度",
        re.compile(rf"(?:结转下一?年度|转下一?年度){_GAP}{_N}|{_N}\s*结转下一?年度"),
        lambda c: [_rows("carried_to_next_year")],
    ),
    Claim("行政复议", re.compile(rf"行政复议(?:案件)?{_N}"), lambda c: [["reviews_litigation.review.total"]]),
    Claim(
        "行政诉讼",
        re.compile(rf"行政诉讼(?:案件)?{_N}"),
        lambda c: [[f"reviews_litigation.{g}.total" for g in ("litigation_direct", "litigation_after_review")]],
    ),
    Claim(
        "制发行政规范性文件",
        re.compile(rf"(?:制发|印发|出台|主动公开|公开)的?(?:行政)?规范性文件{_N}"),
        lambda c: [["active_disclosure.normative_documents.issued"]],
    ),
    Claim(
        "废止行政规范性文件",
        re.compile(rf"废止(?:了)?的?(?:行政)?规范性文件{_N}"),
        lambda c: [["active_disclosure.normative_documents.repealed"]],
    ),
    Claim(
        "制发规章",
        re.compile(rf"(?:制发|印发|出台|主动公开|公开|发布)(?:了)?(?:[省市区县]?政府|[省市区县])?的?规章{_N}"),
        lambda c: [["active_disclosure.regulations.issued"]],
    ),
    Claim("废止规章", re.compile(rf"废止(?:了)?的?规章{_N}"), lambda c: [["active_disclosure.regulations.repealed"]]),
    Claim("现行有效规章", re.compile(rf"现行有效的?规章{_N}"), lambda c: [["active_disclosure.regulations.in_force"]]),
    Claim(
        "现行有效规范性文件",
        re.compile(rf"现行有效的?(?:(?:行政)?规范性文件|件数){_N}"),
        lambda c: [["active_disclosure.normative_documents.in_force"]],
    ),
)
# A sentence ends at its punctuation or at a blank line; a single line break inside it is a hard wrap (text
# of a PDF: "转下一\n年度办理答复的有 1 件") and is read through.
_SENTENCE = re.compile(r"[^。；;!！?？]+")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
# A word each claim's pattern cannot match without: most sentences are passed over by a substring test.
_HINT = {
    "申请数量": "申请", "办结": "结", "予以公开及部分公开": "部分公开", "予以公开": "予以公开",
    "部分公开": "部分公开", "不予公开": "不予公开", "无法提供": "无法提供", "不予处理": "不予处理",
    "其他处理": "其他处理", "上年结转": "上年结转", "结转下年度": "转下", "行政复议": "行政复议",
    "行政诉讼": "行政诉讼", "制发行政规范性文件": "规范性文件", "废止行政规范性文件": "废止",
    "制发规章": "规章", "废止规章": "废止", "现行有效规章": "现行有效", "现行有效规范性文件": "现行有效",
}  # fmt: skip
_HINTED = tuple((claim, _HINT[claim.what]) for claim in CLAIMS)


@dataclass(frozen=True)
class Figure:
    claim: Claim
    stated: int
    sentence: str
    start: int = 0  # the stated number's span in the narrative (its digits)
    end: int = 0
    phrase: str = ""  # the words that state it ("转下一年度办理答复的有 1 件")


class Stated(NamedTuple):
    """A figure the narrative states for one cell, with the sentence and the span of its digits."""

    value: int
    sentence: str
    start: int
    end: int
    phrase: str


@lru_cache(maxsize=4)  # the rules parser and the findings read the same narrative, one after the other
def figures(narrative: str) -> tuple[Figure, ...]:
    """Every figure the narrative states, sentence by sentence (a longer phrase first: 予以公开及部分公开
    is one figure, not also 部分公开)."""
    return tuple(_each_figure(narrative))


def _sentences(narrative: str) -> Iterator[tuple[int, str]]:
    """Each sentence that may state a figure (it holds 件), with its offset; hard wraps still inside."""
    for sm in _SENTENCE.finditer(narrative):
        sentence = sm.group()
        if "件" not in sentence:
            continue  # every figure is read as N件
        if "\n" not in sentence:
            yield sm.start(), sentence
            continue
        start = 0
        for blank in _BLANK_LINE.finditer(sentence):
            yield sm.start() + start, sentence[start : blank.start()]
            start = blank.end()
        yield sm.start() + start, sentence[start:]


def _each_figure(narrative: str) -> Iterator[Figure]:
    for offset, sentence in _sentences(narrative):
        if "件" not in sentence:
            continue
        # read with its hard wraps removed; a flat position maps back past the line breaks before it
        breaks: list[int] = []
        if "\n" in sentence:
            breaks = [i - k for k, i in enumerate(i for i, ch in enumerate(sentence) if ch == "\n")]
            sentence = sentence.replace("\n", "")
        taken: list[tuple[int, int]] = []
        for claim, hint in _HINTED:
            if hint not in sentence:
                continue
            for m in claim.pattern.finditer(sentence):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                g = next(i for i in range(1, len(m.groups()) + 1) if m.group(i) is not None)
                start = offset + m.start(g) + bisect_right(breaks, m.start(g))
                end = offset + m.end(g) - 1 + bisect_right(breaks, m.end(g) - 1) + 1
                if end - start != m.end(g) - m.start(g):
                    continue  # a number broken by a line break is not read as one
                yield Figure(claim, int(m.group(g)), sentence.strip(), start, end, m.group())


def single_cell_figures(narrative: str) -> dict[str, list[Stated]]:
    """Figures that name exactly one cell: cell → what the narrative states of it."""
    out: dict[str, list[Stated]] = {}
    for f in figures(narrative):
        options = f.claim.cells({})
        if len(options) == 1 and len(options[0]) == 1:
            out.setdefault(options[0][0], []).append(Stated(f.stated, f.sentence, f.start, f.end, f.phrase))
    return out
