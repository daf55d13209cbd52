"""The rules parser on layouts and damage beyond the seeds as printed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from nianbao.errors import NoTablesError
from nianbao.extractor.cells import UNREAD
from nianbao.extractor.normalize import normalize
from nianbao.extractor.rules import extract_rules
from nianbao.verifier import verify
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


def _replace_rows(text: str, rows: dict[str, tuple[str, str]]) -> str:
    for label, (old, new) in rows.items():
        text = plant(text, f"{label}\t{old}", f"{label}\t{new}")
    return text


def test_dropped_blanks_with_several_placements_are_rejected_as_ambiguous() -> None:
    # Two rows print "2 2" with their blanks dropped; the column totals say one 2 is a natural person's
    # and the other a company's, but not which is which: both rows are ambiguous, neither is guessed.
    text = _replace_rows(
        normalize(seed_text("seed_001")),
        {
            "一、本年新收政府信息公开申请数量\t": ("35\t0\t0\t0\t0\t1\t36", "33\t2\t0\t0\t0\t1\t36"),
            "(七) 总计\t": ("35\t0\t0\t0\t0\t1\t36", "33\t2\t0\t0\t0\t1\t36"),
            "1. 信访举报投诉类申请": ("2\t0\t0\t0\t0\t0\t2", "2 2"),
            "2. 重复申请": ("2\t0\t0\t0\t0\t0\t2", "2 2"),
        },
    )
    result = extract_rules(text)
    assert result.report.applications.not_processed_petition.total is None
    assert result.report.applications.not_processed_duplicate.total is None
    assert {i.cells[0] for i in result.issues} == {
        "applications.not_processed_petition.natural_person",
        "applications.not_processed_duplicate.natural_person",
    }
    for issue in result.issues:
        assert issue.rule == "ambiguous" and "2 readings" in issue.message
        assert "2 (0) (0) (0) (0) (0) 2" in issue.message and "(0) 2 (0) (0) (0) (0) 2" in issue.message


def test_dropped_blanks_with_a_unique_placement_are_inferred() -> None:
    # "103 3 1 107" for seven columns: the column identities leave one placement; gaps are inferred 0.
    text = _replace_rows(
        normalize(seed_text("seed_001")),
        {
            "一、本年新收政府信息公开申请数量\t": ("35\t0\t0\t0\t0\t1\t36", "103 3 1 107"),
            "(一) 予以公开": ("12\t0\t0\t0\t0\t0\t12", "80 3 83"),
            "(七) 总计\t": ("35\t0\t0\t0\t0\t1\t36", "103\t3\t0\t0\t0\t1\t107"),
        },
    )
    result = extract_rules(text)
    assert not result.issues
    assert list(result.report.applications.new_received.model_dump().values()) == [103, 3, 0, 0, 0, 1, 107]
    assert list(result.report.applications.granted.model_dump().values()) == [80, 3, 0, 0, 0, 0, 83]
    dropped = result.provenance["applications.new_received.research_institution"]
    assert (dropped.method, dropped.text) == ("inferred", "")
    placed = result.provenance["applications.new_received.other_org"]
    assert (placed.method, placed.text) == ("inferred", "1")


def test_run_together_digits_are_split_by_identities() -> None:
    text = plant(
        seed_text("seed_001"),
        "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0",
        "二、上年结转政府信息公开申请数量0000000",
    )
    text = plant(text, "3. 其他→→0→0→0→0→0→0→0→".replace("→", "\t"), "3. 其他\t\t0000000\t")
    result = extract_rules(normalize(text))
    assert result.report.applications.carried_over.total == 0
    prov = result.provenance["applications.other.total"]
    assert prov.method == "inferred" and prov.text == "0"


def test_blank_markers_are_null_with_provenance() -> None:
    text = plant(seed_text("seed_001"), "规章\t0\t0\t0", "规章\t—\t/\t无")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.regulations.issued is None
    prov = result.provenance["active_disclosure.regulations.repealed"]
    assert (prov.method, prov.text) == ("blank", "/")


def test_a_mark_a_reader_could_not_read_is_no_blank() -> None:
    """A scan's value cell with ink that no reading settled: an empty cell would be a blank (a warning in
    table 2, and the report would verify with a printed number lost); the mark leaves the cell unread."""
    text = seed_text("seed_001")
    cases = [
        ("行政强制\t833\t\t", "行政强制\t\t\t", f"行政强制\t{UNREAD}\t\t", "active_disclosure.coercion.decisions"),
        ("规章\t0\t0\t0", "规章\t0\t\t0", f"规章\t0\t{UNREAD}\t0", "active_disclosure.regulations.repealed"),
    ]
    for row, empty, marked, path in cases:
        blank = extract_rules(normalize(plant(text, row, empty)))
        assert blank.provenance[path].method == "blank"  # what an empty cell says: the report would verify
        source = normalize(plant(text, row, marked))
        read = extract_rules(source)
        assert path not in read.provenance or read.provenance[path].method != "blank"
        assert verify(read.report, read.provenance, source, read.issues).errors


def test_a_row_with_a_mark_a_reader_could_not_read_is_not_cut_by_its_digits_count() -> None:
    """A scan's ``行政规范性文件 g 6 87`` (a ``9`` read as a letter, marked unread): three digits for three
    cells looked like the only cut, 6 | 8 | 7 — but the mark may be digits too. The row stays unread, and
    the report is rejected, not verified wrong."""
    text = seed_text("seed_000")
    source = normalize(plant(text, "\t行政规范性文件\n\t9\n\t6\n\t87\n", f"\t行政规范性文件\t{UNREAD}\t6\t87\n"))
    read = extract_rules(source)
    cells = [f"active_disclosure.normative_documents.{c}" for c in ("issued", "repealed", "in_force")]
    assert not any(c in read.provenance for c in cells)
    assert any("could not be read" in note for note in read.notes)
    assert verify(read.report, read.provenance, source, read.issues).errors


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


def test_run_together_table2_row_is_split_only_when_unique() -> None:
    text = plant(seed_text("seed_001"), "规章\t0\t0\t0", "规章\t000")
    text = plant(text, "行政规范性文件\t3\t10\t31", "行政规范性文件\t31031")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.regulations.model_dump() == {"issued": 0, "repealed": 0, "in_force": 0}
    assert result.provenance["active_disclosure.regulations.in_force"].method == "inferred"
    assert result.report.active_disclosure.normative_documents.issued is None
    (issue,) = result.issues
    assert issue.rule == "ambiguous" and "'31031'" in issue.message and "3 10 31" in issue.message


def test_no_tables() -> None:
    with pytest.raises(NoTablesError):
        extract_rules("一、总体情况\n本年度我单位认真落实条例。")


def test_2019_format_is_detected_from_labels_not_year() -> None:
    text = (
        "某县2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n"
        "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    )
    result = extract_rules(text)
    assert result.report.template == "2019"
    assert result.report.year == 2023
    assert result.report.active_disclosure.regulations.model_dump() == {
        "new_made": 0,
        "new_published": 0,
        "total_published": 0,
    }


def test_fee_printed_in_yuan_in_a_wan_yuan_column_is_flagged_and_kept() -> None:
    text = plant(seed_text("seed_000"), "\t6248.72\n", "\t62487200元\n")
    result = extract_rules(normalize(text))
    assert result.report.active_disclosure.fees.amount_10k_yuan == 62487200  # as printed, never rescaled
    (issue,) = [i for i in result.issues if i.rule == "unit_mismatch"]
    assert issue.severity == "warning" and issue.cells == ["active_disclosure.fees.amount_10k_yuan"]


def test_2019_signed_changes_and_instructions_in_labels() -> None:
    text = seed_text("fmt2019_hubei")
    result = extract_rules(normalize(text))
    ad = result.report.active_disclosure
    assert ad.penalty.change == -8 and ad.coercion.change == -2  # "-8" and "減2"
    # 其他对外管理服务事项's instruction names 行政处罚/行政强制: their rows still get their own numbers
    assert (ad.penalty.items_last_year, ad.penalty.decisions) == (90, 22)
    assert ad.coercion.items_last_year == 4 and ad.coercion.decisions is None  # printed "-"
    assert ad.extra[0].label == "其他主动公开文件" and ad.extra[0].values == [186, 86, 255]
    assert (ad.procurement.amount, ad.procurement.amount_unit) == (Decimal("12.5"), "万元")


def test_an_extra_row_it_cannot_place_stays_blank_and_is_never_aligned() -> None:
    # 湖北's extra row is outside the cell grid: a blank cell must not send it into digit splitting
    text = plant(seed_text("fmt2019_hubei"), "| 186 | 86 | 255 |", "| 186 | | 255 |")
    result = extract_rules(normalize(text))
    (extra,) = result.report.active_disclosure.extra
    assert (extra.label, extra.values) == ("其他主动公开文件", [None, None, None])
    assert not result.issues and any("2 values for 3 columns" in n for n in result.notes)


def test_run_together_digits_forced_by_the_count_are_not_ambiguous() -> None:
    from nianbao.extractor.align import Group, forced_by_count, no_check, readings

    assert [p.value for p in forced_by_count([Group("417", 0)], 3) or ()] == [4, 1, 7]
    # and no reading invents blank cells for digits run together
    assert all(not any(p.dropped for p in r) for r in readings([Group("34089", 0)], 3, no_check))


def test_the_narrative_settles_a_split_and_says_which_sentence() -> None:
    from nianbao.pipeline import extract_file
    from tests.conftest import GOLDENS

    record = extract_file(GOLDENS / "dev_pt_gwh_2022_txt" / "source.txt", backend="rules")
    prov = record.provenance["active_disclosure.normative_documents.issued"]
    assert (prov.method, prov.text) == ("inferred", "34") and "本年度制发规范性文件34件" in (prov.note or "")
    # its other figure (现行有效件数424件) disagrees with the table: a finding, not a constraint
    assert record.active_disclosure.normative_documents.in_force == 89  # type: ignore[attr-defined]
    assert any(v.rule == "narrative_mismatch" and "424" in v.message for v in record.violations)


def test_an_agency_error_in_a_forced_row_is_kept_as_printed() -> None:
    from nianbao.pipeline import extract_file
    from tests.conftest import GOLDENS

    record = extract_file(GOLDENS / "dev_pt_jjf_2025_txt" / "source.txt", backend="rules")
    assert record.reviews_litigation.review.model_dump() == {  # type: ignore[attr-defined]
        "upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 0,
    }  # fmt: skip
    assert (record.status, record.reason) == ("rejected", "source_inconsistent")


def test_table_2_rows_out_of_template_order(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file
    from tests.conftest import GOLDENS, seed_text

    text = seed_text("seed_000")
    docs = "\t第二十条第（一）项\n\n\t信息内容\n\t本年制发件数\n\t本年废止件数\n\t现行有效件数\n\n\t规章\n\t0\n\t0\n\t0\n\n\t行政规范性文件\n\t9\n\t6\n\t87\n\n"
    licensing = "\t第二十条第（五）项\n\n\t信息内容\n\t本年处理决定数量\n\n\t行政许可\n\t105860\n\n"
    assert docs + licensing in text
    moved = text.replace(docs + licensing, licensing + docs)  # 规章/规范性文件 printed after 行政许可
    record = extract_file(write_report(moved), backend="rules")
    truth = json.loads((GOLDENS / "seed_000_wushan_2024" / "expected.json").read_text(encoding="utf-8"))
    assert record.status == "verified" and record.export()["active_disclosure"] == truth["active_disclosure"]


def test_column_number_rows_are_numbering_not_values(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.evals.corpus import render
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    truth = Report.model_validate_json((GOLDENS / "seed_000_wushan_2024" / "expected.json").read_text(encoding="utf-8"))
    text = render(truth, "txt", "plain").data.decode("utf-8")
    lines = text.split("\n")
    head = next(i for i, ln in enumerate(lines) if "本年新收" in ln)
    middle = next(i for i, ln in enumerate(lines) if "（四）无法提供" in ln or "(四)无法提供" in ln)
    lines.insert(middle, "1\t2\t3\t4\t5\t6\t7")  # repeated where the table continues (a new page)
    lines.insert(head, "| 1 | 2 | 3 | 4 | 5 | 6 | 7 |")  # the numbering row under the header
    record = extract_file(write_report("\n".join(lines)), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)


def test_nbsp_and_empty_html_cells_are_blanks_never_zero(write_report) -> None:  # type: ignore[no-untyped-def]
    import re as _re

    from nianbao.evals.corpus import render
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report
    from tests.conftest import GOLDENS

    truth = Report.model_validate_json((GOLDENS / "seed_000_wushan_2024" / "expected.json").read_text(encoding="utf-8"))
    page = render(truth, "html", "blank_zero").data.decode("utf-8")
    empties = _re.findall(r"<span[^>]*></span>", page)
    assert empties  # the rendering prints zeros as empty cells
    page = _re.sub(r"(<span[^>]*>)(</span>)", r"\1&nbsp;\2", page, count=len(empties) // 2)
    record = extract_file(write_report(page, "r.html"), backend="rules")
    blanks = [
        prov for prov in record.provenance.values() if prov.method in ("blank", "inferred") and not prov.text.strip()
    ]
    assert blanks  # the &nbsp; and empty cells are blanks (or zeros the identities force, marked inferred)
    read_zero = [p for p, v in record.provenance.items() if v.method == "read" and v.text == "0"]
    assert not read_zero  # nothing printed as a blank was read as a printed 0


def _md_apart(golden: str = "seed_000_wushan_2024", truth: object = None) -> tuple[object, str]:
    from nianbao.evals.corpus import render
    from nianbao.schema import Report
    from tests.conftest import GOLDENS

    report = truth or Report.model_validate_json((GOLDENS / golden / "expected.json").read_text(encoding="utf-8"))
    return report, render(report, "md_apart", "plain").data.decode("utf-8")  # type: ignore[arg-type]


def test_table_3_labels_printed_apart_from_their_numbers(write_report) -> None:  # type: ignore[no-untyped-def]
    """PDF→Markdown: every other row of each result group printed bare, its label apart above it; the
    labelled rows anchor the template's order, every value is a printed number read where it stands."""
    from nianbao.pipeline import extract_file
    from nianbao.schema import flatten

    truth, text = _md_apart()
    assert "\n2.其他法律行政法规禁\n止公开\n| 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n|---|" in text  # wrapped, apart
    record = extract_file(write_report(text, "r.md"), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)  # type: ignore[arg-type]
    bare = record.provenance["applications.denied_prohibited_by_law.natural_person"]
    assert bare.method == "read" and "its label is printed apart" in (bare.note or "")
    assert any("template's row order" in n for n in record.notes)


