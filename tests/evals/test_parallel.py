"""The eval in worker processes: the same results, in the same order, as one by one — the cases (a scan's OCR
included), the adversary suite and the lift (each worker with its own server on 127.0.0.1), the corpus."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nianbao.evals.adversary import SuiteCase, run_suite
from nianbao.evals.cases import EvalCase, generated_cases, golden_cases, ocr_available
from nianbao.evals.corpus import render, scan_pdf
from nianbao.evals.lift import lift_cases, run_lift
from nianbao.evals.parallel import in_order
from nianbao.evals.run import longest_first, run
from tests.conftest import GOLDENS

GOLDEN = golden_cases(GOLDENS)
BY_NAME = {c.name: c for c in GOLDEN}


def _square_or_die(n: int) -> int:
    if n == 3:
        os._exit(1)  # as the out-of-memory killer ends a worker
    return n * n


def test_results_come_back_in_the_items_order_whatever_order_they_are_sent_in() -> None:
    items = list(range(8))
    assert in_order(_square_or_die, items, 2, send_first=items[::-1]) == [0, 1, 4, None, 16, 25, 36, 49]
    assert in_order(_square_or_die, [5, 6], 1) == [25, 36]  # one worker: here, one by one
    with pytest.raises(ValueError, match="every item once"):
        in_order(_square_or_die, items, 2, send_first=[0, 1])


def _without_times(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in case.items() if k != "seconds"} for case in summary["cases"]]


def test_an_eval_in_two_workers_gives_what_one_by_one_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = list(GOLDEN)
    if ocr_available():  # a scan among them, sent first: OCR in a worker
        seed = BY_NAME["seed_000_wushan_2024"]
        scan = tmp_path / "seed_000.scan.pdf"
        scan.write_bytes(scan_pdf(render(seed.truth, "pdf", "plain").data, 150, "test_parallel"))
        cases.append(replace(seed, name="seed_000/scan", kind="rendered", format="scan", variant="plain", path=scan))
        assert longest_first(cases)[0] == len(cases) - 1
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "one"))
    one = run(cases, workers=1)
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "two"))  # empty: the worker reads the scan itself
    two = run(cases, workers=2)
    assert [c["name"] for c in two["cases"]] == [c.name for c in cases]
    assert _without_times(two) == _without_times(one)
    assert {k: v for k, v in two["overall"].items() if k != "seconds"} == {
        k: v for k, v in one["overall"].items() if k != "seconds"
    }


def test_the_adversary_suite_in_two_workers_each_with_its_server_gives_what_one_server_gives() -> None:
    cases = [SuiteCase(c.name, c.path, c.truth) for c in GOLDEN if c.name.startswith(("seed_000", "dev_pt_gwh"))]
    policies = ("oracle", "off_by_one", "obey_injection", "wrong_then_right")
    one, two = (run_suite(cases, policies, ("json_schema",), workers=n) for n in (1, 2))
    assert two["results"] == one["results"] and two["by_policy"] == one["by_policy"]
    assert any(r["policy"] == "obey_injection" for r in two["results"])  # planted once, read by either worker
    assert two["failed"] == 0 and two["verified_wrong"] == 0


def test_the_lift_in_two_workers_gives_what_one_by_one_gives(tmp_path: Path) -> None:
    cases = [c for c in lift_cases([BY_NAME["seed_000_wushan_2024"]], tmp_path) if "run_together" in c.name]
    one, two = (run_lift(cases, ("split_leftover",), workers=n) for n in (1, 2))
    assert two["cases"] == one["cases"] and two["overall"] == one["overall"]
    assert two["by_adversary"] == one["by_adversary"]


def test_the_corpus_made_in_two_workers_is_the_one_made_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nianbao.evals.cases

    # the quick renderings only (LibreOffice, Chromium and the scans take seconds each: the eval's own run)
    monkeypatch.setattr(nianbao.evals.cases, "libreoffice", lambda: None)
    monkeypatch.setattr(nianbao.evals.cases, "ocr_available", lambda: False)
    golden = [BY_NAME["seed_000_wushan_2024"]]
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one, two = generated_cases(golden, tmp_path / "one"), generated_cases(golden, tmp_path / "two", workers=2)

    def files(cases: list[EvalCase], root: Path) -> list[tuple[str, str, bytes]]:
        # a .docx and a reportlab PDF are stamped with the time they were made: their size stands for them
        return [
            (c.name, c.path.relative_to(root).as_posix(), b"%d" % len(c.path.read_bytes())
             if c.path.suffix in (".docx", ".pdf") else c.path.read_bytes())
            for c in cases
        ]  # fmt: skip

    assert files(two, tmp_path / "two") == files(one, tmp_path / "one")
    assert len(one) == 44  # 4 formats × 7 variants (but PDF full-width) + 2 planted each, 3 layouts × 3


def test_the_default_is_the_cores_fewer_where_memory_would_not_hold_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import nianbao.evals.parallel as parallel

    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    monkeypatch.setattr(parallel, "_available_memory", lambda: 64 << 30)
    assert parallel.default_workers() == 4
    monkeypatch.setattr(parallel, "_available_memory", lambda: 5 * parallel.WORKER_MEMORY // 2)
    assert parallel.default_workers() == 2
    monkeypatch.setattr(parallel, "_available_memory", lambda: 1 << 20)
    assert parallel.default_workers() == 1
