"""Export from the store, for analysts: tidy long rows (CSV, Parquet) or the contract JSON per report.

Long rows have the columns of ``LONG_COLUMNS``: one row per table cell, ``value`` numeric (empty/NaN for a
blank cell), ``status`` the report's effective status. Only verified data and data a person reviewed
(corrected, or confirmed as the agency's own inconsistency) are exported unless ``include_rejected``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.schema import Report, contract_json, flatten
from nianbao.store import Row, Store

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


def export(db: str | Path, fmt: str, out: Path, include_rejected: bool = False) -> int:
    """Write the export; returns the number of rows (long formats) or reports (jsonl)."""
    n = 0
    with Store(db) as store:
        if fmt == "jsonl":
            with out.open("w", encoding="utf-8") as f:
                for row, report in _rows(store, include_rejected):
                    data = {**contract_json(report), "status": row.effective_status,
                            "source": {"path": row.path, "sha256": row.sha256}}  # fmt: skip
                    f.write(json.dumps(data, ensure_ascii=False) + "\n")
                    n += 1
            return n
        rows = list(long_rows(store, include_rejected))
    if fmt == "csv":
        with out.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=LONG_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return len(rows)
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise NianbaoError("Parquet export needs pyarrow: pip install 'nianbao[parquet]'") from None
        schema = pa.schema(
            [("document", pa.string()), ("path", pa.string()), ("agency", pa.string()), ("year", pa.int64()),
             ("template", pa.string()), ("table", pa.int64()), ("row", pa.string()), ("column", pa.string()),
             ("value", pa.float64()), ("status", pa.string())]
        )  # fmt: skip
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)
        return len(rows)
    raise NianbaoError(f"unknown export format {fmt!r}: csv, parquet or jsonl")
