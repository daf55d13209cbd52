"""Export from the store, for analysts: tidy long rows (CSV, Parquet, xlsx) or the contract JSON per report.

**One report, one record**: by default each report — (agency, year, template) — is exported once, from
the document chosen to stand for it (verified over reviewed over the agency's confirmed inconsistency;
``chosen_because`` says which and why); ``every_document`` exports each document instead. The other
documents of a report are listed in ``documents``.

Long rows (``LONG_COLUMNS``): one row per table cell in template order, with the labels as printed in the
template (Chinese) beside the keys; counts in ``value`` (whole numbers, blank when the report prints none —
never 0), amounts in ``amount`` with their ``unit``; ``method`` says how the cell was read and ``warnings``
names the warnings on that cell. Text that a spreadsheet would run as a formula (a leading ``=``, ``+``,
``-``, ``@``, tab or carriage return — OWASP's rule) is written with a leading apostrophe. Every format is
written row by row, so memory stays flat at any store size. Only verified data and data a person reviewed
are exported unless ``include_rejected``.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from nianbao import spreadsheet
from nianbao.atomic import temporary_beside
from nianbao.errors import ExportError
from nianbao.schema import TemplateRow, contract_json, flatten, provenance_entries
from nianbao.schema.template import ROWS, TABLE_KEYS, TABLE_TITLES, cell_label
from nianbao.spreadsheet import neutralise, xlsx_cell
from nianbao.store import ReportChoice, Row, Store

FORMATS = ("csv", "parquet", "jsonl", "xlsx")
LONG_COLUMNS = (
    "report_key", "document", "path", "documents", "chosen_because", "agency", "year", "template", "status",
    "reason", "table", "row", "column", "row_label", "column_label", "value", "amount", "unit", "method", "warnings",
)  # fmt: skip
EXPORTED = frozenset({"verified", "reviewed", "source_inconsistent"})
STDOUT = Path("-")
_BATCH = 10_000


@dataclass(frozen=True)
class Exported:
    """One report as exported: the row chosen to stand for it, and its report-level facts."""

    choice: ReportChoice
    row: Row
    paths: list[str]


def reports(store: Store, include_rejected: bool = False, every_document: bool = False) -> Iterator[Exported]:
    """The reports to export, one stored result unpacked at a time."""
    for choice in store.reports(every_document):
        row = store.get(choice.chosen)
        if row.effective_status not in EXPORTED and not include_rejected:
            continue
        if row.result is None and row.corrected is None:
            continue
        paths = store.paths(row.sha256)
        for other in choice.others:
            paths.extend(store.paths(store.get(other).sha256))
        yield Exported(choice, row, sorted(set(paths)))


def _warnings_by_cell(result: dict[str, Any] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in (result or {}).get("violations", []):
        if v.get("severity") == "warning":
            for c in v.get("cells", []):
                out.setdefault(c, []).append(v["rule"])
    return out


def long_rows(exported: Exported) -> Iterator[dict[str, Any]]:
    row = exported.row
    report = row.report()
    if report is None:
        return
    data = row.standing() or {}
    provenance = provenance_entries(data.get("provenance") or {}, report.template)
    warnings = _warnings_by_cell(row.result)
    unit_2019 = getattr(getattr(report.active_disclosure, "procurement", None), "amount_unit", None)
    base = {
        "report_key": exported.choice.key, "document": row.sha256, "path": neutralise(row.path),
        "documents": len(exported.paths), "chosen_because": exported.choice.why, "agency": neutralise(report.agency),
        "year": report.year, "template": report.template, "status": row.effective_status, "reason": row.reason,
    }  # fmt: skip
    for path, value in flatten(report).items():
        table, r, c = path.split(".")
        row_label, column_label = cell_label(path, report.template)
        amount = path.endswith(("amount_10k_yuan", "procurement.amount"))
        unit = ("万元" if path.endswith("amount_10k_yuan") else unit_2019) if amount else "件"
        yield {
            **base, "table": {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}[table],
            "row": r, "column": c, "row_label": row_label, "column_label": column_label,
            "value": None if amount or value is None else int(value),
            "amount": Decimal(value) if amount and value is not None else None, "unit": unit,
            "method": cell_method(provenance.get(path)), "warnings": ";".join(warnings.get(path, [])) or None,
        }  # fmt: skip
    for extra in getattr(report.active_disclosure, "extra", []):
        for j, value in enumerate(extra.values):
            yield {**base, "table": 2, "row": f"extra:{extra.label}", "column": str(j), "row_label": extra.label,
                   "column_label": str(j), "value": value, "amount": None, "unit": "件",
                   "method": "read" if value is not None else UNREAD,
                   "warnings": None}  # fmt: skip


UNREAD = "unread"  # no provenance: the extraction could not read the cell and no person decided it


def cell_method(entry: dict[str, Any] | None) -> str:
    """How an exported cell got its value — or why it has none: every row says (a printed blank is
    ``blank``, a cell a person found illegible ``illegible``, one nobody could read ``unread``)."""
    return str((entry or {}).get("method") or UNREAD)


@contextmanager
def _open(out: Path, binary: bool, bom: bool = False) -> Iterator[Any]:
    """``out`` for writing — ``-`` is standard output (text, or its bytes for a binary format)."""
    if out == STDOUT:
        stream: Any = sys.stdout.buffer if binary else sys.stdout
        if bom and not binary:
            stream.write("\ufeff")
        yield stream
        stream.flush()
        return
    # written beside the target and renamed over it when complete: a full disk or a kill leaves the old
    # file (or none), never a truncated export
    fd, tmp = temporary_beside(out)
    os.close(fd)
    part = Path(tmp)
    try:
        if binary:
            with part.open("wb") as fb:
                yield fb
        else:
            with part.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as ft:
                yield ft
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)


def export(
    db: str | Path,
    fmt: str,
    out: Path,
    include_rejected: bool = False,
    *,
    every_document: bool = False,
    bom: bool = False,
) -> int:
    """Write the export; returns the number of rows (long formats) or reports (jsonl). ``out`` may be
    ``-`` (stdout, not for xlsx); it may not be the store itself."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: {', '.join(FORMATS)}")
    if out != STDOUT and out.exists() and out.resolve() == Path(db).resolve():
        raise ExportError("the output is the store itself; choose another --out", file=out)
    if fmt == "xlsx" and out == STDOUT:
        raise ExportError("an xlsx workbook cannot be written to stdout; give --out FILE.xlsx")
    with Store(db) as store:
        chosen = reports(store, include_rejected, every_document)
        if fmt == "jsonl":
            return _jsonl(chosen, out)
        if fmt == "csv":
            return _csv(chosen, out, bom)
        if fmt == "parquet":
            return _parquet(chosen, out)
        return _xlsx(chosen, out)


