"""The review queue's logic, shared by the CLI and the web page.

A rejected extraction waits for a person, who either corrects values (the result must then verify: the
identities are recomputed, and a corrected cell is grounded by the decision itself), confirms that the
extraction is faithful and the agency's own numbers are inconsistent (a finding to keep), or rejects it.
Every decision is kept with who, when, why and the corrected values.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from nianbao.errors import ReviewError
from nianbao.schema import (
    CellValue,
    Provenance,
    Record,
    Report,
    Span,
    Violation,
    cells_of,
    contract_json,
    flatten,
    get_cell,
    provenance_json,
    set_cell,
)
from nianbao.store import Listed, Row, Store
from nianbao.verifier import Verdict, verify


def reviewer_name(given: str | None) -> str:
    return given or os.environ.get("NIANBAO_REVIEWER") or os.environ.get("USER") or "unknown"


def record_of(row: Row) -> Record:
    if row.result is None:
        raise ReviewError(f"extraction {row.id} failed ({row.error}); there is no table to review", file=row.path)
    return Record.model_validate(row.result)


def parse_value(path: str, raw: str | None) -> CellValue:
    """A reviewer's input: empty = blank (null); a count must be a whole number, a fee may have decimals."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ReviewError(f"{path}: {raw!r} is not a number") from None
    if path.endswith(("amount_10k_yuan", "procurement.amount")):
        return value
    if value != value.to_integral_value():
        raise ReviewError(f"{path}: {raw!r} is not a whole number")
    return int(value)


def corrected(record: Record, changes: dict[str, CellValue]) -> tuple[Report, dict[str, Provenance], Verdict]:
    """Apply a reviewer's values and re-verify (grounding of untouched cells against their stored excerpts)."""
    report = record.report()
    provenance = dict(record.provenance)
    valid = set(cells_of(report.template))
    for path, value in changes.items():
        if path not in valid:
            raise ReviewError(f"{path} is not a cell of the {report.template} format")
        if get_cell(report, path) == value and path in provenance:
            continue
        set_cell(report, path, value)
        before = provenance.get(path)
        provenance[path] = Provenance(
            span=before.span if before else Span(start=0, end=0),
            text=before.text if before else "",
            method="reviewed",
            note=f"set by a reviewer (was {before.text!r})" if before else "set by a reviewer",
        )
    return report, provenance, verify(report, provenance, None)


def check(record: Record, raw: dict[str, str | None]) -> dict[str, Any]:
    """Re-check identities for values typed in the review page; nothing is saved."""
    changes = {p: parse_value(p, v) for p, v in raw.items()}
    _, _, verdict = corrected(record, changes)
    return {"status": verdict.status, "violations": [v.model_dump() for v in verdict.violations]}


def save_correction(
    store: Store, row: Row, changes: dict[str, CellValue], reviewer: str, reason: str | None
) -> Verdict:
    record = record_of(row)
    report, provenance, verdict = corrected(record, changes)
    if verdict.status != "verified":
        first = next(v for v in verdict.violations if v.severity == "error")
        raise ReviewError(
            f"the corrected report still breaks {len(verdict.errors)} rule(s), e.g. {first.message}; "
            "if the source itself is inconsistent, use accept-source-error"
        )
    before, after = flatten(record.report()), flatten(report)
    changed = sorted(p for p in changes if after.get(p) != before.get(p))
    data = {
        **report.model_dump(mode="json"),
        "provenance": provenance_json(provenance, report.template),
        "changed": changed,
        # what the extraction read there, so that a re-extraction reading the same is not a disagreement
        "before": {p: _json_number(before.get(p)) for p in changed},
    }
    store.decide(row.id, "corrected", reviewer, reason, data)
    return verdict


def _json_number(value: CellValue) -> int | float | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def accept_source_error(store: Store, row: Row, reviewer: str, reason: str | None, override: bool = False) -> None:
    """Confirm that the report is read faithfully and its own numbers are inconsistent. Only where the
    verifier says so (``source_inconsistent``): on a report nianbao could not read, confirming would export
    blank cells as the agency's. ``override`` lets a person insist; the reason then says so, and it is kept."""
    record = record_of(row)
    if record.status != "rejected":
        raise ReviewError(f"extraction {row.id} is {record.status}, not rejected: nothing to accept")
    if record.reason != "source_inconsistent" and not override:
        raise ReviewError(
            f"extraction {row.id} is rejected as {record.reason}: nianbao could not read it, so there is no "
            "faithful reading to confirm; correct its cells instead (or --override, recorded as such)"
        )
    why = (
        f"[override: rejected as {record.reason}] {reason or ''}".strip()
        if record.reason != "source_inconsistent"
        else reason
    )
    # the values the decision was made on, so that a later re-extraction can be compared with them
    data = {**record.report().model_dump(mode="json"), "override": record.reason != "source_inconsistent"}
    store.decide(row.id, "source_error", reviewer, why, data)


def reject(store: Store, row: Row, reviewer: str, reason: str | None) -> None:
    store.decide(row.id, "rejected", reviewer, reason)


def first_error_line(store: Store, listed: Listed) -> str | None:
    """A queued report's first error as one line: the store's column, else (a store written before the
    column existed) from its stored result."""
    if listed.first_error:
        return listed.first_error
    v = first_error(store.get(listed.id))
    return f"{v.rule}: {v.message}" if v else None


def first_error(row: Row) -> Violation | None:
    if not row.result:
        return None
    for v in row.result.get("violations", []):
        if v["severity"] == "error":
            return Violation.model_validate(v)
    return None


def export_golden(row: Row, name: str, goldens: Path) -> Path:
    """A reviewed correction (or a confirmed source error) becomes a golden case: expected JSON plus
    where the source is; the reviewer's decision is recorded in case.json."""
    if row.effective_status not in ("reviewed", "source_inconsistent"):
        raise ReviewError(f"extraction {row.id} has no review decision to make a golden from")
    report = row.report()
    assert report is not None
    expected = contract_json(report)
    case = goldens / name
    if case.exists():
        raise ReviewError(f"golden case {case} already exists")
    case.mkdir(parents=True)
    (case / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    source = Path(row.path).resolve()
    meta = {
        "source": os.path.relpath(source, case.resolve()),
        "origin": row.path,
        "layout": "from the review queue",
        "checked": f"reviewed by {row.reviewer} on {row.decided_at}: {row.decision}"
        + (f" ({row.review_reason})" if row.review_reason else ""),
        "expected_status": "verified" if row.effective_status == "reviewed" else "rejected",
        **({"expected_reason": "source_inconsistent"} if row.effective_status == "source_inconsistent" else {}),
    }
    (case / "case.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return case
