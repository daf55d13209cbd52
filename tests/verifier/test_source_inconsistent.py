"""The agency's own arithmetic error: extracted faithfully, rejected with the violation, never fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nianbao.pipeline import extract_file
from tests.conftest import plant, seed_text


def test_source_row_total_wrong_in_print(write_report: Callable[..., Path]) -> None:
    # seed 001 as if the agency had printed 10 instead of 9 in the 总计 column of 不掌握相关政府信息
    text = plant(
        seed_text("seed_001"),
        "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t9",
        "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t10",
    )
    record = extract_file(write_report(text))
    assert record.applications.unavailable_not_held.total == 10  # what the source says
    assert record.applications.unavailable_not_held.natural_person == 8
    assert record.status == "rejected"
    assert record.reason == "source_inconsistent"
    rules = {v.rule for v in record.violations if v.severity == "error"}
    assert rules == {"t3_row_total", "t3_results_sum"}
    row = next(v for v in record.violations if v.rule == "t3_row_total")
    assert "applications.unavailable_not_held.total" in row.cells
    assert (row.expected, row.found) == ("9", "10")
    # every value still grounded in the text
    assert not [v for v in record.violations if v.rule == "grounding"]


def test_incomplete_extraction_is_not_called_source_inconsistent(write_report: Callable[..., Path]) -> None:
    text = seed_text("seed_001")
    record = extract_file(write_report(text[: text.index("(四) 无法提供")]))
    assert record.status == "rejected"
    assert record.reason == "extraction_unverified"
