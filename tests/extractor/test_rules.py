"""The rules parser on layouts and damage beyond the seeds as printed."""

from __future__ import annotations

import pytest

from extractor.normalize import normalize
from extractor.rules import extract_rules
from nianbao.errors import NoTablesError, UnsupportedTemplateError
from tests.conftest import plant, seed_text


def test_cut_off_table_reads_what_is_present_and_leaves_the_rest_blank() -> None:
    text = normalize(seed_text("seed_000"))
    cut = text[: text.index("(四)无法提供")]
    result = extract_rules(cut)
    apps = result.report.applications
    assert apps.granted.natural_person == 9
    assert apps.denied_administrative_query.total == 3
    assert apps.unavailable_not_held.total is None
    assert apps.results_total.total is None
    assert result.report.reviews_litigation.review.total is None
    assert any("not found" in n for n in result.notes)
    assert result.report.active_disclosure.licensing.decisions == 105860


def test_row_with_too_few_values_is_left_blank_not_guessed() -> None:
    # Flattening dropped blank cells: four numbers for seven columns cannot be placed by the rules parser.
    text = plant(
        seed_text("seed_001"),
        "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0",
        "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0",
    )
    result = extract_rules(normalize(text))
    assert result.report.applications.carried_over.model_dump() == dict.fromkeys(
        (
            "natural_person",
            "commercial_enterprise",
            "research_institution",
            "social_welfare_org",
            "legal_service_org",
            "other_org",
            "total",
        )
    )
    assert any("4 values (0 0 0 0) for 7 columns" in n for n in result.notes)
    assert result.report.applications.new_received.total == 36


def test_blank_markers_are_null_with_provenance() -> None:
    text = plant(seed_text("seed_001"), "规章\t0\t0\t0", "规章\t—\t/\t无")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.regulations.issued is None
    prov = result.provenance["active_disclosure.regulations.repealed"]
    assert (prov.method, prov.text) == ("blank", "/")


def test_thousands_separators_and_full_width_digits() -> None:
    text = plant(seed_text("seed_000"), "\t105860\n", "\t105,860\n")
    text = plant(text, "\t137511\n", "\t１３７５１１\n")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.licensing.decisions == 105860
    assert result.report.active_disclosure.penalty.decisions == 137511


def test_label_drift_spaced_and_typo_labels() -> None:
    text = plant(seed_text("seed_001"), "规章\t0\t0\t0", "规 章\t0\t0\t0")
    text = plant(text, "行政事业性收费", "行政事业型收费")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.regulations.issued == 0
    assert str(result.report.active_disclosure.fees.amount_10k_yuan) == "2561.768"


def test_glued_cells_are_not_read_as_a_number() -> None:
    text = plant(seed_text("seed_001"), "规章\t0\t0\t0", "规章\t000")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.regulations.issued is None
    assert not any(p.startswith("active_disclosure.regulations") for p in result.provenance)


def test_no_tables() -> None:
    with pytest.raises(NoTablesError):
        extract_rules("一、总体情况\n本年度我单位认真落实条例。")


def test_2019_format_is_refused_with_a_reason() -> None:
    text = (
        "二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n"
        "规章\t0\t0\t0\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    )
    with pytest.raises(UnsupportedTemplateError, match="2019"):
        extract_rules(text)
