"""Identities 1–5 of TEMPLATE.md, each a named rule.

A rule is only evaluated when every cell it involves has a value: a blank cell is reported once as
missing (see :mod:`verifier.missing`), never summed as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

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


@dataclass(frozen=True)
class _Sum:
    """One instance of an identity: sum(parts) == sum(totals), with the words to say it."""

    rule: str
    parts: tuple[str, ...]
    totals: tuple[str, ...]
    what: str


@lru_cache(maxsize=8)
def _sums(rows: tuple[str, ...], result_rows: tuple[str, ...]) -> tuple[_Sum, ...]:
    """Every summed identity over the rows a template has — built once, not per report."""
    out = [
        _Sum(ROW_TOTAL, tuple(f"applications.{row}.{c}" for c in APPLICANT_PARTS), (f"applications.{row}.total",),
             f"table 3 row {row}: column 总计 should equal the sum of the six applicant columns")
        for row in rows
    ]  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            _Sum(RESULTS_SUM, tuple(f"applications.{row}.{col}" for row in result_rows),
                 (f"applications.results_total.{col}",),
                 f"table 3 column {col}: row （七）总计 should equal the sum of the result rows")
        )  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            _Sum(BALANCE, (f"applications.new_received.{col}", f"applications.carried_over.{col}"),
                 (f"applications.results_total.{col}", f"applications.carried_to_next_year.{col}"),
                 f"table 3 column {col}: 一+二 (new + carried over) should equal 三+四 "
                 "(results total + carried to next year)")
        )  # fmt: skip
    for group in REVIEW_GROUPS:
        out.append(
            _Sum(GROUP_TOTAL, tuple(f"reviews_litigation.{group}.{c}" for c in REVIEW_COLUMNS[:-1]),
                 (f"reviews_litigation.{group}.total",),
                 f"table 4 group {group}: 总计 should equal 维持 + 纠正 + 其他 + 尚未审结")
        )  # fmt: skip
    return tuple(out)


def _summed(report: Cells, rule: str) -> list[Violation]:
    rows = tuple(_present(report, APPLICATION_ROWS))
    out = []
    for s in _sums(rows, tuple(_present(report, RESULT_ROWS))):
        if s.rule == rule:
            v = _sum_rule(report, s.rule, s.parts, s.totals, s.what)
            if v:
                out.append(v)
    return out


def row_totals(report: Cells) -> list[Violation]:
    return _summed(report, ROW_TOTAL)


def results_sums(report: Cells) -> list[Violation]:
    return _summed(report, RESULTS_SUM)


def balances(report: Cells) -> list[Violation]:
    return _summed(report, BALANCE)


def group_totals(report: Cells) -> list[Violation]:
    return _summed(report, GROUP_TOTAL)


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
