"""One agency across years, from the store: this year's 上年结转 against last year's 结转下年度, column by
column, and 现行有效件数 against last year's plus this year's 制发 minus 废止. Agencies are matched by
their normalised name."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from nianbao.schema import APPLICANT_COLUMNS, CellValue, Violation


def normalise_agency(name: str | None) -> str | None:
    if not name:
        return None
    return re.sub(r"\s+|人民政府$|办公室$", "", name) or None


@dataclass(frozen=True)
class YearReport:
    agency: str
    year: int
    path: str
    cells: dict[str, CellValue]


def check_pair(last: YearReport, this: YearReport) -> list[Violation]:
    out = []
    for col in APPLICANT_COLUMNS:
        before = last.cells.get(f"applications.carried_to_next_year.{col}")
        now = this.cells.get(f"applications.carried_over.{col}")
        if before is not None and now is not None and before != now:
            out.append(
                Violation(
                    rule="carry_over_mismatch", severity="warning", cells=[f"applications.carried_over.{col}"],
                    expected=str(before), found=str(now),
                    message=f"{this.year} 上年结转 ({col}) is {now}, but the {last.year} report carried {before} "
                    f"to the next year ({last.path})",
                )
            )  # fmt: skip
    for row in ("regulations", "normative_documents"):
        prev = last.cells.get(f"active_disclosure.{row}.in_force")
        issued = this.cells.get(f"active_disclosure.{row}.issued")
        repealed = this.cells.get(f"active_disclosure.{row}.repealed")
        now = this.cells.get(f"active_disclosure.{row}.in_force")
        if None in (prev, issued, repealed, now):
            continue
        expected = int(prev or 0) + int(issued or 0) - int(repealed or 0)
        if expected != now:
            out.append(
                Violation(
                    rule="in_force_drift", severity="warning",
                    cells=[f"active_disclosure.{row}.{c}" for c in ("issued", "repealed", "in_force")],
                    expected=str(expected), found=str(now),
                    message=f"{this.year} 现行有效 {row} is {now}; {last.year}'s {prev} + issued {issued} − repealed "
                    f"{repealed} = {expected} ({last.path})",
                )
            )  # fmt: skip
    return out


def check_years(reports: Iterable[YearReport]) -> dict[tuple[str, int], list[Violation]]:
    """Warnings per (agency, year) for every agency with reports in consecutive years."""
    by_agency: dict[str, dict[int, YearReport]] = defaultdict(dict)
    for r in reports:
        by_agency[r.agency][r.year] = r
    out: dict[tuple[str, int], list[Violation]] = {}
    for agency, years in by_agency.items():
        for year, this in years.items():
            last = years.get(year - 1)
            if last is not None:
                found = check_pair(last, this)
                if found:
                    out[(agency, year)] = found
    return out