def test_labels_apart_with_a_row_missing_or_a_label_misplaced_are_not_read_by_order(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file

    _, text = _md_apart()
    lines = text.split("\n")
    bare = lines.index("止公开")  # the end of 2.其他法律行政法规禁止公开, printed apart
    assert lines[bare + 1].startswith("| 0 |") and lines[bare + 2].startswith("|---")
    dropped = "\n".join(lines[: bare + 1] + lines[bare + 3 :])  # the bare row and its rule gone: 24 rows
    record = extract_file(write_report(dropped, "a.md"), backend="rules")
    assert record.status == "rejected" and record.applications.denied_prohibited_by_law.total is None  # type: ignore[attr-defined]
    assert not any("template's row order" in n for n in record.notes)
    # a label printed on a number row's line must be that row's: here a row's label is another row's
    swapped = text.replace("| 1.属于国家秘密 |", "| 2.重复申请 |", 1)
    record = extract_file(write_report(swapped, "b.md"), backend="rules")
    assert record.status == "rejected" and not any("template's row order" in n for n in record.notes)


def test_labels_apart_with_the_agencys_own_error_is_source_inconsistent(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report

    truth, _ = _md_apart()
    data = truth.model_dump()  # type: ignore[attr-defined]
    data["applications"]["denied_prohibited_by_law"]["natural_person"] += 3  # a bare row, its totals not
    planted = Report.model_validate(data)
    _, text = _md_apart(truth=planted)
    record = extract_file(write_report(text, "p.md"), backend="rules")
    assert (record.status, record.reason) == ("rejected", "source_inconsistent")
    assert record.applications.denied_prohibited_by_law.natural_person == 3  # type: ignore[attr-defined]


def test_labels_cut_in_two_by_their_own_numbers(write_report) -> None:  # type: ignore[no-untyped-def]
    """PDF text of a Word table with narrow label cells: `5.要求行政机关确认或 0 0 0 0 0 0 0 重新出具已获取信息`."""
    from nianbao.evals.corpus import render
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    truth = Report.model_validate_json(
        (GOLDENS / "seed_001_jiaxian_2024" / "expected.json").read_text(encoding="utf-8")
    )
    text = render(truth, "txt_cut", "plain").data.decode("utf-8")
    assert "\n5.要求行政机关确认 0 0 0 0 0 0 0 或重新出具已获取信息\n" in text
    assert "(三)不予公开 1.属于 1 0 0 0 0 0 1 国家秘密" in text.replace("（", "(").replace("）", ")")
    record = extract_file(write_report(text, "cut.txt"), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)
    prov = record.provenance["applications.denied_state_secret.natural_person"]
    assert prov.method == "read" and "cut in two by its numbers" in (prov.note or "")
    # the two pieces must together be the row's own label: here the tail is another row's
    wrong = text.replace("0 0 0 0 0 0 0 或重新出具已获取信息", "0 0 0 0 0 0 0 重复申请材料")
    record = extract_file(write_report(wrong, "wrong.txt"), backend="rules")
    assert record.status == "rejected" and record.applications.not_processed_confirmation.total is None  # type: ignore[attr-defined]


def test_a_2019_signed_change_run_into_its_neighbour_keeps_its_sign(write_report) -> None:  # type: ignore[no-untyped-def]
    """`90-8` under 上一年项目数量 / 本年增/减 is 90 and −8 — it once verified as 90 and 8."""
    from nianbao.pipeline import extract_file
    from tests.conftest import GOLDENS

    source = (GOLDENS / "fmt2019_hubei_variant_2020" / "source.txt").read_text(encoding="utf-8")
    assert "行政處罰 | 90 | -8 | 22 |" in source
    for printed, want in (("90-8 | 22", (90, -8, 22)), ("1-10 | 22", (1, -10, 22)), ("90 减8 22", (90, -8, 22))):
        record = extract_file(write_report(source.replace("90 | -8 | 22", printed), "r.txt"), backend="rules")
        penalty = record.active_disclosure.penalty  # type: ignore[attr-defined]
        assert (penalty.items_last_year, penalty.change, penalty.decisions) == want, printed
        change = record.provenance["active_disclosure.penalty.change"]
        assert change.text.lstrip("-减") == str(-want[1]) and change.text[0] in "-减"  # the span holds the sign
    # two groups for three cells, one signed: which cell is missing cannot be told — blank, not guessed
    record = extract_file(write_report(source.replace("90 | -8 | 22", "1-12"), "r.txt"), backend="rules")
    assert record.active_disclosure.penalty.change is None and record.status == "rejected"  # type: ignore[attr-defined]


def test_table_3_labels_all_printed_before_its_numbers(write_report) -> None:  # type: ignore[no-untyped-def]
    """PDF→Markdown: the 25 labels first, in the template's order, then 25 bare number rows."""
    from nianbao.evals.corpus import render
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    truth = Report.model_validate_json(
        (GOLDENS / "seed_001_jiaxian_2024" / "expected.json").read_text(encoding="utf-8")
    )
    text = render(truth, "md_first", "plain").data.decode("utf-8")
    assert "3.其他\n（七）总计\n四、结转下年度继续办理\n## 表三" in text
    record = extract_file(write_report(text, "first.md"), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)
    assert "labels are printed first" in (record.provenance["applications.granted.total"].note or "")
    # a label missing from the list (or out of order): the order is not the template's — not read so
    for broken in (
        text.replace("2.重复申请\n", "", 1),
        text.replace("2.重复申请\n", "", 1).replace("3.其他\n", "3.其他\n2.重复申请\n"),
    ):
        record = extract_file(write_report(broken, "broken.md"), backend="rules")
        assert record.status == "rejected" and not any("template's row order" in n for n in record.notes)


def _seed_txt(golden: str = "seed_000_wushan_2024") -> tuple[object, str]:
    from nianbao.evals.corpus import render
    from nianbao.schema import Report
    from tests.conftest import GOLDENS

    truth = Report.model_validate_json((GOLDENS / golden / "expected.json").read_text(encoding="utf-8"))
    return truth, render(truth, "txt", "plain").data.decode("utf-8")


def _table3_lines(text: str, change) -> str:  # type: ignore[no-untyped-def]
    start, end = text.index("三、收到和处理政府信息公开申请情况\n"), text.index("四、政府信息公开行政复议")
    return text[:start] + "\n".join(change(line) for line in text[start:end].split("\n")) + text[end:]


def test_column_numbers_repeated_inside_rows_are_the_header_not_values(write_report) -> None:  # type: ignore[no-untyped-def]
    """OCR/converter text that repeats the header's `1 2 3 4 5 6` inside every row, space-separated:
    `一、本年新收政府信息公开申请数量 1 2 3 4 5 6 51 0 0 0 0 0 51` reads 51 0 0 0 0 0 51, each value read."""
    import re

    from nianbao.pipeline import extract_file
    from nianbao.schema import flatten

    truth, text = _seed_txt()

    def numbered(line: str) -> str:
        line = re.sub(r"\t+", " ", line).strip()
        return re.sub(r" (\d+(?: \d+){6})$", r" 1 2 3 4 5 6 \1", line)

    text = _table3_lines(text, numbered)
    assert "一、本年新收政府信息公开申请数量 1 2 3 4 5 6 51 0 0 0 0 0 51\n" in text
    record = extract_file(write_report(text), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)  # type: ignore[arg-type]
    prov = record.provenance["applications.new_received.natural_person"]
    assert (prov.method, prov.text) == ("read", "51") and "column numbers 1 2 3 4 5 6" in (prov.note or "")


def test_column_numbers_before_a_row_that_does_not_add_up_are_not_dropped(write_report) -> None:  # type: ignore[no-untyped-def]
    # the agency's own arithmetic wrong in a row printed after the header's numbers: the numbers left
    # would break the row whichever way, so nothing is dropped and the row waits for a person
    from nianbao.pipeline import extract_file

    _, text = _seed_txt()
    text = plant(text, "（一）予以公开\t\t9\t0\t0\t0\t0\t0\t9", "（一）予以公开\t\t1 2 3 4 5 6 9 0 0 0 0 0 10")
    record = extract_file(write_report(text), backend="rules")
    assert (record.status, record.reason) == ("rejected", "extraction_unverified")
    assert record.applications.granted.total is None  # type: ignore[attr-defined]
    assert any(v.rule == "ambiguous" and "applications.granted.total" in v.cells for v in record.violations)


def test_column_numbers_inside_pipe_rows_read_by_order(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    case = GOLDENS / "dev_sh_kewei_2024_md"
    truth = Report.model_validate_json((case / "expected.json").read_text(encoding="utf-8"))
    text = (case / "source.md").read_text(encoding="utf-8")
    text = plant(text, "| 6.属于四类过程性信息 | 1 |", "| 6.属于四类过程性信息 | 1 | 2 | 3 | 4 | 5 | 6 | 1 |")
    text = plant(text, "| 8 | 2 | 0 | 0 | 0 | 0 | 10 |", "| 1 | 2 | 3 | 4 | 5 | 6 | 8 | 2 | 0 | 0 | 0 | 0 | 10 |")
    record = extract_file(write_report(text, "k.md"), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)
    note = record.provenance["applications.other_no_correction.natural_person"].note or ""
    assert "column numbers 1 2 3 4 5 6" in note


def _kewei() -> str:
    from tests.conftest import GOLDENS

    return (GOLDENS / "dev_sh_kewei_2024_md" / "source.md").read_text(encoding="utf-8")


def test_a_blank_total_forced_by_the_identities_and_stated_by_the_narrative_is_inferred(write_report) -> None:  # type: ignore[no-untyped-def]
    """上海市科委 2024 prints 四、结转下年度继续办理's 总计 empty; its row (1+0+…) and the balance force 1, and
    its narrative says 「转下一年度办理答复的有 1 件」 (wrapped over two lines): 1, inferred, spanned there."""
    from nianbao.pipeline import extract_file

    text = _kewei()
    record = extract_file(write_report(text, "k.md"), backend="rules")
    assert record.status == "verified"
    prov = record.provenance["applications.carried_to_next_year.total"]
    assert (prov.method, prov.text) == ("inferred", "1") and "转下一年度办理答复的有 1 件" in (prov.note or "")
    assert text[prov.span.start - 7 : prov.span.end + 2] == "办理答复的有 1 件"  # (the text normalises to itself)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("转下一\n年度办理答复的有 1 件", "转下一\n年度办理答复的有 2 件"),  # the narrative says another value
        ("转下一\n年度办理答复的有 1 件", "其余申请均已办结"),  # the narrative says nothing of it
    ],
)
def test_a_blank_total_is_not_filled_on_the_identities_alone(write_report, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file

    record = extract_file(write_report(plant(_kewei(), old, new), "k.md"), backend="rules")
    assert (record.status, record.reason) == ("rejected", "extraction_unverified")
    assert record.applications.carried_to_next_year.total is None  # type: ignore[attr-defined]
    assert any(v.rule == "missing" for v in record.violations)


_T4_ROW = "| 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"


def test_table_4_one_clean_pipe_row_with_prose_numbers_after_it(write_report) -> None:  # type: ignore[no-untyped-def]
    """A converter runs the narrative after table 4 into its section (`2024 年…1400 余条`): the one row of 15
    value cells is the table, each value read; the prose's numbers are not cells and the note says so."""
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    prose = "\n2024 年，市科委门户网站共发布各类信息 1400 余条，\n回应社会关切 12 次。\n"
    text = plant(_kewei(), _T4_ROW, _T4_ROW + prose)
    record = extract_file(write_report(text, "k.md"), backend="rules")
    truth = Report.model_validate_json((GOLDENS / "dev_sh_kewei_2024_md" / "expected.json").read_text("utf-8"))
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)
    prov = record.provenance["reviews_litigation.review.total"]
    assert (prov.method, prov.text) == ("read", "1") and "2024 1400 12" in (prov.note or "")


@pytest.mark.parametrize(
    "after",
    [
        "\n2024 年 1 0 0 0 1\n",  # numbers beside a few words: could be cells, not prose
        "\n| 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n",  # a second row of 15: which is it?
        "\n5\n",  # a lone number
        "\n行政复议 结果维持 1 结果纠正 0 其他结果 0 尚未审结 0 总计 1\n",  # a row with its labels, not a sentence
    ],
)
def test_table_4_with_numbers_that_are_not_prose_is_not_read_from_the_clean_row(write_report, after: str) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file

    record = extract_file(write_report(plant(_kewei(), _T4_ROW, _T4_ROW + after), "k.md"), backend="rules")
    assert record.status == "rejected"
    assert record.reviews_litigation.review.total is None  # type: ignore[attr-defined]


def _wrapped_45(sep: str, between: str = "") -> tuple[object, str]:
    """PDF text of a Word table whose tall label cells wrap: row 4's label is printed in two pieces with the
    numbers of rows 4 and 5 between them (`4.无正当理由大量反复` … `申请`), row 5's label after both."""
    import re

    truth, text = _seed_txt()
    zeros = sep.join(["0"] * 7)
    start, end = text.index("\t\t4.无正当理由大量反复申请"), text.index("\t（六）其他处理")
    wrapped = f"\t\t4.无正当理由大量反复\n{zeros}\n{between}{zeros}\n申请\n5.要求行政机关确认或重新出具已获取信息\n"
    text = text[:start] + wrapped + text[end:]
    if sep == " ":
        text = _table3_lines(text, lambda line: re.sub(r"\t+", " ", line).strip())
    return truth, text


@pytest.mark.parametrize("sep", ["\t", " "])
def test_two_rows_numbers_between_the_pieces_of_one_label_are_read_by_order(write_report, sep: str) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file
    from nianbao.schema import flatten

    truth, text = _wrapped_45(sep)
    record = extract_file(write_report(text), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)  # type: ignore[arg-type]
    prov = record.provenance["applications.not_processed_confirmation.total"]
    assert prov.method == "read" and "template's order" in (prov.note or "")


def test_a_label_piece_on_another_rows_numbers_is_not_read_by_order(write_report) -> None:  # type: ignore[no-untyped-def]
    # `申请` (row 4's tail) printed on row 5's numbers: the line's words are not its row's label, so the
    # order cannot be confirmed there and the table is not read by order
    from nianbao.pipeline import extract_file

    _, text = _wrapped_45(" ")
    text = plant(text, "0 0 0 0 0 0 0\n申请\n", "申请 0 0 0 0 0 0 0\n")
    record = extract_file(write_report(text), backend="rules")
    assert record.status == "rejected" and not any("template's row order" in n for n in record.notes)
    assert record.applications.not_processed_confirmation.total is None  # type: ignore[attr-defined]


def test_cells_dropped_by_a_converter_in_a_pipe_row_are_placed_by_the_identities(write_report) -> None:  # type: ignore[no-untyped-def]
    """`| 三、 | （一）予以公开 | 9 | 9 |` for seven columns: the converter dropped five empty cells. The column
    identities leave one placement (9 under 自然人, 9 under 总计); the five dropped cells are inferred 0."""
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    row = "| 三、 | （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |"
    text = plant(_kewei(), row, "| 三、 | （一）予以公开 | 9 | 9 |")
    record = extract_file(write_report(text, "k.md"), backend="rules")
    truth = Report.model_validate_json((GOLDENS / "dev_sh_kewei_2024_md" / "expected.json").read_text("utf-8"))
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)
    placed, dropped = (record.provenance[f"applications.granted.{c}"] for c in ("total", "research_institution"))
    assert (placed.method, placed.text) == ("inferred", "9") and "template's order" in (placed.note or "")
    assert (dropped.method, dropped.text) == ("inferred", "")


