"""Blank cells: reported as missing, one violation per printed row.

Table 3 and table 4 blanks are errors because the identities cannot be checked without them; a table 2
blank is a warning (002's 规章 row is printed empty, and nothing sums over table 2).
"""

from __future__ import annotations

from itertools import groupby

from nianbao.schema import CellValue, Report, Violation, flatten, table_of

MISSING = "missing"


def check_missing(report: Report | dict[str, CellValue]) -> list[Violation]:
    cells = flatten(report) if isinstance(report, Report) else report
    out = []
    blank = [p for p, v in cells.items() if v is None]
    for row, row_cells in groupby(blank, key=lambda p: p.rsplit(".", 1)[0]):
        cell_list = list(row_cells)
        table = table_of(row)
        out.append(
            Violation(
                rule=MISSING,
                severity="warning" if table == 2 else "error",
                cells=cell_list,
                message=f"table {table} {row}: no value for {', '.join(c.rsplit('.', 1)[1] for c in cell_list)}",
            )
        )
    return out
