"""The LLM path's lift over the layouts of issue 26: a scripted model over real HTTP on 127.0.0.1 that answers
right and cites its evidence verifies what the source settles; what the source leaves open is rejected
naming its cells; no adversary verifies wrong."""

from __future__ import annotations

from pathlib import Path

from nianbao.evals.cases import golden_cases
from nianbao.evals.layouts import LAYOUTS, layout_cases, render_layout
from nianbao.evals.lift import lift_cases, lines, run_lift
from tests.conftest import GOLDENS

BY_NAME = {c.name: c for c in golden_cases(GOLDENS)}
CASES = [BY_NAME["seed_000_wushan_2024"], BY_NAME["dev_pt_gwh_2022_txt"]]


def test_each_layout_damages_the_text_as_its_converter_does() -> None:
    truth = CASES[0].truth
    glued = render_layout(truth, "run_together")
    assert "行政规范性文件9687" in glued and "11723230000000066" in glued
    assert "本年度制发行政规范性文件9件" in render_layout(truth, "run_together_said")
    assert "1 2 3 4 5 6 51 0 0 0 0 0 51" in render_layout(truth, "column_numbers")
    converted = render_layout(truth, "converter")
    assert "| 11 | 7 | 2 | 3 | 23 |" in converted and "1400条" in converted
    wrapped = render_layout(truth, "wrapped_labels")
    assert wrapped.index("4.无正当理由大量反复\n") < wrapped.index("\t\t申请\n") < wrapped.index("5.要求行政机关确认")


def test_the_oracle_verifies_what_the_source_settles_names_the_rest_and_nothing_verifies_wrong(
    tmp_path: Path,
) -> None:
    cases = lift_cases(CASES, tmp_path)
    assert {c.layout for c in cases} >= set(LAYOUTS.values())
    lift = run_lift(cases)
    by = lift["by_layout"]
    for layout in ("column-number rows", "converter pipes, narrative after table 4", LAYOUTS["wrapped_labels"]):
        assert by[layout]["oracle"] == 2 and by[layout]["oracle_share"] == 1.0
        assert by[layout]["lift"] == by[layout]["oracle"] - by[layout]["rules"]
    assert by["digits run together"]["oracle_share"] == 1.0  # verified, or rejected naming the unsettled cells
    assert lift["overall"]["verified_wrong"] == 0 and lift["overall"]["adversary_verified_wrong"] == 0
    # what the source leaves open is named: 9687 / 34089 for three cells, no narrative (the rules agree)
    glued = {r["case"]: r for r in lift["cases"] if r["layout"] == "digits run together"}
    assert glued["seed_000_wushan_2024/run_together"]["oracle"] == "rejected"
    assert "active_disclosure.normative_documents.issued" in glued["seed_000_wushan_2024/run_together"]["unsettled"]
    # the report's own words settle 34089 as 34 / 0 / 89
    said = {r["case"]: r["oracle"] for r in lift["cases"] if r["layout"] == LAYOUTS["run_together_said"]}
    assert said["dev_pt_gwh_2022_txt/run_together_said"] == "verified_right"
    # table 4's 11723230000000066 reads 11 7 2 3 23 … or 1 17 2 3 23 …: only 维持 / 纠正 of 行政复议 are left open
    open_t4 = {r["case"]: r["unsettled"] for r in lift["cases"]}["seed_000_wushan_2024/run_together_said"]
    assert open_t4 == ["reviews_litigation.review.corrected", "reviews_litigation.review.upheld"]
    assert any(line.strip().startswith("column-number rows") and "lift" in line for line in lines(lift))


def test_layout_cases_skip_nothing_they_can_render(tmp_path: Path) -> None:
    made = list(layout_cases([(c.name, c.truth) for c in CASES], tmp_path))
    assert len(made) == len(CASES) * len(LAYOUTS) and all(c.path.is_file() for c in made)


def test_a_report_whose_own_arithmetic_is_wrong_is_handled_when_rejected_as_source_inconsistent(
    tmp_path: Path,
) -> None:
    hongze = BY_NAME["dev_hongze_2023_pdf"]  # every cell printed; table 4's group totals are the agency's 0
    lift = run_lift([c for c in lift_cases([hongze], tmp_path) if c.name == hongze.name], adversaries=())
    (row,) = lift["cases"]
    assert row["oracle"] == "rejected" and row["source_inconsistent"] and not row["unsettled"]
    (layout,) = lift["by_layout"].values()
    assert layout["source_inconsistent"] == 1 and layout["oracle_share"] == 1.0
    assert any("source_inconsistent" in line for line in lines(lift))
