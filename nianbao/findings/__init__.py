"""Findings for auditors: checks that need more than one table — the statistics period, the agency's
level, the narrative against the tables, plausibility, and (over a store) one agency across years.

All of them are warnings: a report may legitimately differ. They never change a verdict; they are
added beside the verifier's violations so that the findings report can show them with their evidence.
"""

from nianbao.findings.report_checks import check_report

__all__ = ["check_report"]
