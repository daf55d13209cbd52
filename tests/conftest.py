from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The test process OCRs in-process and later forks worker pools: it runs ONNX Runtime unless a test asks for
# OpenVINO (in a child process), whose threads a forked child must not inherit (a SIGSEGV seen in the suite).
os.environ.setdefault("NIANBAO_OCR_RUNTIME", "onnxruntime")

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "goldens"


@dataclass(frozen=True)
class GoldenCase:
    name: str
    source: Path
    expected: dict[str, Any]
    meta: dict[str, Any]


def golden_cases() -> list[GoldenCase]:
    cases = []
    for case_dir in sorted(p for p in GOLDENS.iterdir() if (p / "expected.json").is_file()):
        meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
        cases.append(
            GoldenCase(
                case_dir.name,
                (case_dir / meta["source"]).resolve(),
                json.loads((case_dir / "expected.json").read_text(encoding="utf-8")),
                meta,
            )
        )
    return cases


def seed_text(prefix: str) -> str:
    """Raw text of the golden seed whose directory starts with ``prefix`` (e.g. ``seed_000``)."""
    (case,) = [c for c in golden_cases() if c.name.startswith(prefix)]
    return case.source.read_text(encoding="utf-8")


def plant(text: str, old: str, new: str) -> str:
    """Replace one exact, unique passage of a source: a planted change must hit where the test means."""
    assert text.count(old) == 1, f"passage to plant must occur exactly once: {old!r}"
    return text.replace(old, new)


@pytest.fixture
def write_report(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(text: str, name: str = "report.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


# The slowest files first: the tests run in two or more processes a file each (pyproject's addopts), and the
# llama.cpp server's file (minutes of a tiny model's tokens) started last was the run's tail, alone.
FIRST = ("tests/extractor/llm/test_llama_server.py", "tests/nianbao/test_cluster.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return FIRST.index(path) if path in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order
