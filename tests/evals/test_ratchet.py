"""The ratchet fails a run below its floors, and its floors never go down in the repository's history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nianbao.evals import ratchet


def _summary(**overall: object) -> dict[str, object]:
    base = {
        "cell_accuracy": 1.0,
        "report_exact": 1.0,
        "table_exact": {"2": 1.0, "3": 1.0, "4": 1.0},
        "source_inconsistent_flagged": 1.0,
        "silent_errors": 0,
        "adversary_verified_wrong": 0,
    }
    return {"overall": {**base, **overall}}


def test_a_run_at_the_floors_passes() -> None:
    assert ratchet.check(_summary(), ratchet.load()) == []


def test_a_metric_below_its_floor_fails() -> None:
    (failure,) = ratchet.check(_summary(cell_accuracy=0.5), ratchet.load())
    assert failure.startswith("cell_accuracy = 0.5000, below its floor")


def test_a_dotted_metric_below_its_floor_fails() -> None:
    (failure,) = ratchet.check(_summary(table_exact={"2": 1.0, "3": 0.1, "4": 1.0}), ratchet.load())
    assert failure.startswith("table_exact.3")


def test_one_answer_of_the_adversary_verified_wrong_fails() -> None:
    (failure,) = ratchet.check(_summary(adversary_verified_wrong=1), ratchet.load())
    assert "adversary_verified_wrong = 1, above its ceiling 0" in failure


def test_one_silent_error_fails() -> None:
    (failure,) = ratchet.check(_summary(silent_errors=1), ratchet.load())
    assert "silent_errors = 1, above its ceiling 0" in failure


def test_history_rejects_a_lowered_floor_or_raised_ceiling() -> None:
    v1 = {"floors": {"cell_accuracy": 0.99}, "ceilings": {"silent_errors": 0}}
    v2 = {"floors": {"cell_accuracy": 0.98}, "ceilings": {"silent_errors": 1}}
    v3 = {"floors": {}, "ceilings": {"silent_errors": 0}}
    assert ratchet.check_history([v1, v1]) == []
    assert ratchet.check_history([v1, v2]) == [
        "floor cell_accuracy moved from 0.99 to 0.98",
        "ceiling silent_errors moved from 0 to 1",
    ]
    assert ratchet.check_history([v1, v3]) == ["floor cell_accuracy was removed"]


@pytest.mark.skipif(
    shutil.which("git") is None or not (Path(__file__).resolve().parents[2] / ".git").exists(),
    reason="needs the repository's git history (CI runs in a clone)",
)
def test_floors_only_ever_went_up_in_the_committed_history() -> None:
    versions = ratchet.committed_versions()
    assert versions, "thresholds.toml must exist"
    assert ratchet.check_history(versions) == []
