"""The ``nianbao`` command: output, exit status, and one bad file never stopping the others."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from tests.conftest import ROOT, golden_cases, plant, seed_text

runner = CliRunner()
SOURCES = [str(c.source) for c in golden_cases() if c.name.startswith("seed_")]


def _lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_extract_seeds_prints_one_json_per_report_and_exits_0() -> None:
    result = runner.invoke(app, ["extract", *SOURCES])
    assert result.exit_code == 0, result.stderr
    records = _lines(result.stdout)
    assert len(records) == 5
    for record, case in zip(records, [c for c in golden_cases() if c.name.startswith("seed_")], strict=True):
        assert record["status"] == "verified"
        assert {k: record[k] for k in case.expected} == case.expected
        assert "provenance" in record and "violations" in record
    assert "5 verified, 0 rejected, 0 failed" in result.stderr


def test_bad_files_are_named_and_the_batch_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    prose = tmp_path / "prose.txt"
    prose.write_text("一、总体情况\n本年度我单位依法公开政府信息。", encoding="utf-8")
    text = seed_text("seed_000")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.index("（四）无法提供")], encoding="utf-8")
    missing = tmp_path / "missing.txt"
    files = [str(empty), SOURCES[0], str(binary), str(prose), str(cut), str(missing), SOURCES[1]]

    result = runner.invoke(app, ["extract", *files])
    assert result.exit_code == 3  # some files failed
    records = _lines(result.stdout)
    assert [r["status"] for r in records] == [
        "failed",
        "verified",
        "failed",
        "failed",
        "rejected",
        "failed",
        "verified",
    ]
    err = result.stderr
    assert f"{empty}: failed — file is empty" in err
    assert f"{binary}: failed — binary content" in err
    assert f"{prose}: failed — no statistical tables found" in err
    assert f"{cut}: rejected (extraction_unverified)" in err
    assert f"{missing}: failed — file not found" in err
    assert "7 file(s): 2 verified, 1 rejected, 4 failed" in err


def test_out_dir_then_verify(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", "--out", str(out), *SOURCES])
    assert result.exit_code == 0
    assert result.stdout == ""
    written = sorted(out.glob("*.json"))
    assert len(written) == 5  # goldens/*/source.txt share a stem: names are made unique
    verified = runner.invoke(app, ["verify", *map(str, written)])
    assert verified.exit_code == 0, verified.stderr
    assert "5 file(s): 5 verified" in verified.stderr


def test_verify_catches_an_edited_value(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["extract", "--out", str(out), SOURCES[0]])
    (saved,) = out.glob("*.json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["applications"]["granted"]["natural_person"] = 10
    saved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(saved)])
    assert result.exit_code == 1
    (record,) = _lines(result.stdout)
    rules = {v["rule"] for v in record["violations"]}
    assert {"grounding", "t3_row_total", "t3_results_sum"} <= rules
    assert "(was verified)" in result.stderr


def test_verify_without_the_source_checks_stored_excerpts(tmp_path: Path, write_report: Callable[..., Path]) -> None:
    src = write_report(seed_text("seed_004"))
    out = tmp_path / "out"
    runner.invoke(app, ["extract", "--out", str(out), str(src)])
    src.unlink()
    result = runner.invoke(app, ["verify", *map(str, out.glob("*.json"))])
    assert result.exit_code == 0
    assert "grounding checked against stored excerpts only" in result.stderr


def test_verify_from_another_folder_finds_a_source_recorded_by_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proj" / "reports").mkdir(parents=True)
    (tmp_path / "proj" / "reports" / "a.txt").write_bytes(Path(SOURCES[0]).read_bytes())
    monkeypatch.chdir(tmp_path / "proj")
    assert runner.invoke(app, ["extract", "reports/a.txt", "--out", "out"]).exit_code == 0
    assert json.loads((tmp_path / "proj" / "out" / "a.json").read_text(encoding="utf-8"))["source"]["path"] == (
        "reports/a.txt"
    )
    for where in (tmp_path, tmp_path / "proj"):  # from elsewhere, and from where it ran
        monkeypatch.chdir(where)
        result = runner.invoke(app, ["verify", str(tmp_path / "proj" / "out" / "a.json")])
        assert result.exit_code == 0 and "stored excerpts only" not in result.stderr, result.stderr


def test_extract_of_an_empty_folder_says_nothing_matched(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["extract", str(tmp_path / "empty")])
    assert result.exit_code == 3
    assert f"{tmp_path / 'empty'}: failed — a folder holding no report file" in result.stderr


def test_verify_rejects_json_that_is_not_a_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"status": "verified", "applications": {"granted": {"natural_person": "many"}}}', encoding="utf-8")
    notjson = tmp_path / "not.json"
    notjson.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bad), str(notjson)])
    assert result.exit_code == 3  # neither could be verified at all
    assert f"{bad}: failed — does not match the schema: applications.granted.natural_person" in result.stderr
    assert f"{notjson}: failed — not a JSON file" in result.stderr


def test_source_inconsistent_exits_1_with_the_reason(write_report: Callable[..., Path]) -> None:
    text = plant(seed_text("seed_001"), "(七) 总计\t\t35\t0\t0\t0\t0\t1\t36", "(七) 总计\t\t35\t0\t0\t0\t0\t1\t37")
    result = runner.invoke(app, ["extract", str(write_report(text))])
    assert result.exit_code == 1
    assert "rejected (source_inconsistent)" in result.stderr


def test_console_script_runs_as_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "extract", SOURCES[2]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (record,) = _lines(proc.stdout)
    assert record["active_disclosure"]["regulations"] == {"issued": None, "repealed": None, "in_force": None}


def test_without_an_endpoint_auto_behaves_as_before_and_rejects_what_rules_cannot_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("OPENAI_BASE_URL", "NIANBAO_MODEL", "OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)
    seeds = runner.invoke(app, ["extract", *SOURCES])  # --backend auto is the default
    assert seeds.exit_code == 0 and "LLM:" not in seeds.stderr
    source = next(c.source for c in golden_cases() if c.name == "dev_sh_kewei_2024_md")
    # 上海市科委 2024 without the sentence that states its blank 结转下年度 总计: table 3 cannot be read whole
    text = source.read_text(encoding="utf-8")
    assert text.count("转下一\n年度办理答复的有 1 件") == 1
    kewei = str(tmp_path / "kewei.md")
    Path(kewei).write_text(text.replace("转下一\n年度办理答复的有 1 件", "其余均已办结"), encoding="utf-8")
    result = runner.invoke(app, ["extract", kewei])
    assert result.exit_code == 1
    (record,) = _lines(result.stdout)
    (no_llm,) = [v for v in record["violations"] if v["rule"] == "no_llm"]
    # table 2 prints its rows out of the template's order and is read where they stand; table 3 is not read
    assert no_llm["message"].startswith("no LLM configured: table(s) 3 could not be read")
    rules_only = runner.invoke(app, ["extract", "--backend", "rules", kewei])
    assert not [v for v in _lines(rules_only.stdout)[0]["violations"] if v["rule"] == "no_llm"]


def test_llm_backend_without_an_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_BASE_URL", "NIANBAO_MODEL", "OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)
    result = runner.invoke(app, ["extract", "--backend", "llm", SOURCES[0]])
    assert result.exit_code == 2 and "--backend llm needs an endpoint" in result.stderr
    bad = runner.invoke(
        app,
        [
            "extract",
            "--backend",
            "llm",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "--llm-mode",
            "json",
            SOURCES[0],
        ],
    )
    assert bad.exit_code == 2 and "json_schema" in bad.stderr and "tools" in bad.stderr  # the choices, named


def test_extract_with_workers_keeps_input_order_and_results(tmp_path: Path) -> None:
    files = [*SOURCES, *SOURCES]  # ten files, in a known order
    one = runner.invoke(app, ["extract", "--backend", "rules", "--workers", "1", *files])
    two = runner.invoke(app, ["extract", "--backend", "rules", "--workers", "2", *files])
    assert one.exit_code == two.exit_code == 0
    assert [json.loads(x)["source"]["path"] for x in two.stdout.splitlines()] == files
    assert one.stdout == two.stdout  # the same bytes, whichever process made them
    pretty = runner.invoke(app, ["extract", "--backend", "rules", "--indent", "2", SOURCES[0]])
    assert pretty.stdout.startswith("{\n  ")


def test_extract_reads_folders_and_globs_as_run_does(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i, source in enumerate(SOURCES[:3]):
        (folder / ("sub" if i == 2 else "") / f"r{i}.txt").write_text(Path(source).read_text(encoding="utf-8"))
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a report suffix: left out
    result = runner.invoke(app, ["extract", str(folder), str(tmp_path / "none*.txt")])
    assert result.exit_code == 3  # the glob matched nothing: a failed input, named
    paths = [r["source"]["path"] for r in _lines(result.stdout)]  # type: ignore[index]
    assert paths == [str(folder / "r0.txt"), str(folder / "r1.txt"), str(folder / "sub" / "r2.txt")]
    assert f"{tmp_path / 'none*.txt'}: failed — no file matches this pattern" in result.stderr
    assert "skipped: 1 file(s) not of a report format: 1 .json" in result.stderr
    assert "4 file(s): 3 verified, 0 rejected, 1 failed" in result.stderr
