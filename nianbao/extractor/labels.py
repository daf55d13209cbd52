"""The labels of the 2021 format, as patterns over normalised text, and the cells each row fills.

Rows are found by their labels in template order, each search starting where the previous label
ended: that is what keeps the column header ``其他`` from being taken for row ``3.其他`` and the header
``总计`` for row ``（七）总计``. Patterns use the distinctive words of a label and tolerate whitespace
between characters (``规 章``, ``结果\\n维持``) and the drift seen in real reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from nianbao.schema import APPLICANT_COLUMNS, APPLICATION_ROWS, APPLICATION_ROWS_2019


def flex(phrase: str) -> str:
    """Regex for ``phrase`` tolerating whitespace (line breaks included) between its characters."""
    return r"\s*".join(re.escape(ch) for ch in phrase)


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # the printed label, for messages
    pattern: re.Pattern[str]
    cells: tuple[str, ...]
    decimal: bool = False


def _spec(key: str, label: str, regex: str, cells: tuple[str, ...], decimal: bool = False) -> RowSpec:
    return RowSpec(key, label, re.compile(regex), cells, decimal)


_AD = "active_disclosure"
_DOCS = ("issued", "repealed", "in_force")
# Patterns both formats' table 2 use (文件 becomes 檔案 on mirror sites; 行政事业型收费 is a common typo).
_FILE = rf"(?:{flex('文件')}|{flex('档案')})"
_NORMATIVE = rf"(?:{flex('行政')})?{flex('规范性')}{_FILE}"
_FEES = rf"{flex('行政事业')}[性型]\s*{flex('收费')}"


def _cells(row: str, cols: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{_AD}.{row}.{c}" for c in cols)


TABLE2_2021: tuple[RowSpec, ...] = (
    _spec("regulations", "规章", flex("规章"), _cells("regulations", _DOCS)),
    _spec(
        "normative_documents",
        "行政规范性文件",
        _NORMATIVE,
        _cells("normative_documents", _DOCS),
    ),
    _spec("licensing", "行政许可", flex("行政许可"), (f"{_AD}.licensing.decisions",)),
    _spec("penalty", "行政处罚", flex("行政处罚"), (f"{_AD}.penalty.decisions",)),
    _spec("coercion", "行政强制", flex("行政强制"), (f"{_AD}.coercion.decisions",)),
    _spec(
        "fees",
        "行政事业性收费",
        _FEES,
        (f"{_AD}.fees.amount_10k_yuan",),
        decimal=True,
    ),
)


def _n(num: str) -> str:
    """Optional numbering before a label: ``1.`` ``1、`` ``(一)`` — consumed with the label so that, where
    cells run together, the next label's number is not read as the previous row's last digit."""
    return rf"(?:{flex(num)}\s*[.、]\s*)?" if num.isdigit() else rf"(?:\(\s*{num}\s*\)\s*)?"


def _lead(words: str) -> str:
    return rf"(?:{flex(words)})?"


# Each table-3 row label: its printed form (for messages) and a pattern over its distinctive words,
# with the optional numbering and lead words that precede them, in template order.
_T3_WORDS: dict[str, tuple[str, str]] = {
    "new_received": ("一、本年新收政府信息公开申请数量", rf"(?:一\s*[、.]\s*)?{flex('本年新收')}"),
    "carried_over": ("二、上年结转政府信息公开申请数量", rf"(?:二\s*[、.]\s*)?{flex('上年结转')}"),
    "granted": (
        "（一）予以公开",
        rf"(?:三\s*[、.]\s*)?{_lead('本年度办理结果')}\s*{_n('一')}{flex('予以公开')}",
    ),
    "partially_granted": ("（二）部分公开", rf"{_n('二')}{flex('部分公开')}"),
    "denied_state_secret": (
        "1.属于国家秘密",
        rf"{_n('三')}{_lead('不予公开')}\s*{_n('1')}{_lead('属于')}{flex('国家秘密')}",
    ),
    "denied_prohibited_by_law": (
        "2.其他法律行政法规禁止公开",
        # "其他法律行政止公开" is seen where a PDF text layer lost characters
        rf"{_n('2')}{_lead('其他')}{flex('法律行政')}[^\s\d]{{0,4}}?{flex('止公开')}",
    ),
    "denied_three_safeties_one_stability": (
        "3.危及“三安全一稳定”",
        # 一 read as a dash (—, ——) by OCR and by some fonts' text layers
        rf"{_n('3')}{_lead('危及')}\s*[“\"]?\s*{flex('三安全')}\s*[一—–\-－]{{1,2}}\s*{flex('稳定')}",
    ),
    "denied_third_party_rights": ("4.保护第三方合法权益", rf"{_n('4')}{_lead('保护')}{flex('第三方合法权益')}"),
    "denied_internal_affairs": (
        "5.属于三类内部事务信息",
        rf"{_n('5')}{_lead('属于')}{flex('三类内')}[部容]\s*{flex('事务')}",
    ),
    "denied_process_info": ("6.属于四类过程性信息", rf"{_n('6')}{_lead('属于')}{_lead('四类')}{flex('过程性信息')}"),
    "denied_enforcement_files": ("7.属于行政执法案卷", rf"{_n('7')}{_lead('属于')}{flex('行政执法案卷')}"),
    "denied_administrative_query": ("8.属于行政查询事项", rf"{_n('8')}{_lead('属于')}{flex('行政查询事项')}"),
    "unavailable_not_held": (
        "1.本机关不掌握相关政府信息",
        rf"{_n('四')}{_lead('无法提供')}\s*{_n('1')}{_lead('本机关')}{flex('不掌握')}",
    ),
    "unavailable_needs_creation": (
        "2.没有现成信息需要另行制作",
        rf"{_n('2')}{_lead('没有现成信息需要')}{flex('另行制作')}",
    ),
    "unavailable_unclear_after_correction": (
        "3.补正后申请内容仍不明确",
        rf"{_n('3')}{_lead('补正后申请内容')}{flex('仍不明确')}",
    ),
    "not_processed_petition": (
        "1.信访举报投诉类申请",
        rf"{_n('五')}{_lead('不予处理')}\s*{_n('1')}{flex('信访举报投诉')}",
    ),
    "not_processed_duplicate": ("2.重复申请", rf"{_n('2')}{flex('重复申请')}"),
    "not_processed_publication": ("3.要求提供公开出版物", rf"{_n('3')}{_lead('要求提供')}{flex('公开出版物')}"),
    "not_processed_excessive": ("4.无正当理由大量反复申请", rf"{_n('4')}{_lead('无正当理由')}{flex('大量反复申请')}"),
    "not_processed_confirmation": (
        "5.要求行政机关确认或重新出具已获取信息",
        rf"{_n('5')}{_lead('要求行政机关')}{flex('确认或重新出具')}",
    ),
    "other_no_correction": (
        "1.申请人无正当理由逾期不补正…",
        # or its first words alone: a wrapped label's middle line ("补正、") is lost in some scans
        rf"{_n('六')}{_lead('其他处理')}\s*{_n('1')}(?:{_lead('申请人无正当理由')}{flex('逾期不补正')}"
        rf"|{flex('申请人无正当理由逾期')})",
    ),
    "other_unpaid_fee": (
        "2.申请人逾期未按收费通知要求缴纳费用…",
        rf"{_n('2')}{_lead('申请人')}(?:{flex('逾期未按收费通知')}|{flex('缴纳费用')})",
    ),
    "other": ("3.其他", rf"{_n('3')}{flex('其他')}"),
    "results_total": ("（七）总计", rf"{_n('七')}{flex('总计')}"),
    "carried_to_next_year": (
        "四、结转下年度继续办理",
        rf"(?:四\s*[、.]\s*)?(?:{flex('结转下年度')}|{flex('下年度继续办理')})",
    ),
}
assert tuple(_T3_WORDS) == APPLICATION_ROWS

TABLE3_2021: tuple[RowSpec, ...] = tuple(
    _spec(key, label, regex, tuple(f"applications.{key}.{c}" for c in APPLICANT_COLUMNS))
    for key, (label, regex) in _T3_WORDS.items()
)

# ---------------------------------------------------------------- the 2019 format
# Labels as printed in real 2019/2020 reports (checked against published reports: e.g. a county
# service centre's 2020 report and 武汉's 2020 report as converted by a mirror site — 規範性檔案).
_ITEMS = ("items_last_year", "change", "decisions")
TABLE2_2019: tuple[RowSpec, ...] = (
    _spec(
        "regulations",
        "规章",
        flex("规章"),
        _cells("regulations", ("new_made", "new_published", "total_published")),
    ),
    _spec(
        "normative_documents",
        "规范性文件",
        _NORMATIVE,
        _cells("normative_documents", ("new_made", "new_published", "total_published")),
    ),
    # 湖北's variant adds this row; kept under `extra` with its label
    _spec(
        "extra",
        "其他主动公开文件",
        rf"{flex('其他主动公开')}{_FILE}",
        ("extra.0", "extra.1", "extra.2"),
    ),
    _spec("licensing", "行政许可", flex("行政许可"), _cells("licensing", _ITEMS)),
    _spec(
        "other_admin_services",
        "其他对外管理服务事项",
        flex("其他对外管理服务事项"),
        _cells("other_admin_services", _ITEMS),
    ),
    _spec("penalty", "行政处罚", flex("行政处罚"), _cells("penalty", _ITEMS)),
    _spec("coercion", "行政强制", flex("行政强制"), _cells("coercion", _ITEMS)),
    _spec(
        "fees",
        "行政事业性收费",
        _FEES,
        (f"{_AD}.fees.items_last_year", f"{_AD}.fees.change"),
    ),
    _spec(
        "procurement",
        "政府集中采购",
        flex("政府集中采购"),
        (f"{_AD}.procurement.projects", f"{_AD}.procurement.amount"),
        decimal=True,
    ),
)
OPTIONAL_ROWS = frozenset({"extra"})

_OTHER_2019 = _spec(
    "other",
    "（六）其他处理",
    rf"{_n('六')}{flex('其他处理')}",
    tuple(f"applications.other.{c}" for c in APPLICANT_COLUMNS),
)
# Table 3 of the 2019 format: the 2021 rows less （六）'s two sub-rows, （六）其他处理 itself read as `other`.
TABLE3_2019: tuple[RowSpec, ...] = tuple(
    _OTHER_2019 if spec.key == "other" else spec for spec in TABLE3_2021 if spec.key in APPLICATION_ROWS_2019
)
PROCUREMENT_UNIT = re.compile(rf"{flex('采购总金额')}\s*\(?\s*(?:{flex('单位')}\s*[:：]?\s*)?(万元|元)")

# Words that only the 2019 format prints, and words that only the 2021 format prints.
MARKERS_2019 = re.compile(
    flex("本年新制作数量") + "|" + flex("上一年项目数量") + "|" + flex("对外公开总数量") + "|" + flex("政府集中采购")
)
MARKERS_2021 = re.compile(flex("本年制发件数") + "|" + flex("逾期不补正") + "|" + flex("本年处理决定数量"))


# ---------------------------------------------------------------- labels as an OCR reads them
# A scan's labels come back with a character misread (`国家移密`, `行政执法案兽`, `道期不补正`) or lost
# (`确认或新出具`): the patterns above miss them, and the row's numbers then run on into the row above.
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")


def slips_allowed(length: int) -> int:
    """Characters of a printed label of ``length`` that may be misread, lost or added: none under four (see
    :func:`slipped` for those), one in four to seven (行政许可 and 行政处罚 are two apart), two in eight to
    thirteen, three beyond."""
    return 0 if length < 4 else 1 if length < 8 else 2 if length < 14 else 3


@cache
def slipped(label: str) -> Any:
    """A pattern that finds ``label`` (its printed form, numbering dropped) with :func:`slips_allowed` slips,
    the match with the fewest (`regex`'s fuzzy matching, made for this); None for a one-character label."""
    core = _NUMBERING.sub("", label).rstrip("…")
    if 2 <= len(core) < 4:
        # a short label (`规章` read `规童`) one character misread, where it is a whole cell of a scan's grid
        # (between tabs or line ends) — never a piece of a longer label or a heading
        whole = "".join(regex.escape(ch) for ch in core)
        return regex.compile(rf"(?b)(?<![^\t\n])(?:{whole}){{s<=1:[^\d\s]}}(?![^\t\n])")
    slips = slips_allowed(len(core))
    if not slips:
        return None
    # within its cell (whitespace but no tab between characters: a scan's cells are tab-separated), and a
    # slip is never a digit or a space: a lost last character is not made up from the row's first number
    spaced = r"[^\S\t]*".join(regex.escape(ch) for ch in core)
    return regex.compile(rf"(?b)(?:{spaced}){{e<={slips}:[^\d\s]}}")
