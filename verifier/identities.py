"""Identities 1–5 of TEMPLATE.md, each a named rule.

A rule is only evaluated when every cell it involves has a value: a blank cell is reported once as
missing (see :mod:`verifier.missing`), never summed as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from nianbao.schema import (
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    RESULT_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    SIGNED_CELLS,
    CellValue,
    Report,
    Violation,
    flatten,
)

ROW_TOTAL = "t3_row_total"  # identity 1
RESULTS_SUM = "t3_results_sum"  # identity 2
BALANCE = "t3_balance"  # identity 3
GROUP_TOTAL = "t4_group_total"  # identity 4
NON_NEGATIVE = "non_negative"  # identity 5

IDENTITY_RULES: tuple[str, ...] = (ROW_TOTAL, RESULTS_SUM, BALANCE, GROUP_TOTAL, NON_NEGATIVE)

Rule = Callable[["Cells"], list[Violation]]


Cells = dict[str, CellValue]


def _values(cells: Cells, paths: Sequence[str]) -> list[int] | None:
    values = [cells[p] for p in paths]
    if any(v is None for v in values):
        return None
    return [int(v) for v in values if v is not None]


def _sum_rule(
    report: Cells,
    rule: str,
    parts: Sequence[str],
    total: Sequence[str],
    what: str,
) -> Violation | None:
    """``sum(parts) == sum(total)``; the message says which side is which in plain words."""
    part_values = _values(report, parts)
    total_values = _values(report, total)
    if part_values is None or total_values is None:
        return None
    expected, found = sum(part_values), sum(total_values)
    if expected == found:
        return None
    return Violation(
        rule=rule,
        severity="error",
        cells=[*parts, *total],
        expected=str(expected),
        found=str(found),
        message=f"{what}: expected {expected}, found {found}",
    )


def _present(report: Cells, rows: Sequence[str]) -> list[str]:
    """The rows of this report's template (the 2019 format has no other_no_correction/other_unpaid_fee)."""
    return [r for r in rows if f"applications.{r}.total" in report]


def row_totals(report: Cells) -> list[Violation]:
    out = []
    for row in _present(report, APPLICATION_ROWS):
        v = _sum_rule(
            report,
            ROW_TOTAL,
            [f"applications.{row}.{c}" for c in APPLICANT_PARTS],
            [f"applications.{row}.total"],
            f"table 3 row {row}: column 总计 should equal the sum of the six applicant columns",
        )
        if v:
            out.append(v)
    return out


def results_sums(report: Cells) -> list[Violation]:
    out = []
    for col in APPLICANT_COLUMNS:
        v = _sum_rule(
            report,
            RESULTS_SUM,
            [f"applications.{row}.{col}" for row in _present(report, RESULT_ROWS)],
            [f"applications.results_total.{col}"],
            f"table 3 column {col}: row （七）总计 should equal the sum of the result rows",
        )
        if v:
            out.append(v)
    return out


def balances(report: Cells) -> list[Violation]:
    out = []
    for col in APPLICANT_COLUMNS:
        v = _sum_rule(
            report,
            BALANCE,
            [f"applications.new_received.{col}", f"applications.carried_over.{col}"],
            [f"applications.results_total.{col}", f"applications.carried_to_next_year.{col}"],
            f"table 3 column {col}: 一+二 (new + carried over) should equal 三+四 "
            "(results total + carried to next year)",
        )
        if v:
            out.append(v)
    return out


def group_totals(report: Cells) -> list[Violation]:
    out = []
    for group in REVIEW_GROUPS:
        v = _sum_rule(
            report,
            GROUP_TOTAL,
            [f"reviews_litigation.{group}.{c}" for c in REVIEW_COLUMNS[:-1]],
            [f"reviews_litigation.{group}.total"],
            f"table 4 group {group}: 总计 should equal 维持 + 纠正 + 其他 + 尚未审结",
        )
        if v:
            out.append(v)
    return out


def non_negative(report: Cells) -> list[Violation]:
    out = []
    for path, value in report.items():
        if path in SIGNED_CELLS:  # 本年增/减 is a change, signed by definition
            continue
        if value is not None and Decimal(value) < 0:
            out.append(
                Violation(
                    rule=NON_NEGATIVE,
                    severity="error",
                    cells=[path],
                    expected=">= 0",
                    found=str(value),
                    message=f"{path}: a count or fee cannot be negative, found {value}",
                )
            )
    return out


RULES: tuple[Rule, ...] = (row_totals, results_sums, balances, group_totals, non_negative)


def check_identities(report: Report | Cells, rules: Iterable[Rule] = RULES) -> list[Violation]:
    cells = flatten(report) if isinstance(report, Report) else report
    out: list[Violation] = []
    for rule in rules:
        out.extend(rule(cells))
    return out
