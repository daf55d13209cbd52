"""Cells without a value: each must be accounted for by its provenance, one violation per printed row.

A cell of a verified report is read, inferred, reviewed, printed blank or not printed in this layout —
nothing else. So a cell with no value and no provenance (nothing read, nothing shown blank) is an error
in every table: a model that answers null, or a parser that found nothing, cannot make a report verify.
A cell printed blank is a warning in table 2 (002's 规章 row is printed empty, and nothing sums over table
2) but an error in tables 3 and 4, whose identities cannot be checked without it. A row the layout does
not print (``not_printed``) is no violation: its provenance note says why.
"""

from __future__ import annotations

from itertools import groupby

from nianbao.schema import CellValue, Provenance, Report, Violation, flatten, table_of

MISSING = "missing"
NOT_PRINTED = "not_printed"


def check_missing(
    report: Report | dict[str, CellValue], provenance: dict[str, Provenance] | None = None
) -> list[Violation]:
    cells = flatten(report) if isinstance(report, Report) else report
    prov = provenance or {}
    out = []
    blank = [p for p, v in cells.items() if v is None and not (p in prov and prov[p].method == NOT_PRINTED)]
    for (row, shown), row_cells in groupby(
        blank, key=lambda p: (p.rsplit(".", 1)[0], p in prov and prov[p].method == "blank")
    ):
        cell_list = list(row_cells)
        table = table_of(row)
        names = ", ".join(c.rsplit(".", 1)[1] for c in cell_list)
        if shown:
            severity = "warning" if table == 2 else "error"
            message = f"table {table} {row}: printed blank: {names}"
        else:
            severity = "error"
            message = f"table {table} {row}: no value and nothing printed blank for {names}"
        out.append(Violation(rule=MISSING, severity=severity, cells=cell_list, message=message))  # type: ignore[arg-type]
    return out


def printed(cells: dict[str, CellValue], provenance: dict[str, Provenance]) -> dict[str, CellValue]:
    """The cells this layout prints: rows marked ``not_printed`` left out, so the identities hold over
    what is printed (a 2021 report printing （六）其他处理 as one row sums that row, not its absent sub-rows)."""
    gone = {p for p, pr in provenance.items() if pr.method == NOT_PRINTED and cells.get(p) is None}
    if not gone:
        return cells
    rows = {p.rsplit(".", 1)[0] for p in gone}
    return {p: v for p, v in cells.items() if p.rsplit(".", 1)[0] not in rows}
