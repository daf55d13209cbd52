"""The ratchet: floors (and the silent-error ceiling) that an eval must meet, which may only tighten.

``evals/thresholds.toml`` holds them; CI fails when a metric falls below its floor or a silent error
appears. :func:`check_history` reads every committed version of the file and fails if any floor was
ever lowered (or the ceiling raised).
"""

from __future__ import annotations

import itertools
import subprocess
import tomllib
from pathlib import Path
from typing import Any

# The source checkout's ratchet file; ``nianbao eval`` looks beside the goldens it was given.
THRESHOLDS = Path(__file__).resolve().parents[2] / "evals" / "thresholds.toml"


def beside(goldens: Path) -> Path:
    """The ratchet file of a checkout whose goldens are ``goldens``: ``<repo>/evals/thresholds.toml``."""
    return goldens.resolve().parent / "evals" / "thresholds.toml"


def load(path: Path = THRESHOLDS) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def _metric(summary: dict[str, Any], dotted: str) -> float:
    """``cell_accuracy`` (of the whole corpus) or ``by_format.doc.report_exact`` (of one breakdown)."""
    obj: Any = summary if dotted.startswith("by_") else summary["overall"]
    for part in dotted.split("."):
        obj = obj[part]
    return float(obj)


def check(summary: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """What fails the ratchet, in words; empty when the run passes."""
    failures = []
    for name, floor in thresholds.get("floors", {}).items():
        if name.startswith("by_"):
            try:
                value = _metric(summary, name)
            except KeyError:  # a breakdown this machine cannot produce (no LibreOffice): see not_measured()
                continue
        else:
            value = _metric(summary, name)
        if value < floor:
            failures.append(f"{name} = {value:.4f}, below its floor {floor}")
    for name, ceiling in thresholds.get("ceilings", {}).items():
        try:
            value = _metric(summary, name)
        except KeyError:  # not measured in this run (``nianbao eval --no-adversary``)
            continue
        if value > ceiling:
            failures.append(f"{name} = {value:g}, above its ceiling {ceiling}")
    return failures


def check_history(versions: list[dict[str, Any]]) -> list[str]:
    """Versions oldest first; a floor may only go up, a ceiling only down, and neither may disappear."""
    failures = []
    for older, newer in itertools.pairwise(versions):
        for kind, worse in (("floors", float.__lt__), ("ceilings", float.__gt__)):
            for name, value in older.get(kind, {}).items():
                if name not in newer.get(kind, {}):
                    failures.append(f"{kind[:-1]} {name} was removed")
                elif worse(float(newer[kind][name]), float(value)):
                    failures.append(f"{kind[:-1]} {name} moved from {value} to {newer[kind][name]}")
    return failures


def committed_versions(path: Path = THRESHOLDS) -> list[dict[str, Any]]:
    """Every committed version of the thresholds file along the branch's own line (first parents), oldest
    first, then the working copy. A merged branch's own commits are left out: listed by date among the other
    line's, a branch begun before a floor was added looks as if it removed it (a merge brings both back);
    a floor a branch lowered still shows at the merge that brings it in."""
    repo = path.parent.parent
    rel = path.relative_to(repo).as_posix()
    shas = subprocess.run(
        ["git", "log", "--first-parent", "--format=%H", "--", rel], cwd=repo, capture_output=True, text=True,
        check=True,
    ).stdout.split()  # fmt: skip
    versions = []
    for sha in reversed(shas):
        text = subprocess.run(
            ["git", "show", f"{sha}:{rel}"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        versions.append(tomllib.loads(text))
    versions.append(load(path))
    return versions


def not_measured(summary: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Breakdown floors this run could not measure (their inputs need a tool this machine lacks)."""
    out = []
    for name in thresholds.get("floors", {}):
        if name.startswith("by_llm_layout.") and "llm_lift" not in summary:
            continue  # the LLM path's floors are measured with the adversary suite (--adversary)
        if name.startswith("by_"):
            try:
                _metric(summary, name)
            except KeyError:
                out.append(name)
    return out
