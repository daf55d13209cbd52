"""Export from the store, for analysts: tidy long rows (CSV, Parquet) or the contract JSON per report.

Long rows have the columns of ``LONG_COLUMNS``: one row per table cell, ``value`` numeric (empty/NaN for a
blank cell), ``status`` the report's effective status. Only verified data and data a person reviewed
(corrected, or confirmed as the agency's own inconsistency) are exported unless ``include_rejected``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nianbao.errors import ExportError
from nianbao.schema import Report, contract_json, flatten
from nianbao.store import Row, Store

FORMATS = ("csv", "parquet", "jsonl")
LONG_COLUMNS = ("document", "path", "agency", "year", "template", "table", "row", "column", "value", "status")
EXPORTED = frozenset({"verified", "reviewed", "source_inconsistent"})


def _rows(store: Store, include_rejected: bool) -> Iterator[tuple[Row, Report]]:
    for row in store.latest():
        if row.effective_status not in EXPORTED and not include_rejected:
            continue
        report = row.report()
        if report is not None:
            yield row, report


def long_rows(store: Store, include_rejected: bool = False) -> Iterator[dict[str, Any]]:
    for row, report in _rows(store, include_rejected):
        base = {
            "document": row.sha256, "path": row.path, "agency": report.agency, "year": report.year,
            "template": report.template, "status": row.effective_status,
        }  # fmt: skip
        for path, value in flatten(report).items():
            table, r, c = path.split(".")
            yield {**base, "table": {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}[table],
                   "row": r, "column": c, "value": None if value is None else float(value)}  # fmt: skip
        for extra in getattr(report.active_disclosure, "extra", []):
            for j, value in enumerate(extra.values):
                yield {**base, "table": 2, "row": f"extra:{extra.label}", "column": str(j),
                       "value": None if value is None else float(value)}  # fmt: skip


STDOUT = Path("-")


@contextmanager
def _open(out: Path, mode: str) -> Iterator[Any]:
    """``out`` for writing — ``-`` is standard output (text, or its bytes for a binary format)."""
    if out == STDOUT:
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        yield stream
        stream.flush()
        return
    if "b" in mode:
        with out.open("wb") as fb:
            yield fb
    else:
        with out.open("w", encoding="utf-8", newline="") as ft:
            yield ft


def export(db: str | Path, fmt: str, out: Path, include_rejected: bool = False) -> int:
    """Write the export; returns the number of rows (long formats) or reports (jsonl). ``out`` may be
    ``-`` (stdout); it may not be the store itself."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: {', '.join(FORMATS)}")
    if out != STDOUT and out.exists() and out.resolve() == Path(db).resolve():
        raise ExportError("the output is the store itself; choose another --out", file=out)
    n = 0
    with Store(db) as store:
        if fmt == "jsonl":
            with _open(out, "w") as f:
                for row, report in _rows(store, include_rejected):
                    data = {**contract_json(report), "status": row.effective_status,
                            "source": {"path": row.path, "sha256": row.sha256}}  # fmt: skip
                    f.write(json.dumps(data, ensure_ascii=False) + "\n")
                    n += 1
            return n
        rows = list(long_rows(store, include_rejected))
    if fmt == "csv":
        with _open(out, "w") as f:
            writer = csv.DictWriter(f, fieldnames=LONG_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return len(rows)
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ExportError("Parquet export needs pyarrow: pip install 'nianbao[parquet]'") from None
        schema = pa.schema(
            [("document", pa.string()), ("path", pa.string()), ("agency", pa.string()), ("year", pa.int64()),
             ("template", pa.string()), ("table", pa.int64()), ("row", pa.string()), ("column", pa.string()),
             ("value", pa.float64()), ("status", pa.string())]
        )  # fmt: skip
        with _open(out, "wb") as f:
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), f)
        return len(rows)
    raise ExportError(f"unknown export format {fmt!r}: csv, parquet or jsonl")
