"""The eval measures what it claims, and fails on a planted regression of the parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nianbao.extractor.rules
from nianbao.cli import app
from nianbao.evals.cases import golden_cases as _golden_cases
from nianbao.evals.cases import ocr_available, plan
from nianbao.evals.report import compare
from nianbao.evals.run import run
from nianbao.extractor.labels import RowSpec
from tests.conftest import GOLDENS

runner = CliRunner()


def golden_cases():  # type: ignore[no-untyped-def]
    return _golden_cases(GOLDENS)


def test_goldens_score_as_read_by_hand() -> None:
    summary = run(golden_cases())
    outcomes = {c["name"]: c["outcome"] for c in summary["cases"]}
    assert outcomes["seed_000_wushan_2024"] == "verified_correct"
    assert outcomes["dev_hongze_2023_pdf"] == "expected_rejection"  # the agency's own table 4 totals
    assert outcomes["dev_pingtan_2021_txt"] == "expected_rejection"  # 规范性文件 cannot be split
    assert summary["overall"]["silent_errors"] == 0
    assert summary["overall"]["cell_accuracy"] == 1.0


def test_a_misread_value_is_caught_by_grounding(monkeypatch: pytest.MonkeyPatch) -> None:
    # A parser bug that scales the fee ×10: table 2 has no identity, but the span still reads 6248.72.
    original = nianbao.extractor.rules._Builder._set

    def wrong_fee(self, path, value, *, decimal, what):  # type: ignore[no-untyped-def]
        if path.endswith("fees.amount_10k_yuan") and value:
            value = value * 10
        return original(self, path, value, decimal=decimal, what=what)

    monkeypatch.setattr(nianbao.extractor.rules._Builder, "_set", wrong_fee)
    summary = run([c for c in golden_cases() if c.name.startswith("seed_000")])
    (case,) = summary["cases"]
    assert case["outcome"] == "caught"


def test_a_wrong_extraction_that_verifies_counts_as_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    # A parser bug the verifier cannot see: two table-2 rows' cells swapped. Each value reads as itself
    # at its span and table 2 has no identity — verified, yet wrong. The eval must call it silent.
    specs = {s.key: s for s in nianbao.extractor.rules.TABLE2_2021}
    swapped = tuple(
        RowSpec(
            s.key,
            s.label,
            s.pattern,
            specs["penalty"].cells
            if s.key == "licensing"
            else specs["licensing"].cells
            if s.key == "penalty"
            else s.cells,
            s.decimal,
        )
        for s in nianbao.extractor.rules.TABLE2_2021
    )
    monkeypatch.setattr(nianbao.extractor.rules, "TABLE2_2021", swapped)
    summary = run([c for c in golden_cases() if c.name.startswith("seed_000")])
    (case,) = summary["cases"]
    assert case["outcome"] == "silent_error"
    assert summary["overall"]["silent_errors"] == 1


def _break_label(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """A planted regression: the row label of ``key`` no longer matches anything (its printed form too, which
    the search for a label with OCR slips starts from)."""
    specs = tuple(
        RowSpec(s.key, "?", re.compile("(?!)"), s.cells, s.decimal) if s.key == key else s
        for s in nianbao.extractor.rules.TABLE3_2021
    )
    monkeypatch.setattr(nianbao.extractor.rules, "TABLE3_2021", specs)


def test_eval_command_passes_then_fails_on_a_planted_regression(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ok = runner.invoke(app, ["eval", "--no-adversary", "--no-generated", "--json", str(tmp_path / "before.json")])
    assert ok.exit_code == 0, ok.stdout
    assert "ratchet: every metric at or above its floor" in ok.stdout

    _break_label(monkeypatch, "denied_process_info")
    broken = runner.invoke(
        app,
        [
            "eval",
            "--no-adversary",
            "--no-generated",
            "--json",
            str(tmp_path / "after.json"),
            "--compare",
            str(tmp_path / "before.json"),
        ],
    )
    assert broken.exit_code == 1
    assert "RATCHET FAILED" in broken.stdout and "cell_accuracy" in broken.stdout
    assert re.search(r"WORSE\s+seed_000_wushan_2024: verified_correct → caught", broken.stdout)


def test_history_appends_one_line_per_run(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    for _ in range(2):
        result = runner.invoke(app, ["eval", "--no-adversary", "--no-generated", "--history", str(history)])
        assert result.exit_code == 0
    lines = history.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[-1])["backend"] == "rules"


def test_compare_reports_no_change_for_the_same_run() -> None:
    summary = run(golden_cases())
    assert "no case changed" in compare(summary, summary)


@pytest.mark.parametrize("with_libreoffice", [True, False])
def test_generated_corpus_has_renderings_and_planted_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_libreoffice: bool
) -> None:
    """Which renderings exist depends on what is installed: LibreOffice's PDF and .doc (and their scans)
    need it; the real PDF's scan needs only the OCR extra (a bare clone without LibreOffice has it). The plan
    is checked whole; one job of each format is made (the eval makes them all, in CI)."""
    import nianbao.evals.cases

    if not with_libreoffice:
        monkeypatch.setattr(nianbao.evals.cases, "libreoffice", lambda: None)
    jobs = plan(golden_cases(), tmp_path)
    cases = golden_cases() + [c for job in jobs for c in job.cases]
    kinds = {c.kind for c in cases}
    assert kinds == {"golden", "rendered", "planted"}
    planted = [c for c in cases if c.kind == "planted"]
    assert planted and all(c.expected_reason == "source_inconsistent" for c in planted)
    lo = nianbao.evals.cases.libreoffice() is not None

    made = {"html", "docx", "pdf", "txt", "md_apart", "md_first", "txt_cut"} | ({"lo_pdf", "doc"} if lo else set())
    made |= {"scan"} if ocr_available() else set()  # the real PDF printed and scanned: OCR alone
    made |= {"scan200"} if lo and ocr_available() else set()
    from nianbao.evals.scan_builders import BUILDERS, builder_available

    made |= {f"scan_{b}" for b in BUILDERS if builder_available(b)} if ocr_available() else set()
    from nianbao.evals.cases import STYLED_SCANS

    styled = {f"styled_{b}" for b, _style, _family in STYLED_SCANS if builder_available(b)}
    made |= styled if ocr_available() else set()
    made |= {"scan_web"} if ocr_available() and builder_available("chromium") else set()
    assert {c.format for c in cases if c.kind == "rendered"} == made
    # the real web pages printed and scanned: each page plain, and degraded by a family in turn
    web = sorted((c.name.split("/")[0], c.variant) for c in cases if c.format == "scan_web")
    pages = sorted(g.name for g in golden_cases() if g.format == "html" and not g.expected_outcome)
    assert [name for name, _ in web] == sorted(pages * 2) if "scan_web" in made else not web
    assert {v for _, v in web} <= {"plain", *nianbao.evals.cases.WEB_PAGE_FAMILIES}
    degraded = [c for c in cases if c.format.startswith("scan_")]
    # every builder that can run here, each under four degradation families; right or rejected, never wrong
    assert all(c.expected_outcome == "caught" and c.layout for c in degraded)
    # tables without trustworthy inner rules: each style by two builders where both can run here
    drawn = {(c.format, c.variant) for c in cases if c.format.startswith("styled_")}
    assert len(drawn) == len([b for b, _s, _f in STYLED_SCANS if builder_available(b)] if ocr_available() else [])
    assert len({c.path for c in cases}) == len(cases), "each case a file of its own"
    # nothing is made by planning; the first job of each format makes every file it plans (once: the same
    # makers either way)
    assert not any(tmp_path.iterdir())
    if not with_libreoffice:
        return
    first = {job.cases[0].format: job for job in reversed(jobs)}
    for job in first.values():
        job.make()
        assert all(c.path.is_file() and c.path.stat().st_size > 0 for c in job.cases), job.cases[0].name


def test_a_declared_known_limit_stays_outside_the_floors_only_while_it_is_caught() -> None:
    from nianbao.evals.run import CaseResult, _share

    def result(outcome: str, known: bool, right: int) -> CaseResult:
        return CaseResult(
            "c", "golden", "md", "as published", "2021", "rejected", None, outcome, 10, right,
            {"2": True, "3": right == 10, "4": True}, right == 10, known_limit=known,
        )  # fmt: skip

    share = _share([result("verified_correct", False, 10), result("caught", True, 4)])
    assert share["cell_accuracy"] == 1.0 and share["known_limits"][0]["cell_accuracy"] == 0.4
    share = _share([result("verified_correct", False, 10), result("silent_error", False, 4)])
    assert share["silent_errors"] == 1 and share["cell_accuracy"] == 0.7


def test_kewei_reads_every_printed_cell_and_its_blank_total_from_the_identities_and_narrative() -> None:
    """Once a declared known limit (labels printed apart): now read by the template's order, every cell as
    the truth has it; the one total table 3 prints blank is forced by the identities and stated by the
    narrative ("转下一年度办理答复的有 1 件"), so the report verifies."""
    summary = run([c for c in golden_cases() if c.name == "dev_sh_kewei_2024_md"])
    (case,) = summary["cases"]
    assert not case["known_limit"] and case["outcome"] == "verified_correct" and case["report_exact"]


def test_eval_outside_a_checkout_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nianbao.evals.cases as cases

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cases, "CHECKOUT_GOLDENS", tmp_path / "nowhere")  # as from an installed wheel
    result = runner.invoke(app, ["eval"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "--goldens DIR" in result.stderr
    wrong = runner.invoke(app, ["eval", "--goldens", str(tmp_path)])
    assert wrong.exit_code == 2 and "not a folder of golden cases" in wrong.stderr


def test_eval_with_explicit_goldens_and_no_ratchet_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    folder = tmp_path / "g"
    shutil.copytree(GOLDENS / "seed_000_wushan_2024", folder / "seed_000_wushan_2024")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["eval", "--no-adversary", "--goldens", str(folder), "--no-generated"])
    assert result.exit_code == 0, result.stdout
    assert "ratchet: not checked" in result.stdout
