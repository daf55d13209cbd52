"""Plausibility warnings: numbers a report can print but an auditor should look at."""

from __future__ import annotations

from decimal import Decimal

from nianbao.findings.identity import agency_level, department_parent
from nianbao.schema import CellValue, Report, Violation

# Beyond these, a fee "in 万元" is more likely 元 written in the 万元 column.
FEE_CEILING_10K = {"乡镇街道": Decimal(10_000), "部门": Decimal(100_000)}
FEE_ABSOLUTE_CEILING_10K = Decimal(1_000_000)  # 100 亿元 in fees from one agency


def check_plausibility(report: Report, cells: dict[str, CellValue]) -> list[Violation]:
    out = []
    level = agency_level(report.agency)
    parent = department_parent(report.agency) if level == "部门" else None
    regs = [p for p in cells if p.startswith("active_disclosure.regulations.")]
    if (level in ("乡镇街道", "县区") or parent == "县区") and any((cells[p] or 0) > 0 for p in regs):
        who = {"乡镇街道": "a town or street office", "县区": "a county or district"}.get(
            level or "", "a county department"
        )
        out.append(
            Violation(
                rule="implausible_regulations", severity="warning", cells=regs,
                message=f"{report.agency} is {who}, which cannot make 规章, yet table 2 counts 规章",
            )
        )  # fmt: skip
    fee = cells.get("active_disclosure.fees.amount_10k_yuan")
    if fee is not None:
        ceiling = FEE_CEILING_10K.get(level or "", FEE_ABSOLUTE_CEILING_10K)
        if Decimal(fee) >= min(ceiling, FEE_ABSOLUTE_CEILING_10K):
            out.append(
                Violation(
                    rule="implausible_fee", severity="warning", cells=["active_disclosure.fees.amount_10k_yuan"],
                    found=str(fee), message=f"fees of {fee} 万元 for {report.agency}: is the figure in 元?",
                )
            )  # fmt: skip
    if report.template == "2019" and report.year is not None and report.year >= 2021:
        out.append(
            Violation(
                rule="outdated_template", severity="warning", cells=[],
                message=f"a report on {report.year} uses the 2019 format; reports from 2021 on use the 2021 format",
            )
        )  # fmt: skip
    return out