def _jsonl(chosen: Iterator[Exported], out: Path) -> int:
    n = 0
    with _open(out, binary=False) as f:
        for e in chosen:
            report = e.row.report()
            if report is None:
                continue
            data = {**contract_json(report), "status": e.row.effective_status, "report_key": e.choice.key,
                    "source": {"path": e.row.path, "sha256": e.row.sha256}, "documents": e.paths}  # fmt: skip
            f.write(json.dumps(data, ensure_ascii=False) + "\n")
            n += 1
    return n


def _csv(chosen: Iterator[Exported], out: Path, bom: bool) -> int:
    n = 0
    with _open(out, binary=False, bom=bom) as f:
        writer = csv.writer(f)
        writer.writerow(LONG_COLUMNS)
        for e in chosen:
            for r in long_rows(e):
                # every text cell neutralised, whichever column (a list: DictWriter's checks cost more)
                writer.writerow(spreadsheet.row([r[c] for c in LONG_COLUMNS]))
                n += 1
    return n


def _arrow_schema() -> Any:
    import pyarrow as pa

    text = pa.string()
    types = {"documents": pa.int32(), "year": pa.int32(), "table": pa.int8(), "value": pa.int64(),
             "amount": pa.decimal128(38, 10)}  # fmt: skip
    return pa.schema([(c, types.get(c, text)) for c in LONG_COLUMNS])


