"""Run extraction over the eval corpus and score it against the truth.

Scoring, per case:

* **cells** — every value of tables 2–4 of the case's template; ``null`` vs ``0`` is a difference,
  except for a zero that the file prints blank, where ``null`` or an inferred 0 is right (the file does
  not say), and for cells the case records as undeterminable from its file (they must come back
  ``null`` with an ``ambiguous`` violation).
* **outcome** — ``verified_correct``; ``expected_rejection`` (rejected, correct, and the file deserves
  it: its own arithmetic, undeterminable or blank cells); ``caught`` (wrong and rejected);
  ``false_alarm`` (correct but rejected without cause); ``silent_error`` (verified but wrong — the number
  that matters); ``failed`` (no extraction at all).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError, UsageError
from nianbao.evals.cases import EvalCase
from nianbao.evals.corpus import ZERO_VARIANTS, matches
from nianbao.evals.parallel import in_order
from nianbao.pipeline import extract_file
from nianbao.schema import Record, flatten, table_of

OUTCOMES = ("verified_correct", "expected_rejection", "caught", "false_alarm", "silent_error", "failed")


@dataclass
class CaseResult:
    name: str
    kind: str
    format: str
    variant: str
    template: str
    status: str
    reason: str | None
    outcome: str
    cells: int
    cells_correct: int
    tables_exact: dict[str, bool]
    report_exact: bool
    wrong_cells: list[str] = field(default_factory=list)
    expected_reason: str | None = None
    source_flagged: bool | None = None
    seconds: float = 0.0
    llm_used: bool = False
    tokens: int = 0
    error: str | None = None
    known_limit: bool = False  # declared "caught" in case.json, and caught (or failed): outside the floors
    cells_misread: int = 0  # cells given a value other than the truth (not merely left blank)
    needed_llm: bool = False  # the rules could not read it (asked the LLM, or would have)
    layout: str = ""


def score(case: EvalCase, record: Record) -> CaseResult:
    truth, got = flatten(case.truth), flatten(record.report()) if record.template == case.template else {}
    flagged = {c for v in record.violations if v.rule == "ambiguous" for c in v.cells}
    wrong: list[str] = []
    misread = 0
    per_table: dict[str, bool] = {"2": True, "3": True, "4": True}
    for path, want in truth.items():
        have = got.get(path)
        if path in case.unresolvable:
            ok = have is None and path in flagged
        else:
            prov = record.provenance.get(path)
            ok = matches(
                want, have, case.variant if case.variant in ZERO_VARIANTS else "plain", prov.method if prov else None
            )
        if not ok:
            misread += have is not None
            wrong.append(f"{path}: expected {want}, got {have}")
            per_table[str(table_of(path))] = False
    identity_ok = (record.agency, record.year) == (case.truth.agency, case.truth.year)
    correct = not wrong and identity_ok
    if not identity_ok:
        wrong.insert(0, f"identity: expected {case.truth.agency} {case.truth.year}, got {record.agency} {record.year}")
    deserved = case.expected_reason is not None
    if record.status == "verified":
        outcome = "verified_correct" if correct else "silent_error"
    elif not correct:
        outcome = "caught"
    elif deserved and _deserved_as_said(case.expected_reason, record):
        outcome = "expected_rejection"
    else:
        outcome = "false_alarm"
    return CaseResult(
        name=case.name, kind=case.kind, format=case.format, variant=case.variant, template=case.template,
        status=record.status, reason=record.reason, outcome=outcome, cells=len(truth),
        cells_correct=len(truth) - sum(1 for w in wrong if not w.startswith("identity")),
        tables_exact=per_table, report_exact=correct, wrong_cells=wrong[:5], expected_reason=case.expected_reason,
        cells_misread=misread,
        source_flagged=(
            (record.reason == "source_inconsistent") if case.expected_reason == "source_inconsistent" else None
        ),
    )  # fmt: skip


def _deserved_as_said(expected: str | None, record: Record) -> bool:
    """A report whose own arithmetic fails is said to be so (``source_inconsistent``) — except on a scan,
    where a misread breaks an identity the same way: there it must say that it cannot tell."""
    if expected == "source_inconsistent":
        return record.reason == "source_inconsistent"
    if expected == "source_inconsistent_on_scan":
        return record.reason == "extraction_unverified" and any(v.rule == "ocr_unconfirmed" for v in record.violations)
    return True


def run_case(case: EvalCase, backend: str = "rules", llm: Any = None) -> CaseResult:
    start = time.perf_counter()
    try:
        record = extract_file(case.path, backend, llm)
    except NianbaoError as e:
        n = len(flatten(case.truth))
        return CaseResult(
            case.name, case.kind, case.format, case.variant, case.template, "failed", None, "failed", n, 0,
            {"2": False, "3": False, "4": False}, False, expected_reason=case.expected_reason,
            seconds=time.perf_counter() - start, error=e.reason, layout=case.layout,
            # a case declared "right or rejected" that fails outright (a degraded scan with no table left to
            # find) reaches a person as a rejection does: a known limit, never a silent error
            known_limit=case.expected_outcome == "caught",
        )  # fmt: skip
    result = score(case, record)
    result.layout = case.layout
    result.seconds = time.perf_counter() - start
    result.llm_used = bool(record.attempts)
    result.tokens = record.usage.total if record.usage else 0
    result.needed_llm = any(v.rule == "no_llm" for v in record.violations) or bool(record.attempts)
    result.known_limit = case.expected_outcome == "caught" and result.outcome == "caught"
    return result


def _share(all_results: list[CaseResult], *, with_known: bool = False) -> dict[str, Any]:
    """The figures of a set of cases; known limits apart (``with_known``: counted like any case)."""
    known = [r for r in all_results if r.known_limit and not with_known]
    results = [r for r in all_results if with_known or not r.known_limit]
    n = len(results)
    outcomes = Counter(r.outcome for r in results)
    cells = sum(r.cells for r in results)
    source = [r for r in results if r.expected_reason == "source_inconsistent"]
    return {
        "cases": n,
        "cell_accuracy": sum(r.cells_correct for r in results) / cells if cells else 1.0,
        "report_exact": sum(r.report_exact for r in results) / n if n else 1.0,
        "table_exact": {t: sum(r.tables_exact[t] for r in results) / n if n else 1.0 for t in ("2", "3", "4")},
        "outcomes": {o: outcomes.get(o, 0) for o in OUTCOMES},
        "silent_errors": outcomes.get("silent_error", 0),
        "source_inconsistent_cases": len(source),
        "source_inconsistent_flagged": sum(bool(r.source_flagged) for r in source) / len(source) if source else 1.0,
        "llm_share": sum(r.llm_used for r in results) / n if n else 0.0,
        "needed_llm_share": sum(r.needed_llm for r in all_results) / len(all_results) if all_results else 0.0,
        "tokens": sum(r.tokens for r in all_results),
        "tokens_per_llm_report": (sum(r.tokens for r in all_results) / max(1, sum(r.llm_used for r in all_results))),
        "seconds": sum(r.seconds for r in all_results),
        "known_limits": [
            {"name": r.name, "cell_accuracy": r.cells_correct / r.cells if r.cells else 1.0, "misread": r.cells_misread}
            for r in known
        ],
    }


def summarize(results: list[CaseResult], backend: str, wall: float) -> dict[str, Any]:
    by: dict[str, dict[str, list[CaseResult]]] = {
        "format": defaultdict(list),
        "layout": defaultdict(list),
        "template": defaultdict(list),
        "kind": defaultdict(list),
    }
    for r in results:
        by["format"][r.format].append(r)
        by["layout"][r.layout or "as published"].append(r)
        by["template"][r.template].append(r)
        by["kind"][r.kind].append(r)
    # the degraded scans of other builders: every case counted (rejected where the image cannot settle a
    # cell is allowed, so these are known limits outside the floors above), by builder and by degradation
    scans: dict[str, dict[str, list[CaseResult]]] = {
        "builder": defaultdict(list), "degradation": defaultdict(list), "table_style": defaultdict(list)
    }  # fmt: skip
    for r in results:
        if r.format.startswith("styled_"):  # tables drawn without trustworthy inner rules, by style
            scans["table_style"][r.variant].append(r)
        if r.format.startswith("scan_"):
            scans["builder"][r.format.removeprefix("scan_")].append(r)
            # (the real web pages' scans apart: an agency's name their scans cannot settle rejects them whatever
            # the damage — by builder only)
            if r.format != "scan_web":
                scans["degradation"][r.variant].append(r)
    return {
        "backend": backend,
        "wall_seconds": wall,
        "overall": _share(results),
        **{f"by_{k}": {name: _share(rs) for name, rs in sorted(groups.items())} for k, groups in by.items()},
        **{
            f"by_{k}": {name: _share(rs, with_known=True) for name, rs in sorted(groups.items())}
            for k, groups in scans.items()
        },
        "cases": [asdict(r) for r in results],
    }


def longest_first(cases: list[EvalCase]) -> list[int]:
    """The order to send the cases to a pool in: the scans first (OCR: seconds to a minute each, against
    milliseconds for a text report), the largest image first — so that the last scan does not start when
    the quick cases are already done — then the rest as listed."""

    def size(case: EvalCase) -> int:
        try:
            return case.path.stat().st_size
        except OSError:
            return 0

    scanned = [c.format.startswith(("scan", "styled_")) for c in cases]  # (styled_*: scans of unruled tables)
    scans = sorted((i for i, c in enumerate(cases) if scanned[i]), key=lambda i: -size(cases[i]))
    return scans + [i for i, c in enumerate(cases) if not scanned[i]]


def _died(case: EvalCase) -> CaseResult:
    """A case whose extraction killed its worker process (the out-of-memory killer, a native crash)."""
    return CaseResult(
        case.name, case.kind, case.format, case.variant, case.template, "failed", None, "failed",
        len(flatten(case.truth)), 0, {"2": False, "3": False, "4": False}, False,
        expected_reason=case.expected_reason, error="its worker process died", layout=case.layout,
    )  # fmt: skip


def run_cases(cases: list[EvalCase], backend: str = "rules", llm: Any = None, workers: int = 1) -> list[CaseResult]:
    """Every case's result, in the cases' order, extracted in ``workers`` processes (1: here, one by one)."""
    results = in_order(partial(run_case, backend=backend, llm=llm), cases, workers, send_first=longest_first(cases))
    return [r if r is not None else _died(c) for c, r in zip(cases, results, strict=True)]


def run(cases: list[EvalCase], backend: str = "rules", llm: Any = None, workers: int = 1) -> dict[str, Any]:
    if backend not in ("rules", "auto", "llm"):
        raise UsageError(f"unknown backend {backend!r}: rules, auto or llm")
    if backend == "llm" and llm is None:
        raise UsageError("backend llm needs an endpoint (--base-url/--model or $OPENAI_BASE_URL/$NIANBAO_MODEL)")
    start = time.perf_counter()
    results = run_cases(cases, backend, llm, workers)
    return summarize(results, backend, time.perf_counter() - start)


def evaluate(
    goldens: Path,
    backend: str = "rules",
    llm: Any = None,
    *,
    generated: bool = True,
    adversary: bool = True,
    workers: int = 1,
) -> dict[str, Any]:
    """The whole eval as ``nianbao eval`` runs it: the corpus made from the goldens, every case extracted and
    scored, and (``adversary``) the LLM path measured beside the rules — each phase's work in ``workers``
    processes. ``phases``: each one's wall seconds (the one figure that depends on ``workers``)."""
    from nianbao.evals.cases import all_cases

    phases: dict[str, float] = {}
    start = time.perf_counter()
    cases = all_cases(goldens, generated=generated, workers=workers)
    phases["corpus"] = time.perf_counter() - start
    summary = run(cases, backend, llm, workers)
    phases["cases"] = summary["wall_seconds"]
    if adversary:
        from nianbao.evals.lift import with_llm_path

        with_llm_path(summary, cases, workers)
        phases["adversary"] = summary["adversary"]["seconds"]
        phases["llm_lift"] = summary["llm_lift"]["seconds"]
    summary["workers"] = workers
    summary["phases"] = phases
    summary["wall_seconds_all"] = time.perf_counter() - start
    return summary