def test_cells_dropped_where_the_identities_cannot_place_them_stay_blank(write_report) -> None:  # type: ignore[no-untyped-def]
    # the 2 of a company printed `| 32 | 2 | 34 |`, `| 8 | 2 | 10 |` and `| 33 | 2 | 35 |` with their empty cells
    # dropped: it may stand under any of the five 法人 columns, the same in the three rows, and every
    # identity still holds — five readings: ambiguous, never placed by a guess, nothing read wrong
    from nianbao.pipeline import extract_file
    from nianbao.schema import Report, flatten
    from tests.conftest import GOLDENS

    text = _kewei()
    for old, new in [
        (
            "| 一、本年新收政府信息公开申请数量 | 32 | 2 | 0 | 0 | 0 | 0 | 34 |  |",
            "| 一、本年新收政府信息公开申请数量 | 32 | 2 | 34 |",
        ),
        ("| 8 | 2 | 0 | 0 | 0 | 0 | 10 |", "| 8 | 2 | 10 |"),
        ("| （七）总计 | 33 | 2 | 0 | 0 | 0 | 0 | 35 |", "| （七）总计 | 33 | 2 | 35 |"),
    ]:
        text = plant(text, old, new)
    record = extract_file(write_report(text, "k.md"), backend="rules")
    assert record.status == "rejected"
    assert record.applications.new_received.commercial_enterprise is None  # type: ignore[attr-defined]
    ambiguous = {c for v in record.violations if v.rule == "ambiguous" for c in v.cells}
    assert "applications.results_total.total" in ambiguous and "applications.new_received.total" in ambiguous
    truth = flatten(Report.model_validate_json((GOLDENS / "dev_sh_kewei_2024_md" / "expected.json").read_text("utf-8")))
    assert all(v == truth[p] for p, v in flatten(record.report()).items() if v is not None)


