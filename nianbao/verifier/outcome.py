"""The verdict on one extraction: verified, or rejected with every violation and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nianbao.schema import CellValue, Provenance, RejectionReason, Report, Status, Violation, flatten, table_of
from nianbao.verifier.evidence import (
    EVIDENCE,
    Spans,
    check_accounted,
    check_forced_zeros,
    check_splits,
    cited_spans,
)
from nianbao.verifier.grounding import GROUNDING, check_extra_rows, check_grounding, check_inferred
from nianbao.verifier.identities import IDENTITY_RULES, check_identities
from nianbao.verifier.missing import check_missing, printed


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: RejectionReason | None
    violations: list[Violation] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]


def verify(
    report: Report,
    provenance: dict[str, Provenance],
    text: str | None,
    extraction_issues: Sequence[Violation] = (),
    cells: dict[str, CellValue] | None = None,
) -> Verdict:
    """Judge one extraction. ``extraction_issues`` are what the extractor itself could not resolve
    (e.g. an ambiguous row); they count like any other violation. ``cells``: the report's
    :func:`~nianbao.schema.flatten`, where the caller has it already."""
    cells = flatten(report) if cells is None else cells
    spans = None if text is None else cited_spans(provenance, text, cells)
    violations = [
        *extraction_issues,
        *check_missing(cells, provenance),
        *check_identities(printed(cells, provenance)),
        *check_grounding(cells, provenance, text),
        *check_splits(cells, provenance, text, spans),
        *check_forced_zeros(cells, provenance, text),
        *_unaccounted(cells, provenance, text, report, extraction_issues, spans),
        *check_inferred(provenance),
        *check_extra_rows(report, text),
    ]
    errors = [v for v in violations if v.severity == "error"]
    if not errors:
        return Verdict("verified", None, violations)
    return Verdict("rejected", rejection_reason(errors), violations)


def _unaccounted(
    cells: dict[str, CellValue],
    provenance: dict[str, Provenance],
    text: str | None,
    report: Report,
    issues: Sequence[Violation],
    spans: Spans | None = None,
) -> list[Violation]:
    """Numbers no cell reads (:func:`check_accounted`), except in a table the extraction itself already
    called ambiguous (it named the row and the number; the table cannot verify while that stands)."""
    said = {table_of(c) for v in issues if v.rule == "ambiguous" for c in v.cells}
    found = check_accounted(cells, provenance, text, _extra_spans(report), spans)
    return [v for v in found if not any(table_of(c) in said for c in v.cells)]


def _extra_spans(report: Report) -> list[tuple[int, int]]:
    """The spans of a provincial variant's extra rows (2019 format): printed values, not template cells."""
    rows = getattr(report.active_disclosure, "extra", None) or []
    return [(sp.start, sp.end) for row in rows for sp in row.spans if sp is not None]


def rejection_reason(errors: Sequence[Violation]) -> RejectionReason:
    """Why: a broken identity over values read as printed is the report's own arithmetic — a finding for a
    person, never something to "fix" here — even where other cells are missing or in doubt; otherwise
    the extraction itself is unverified."""
    # A broken identity none of whose cells is in doubt is the agency's own arithmetic, whatever else the
    # extraction could not read (a run-together table-2 row does not make table 4's wrong total less so).
    doubtful = {c for v in errors if v.rule in (GROUNDING, EVIDENCE, "ambiguous") for c in v.cells}
    broken = [v for v in errors if v.rule in IDENTITY_RULES]
    if any(not (set(v.cells) & doubtful) for v in broken):
        return "source_inconsistent"
    return "extraction_unverified"
