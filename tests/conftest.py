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


# Tests run in two or more processes (pyproject's addopts: pytest-xdist, --dist loadgroup), a test at a time,
# but a file whose module fixture starts a server, a cluster or a browser goes to one process whole (the
# fixture made once). The slowest files first: started last, the llama.cpp server's file (minutes of a tiny
# model's tokens) was the run's tail, alone.
WHOLE = (
    "tests/extractor/llm/test_llama_server.py",
    "tests/nianbao/test_cluster.py",
    "tests/nianbao/test_review_web.py",
    "tests/evals/test_adversary.py",
)
FIRST = WHOLE[:2]


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return FIRST.index(path) if path in FIRST else len(FIRST)

    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in WHOLE:
            item.add_marker(pytest.mark.xdist_group(path))
    items.sort(key=rank)  # stable: each file's tests keep their order