@pytest.mark.parametrize(
    ("narrative", "read"),
    [
        ("", None),  # 15 splits, no identity in table 2: ambiguous
        ("本年度制发行政规范性文件62件。", None),  # 62 | 3 | 3440, 62 | 33 | 440, 62 | 334 | 40, 62 | 3344 | 0 left
        ("本年度制发行政规范性文件62件,废止规范性文件33件。", (62, 33, 440)),  # one split left
        ("本年度制发行政规范性文件62件,现行有效规范性文件440件。", (62, 33, 440)),
        ("本年度制发行政规范性文件61件。", None),  # no split agrees: a finding, not a constraint
    ],
)
def test_run_together_table_2_row_settled_only_by_enough_of_the_narrative(narrative: str, read: object) -> None:
    """`行政规范性文件6233440` (a CMS crawl): the report's own words may settle the split; where they leave two
    readings the row is ambiguous, never a guess."""
    _, text = _seed_txt()
    text = plant(text, "行政规范性文件\t9\t6\t87", "行政规范性文件6233440")
    text = plant(text, "依法做好政府信息公开工作。", "依法做好政府信息公开工作。" + narrative)
    result = extract_rules(normalize(text))
    docs = result.report.active_disclosure.normative_documents
    got = (docs.issued, docs.repealed, docs.in_force)  # type: ignore[union-attr]
    if read is None:
        assert got == (None, None, None)
        assert any(v.rule == "ambiguous" and "6233440" in v.message for v in result.issues)
    else:
        assert got == read
        prov = result.provenance["active_disclosure.normative_documents.repealed"]
        assert (prov.method, prov.text) == ("inferred", "33") and narrative.strip("。") in (prov.note or "")