def _parquet(chosen: Iterator[Exported], out: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet export needs pyarrow: pip install 'nianbao[parquet]'") from None
    schema = _arrow_schema()
    n = 0
    # written in batches, gathered column by column (a list per column, not a dict per row: a third of the
    # memory): memory stays flat at any store size
    columns: dict[str, list[Any]] = {c: [] for c in LONG_COLUMNS}
    with _open(out, binary=True) as f, pq.ParquetWriter(f, schema) as writer:
        for e in chosen:
            for r in long_rows(e):
                for c, values in columns.items():
                    values.append(r[c])
                if len(columns["report_key"]) >= _BATCH:
                    writer.write_table(pa.Table.from_pydict(columns, schema=schema))
                    n += len(columns["report_key"])
                    columns = {c: [] for c in LONG_COLUMNS}
        if columns["report_key"] or n == 0:
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
            n += len(columns["report_key"])
    return n


XLSX_ROWS = 1_048_576  # a worksheet's row limit (Excel's): beyond it a sheet continues in the next


class _Sheet:
    """A worksheet that continues in a new one (长表, 长表 2, …) at Excel's row limit — past it XlsxWriter
    drops rows without an error. A block (a report's table as printed) is never split across sheets."""

    def __init__(self, book: Any, name: str, head: list[Any] | None, bold: Any, limit: int = XLSX_ROWS) -> None:
        self.book, self.name, self.head, self.bold, self.limit = book, name, head, bold, limit
        self.count, self.line = 0, 0
        self.sheet: Any = None
        self._next()

    def _next(self) -> None:
        self.count += 1
        self.sheet = self.book.add_worksheet(self.name if self.count == 1 else f"{self.name} {self.count}")
        self.line = 0
        if self.head is not None:
            self.sheet.write_row(0, 0, self.head, self.bold)
            self.line = 1

    def block(self, rows: list[tuple[list[Any], Any]]) -> None:
        """Write rows (values, format) together on one sheet."""
        if self.line + len(rows) > self.limit:
            self._next()
        for values, fmt in rows:
            # every text cell neutralised and within Excel's cell limit, whichever sheet and column
            if self.sheet.write_row(self.line, 0, [xlsx_cell(v) for v in values], fmt) != 0:
                raise ExportError(f"xlsx: cannot write row {self.line} of sheet {self.sheet.name}")
            self.line += 1


def _xlsx(chosen: Iterator[Exported], out: Path, limit: int = XLSX_ROWS) -> int:
    """A workbook: 报告 (one line per report, status and reason), 长表 (the long rows), and 表二/表三/表四
    in the template's shape — each report a block of its table as printed (table 3: 25 rows × 7 columns).
    A sheet that reaches Excel's row limit continues in the next (长表 2, …)."""
    try:
        import xlsxwriter
    except ImportError:
        raise ExportError("xlsx export needs XlsxWriter: pip install 'nianbao[xlsx]'") from None
    # constant_memory: rows go to disk as written; strings are never turned into formulas
    fd, tmp = temporary_beside(out, ".xlsx")
    os.close(fd)
    book = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False})  # fmt: skip
    bold = book.add_format({"bold": True})
    heads = ["report_key", "机关 agency", "年度 year", "模板 template", "状态 status", "原因 reason",
             "选择 chosen_because", "文件 documents"]  # fmt: skip
    reports_sheet = _Sheet(book, "报告", heads, bold, limit)
    long_sheet = _Sheet(book, "长表", list(LONG_COLUMNS), bold, limit)
    tables = {t: _Sheet(book, f"表{'二三四'[t - 2]}", None, bold, limit) for t in (2, 3, 4)}
    n = 0
    for e in chosen:
        report = e.row.report()
        if report is None:
            continue
        reports_sheet.block([([
            e.choice.key, neutralise(report.agency), report.year, report.template, e.row.effective_status,
            e.row.reason, e.choice.why, neutralise("\n".join(e.paths)),
        ], None)])  # fmt: skip
        cells = flatten(report)
        for r in long_rows(e):
            long_sheet.block([([r[c] if not isinstance(r[c], Decimal) else float(r[c]) for c in LONG_COLUMNS], None)])
            n += 1
        for t, sheet in tables.items():
            rows: tuple[TemplateRow, ...] = ROWS["2019" if report.template == "2019" else "2021"][t]
            title = f"{neutralise(report.agency) or '?'} {report.year or '?'} — {TABLE_TITLES[t]}"
            block: list[tuple[list[Any], Any]] = [
                ([title], bold),
                (["", *[c.label for c in rows[0].columns if c.kind != "unit"]], bold),
            ]
            for tr in rows:
                values = [cells.get(f"{TABLE_KEYS[t]}.{tr.key}.{c.key}") for c in tr.columns if c.kind != "unit"]
                block.append(([tr.label, *[None if v is None else float(v) if isinstance(v, Decimal) else v
                                           for v in values]], None))  # fmt: skip
            block.append(([], None))  # a blank line between reports
            sheet.block(block)
    try:
        book.close()
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return n
