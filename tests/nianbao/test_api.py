"""The public Python API: what ``import nianbao`` offers, and that it gives what the CLI writes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nianbao
from nianbao.cli import app
from tests.conftest import GOLDENS, ROOT, plant, seed_text

SEED_000 = GOLDENS / "seed_000_wushan_2024" / "source.txt"
PINGTAN_TXT = GOLDENS / "dev_pingtan_2021_txt" / "source.txt"


def test_exported_members() -> None:
    # as httpx tests its __all__: every public name resolves, and nothing else is promised
    assert sorted(nianbao.__all__) == sorted(
        [
            "BinaryFileError", "DecodingError", "EmptyFileError", "EvalSetupError", "ExportError",
            "ExtractionError", "InputError", "InternalError", "LLMConfig", "LLMError", "NianbaoError", "NoTablesError",
            "Provenance", "Record", "RecordError", "Report", "ReviewError", "Span", "Store", "StoreError",
            "UnreadableFileError", "UnsupportedFormatError", "UnsupportedTemplateError", "UsageError", "Violation",
            "__version__", "extract", "verify",
        ]
    )  # fmt: skip
    for name in nianbao.__all__:
        assert getattr(nianbao, name) is not None
    with pytest.raises(AttributeError):
        _ = nianbao.no_such_member  # type: ignore[attr-defined]


def test_every_error_is_a_nianbao_error_and_carries_only_its_own_context() -> None:
    errors = [getattr(nianbao, n) for n in nianbao.__all__ if n.endswith("Error")]
    assert all(issubclass(e, nianbao.NianbaoError) for e in errors)
    base = nianbao.InputError("file is empty", file="x.txt")
    assert str(base) == "x.txt: file is empty" and not hasattr(base, "attempts") and not hasattr(base, "usage")
    llm = nianbao.LLMError("LLM endpoint refused the request (HTTP 503)", attempts=2, usage={"prompt_tokens": 9})
    assert llm.attempts == 2 and llm.usage == {"prompt_tokens": 9} and "after 2 attempts" in str(llm)
    assert llm.to_dict()["attempts"] == 2 and "attempts" not in base.to_dict()


def test_extract_a_file_is_what_the_cli_writes() -> None:
    result = nianbao.extract(SEED_000)
    assert isinstance(result, nianbao.Record) and result.status == "verified"
    cli = CliRunner().invoke(app, ["extract", str(SEED_000)])
    assert cli.exit_code == 0
    assert json.loads(cli.stdout) == json.loads(result.to_json())


def test_extract_text_and_a_str_path(write_report: Callable[..., Path]) -> None:
    by_text = nianbao.extract(seed_text("seed_000"))
    by_path = nianbao.extract(str(SEED_000))
    assert by_text.status == by_path.status == "verified"
    assert by_text.export() == by_path.export()
    assert by_text.source is not None and by_text.source.path == "<text>"


def test_extract_defaults_to_auto_and_says_no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_BASE_URL", "NIANBAO_MODEL", "OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)
    result = nianbao.extract(PINGTAN_TXT)  # its 规范性文件 row is unreadable by the rules
    assert result.status == "rejected"
    assert any(v.rule == "no_llm" for v in result.errors)
    assert not any(v.rule == "no_llm" for v in nianbao.extract(PINGTAN_TXT, backend="rules").errors)


def test_extract_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(nianbao.UnreadableFileError) as info:
        nianbao.extract(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(nianbao.UsageError):
        nianbao.extract(SEED_000, backend="gpt")


def test_verify_keeps_a_rejected_extraction_rejected() -> None:
    rejected = nianbao.extract(PINGTAN_TXT, backend="rules")
    assert rejected.status == "rejected"
    again = nianbao.verify(rejected)
    assert again.status == "rejected"
    assert any(v.rule == "ambiguous" and v.severity == "error" for v in again.violations)


def test_verify_catches_an_edited_value_against_source_text() -> None:
    result = nianbao.extract(SEED_000)
    data = json.loads(result.to_json())
    data["applications"]["granted"]["natural_person"] += 1
    edited = nianbao.Record.model_validate(data)
    checked = nianbao.verify(edited, source_text=seed_text("seed_000"))
    assert checked.status == "rejected" and edited.status == "verified"  # a new record; the input is unchanged


def test_verify_of_a_planted_source_error_is_source_inconsistent() -> None:
    text = plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n")
    result = nianbao.extract(text)
    assert (result.status, result.reason) == ("rejected", "source_inconsistent")
    assert nianbao.verify(result, source_text=text).reason == "source_inconsistent"


def test_store_is_public(tmp_path: Path) -> None:
    with nianbao.Store(tmp_path / "s.db") as store:
        assert store.counts() == {} or isinstance(store.counts(), dict)


def test_version_option() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith(f"nianbao {nianbao.__version__}")


def test_wheel_holds_one_top_level_package(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("nianbao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"nianbao"}
    for packaged in ("nianbao/py.typed", "nianbao/prompts/v1/system.md", "nianbao/templates/report.html"):
        assert packaged in names
