"""The review queue's logic, shared by the CLI and the web page.

A rejected extraction waits for a person, who either corrects values (the result must then verify: the
identities are recomputed, and a corrected cell is grounded by the decision itself), confirms that the
extraction is faithful and the agency's own numbers are inconsistent (a finding to keep), or rejects it.
Every decision is kept with who, when, why and the corrected values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
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
from nianbao.verifier.identities import IDENTITY_RULES
from nianbao.verifier.outcome import rejection_reason

ACCOUNTED = frozenset({"read", "inferred", "blank", "not_printed", "reviewed", "illegible"})
# errors that put a cell's reading itself in doubt: such a cell is not "read" until a person decides it
DOUBT_RULES = frozenset({"ambiguous", "grounding"})
AS_PRINTED = frozenset({"read", "blank", "not_printed"})
MAX_CELLS = 2000
MAX_DIGITS = 15  # more cell decisions than any template has cells: a malformed request


def reviewer_name(given: str | None) -> str | None:
    """Who decides: ``--reviewer`` (or the page's prompt), else ``$NIANBAO_REVIEWER``; never guessed."""
    name = (given or os.environ.get("NIANBAO_REVIEWER") or "").strip()
    return name or None


def require_reviewer(given: str | None) -> str:
    name = reviewer_name(given)
    if not name:
        raise ReviewError("who decides? give --reviewer NAME or set NIANBAO_REVIEWER (the page asks once)")
    if len(name) > 100:
        raise ReviewError("a reviewer's name is at most 100 characters")
    return name


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
    if not value.is_finite():
        raise ReviewError(f"{path}: {raw!r} is not a number")
    if value.adjusted() >= MAX_DIGITS:  # no report counts in the quadrillions; 1e999999 would not even sum
        raise ReviewError(f"{path}: {raw[:20]!r} is too large for a cell")
    if path.endswith(("amount_10k_yuan", "procurement.amount")):
        return value
    if value != value.to_integral_value():
        raise ReviewError(f"{path}: {raw!r} is not a whole number")
    return int(value)


@dataclass(frozen=True)
class CellDecisions:
    """What a person decided cell by cell before deciding the report: values typed (``values``), readings
    accepted as they are (``confirmed``), cells marked illegible in the source with a reason each."""

    values: dict[str, CellValue] = field(default_factory=dict)
    confirmed: frozenset[str] = frozenset()
    illegible: dict[str, str] = field(default_factory=dict)

    @property
    def decided(self) -> set[str]:
        return {*self.values, *self.confirmed, *self.illegible}

    @classmethod
    def parse(cls, data: object) -> CellDecisions:
        """From the page's JSON: ``{"changes": {cell: value}, "confirmed": [cell], "illegible": {cell: why}}``.
        Anything else is a :class:`ReviewError` (the page answers 400), never a crash."""
        if not isinstance(data, dict):
            raise ReviewError("expected a JSON object with changes, confirmed and illegible")
        changes, confirmed, illegible = (
            data.get("changes") or {},
            data.get("confirmed") or [],
            data.get("illegible") or {},
        )
        if not isinstance(changes, dict) or not isinstance(illegible, dict) or not isinstance(confirmed, list):
            raise ReviewError("changes and illegible must be objects of cell → value, confirmed a list of cells")
        if len(changes) + len(confirmed) + len(illegible) > MAX_CELLS:
            raise ReviewError("too many cells in one request")
        values = {}
        for path, raw in changes.items():
            if isinstance(raw, bool) or (raw is not None and not isinstance(raw, str | int | float)):
                raise ReviewError(f"{path}: {raw!r} is not a number")
            values[str(path)] = parse_value(str(path), None if raw is None else str(raw))
        why = {}
        for path, reason in illegible.items():
            if not isinstance(reason, str) or not reason.strip():
                raise ReviewError(f"{path}: say why the cell cannot be read in the source")
            why[str(path)] = reason.strip()[:500]
        if not all(isinstance(c, str) for c in confirmed):
            raise ReviewError("confirmed must list cell names")
        return cls(values, frozenset(confirmed), why)


@dataclass(frozen=True)
class Applied:
    """A record with a person's cell decisions applied and judged again; ``unaccounted`` lists the cells
    that are still neither read, inferred, blank, not printed, reviewed nor marked illegible."""

    report: Report
    provenance: dict[str, Provenance]
    verdict: Verdict
    unaccounted: list[str]


def apply(record: Record, decisions: CellDecisions) -> Applied:
    """Apply a reviewer's cell decisions and re-verify (grounding of untouched cells against their stored
    excerpts). An illegible cell is blank with the person's reason; a check that needs it cannot be made,
    and says so as a warning."""
    report = record.report()
    provenance = dict(record.provenance)
    valid = set(cells_of(report.template))
    for path in decisions.decided:
        if path not in valid:
            raise ReviewError(f"{path} is not a cell of the {report.template} format")
    for path, value in decisions.values.items():
        if get_cell(report, path) == value and path in provenance and path not in decisions.confirmed:
            before_method = provenance[path].method
            if before_method in ACCOUNTED and path not in _doubtful(record):
                continue
        _set(report, provenance, path, value, "reviewed", None)
    for path in decisions.confirmed - set(decisions.values):
        _set(report, provenance, path, get_cell(report, path), "reviewed", "reading confirmed by a reviewer")
    for path, why in decisions.illegible.items():
        _set(report, provenance, path, None, "illegible", why)
    verdict = _uncheckable(verify(report, provenance, None), set(decisions.illegible))
    return Applied(report, provenance, verdict, unaccounted(record, provenance, decisions.decided))


def _set(report: Report, provenance: dict[str, Provenance], path: str, value: CellValue, method: str,
         note: str | None) -> None:  # fmt: skip
    set_cell(report, path, value)
    before = provenance.get(path)
    default = f"set by a reviewer (was {before.text!r})" if before else "set by a reviewer"
    provenance[path] = Provenance(
        span=before.span if before else Span(start=0, end=0),
        text=before.text if before else "",
        method=method,  # type: ignore[arg-type]
        note=note or default,
    )


def _doubtful(record: Record) -> set[str]:
    return {c for v in record.violations if v.severity == "error" and v.rule in DOUBT_RULES for c in v.cells}


def unaccounted(record: Record, provenance: dict[str, Provenance], decided: set[str] | frozenset[str] = frozenset()
                ) -> list[str]:  # fmt: skip
    """Cells not accounted for: no provenance, a method outside :data:`ACCOUNTED`, a value-less "read", or
    a reading the extraction itself doubted (ambiguous, ungrounded) that no person has decided."""
    cells = flatten(record.report())
    doubtful = _doubtful(record)
    out = []
    for path in cells_of(record.template):
        if path in decided:
            continue
        p = provenance.get(path)
        empty_reading = p is not None and cells.get(path) is None and p.method in ("read", "inferred")
        if p is None or p.method not in ACCOUNTED or path in doubtful or empty_reading:
            out.append(path)
    return out


def _uncheckable(verdict: Verdict, illegible: set[str]) -> Verdict:
    """An illegible cell is accounted for by the person's mark: it is not "missing"; what cannot be checked
    without it is a warning that says so."""
    if not illegible:
        return verdict
    kept: list[Violation] = []
    for v in verdict.violations:
        hit = set(v.cells) & illegible
        if not hit or v.severity != "error":
            kept.append(v)
        elif v.rule == "missing":
            rest = [c for c in v.cells if c not in illegible]
            if rest:
                kept.append(v.model_copy(update={"cells": rest}))
        else:
            kept.append(
                v.model_copy(update={"severity": "warning", "message": f"not checkable (illegible): {v.message}"})
            )
    errors = [v for v in kept if v.severity == "error"]
    if not errors:
        return Verdict("verified", None, kept)
    return Verdict("rejected", rejection_reason(errors), kept)


def corrected(record: Record, changes: dict[str, CellValue]) -> tuple[Report, dict[str, Provenance], Verdict]:
    """Apply a reviewer's values and re-verify (see :func:`apply`)."""
    applied = apply(record, CellDecisions(values=changes))
    return applied.report, applied.provenance, applied.verdict


def check(record: Record, data: object) -> dict[str, Any]:
    """Re-check identities for the cell decisions made in the review page; nothing is saved."""
    applied = apply(record, CellDecisions.parse(data))
    return {
        "status": applied.verdict.status,
        "reason": applied.verdict.reason,
        "violations": [v.model_dump() for v in applied.verdict.violations],
        "unaccounted": applied.unaccounted,
    }


def _decisions(changes: dict[str, CellValue] | CellDecisions) -> CellDecisions:
    return changes if isinstance(changes, CellDecisions) else CellDecisions(values=changes)


def _refuse_unaccounted(applied: Applied) -> None:
    if applied.unaccounted:
        cells = ", ".join(applied.unaccounted[:6]) + (" …" if len(applied.unaccounted) > 6 else "")
        raise ReviewError(
            f"{len(applied.unaccounted)} cell(s) not accounted for ({cells}): type their values, accept their "
            "reading, or mark them illegible with a reason before deciding"
        )


def _decision_data(record: Record, applied: Applied, decisions: CellDecisions) -> dict[str, Any]:
    before, after = flatten(record.report()), flatten(applied.report)
    changed = sorted(p for p in decisions.decided if after.get(p) != before.get(p))
    return {
        **applied.report.model_dump(mode="json"),
        "provenance": provenance_json(applied.provenance, applied.report.template),
        "changed": changed,
        # what the extraction read there, so that a re-extraction reading the same is not a disagreement
        "before": {p: _json_number(before.get(p)) for p in changed},
        "illegible": dict(decisions.illegible),
        "confirmed": sorted(decisions.confirmed),
    }


def save_correction(
    store: Store, row: Row, changes: dict[str, CellValue] | CellDecisions, reviewer: str | None, reason: str | None
) -> Verdict:
    who = require_reviewer(reviewer)
    decisions = _decisions(changes)
    record = record_of(row)
    applied = apply(record, decisions)
    verdict = applied.verdict
    _refuse_unaccounted(applied)  # first: the cells a person still has to decide say more than a broken sum
    if verdict.status != "verified":
        first = next(v for v in verdict.violations if v.severity == "error")
        raise ReviewError(
            f"the corrected report still breaks {len(verdict.errors)} rule(s), e.g. {first.message}; "
            "if the source itself is inconsistent, use accept-source-error"
        )
    store.decide(row.id, "corrected", who, reason, _decision_data(record, applied, decisions))
    return verdict


def _json_number(value: CellValue) -> int | float | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def accept_source_error(
    store: Store,
    row: Row,
    reviewer: str | None,
    reason: str | None,
    override: bool = False,
    changes: dict[str, CellValue] | CellDecisions | None = None,
) -> None:
    """Confirm that the report is read faithfully and its own numbers are inconsistent. Only where the
    verifier says so (``source_inconsistent``, after the person's cell decisions) and only when every cell
    is accounted for: on a report nianbao could not read, confirming would export blank cells as the
    agency's. ``override`` lets a person insist on the verdict (the reason then says so, and it is kept),
    never on cells nobody read."""
    who = require_reviewer(reviewer)
    record = record_of(row)
    if record.status != "rejected":
        raise ReviewError(f"extraction {row.id} is {record.status}, not rejected: nothing to accept")
    decisions = _decisions(changes or {})
    applied = apply(record, decisions)
    verdict = applied.verdict
    if verdict.status == "verified":
        raise ReviewError("with these cell decisions the report verifies: save it as a correction")
    if verdict.reason != "source_inconsistent" and not override:
        raise ReviewError(
            f"extraction {row.id} is rejected as {verdict.reason}: nianbao could not read it, so there is no "
            "faithful reading to confirm; correct its cells instead (or --override, recorded as such)"
        )
    _refuse_unaccounted(applied)
    if not (reason or "").strip():
        raise ReviewError("say why the source is inconsistent (--reason)")
    forced = verdict.reason != "source_inconsistent"
    why = f"[override: rejected as {verdict.reason}] {reason}" if forced else reason
    data = {**_decision_data(record, applied, decisions), "override": forced}
    store.decide(row.id, "source_error", who, why, data)


def bulk_candidates(store: Store, ids: list[int], most: int | None = None) -> list[Row]:
    """Of these queued reports, those a person may confirm together as the agency's own arithmetic: every
    cell read as printed (read, printed blank or not printed — not inferred: an inference leans on the very
    sums that break), nothing doubted, and every error an identity over those readings. Never a scan: there a
    confidently misread digit breaks a sum just as an agency's slip does, and only its image tells which."""
    out = []
    for i in ids:
        row = store.get(i)
        if row.result is None or row.decision is not None or row.status != "rejected":
            continue
        record = record_of(row)
        if record.scan is not None or record.reason != "source_inconsistent" or unaccounted(record, record.provenance):
            continue
        if any(p.method not in AS_PRINTED for p in record.provenance.values()):
            continue
        if all(v.rule in IDENTITY_RULES for v in record.errors):
            out.append(row)
            if most is not None and len(out) >= most:
                break
    return out


def accept_in_bulk(store: Store, ids: list[int], reviewer: str | None, reason: str | None) -> list[int]:
    """Confirm each of :func:`bulk_candidates` with one reason; returns the ids decided."""
    who = require_reviewer(reviewer)
    if not (reason or "").strip():
        raise ReviewError("say why the sources are inconsistent")
    done = []
    for row in bulk_candidates(store, ids):
        accept_source_error(store, row, who, reason)
        done.append(row.id)
    return done


def reject(store: Store, row: Row, reviewer: str | None, reason: str | None) -> None:
    store.decide(row.id, "rejected", require_reviewer(reviewer), reason)


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
