"""Text against tables: the figures section 一 restates, each compared with the cells it restates.

Sentences are read, not bags of numbers: a figure counts only when it follows (or, for 收到N件申请,
precedes) the phrase that names it, directly as ``N件`` — so "3万余条" or "100余件" is never a figure,
and "其中县政府60件" is not a total.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nianbao.schema import RESULT_ROWS, CellValue, Violation

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
        re.compile(rf"现行有效的?(?:行政)?规范性文件{_N}"),
        lambda c: [["active_disclosure.normative_documents.in_force"]],
    ),
)
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")


def check_narrative(narrative: str, cells: dict[str, CellValue], offset: int = 0) -> list[Violation]:
    out = []
    for sm in _SENTENCE.finditer(narrative):
        sentence = sm.group()
        if "件" not in sentence:
            continue  # every figure is read as N件
        taken: list[tuple[int, int]] = []
        for claim in CLAIMS:
            for m in claim.pattern.finditer(sentence):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in taken):
                    continue  # a longer phrase already read this figure (予以公开及部分公开 before 部分公开)
                taken.append((m.start(), m.end()))
                stated = int(next(g for g in m.groups() if g is not None))
                readings = [r for r in claim.cells(cells) if r and all(p in cells for p in r)]
                if not readings or any(cells[p] is None for r in readings for p in r):
                    continue
                totals = [sum(int(cells[p] or 0) for p in r) for r in readings]
                if stated in totals:
                    continue
                out.append(
                    Violation(
                        rule="narrative_mismatch", severity="warning", cells=list(readings[0]),
                        expected=str(totals[0]), found=str(stated),
                        message=f"section 一 says {claim.what} {stated}件 but the table gives {totals[0]}: "
                        f"「{sentence.strip()[:120]}」",
                    )
                )  # fmt: skip
    return out