def test_a_regulations_figure_of_the_narrative_is_read_but_two_placements_stay_ambiguous() -> None:
    # `| 规章 | 22 | 235 |` for three columns: 全年主动公开市政府规章22件 says 本年制发 is 22, but whether 235 is
    # 本年废止 or 现行有效 (the other printed blank) nothing in the report says
    from nianbao.extractor.narrative import single_cell_figures

    assert [
        s.value for s in single_cell_figures("全年主动公开市政府规章22件。")["active_disclosure.regulations.issued"]
    ] == [22]
    text = plant(_kewei(), "| 规章 | 0 | 0 | 0 |", "| 规章 | 22 | 235 |")
    text = plant(text, "全年收到政府信息公开申请", "全年主动公开市政府规章22件。全年收到政府信息公开申请")
    result = extract_rules(normalize(text))
    regs = result.report.active_disclosure.regulations
    assert (regs.issued, regs.repealed, regs.in_force) == (None, None, None)  # type: ignore[union-attr]
    (issue,) = [v for v in result.issues if v.rule == "ambiguous"]
    assert "22 235 (0)" in issue.message and "22 (0) 235" in issue.message
    assert "3 readings" in issue.message and "22 2 35" not in issue.message  # a pipe cell is one value, never cut


def test_table_4_as_one_space_separated_line_with_prose_after_it(write_report) -> None:  # type: ignore[no-untyped-def]
    from nianbao.pipeline import extract_file
    from nianbao.schema import flatten

    truth, text = _seed_txt()
    values = "11\t7\t2\t3\t23\t0\t0\t0\t0\t0\t0\t0\t0\t6\t6"
    prose = "2024年，全县行政机关共收到各类咨询 1400 余件，均已按期答复。"
    text = plant(text, values + "\n", values.replace("\t", " ") + "\n" + prose + "\n")
    record = extract_file(write_report(text), backend="rules")
    assert record.status == "verified" and flatten(record.report()) == flatten(truth)  # type: ignore[arg-type]
    assert "1400" in (record.provenance["reviews_litigation.review.upheld"].note or "")


