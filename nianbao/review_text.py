"""The review queue in a terminal: ``review list`` as a table with a header whose columns stay aligned with
wide (Chinese) names — padded by display width (rich's cell widths), not by characters — and ``review show``
with the report's tables and their values, each cell at fault marked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.cells import cell_len

from nianbao.schema import Record, cell_label, flatten
from nianbao.store import Listed

LIST_COLUMNS = ("#", "status", "reason", "report", "file")
_TABLES = {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill


def clip(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def table(
    header: tuple[str, ...], rows: Iterable[tuple[str, ...]], widest: int = 40, numbers: bool = False
) -> Iterator[str]:
    """Rows under a header, each column as wide as its widest cell in display width (at most ``widest``; a
    row's last cell is never cut). ``numbers``: every column after the first is right-aligned. Rows may be
    shorter than the header (table 2's one-column rows)."""
    rows = [tuple(r) for r in rows]
    every = (header, *rows)
    columns = max(len(r) for r in every)
    widths = [min(widest, max((cell_len(r[k]) for r in every if k < len(r)), default=0)) for k in range(columns)]
    for r in every:
        last = len(r) - 1
        cells = [
            pad(c if k == last else clip(c, widths[k]), widths[k], right=numbers and k > 0) for k, c in enumerate(r)
        ]
        yield "  ".join(cells).rstrip()


def counts_line(counts: dict[str, int]) -> str:
    """``verified 12 · rejected 3`` — the store's documents per effective status."""
    return " · ".join(f"{status} {n}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def queue_lines(rows: list[Listed]) -> Iterator[str]:
    body = ((str(r.id), r.effective_status, r.reason or "", f"{r.agency or '?'} {r.year or '?'}", r.path) for r in rows)
    return table(LIST_COLUMNS, body)


def tables_lines(record: Record, at_fault: set[str], unaccounted: set[str]) -> Iterator[str]:
    """The report's three tables with their values under the printed labels: a cell at fault is marked
    ``*``, a cell nobody could read ``?`` (its value, if any, is what the extraction proposed)."""
    cells = flatten(record.report())
    by_table: dict[int, dict[str, list[str]]] = {}
    for path in cells:
        table_key, row, _ = path.split(".")
        by_table.setdefault(_TABLES[table_key], {}).setdefault(row, []).append(path)
    for t, rows in by_table.items():
        yield f"table {t}"
        first = next(iter(rows.values()))
        header = ("", *(cell_label(p, record.template)[1] for p in first))
        body = []
        for paths in rows.values():
            label = cell_label(paths[0], record.template)[0]
            values = []
            for p in paths:
                value = "" if cells[p] is None else str(cells[p])
                mark = "?" if p in unaccounted else ("*" if p in at_fault else "")
                values.append(value + mark)
            body.append((label, *values))
        for line in table(header, body, widest=24, numbers=True):
            yield "  " + line
