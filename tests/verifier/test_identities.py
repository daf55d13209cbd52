"""Each identity rule catches a planted error, naming the rule and the cells involved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nianbao.pipeline import extract_file
from nianbao.schema import Record, Report
from nianbao.verifier import verify
from nianbao.verifier.identities import check_identities
from tests.conftest import plant, seed_text

SEED = seed_text("seed_000")


def _rules(record: Record) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for v in record.violations:
        out.setdefault(v.rule, []).append(v.cells)
    return out


def test_seed_verifies_before_planting(write_report: Callable[..., Path]) -> None:
    record = extract_file(write_report(SEED))
    assert record.status == "verified" and record.violations == []


def test_one_table3_cell_changed(write_report: Callable[..., Path]) -> None:
    # granted / natural_person printed as 9 → 10 in the source
    text = plant(SEED, "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n")
    record = extract_file(write_report(text))
    assert record.applications.granted.natural_person == 10  # read faithfully, not "fixed"
    rules = _rules(record)
    cell = "applications.granted.natural_person"
    assert any(cell in cells for cells in rules["t3_row_total"])
    assert any(cell in cells for cells in rules["t3_results_sum"])
    row = next(v for v in record.violations if v.rule == "t3_row_total")
    assert (row.expected, row.found) == ("10", "9")
    assert record.status == "rejected"


def test_changed_total_fires_row_column_and_balance(write_report: Callable[..., Path]) -> None:
    # results_total / total printed as 49 → 50
    text = plant(
        SEED, "（七）总计\n\t49\n\t0\n\t0\n\t0\n\t0\n\t0\n\t49\n", "（七）总计\n\t49\n\t0\n\t0\n\t0\n\t0\n\t0\n\t50\n"
    )
    record = extract_file(write_report(text))
    rules = _rules(record)
    total = "applications.results_total.total"
    assert any(total in c for c in rules["t3_row_total"])
    assert any(total in c for c in rules["t3_results_sum"])
    assert any(total in c for c in rules["t3_balance"])
    balance = next(v for v in record.violations if v.rule == "t3_balance")
    assert (balance.expected, balance.found) == ("51", "52")


def test_changed_carry_over_breaks_balance_only_in_that_column(write_report: Callable[..., Path]) -> None:
    text = plant(
        SEED,
        "四、结转下年度继续办理\n\t2\n\t0\n\t0\n\t0\n\t0\n\t0\n\t2\n",
        "四、结转下年度继续办理\n\t2\n\t0\n\t0\n\t0\n\t0\n\t0\n\t3\n",
    )
    record = extract_file(write_report(text))
    balance = [v for v in record.violations if v.rule == "t3_balance"]
    assert len(balance) == 1 and "applications.carried_to_next_year.total" in balance[0].cells


def test_table4_group_total(write_report: Callable[..., Path]) -> None:
    text = plant(SEED, "\t3\n\t23\n", "\t3\n\t24\n")
    record = extract_file(write_report(text))
    (v,) = [v for v in record.violations if v.rule == "t4_group_total"]
    assert "reviews_litigation.review.total" in v.cells
    assert (v.expected, v.found) == ("23", "24")


def test_negative_count() -> None:
    report = Report()
    report.applications.granted.natural_person = -1
    (v,) = [v for v in check_identities(report) if v.rule == "non_negative"]
    assert v.cells == ["applications.granted.natural_person"]


def test_nulls_are_reported_missing_not_summed_as_zero() -> None:
    report = Report()
    for col in ("natural_person", "total"):
        setattr(report.applications.granted, col, 5)
    # every other cell is blank: no identity may be evaluated over blanks
    violations = verify(report, {}, None).violations
    assert not [v for v in violations if v.rule.startswith("t3_") or v.rule.startswith("t4_")]
    missing = [v for v in violations if v.rule == "missing" and v.severity == "error"]
    assert any("applications.granted.commercial_enterprise" in v.cells for v in missing)