def test_labels_with_a_character_or_two_misread_are_found() -> None:
    """An OCR'd scan's labels with characters misread or lost (a 100 dpi fax): the exact patterns miss them
    and the row's numbers ran on into the row above (rejected). Found with slips, they read as printed."""
    truth = extract_rules(normalize(seed_text("seed_000"))).report
    text = seed_text("seed_000")
    for old, new in [
        ("1.属于国家秘密", "1.属于国家移密"),
        ("6.属于四类过程性信息", "6.具于四类过程情信息"),
        ("7.属于行政执法案卷", "7.民于行政执法案兽"),
        ("确认或重新出具", "确认或新出具"),
        ("无正当理由逾期不补正", "无正当理由道期不补正"),
    ]:
        text = plant(text, old, new)
    source = normalize(text)
    slipped = extract_rules(source)
    assert slipped.report == truth
    assert slipped.report.applications.denied_process_info.total == 9
    assert sum("read as printed" in n for n in slipped.notes) == 5
    assert not verify(slipped.report, slipped.provenance, source, slipped.issues).errors


def test_a_short_label_misread_is_found_only_as_a_whole_cell() -> None:
    text = seed_text("seed_001")
    read = extract_rules(normalize(plant(text, "规章\t0\t0\t0", "规童\t0\t0\t0")))
    assert read.report.active_disclosure.regulations.issued == 0
    assert read.provenance["active_disclosure.regulations.issued"].method == "read"
    # in a longer cell (a heading, another label) one misread character is too little to go on
    lost = extract_rules(normalize(plant(text, "规章\t0\t0\t0", "规童制度\t0\t0\t0")))
    assert "active_disclosure.regulations.issued" not in lost.provenance
    assert any("row label 规章 not found" in n for n in lost.notes)


