"""The per-report findings, run after the verifier on every extraction."""

from __future__ import annotations

from nianbao.extractor.sections import Sections, locate_sections
from nianbao.findings.compliance import check_compliance
from nianbao.findings.identity import period_mismatch
from nianbao.findings.narrative import check_narrative
from nianbao.findings.plausibility import check_plausibility
from nianbao.schema import CellValue, Report, Violation, flatten


def check_report(
    text: str, report: Report, sections: Sections | None = None, cells: dict[str, CellValue] | None = None
) -> list[Violation]:
    cells = flatten(report) if cells is None else cells
    sections = sections or locate_sections(text)
    starts = [s.start for s in (sections.t2, sections.t3, sections.t4) if s is not None]
    narrative = text[: min(starts)] if starts else ""
    return [
        *period_mismatch(text, report.year),
        *check_narrative(narrative, cells),
        *check_plausibility(report, cells),
        *check_compliance(text, report, sections),
    ]
