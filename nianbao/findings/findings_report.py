"""The findings report: per agency and year, every error and warning with its cells and evidence.

It keeps apart what means different things to an auditor:

* **source inconsistent** — the report's own numbers break an identity (read faithfully; confirmed by a
  reviewer, or awaiting review);
* **extraction rejected / failed** — nianbao could not read the report well enough: not a finding about it;
* **warnings** — the narrative against the tables, the statistics period, plausibility, blank cells,
  units, and the agency's other years.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from nianbao.findings.cross_year import YearReport, check_years, normalise_agency
from nianbao.findings.identity import agency_level
from nianbao.schema import Violation, flatten
from nianbao.spreadsheet import record
from nianbao.store import Row, Store

IDENTITY_RULES = {"t3_row_total", "t3_results_sum", "t3_balance", "t4_group_total", "non_negative"}
NOT_FINDINGS = {"inferred"}  # how a value was read, not something about the report
CATEGORIES = ("source inconsistent", "extraction rejected", "extraction failed", "warning")


@dataclass(frozen=True)
class Finding:
    agency: str
    year: int | None
    level: str | None
    path: str
    category: str
    rule: str
    severity: str
    cells: str
    message: str
    evidence: str


def _finding(row: Row, category: str, v: Violation, evidence: str = "") -> Finding:
    return Finding(
        agency=row.agency or "?", year=row.year, level=agency_level(row.agency), path=row.path, category=category,
        rule=v.rule, severity=v.severity, cells=", ".join(v.cells), message=v.message, evidence=evidence,
    )  # fmt: skip


def collect(store: Store, every_document: bool = False) -> list[Finding]:
    """Findings per report (the document chosen to stand for it, as the export does; ``every_document``:
    per document)."""
    rows = [store.get(choice.chosen) for choice in store.reports(every_document)]
    out: list[Finding] = []
    for row in rows:
        if row.result is None:
            failed = Violation(rule="failed", severity="error", cells=[], message=row.error or "no extraction")
            out.append(_finding(row, "extraction failed", failed))
            continue
        violations = [Violation.model_validate(v) for v in row.result.get("violations", [])]
        decided = f"confirmed by {row.reviewer} on {row.decided_at}" if row.decision == "source_error" else ""
        if row.effective_status == "reviewed":
            note = f"corrected by {row.reviewer} on {row.decided_at}: {row.review_reason or ''}"
            violations = [v for v in violations if v.severity == "warning"]
            changed = row.corrected.get("changed", []) if row.corrected else []
            reviewed = Violation(
                rule="reviewed", severity="warning", cells=changed, message="values corrected in review"
            )
            out.append(_finding(row, "warning", reviewed, note))
        unread = row.effective_status == "rejected" and row.reason == "extraction_unverified"
        for v in violations:
            if v.rule in NOT_FINDINGS:
                continue
            if unread and v.rule.startswith("compliance_"):
                continue  # what a file nianbao could not read lacks is no finding about the agency
            if v.severity == "warning":
                out.append(_finding(row, "warning", v))
            elif row.reason == "source_inconsistent" and v.rule in IDENTITY_RULES:
                out.append(_finding(row, "source inconsistent", v, decided or "awaiting review"))
            elif row.effective_status in ("rejected", "rejected_by_reviewer"):
                out.append(_finding(row, "extraction rejected", v))
    reports = []
    for row in rows:
        report = row.report()
        name = normalise_agency(row.agency)
        if report is not None and name and row.year:
            reports.append((row, YearReport(name, row.year, row.path, flatten(report))))
    by_key = {(y.agency, y.year): row for row, y in reports}
    for (agency, year), found in check_years(y for _, y in reports).items():
        row = by_key[(agency, year)]
        for v in found:
            out.append(_finding(row, "warning", v, "the agency's report of the year before"))
    out.sort(key=lambda f: (f.agency, f.year or 0, CATEGORIES.index(f.category), f.rule))
    return out


def counts(findings: Iterable[Finding]) -> tuple[Counter[str], Counter[str]]:
    fs = list(findings)
    return Counter(f.category for f in fs), Counter(f.rule for f in fs)


def to_csv(findings: list[Finding]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(Finding.__dataclass_fields__))
    writer.writeheader()
    for f in findings:
        writer.writerow(record(asdict(f)))  # every text cell neutralised, whichever column
    return buf.getvalue()


def _groups(findings: list[Finding]) -> dict[tuple[str, int | None, str], list[Finding]]:
    groups: dict[tuple[str, int | None, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.agency, f.year, f.path), []).append(f)
    return groups


def to_markdown(findings: list[Finding]) -> str:
    by_category, by_rule = counts(findings)
    lines = ["# Findings", "", "| category | findings |", "|---|---|"]
    lines += [f"| {c} | {by_category.get(c, 0)} |" for c in CATEGORIES]
    lines += ["", "| kind | findings |", "|---|---|", *(f"| {r} | {n} |" for r, n in sorted(by_rule.items()))]
    for (agency, year, path), fs in _groups(findings).items():
        lines += ["", f"## {agency} {year or ''} ({fs[0].level or 'level unknown'})", "", f"`{path}`", ""]
        for category in CATEGORIES:
            these = [f for f in fs if f.category == category]
            if these:
                lines.append(f"**{category}**")
                lines.append("")
                for f in these:
                    cells = f" — cells: {f.cells}" if f.cells else ""
                    evidence = f" — {f.evidence}" if f.evidence else ""
                    lines.append(f"- `{f.rule}`: {f.message}{cells}{evidence}")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_html(findings: list[Finding]) -> str:
    e = html.escape
    by_category, by_rule = counts(findings)
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>nianbao findings</title>",
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}table{border-collapse:collapse}"
        ".source-inconsistent{color:#a00}.extraction-rejected,.extraction-failed{color:#666}.warning{color:#a60}</style>",
        "</head><body><h1>Findings</h1><table><tr><th>category</th><th>findings</th></tr>",
        *(f"<tr><td>{e(c)}</td><td>{by_category.get(c, 0)}</td></tr>" for c in CATEGORIES),
        "</table><table><tr><th>kind</th><th>findings</th></tr>",
        *(f"<tr><td>{e(r)}</td><td>{n}</td></tr>" for r, n in sorted(by_rule.items())),
        "</table>",
    ]
    for (agency, year, path), fs in _groups(findings).items():
        parts.append(f"<h2>{e(agency)} {e(str(year or ''))}</h2><p><code>{e(path)}</code></p><table>")
        parts.append("<tr><th>category</th><th>rule</th><th>message</th><th>cells</th><th>evidence</th></tr>")
        for f in fs:
            parts.append(
                f"<tr class='{e(f.category.replace(' ', '-'))}'><td>{e(f.category)}</td><td>{e(f.rule)}</td>"
                f"<td>{e(f.message)}</td><td>{e(f.cells)}</td><td>{e(f.evidence)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
