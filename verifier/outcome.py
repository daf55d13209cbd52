"""The verdict on one extraction: verified, or rejected with every violation and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nianbao.schema import Provenance, RejectionReason, Report, Status, Violation, flatten
from verifier.grounding import check_grounding, check_inferred
from verifier.identities import IDENTITY_RULES, check_identities
from verifier.missing import check_missing


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
) -> Verdict:
    """Judge one extraction. ``extraction_issues`` are what the extractor itself could not resolve
    (e.g. an ambiguous row); they count like any other violation."""
    cells = flatten(report)
    violations = [
        *extraction_issues,
        *check_missing(cells),
        *check_identities(cells),
        *check_grounding(cells, provenance, text),
        *check_inferred(provenance),
    ]
    errors = [v for v in violations if v.severity == "error"]
    if not errors:
        return Verdict("verified", None, violations)
    # Every value present and grounded, only arithmetic broken: the extraction is faithful and the
    # report itself is inconsistent. That is a finding for a person, never something to "fix" here.
    only_identities = all(v.rule in IDENTITY_RULES for v in errors)
    reason: RejectionReason = "source_inconsistent" if only_identities else "extraction_unverified"
    return Verdict("rejected", reason, violations)
