"""Identities 1–5 of TEMPLATE.md, each a named rule.

A rule is only evaluated when every cell it involves has a value: a blank cell is reported once as
missing (see :mod:`verifier.missing`), never summed as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from nianbao.schema import (
    APPLICATION_ROWS,
    BALANCE,
    GROUP_TOTAL,
    RESULT_ROWS,
    RESULTS_SUM,
    ROW_TOTAL,
    SIGNED_CELLS,
    CellValue,
    Report,
    SumIdentity,
    Violation,
    flatten,
    sum_identities,
)

NON_NEGATIVE = "non_negative"  # identity 5 (identities 1–4 are defined with the template, in the schema)

__all__ = ["BALANCE", "GROUP_TOTAL", "IDENTITY_RULES", "NON_NEGATIVE", "RESULTS_SUM", "ROW_TOTAL", "check_identities"]

IDENTITY_RULES: tuple[str, ...] = (ROW_TOTAL, RESULTS_SUM, BALANCE, GROUP_TOTAL, NON_NEGATIVE)

Rule = Callable[["Cells"], list[Violation]]


Cells = dict[str, CellValue]


def _total(cells: Cells, paths: Sequence[str]) -> int | None:
    """The sum of the cells, or None when one is blank (an identity over a blank is not evaluated)."""
    total = 0
    for p in paths:
        v = cells[p]
        if v is None:
            return None
        total += int(v)
    return total


def _sum_rule(
    report: Cells,
    rule: str,
    parts: Sequence[str],
    total: Sequence[str],
    what: str,
) -> Violation | None:
    """``sum(parts) == sum(total)``; the message says which side is which in plain words."""
    expected = _total(report, parts)
    found = _total(report, total)
    if expected is None or found is None or expected == found:
        return None
    return Violation(
        rule=rule,
        severity="error",
        cells=[*parts, *total],
        expected=str(expected),
        found=str(found),
        message=f"{what}: expected {expected}, found {found}",
    )


def _present(report: Cells, rows: Sequence[str]) -> tuple[str, ...]:
    """The rows of this report's template (the 2019 format has no other_no_correction/other_unpaid_fee)."""
    return tuple(r for r in rows if f"applications.{r}.total" in report)


@lru_cache(maxsize=8)
def _by_rule(rows: tuple[str, ...], result_rows: tuple[str, ...]) -> dict[str, tuple[SumIdentity, ...]]:
    """A template's identities grouped by rule (built once per template, not per report and rule)."""
    every = sum_identities(rows, result_rows)
    return {rule: tuple(s for s in every if s.rule == rule) for rule in {s.rule for s in every}}


def _summed(report: Cells, rule: str) -> list[Violation]:
    identities = _by_rule(_present(report, APPLICATION_ROWS), _present(report, RESULT_ROWS)).get(rule, ())
    return [v for s in identities if (v := _sum_rule(report, s.rule, s.parts, s.totals, s.what))]


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
        if value is not None and value < 0:
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
