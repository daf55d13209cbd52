"""The figures a report's own narrative (section 一) states: "本年度制发规范性文件34件", "受理申请51件".

Sentences are read, not bags of numbers: a figure counts only when it follows (or, for 收到N件申请,
precedes) the phrase that names it, directly as ``N件`` — so "3万余条" or "100余件" is never a figure,
and "其中县政府60件" is not a total. The parser uses them to settle a run-together split the identities
leave open (recording which sentence decided); the findings compare every one with the tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

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
        "现行有效规范性文件",
        re.compile(rf"现行有效的?(?:(?:行政)?规范性文件|件数){_N}"),
        lambda c: [["active_disclosure.normative_documents.in_force"]],
    ),
)
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")


@dataclass(frozen=True)
class Figure:
    claim: Claim
    stated: int
    sentence: str


@lru_cache(maxsize=4)  # the rules parser and the findings read the same narrative, one after the other
def figures(narrative: str) -> tuple[Figure, ...]:
    """Every figure the narrative states, sentence by sentence (a longer phrase first: 予以公开及部分公开
    is one figure, not also 部分公开)."""
    return tuple(_each_figure(narrative))


def _each_figure(narrative: str) -> Iterator[Figure]:
    for sm in _SENTENCE.finditer(narrative):
        sentence = sm.group()
        if "件" not in sentence:
            continue  # every figure is read as N件
        taken: list[tuple[int, int]] = []
        for claim in CLAIMS:
            for m in claim.pattern.finditer(sentence):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                yield Figure(claim, int(next(g for g in m.groups() if g is not None)), sentence.strip())


def single_cell_figures(narrative: str) -> dict[str, list[tuple[int, str]]]:
    """Figures that name exactly one cell: cell → [(stated, sentence)]."""
    out: dict[str, list[tuple[int, str]]] = {}
    for f in figures(narrative):
        options = f.claim.cells({})
        if len(options) == 1 and len(options[0]) == 1:
            out.setdefault(options[0][0], []).append((f.stated, f.sentence))
    return out
