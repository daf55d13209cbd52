"""The printed templates (``TEMPLATE.md``): rows, columns, their labels as printed, cell paths and the
identities — one source of truth for the 2021 and 2019 formats, from which the export models
(:mod:`nianbao.schema.contract`), the parser's row lists, the verifier's rules and the exports' Chinese
headers are all derived.

A cell is addressed everywhere by its dotted path in the export contract, e.g.
``applications.granted.natural_person`` or ``active_disclosure.fees.amount_10k_yuan``: violations,
provenance and the review queue all speak in these paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Template = Literal["2021", "2019"]
TEMPLATES: tuple[Template, ...] = ("2021", "2019")
TABLE_KEYS: dict[int, str] = {2: "active_disclosure", 3: "applications", 4: "reviews_litigation"}
TABLE_TITLES: dict[int, str] = {
    2: "主动公开政府信息情况",
    3: "收到和处理政府信息公开申请情况",
    4: "政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # as printed in the template's header
    kind: Literal["count", "signed", "amount", "unit"] = "count"


@dataclass(frozen=True)
class TemplateRow:
    key: str
    label: str  # as printed in the template
    columns: tuple[Column, ...]


# ---------------------------------------------------------------- table 2

_DOCS_2021 = (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"), Column("in_force", "现行有效件数"))
_DECISIONS = (Column("decisions", "本年处理决定数量"),)
TABLE2_2021: tuple[TemplateRow, ...] = (
    TemplateRow("regulations", "规章", _DOCS_2021),
    TemplateRow("normative_documents", "行政规范性文件", _DOCS_2021),
    TemplateRow("licensing", "行政许可", _DECISIONS),
    TemplateRow("penalty", "行政处罚", _DECISIONS),
    TemplateRow("coercion", "行政强制", _DECISIONS),
    TemplateRow("fees", "行政事业性收费", (Column("amount_10k_yuan", "本年收费金额（单位：万元）", "amount"),)),
)

_DOCS_2019 = (
    Column("new_made", "本年新制作数量"),
    Column("new_published", "本年新公开数量"),
    Column("total_published", "对外公开总数量"),
)
_ITEMS_2019 = (
    Column("items_last_year", "上一年项目数量"),
    Column("change", "本年增/减", "signed"),
    Column("decisions", "处理决定数量"),
)
TABLE2_2019: tuple[TemplateRow, ...] = (
    TemplateRow("regulations", "规章", _DOCS_2019),
    TemplateRow("normative_documents", "规范性文件", _DOCS_2019),
    TemplateRow("licensing", "行政许可", _ITEMS_2019),
    TemplateRow("other_admin_services", "其他对外管理服务事项", _ITEMS_2019),
    TemplateRow("penalty", "行政处罚", _ITEMS_2019),
    TemplateRow("coercion", "行政强制", _ITEMS_2019),
    TemplateRow("fees", "行政事业性收费", _ITEMS_2019[:2]),
    TemplateRow(
        "procurement",
        "政府集中采购",
        # the amount as printed, in the unit the report gives (元 / 万元); the unit is a field, not a cell
        (
            Column("projects", "采购项目数量"),
            Column("amount", "采购总金额", "amount"),
            Column("amount_unit", "单位", "unit"),
        ),
    ),
)

# ---------------------------------------------------------------- table 3

APPLICANT_COLUMN_DEFS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial_enterprise", "商业企业"),
    Column("research_institution", "科研机构"),
    Column("social_welfare_org", "社会公益组织"),
    Column("legal_service_org", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
APPLICANT_COLUMNS: tuple[str, ...] = tuple(c.key for c in APPLICANT_COLUMN_DEFS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_COLUMNS[:-1]

# (key, label as printed) in template order; the 2019 format drops the two （六） sub-rows.
_T3_ROWS: tuple[tuple[str, str], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果（一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开 1.属于国家秘密"),
    ("denied_prohibited_by_law", "（三）不予公开 2.其他法律行政法规禁止公开"),
    ("denied_three_safeties_one_stability", "（三）不予公开 3.危及“三安全一稳定”"),
    ("denied_third_party_rights", "（三）不予公开 4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）不予公开 5.属于三类内部事务信息"),
    ("denied_process_info", "（三）不予公开 6.属于四类过程性信息"),
    ("denied_enforcement_files", "（三）不予公开 7.属于行政执法案卷"),
    ("denied_administrative_query", "（三）不予公开 8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "（四）无法提供 2.没有现成信息需要另行制作"),
    ("unavailable_unclear_after_correction", "（四）无法提供 3.补正后申请内容仍不明确"),
    ("not_processed_petition", "（五）不予处理 1.信访举报投诉类申请"),
    ("not_processed_duplicate", "（五）不予处理 2.重复申请"),
    ("not_processed_publication", "（五）不予处理 3.要求提供公开出版物"),
    ("not_processed_excessive", "（五）不予处理 4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other", "（六）其他处理 3.其他"),
    ("results_total", "（七）总计"),
    ("carried_to_next_year", "四、结转下年度继续办理"),
)
_ONLY_2021 = ("other_no_correction", "other_unpaid_fee")
_LABEL_2019 = {"other": "（六）其他处理"}

TABLE3_2021: tuple[TemplateRow, ...] = tuple(TemplateRow(k, lab, APPLICANT_COLUMN_DEFS) for k, lab in _T3_ROWS)
TABLE3_2019: tuple[TemplateRow, ...] = tuple(
    TemplateRow(k, _LABEL_2019.get(k, lab), APPLICANT_COLUMN_DEFS) for k, lab in _T3_ROWS if k not in _ONLY_2021
)

APPLICATION_ROWS: tuple[str, ...] = tuple(r.key for r in TABLE3_2021)
APPLICATION_ROWS_2019: tuple[str, ...] = tuple(r.key for r in TABLE3_2019)
_NOT_RESULTS = ("new_received", "carried_over", "results_total", "carried_to_next_year")
RESULT_ROWS: tuple[str, ...] = tuple(r for r in APPLICATION_ROWS if r not in _NOT_RESULTS)
RESULT_ROWS_2019: tuple[str, ...] = tuple(r for r in APPLICATION_ROWS_2019 if r not in _NOT_RESULTS)

# ---------------------------------------------------------------- table 4

REVIEW_COLUMN_DEFS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
REVIEW_COLUMNS: tuple[str, ...] = tuple(c.key for c in REVIEW_COLUMN_DEFS)
TABLE4: tuple[TemplateRow, ...] = (
    TemplateRow("review", "行政复议", REVIEW_COLUMN_DEFS),
    TemplateRow("litigation_direct", "行政诉讼 未经复议直接起诉", REVIEW_COLUMN_DEFS),
    TemplateRow("litigation_after_review", "行政诉讼 复议后起诉", REVIEW_COLUMN_DEFS),
)
REVIEW_GROUPS: tuple[str, ...] = tuple(r.key for r in TABLE4)

ROWS: dict[Template, dict[int, tuple[TemplateRow, ...]]] = {
    "2021": {2: TABLE2_2021, 3: TABLE3_2021, 4: TABLE4},
    "2019": {2: TABLE2_2019, 3: TABLE3_2019, 4: TABLE4},
}

# ---------------------------------------------------------------- cell paths


def _paths(table: int, rows: tuple[TemplateRow, ...]) -> tuple[str, ...]:
    return tuple(f"{TABLE_KEYS[table]}.{r.key}.{c.key}" for r in rows for c in r.columns if c.kind != "unit")


TABLE2_CELLS: tuple[str, ...] = _paths(2, TABLE2_2021)
TABLE3_CELLS: tuple[str, ...] = _paths(3, TABLE3_2021)
TABLE4_CELLS: tuple[str, ...] = _paths(4, TABLE4)
ALL_CELLS: tuple[str, ...] = TABLE2_CELLS + TABLE3_CELLS + TABLE4_CELLS
TABLE2_CELLS_2019: tuple[str, ...] = _paths(2, TABLE2_2019)
TABLE3_CELLS_2019: tuple[str, ...] = _paths(3, TABLE3_2019)
ALL_CELLS_2019: tuple[str, ...] = TABLE2_CELLS_2019 + TABLE3_CELLS_2019 + TABLE4_CELLS
CELLS_BY_TEMPLATE: dict[str, tuple[str, ...]] = {"2021": ALL_CELLS, "2019": ALL_CELLS_2019}
SIGNED_CELLS = frozenset(
    f"{TABLE_KEYS[2]}.{r.key}.{c.key}" for r in TABLE2_2019 for c in r.columns if c.kind == "signed"
)


def cells_of(template: str) -> tuple[str, ...]:
    return CELLS_BY_TEMPLATE[template]


_TABLES = {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}


def table_of(path: str) -> int:
    """2, 3 or 4: which printed table a cell path belongs to."""
    return _TABLES[path.split(".", 1)[0]]


@lru_cache(maxsize=4)
def _labels(template: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for table, rows in ROWS["2019" if template == "2019" else "2021"].items():
        for r in rows:
            for c in r.columns:
                out[f"{TABLE_KEYS[table]}.{r.key}.{c.key}"] = (r.label, c.label)
    return out


def cell_label(path: str, template: str = "2021") -> tuple[str, str]:
    """The printed row and column labels of a cell, e.g. ("（一）予以公开", "自然人")."""
    return _labels(template)[path]


# ---------------------------------------------------------------- the identities (TEMPLATE.md 1–4)

ROW_TOTAL = "t3_row_total"  # identity 1
RESULTS_SUM = "t3_results_sum"  # identity 2
BALANCE = "t3_balance"  # identity 3
GROUP_TOTAL = "t4_group_total"  # identity 4
IDENTITY_RULE_NAMES: tuple[str, ...] = (ROW_TOTAL, RESULTS_SUM, BALANCE, GROUP_TOTAL)


@dataclass(frozen=True)
class SumIdentity:
    """One instance of an identity of TEMPLATE.md: sum(parts) == sum(totals), with the words to say it.
    Defined here, with the template, so that the verifier (which checks them), the parser (which forces
    printed blanks to 0 by them) and the aligner (which places run-together cells by them) agree."""

    rule: str
    parts: tuple[str, ...]
    totals: tuple[str, ...]
    what: str


@lru_cache(maxsize=8)
def sum_identities(rows: tuple[str, ...], result_rows: tuple[str, ...]) -> tuple[SumIdentity, ...]:
    """Identities 1–4 over the rows a template has (built once per template, not per report)."""
    out = [
        SumIdentity(ROW_TOTAL, tuple(f"applications.{row}.{c}" for c in APPLICANT_PARTS),
                    (f"applications.{row}.total",),
                    f"table 3 row {row}: column 总计 should equal the sum of the six applicant columns")
        for row in rows
    ]  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            SumIdentity(RESULTS_SUM, tuple(f"applications.{row}.{col}" for row in result_rows),
                 (f"applications.results_total.{col}",),
                 f"table 3 column {col}: row （七）总计 should equal the sum of the result rows")
        )  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            SumIdentity(BALANCE, (f"applications.new_received.{col}", f"applications.carried_over.{col}"),
                 (f"applications.results_total.{col}", f"applications.carried_to_next_year.{col}"),
                 f"table 3 column {col}: 一+二 (new + carried over) should equal 三+四 "
                 "(results total + carried to next year)")
        )  # fmt: skip
    for group in REVIEW_GROUPS:
        out.append(
            SumIdentity(GROUP_TOTAL, tuple(f"reviews_litigation.{group}.{c}" for c in REVIEW_COLUMNS[:-1]),
                 (f"reviews_litigation.{group}.total",),
                 f"table 4 group {group}: 总计 should equal 维持 + 纠正 + 其他 + 尚未审结")
        )  # fmt: skip
    return tuple(out)