def test_a_misread_label_two_places_could_be_is_not_taken() -> None:
    """Row 7's label one slip away at two places before row 8 (row 6's label misread into row 7's words):
    two readings the text allows are none — the row is not found, and the report is not verified."""
    text = plant(seed_text("seed_000"), "6.属于四类过程性信息", "6.属于行政执法案兽")
    text = plant(text, "7.属于行政执法案卷", "7.属于行政执法案兽")
    source = normalize(text)
    read = extract_rules(source)
    assert any("row label 7.属于行政执法案卷 not found" in n for n in read.notes)
    assert verify(read.report, read.provenance, source, read.issues).errors


@pytest.mark.parametrize(
    ("scan", "golden"),
    [("pingtan_2023_template_fax", "dev_pingtan_2023_html"), ("pingtan_2021_platypus_fax", "dev_pingtan_2021_html")],
)
def test_the_text_of_a_faxed_scan_reads_its_tables(scan: str, golden: str) -> None:
    """The OCR'd text of two 100 dpi faxes the eval draws (the template's table and a reportlab one): labels
    misread (``国家移密``, ``行政执法案兽``, ``道期不补正``, ``规童``), value cells no reading settled (the unread
    mark) — every table read as the golden's truth, and verified. Before: rejected (rows run together)."""
    from pathlib import Path

    from tests.conftest import golden_cases

    text = (Path(__file__).parent / "scans" / f"{scan}.txt").read_text(encoding="utf-8")
    from nianbao.schema import Report

    (case,) = [c for c in golden_cases() if c.name == golden]
    truth = Report.model_validate(case.expected)
    source = normalize(text)
    read = extract_rules(source)
    assert read.report.applications == truth.applications
    assert read.report.active_disclosure == truth.active_disclosure
    assert any("read as printed" in n for n in read.notes)
    assert not verify(read.report, read.provenance, source, read.issues).errors


