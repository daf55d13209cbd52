"""Per-report findings on the seeds and the dev corpus, as the reports actually read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nianbao.findings.identity import agency_level, department_parent, statistics_period_year
from nianbao.findings.narrative import check_narrative
from nianbao.pipeline import extract_file
from nianbao.schema import Report, flatten
from tests.conftest import golden_cases, plant, seed_text

FINDING_RULES = {
    "narrative_mismatch",
    "period_mismatch",
    "implausible_regulations",
    "implausible_fee",
    "outdated_template",
}
CASES = {c.name: c for c in golden_cases()}


def _findings(path: Path) -> list[tuple[str, str]]:
    record = extract_file(path)
    return [(v.rule, v.message) for v in record.violations if v.rule in FINDING_RULES]


@pytest.mark.parametrize(
    ("case", "level"),
    [("seed_000_wushan_2024", "县区"), ("seed_001_jiaxian_2024", "县区"), ("seed_002_wansheng_2024", "部门"),
     ("seed_003_guanghe_2024", "县区"), ("seed_004_bailu_2024", "乡镇街道"), ("dev_shuyang_fgj_2023_html", "部门")],
)  # fmt: skip
def test_agency_level(case: str, level: str) -> None:
    assert extract_file(CASES[case].source).agency_level == level


def test_department_parent_level() -> None:
    assert department_parent("沭阳县发展和改革局") == "县区" and department_parent("上海市科委") == "市"
    assert agency_level("广东省人民政府") == "省" and agency_level("深圳市") == "市"


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.startswith("seed_")]
    + ["dev_pingtan_2021_html", "dev_hongze_2023_pdf", "dev_shuyang_fgj_2023_html"],
)
def test_no_false_warnings_where_narrative_and_tables_agree(case: str) -> None:
    assert _findings(CASES[case].source) == []


def test_seed_000_narrative_figures_are_all_read_and_all_match() -> None:
    record = extract_file(CASES["seed_000_wushan_2024"].source)
    text = seed_text("seed_000")
    narrative = text[: text.index("二、主动公开政府信息情况")]
    cells = flatten(record.report())
    assert check_narrative(narrative, cells) == []
    # and each figure really was compared: changing any one of them is noticed
    for phrase, wrong in (("受理政府信息公开申请51件", "受理政府信息公开申请52件"), ("办结政府信息公开申请49件", "办结政府信息公开申请50件"),
                          ("予以公开及部分公开22件", "予以公开及部分公开23件"), ("不予公开12件", "不予公开13件"),
                          ("无法提供9件", "无法提供8件"), ("其他处理6件", "其他处理7件"), ("行政复议23件", "行政复议24件"),
                          ("行政诉讼6件", "行政诉讼5件"), ("现行有效行政规范性文件87件", "现行有效行政规范性文件88件")):  # fmt: skip
        (v,) = check_narrative(plant(narrative, phrase, wrong), cells)
        assert v.rule == "narrative_mismatch" and wrong in v.message


def test_a_planted_narrative_mismatch_is_warned_with_the_sentence(write_report: Callable[..., Path]) -> None:
    text = plant(seed_text("seed_000"), "办结政府信息公开申请49件", "办结政府信息公开申请48件")
    record = extract_file(write_report(text))
    (v,) = [v for v in record.violations if v.rule == "narrative_mismatch"]
    assert v.severity == "warning" and (v.expected, v.found) == ("49", "48")
    assert "「2024年,全县共受理政府信息公开申请51件,办结政府信息公开申请48件" in v.message
    assert v.cells == ["applications.results_total.total"]
    assert record.status == "verified"  # a warning, never a verdict


def test_pingtan_2023_disagrees_only_where_it_really_does() -> None:
    # read by hand: its narrative's figures (81 received, 81 done, 42 granted or partly, 5 denied, 1 not
    # processed, 2 other, 2 reviews, 7 suits, 77 issued) agree; "现行有效行政规范性文件393件" does not (470)
    (finding,) = _findings(CASES["dev_pingtan_2023_html"].source)
    assert finding[0] == "narrative_mismatch" and "393" in finding[1] and "470" in finding[1]


def test_figures_that_are_not_totals_are_not_read() -> None:
    cells = flatten(Report())
    cells["applications.new_received.total"] = 5
    cells["applications.new_received.natural_person"] = 5
    cells["applications.carried_over.total"] = 0
    text = "全年共收到各类留言3万余条。依申请公开方面,其中县政府60件。收到申请100余件。"
    assert check_narrative(text, cells) == []


def test_statistics_period_that_contradicts_the_year(write_report: Callable[..., Path]) -> None:
    text = plant(
        seed_text("seed_000"), "统计期限为2024年1月1日至2024年12月31日", "统计期限为2020年1月1日至2020年12月31日"
    )
    (rule, message) = _findings(write_report(text))[0]
    assert rule == "period_mismatch" and "2020" in message and "统计期限为2020年1月1日" in message
    assert statistics_period_year(seed_text("seed_000"))[0] == 2024  # type: ignore[index]


def test_town_with_regulations_and_outdated_template(write_report: Callable[..., Path]) -> None:
    town = plant(seed_text("seed_004"), "→规章\n→0\n→0\n→0".replace("→", "\t"), "→规章\n→1\n→0\n→1".replace("→", "\t"))
    assert [r for r, _ in _findings(write_report(town, "town.txt"))] == ["implausible_regulations"]
    old = plant(seed_text("fmt2019_service"), "2020年度政府信息公开工作年度报告", "2023年度政府信息公开工作年度报告")
    assert [r for r, _ in _findings(write_report(old, "old.txt"))] == ["outdated_template"]


def test_fee_that_looks_like_yuan(write_report: Callable[..., Path]) -> None:
    text = plant(
        seed_text("seed_004"), "→行政事业性收费\n→0".replace("→", "\t"), "→行政事业性收费\n→125000".replace("→", "\t")
    )
    assert [r for r, _ in _findings(write_report(text))] == ["implausible_fee"]


def test_compliance_is_quiet_on_seeds_that_comply() -> None:
    for name in ("seed_000_wushan_2024", "seed_001_jiaxian_2024", "seed_004_bailu_2024"):
        record = extract_file(CASES[name].source)
        assert not [v for v in record.violations if v.rule.startswith("compliance")], name


def test_compliance_fires_on_a_report_without_section_five(write_report: Callable[..., Path]) -> None:
    text = seed_text("seed_000")
    start, end = text.index("五、存在的主要问题"), text.index("六、其他需要报告的事项")
    record = extract_file(write_report(text[:start] + text[end:]))
    (v,) = [v for v in record.violations if v.rule == "compliance_sections"]
    assert "五、存在的主要问题及改进情况" in v.message and v.severity == "warning"
    assert record.status == "verified"  # a finding about the agency, not about the reading


def test_compliance_fires_on_a_report_silent_on_fees(write_report: Callable[..., Path]) -> None:
    text = seed_text("seed_000")
    six = text.index("六、其他需要报告的事项")
    record = extract_file(write_report(text[:six] + "六、其他需要报告的事项\n\n无。\n"))
    assert [v.rule for v in record.violations if v.rule.startswith("compliance")] == ["compliance_fee"]


def test_compliance_fires_on_a_placeholder_section_five(write_report: Callable[..., Path]) -> None:
    text = seed_text("seed_000")
    start, end = text.index("五、存在的主要问题"), text.index("六、其他需要报告的事项")
    record = extract_file(write_report(text[:start] + "五、存在的主要问题及改进情况\n无。\n" + text[end:]))
    assert any(v.rule == "compliance_problems" for v in record.violations)