def test_an_unread_mark_in_a_row_that_adds_up_is_a_zero_the_total_forces() -> None:
    """A fax's thin 0 no reading settled, its cell known on a grid line: where the row's other numbers add
    up to its total, the mark is 0 (counts are not negative) — inferred, at the mark, and verified. Where
    they do not (the mark would be 1, or the source's own sum is off), nothing is placed: never a guess."""
    text = seed_text("seed_001")
    row = "(一) 予以公开\t12\t0\t0\t0\t0\t0\t12\t"
    source = normalize(plant(text, row, f"(一) 予以公开\t12\t0\t{UNREAD}\t0\t0\t0\t12\t"))
    read = extract_rules(source)
    prov = read.provenance["applications.granted.research_institution"]
    assert read.report.applications.granted.research_institution == 0
    assert (prov.method, prov.text) == ("inferred", UNREAD)
    assert read.provenance["applications.granted.natural_person"].method == "read"
    assert not verify(read.report, read.provenance, source, read.issues).errors
    for planted in (
        f"(一) 予以公开\t12\t0\t{UNREAD}\t0\t0\t1\t12\t",  # read numbers 13 against a total of 12
        f"(一) 予以公开\t11\t0\t{UNREAD}\t0\t0\t0\t12\t",  # the mark would be 1: only a 0 is ever placed
    ):
        source = normalize(plant(text, row, planted))
        read = extract_rules(source)
        assert read.report.applications.granted.research_institution is None
        assert verify(read.report, read.provenance, source, read.issues).errors


def test_an_unread_total_beside_six_read_zeros_is_the_zero_they_force() -> None:
    """A seal's stroke over a row's total (``0 0 0 0 0 0 �``, a colour seal over table 3, 150 dpi): six read
    zeros force the total 0 — inferred, at the mark, and verified. Beside any count but 0, or another unread
    mark, nothing is placed (an unread mark stands for no printed value: only 0 is ever inferred for it)."""
    text = seed_text("seed_001")
    row = "\t2. 其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0"
    assert row in text
    source = normalize(plant(text, row, f"\t2. 其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t{UNREAD}"))
    read = extract_rules(source)
    prov = read.provenance["applications.denied_prohibited_by_law.total"]
    assert read.report.applications.denied_prohibited_by_law.total == 0
    assert (prov.method, prov.text) == ("inferred", UNREAD)
    assert not verify(read.report, read.provenance, source, read.issues).errors
    for cells in (f"0\t0\t0\t0\t0\t1\t{UNREAD}", f"0\t{UNREAD}\t0\t0\t0\t0\t{UNREAD}"):
        source = normalize(plant(text, row, f"\t2. 其他法律行政法规禁止公开\t{cells}"))
        read = extract_rules(source)
        assert read.report.applications.denied_prohibited_by_law.total is None
        assert verify(read.report, read.provenance, source, read.issues).errors
