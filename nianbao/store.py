"""The results store: one SQLite file, no server.

``documents`` are keyed by the SHA-256 of their bytes; every extraction is kept (``extractions``, with the
backend and the parser/prompt/schema versions that made it); a person's decision on a rejected extraction
is kept in ``reviews`` with who, when, why and the corrected values. A document and its extraction are
written in one transaction, so a run killed at any moment loses at most the documents in flight and never
leaves half of one. WAL mode lets the review page read while a run writes.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nianbao.errors import StoreError
from nianbao.schema import Report

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    sha256    TEXT PRIMARY KEY,
    path      TEXT NOT NULL,
    format    TEXT,
    size      INTEGER NOT NULL,
    added_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS extractions (
    id              INTEGER PRIMARY KEY,
    sha256          TEXT NOT NULL REFERENCES documents(sha256),
    backend         TEXT NOT NULL,
    model           TEXT,
    parser_version  TEXT NOT NULL,
    prompt_version  TEXT NOT NULL DEFAULT '',
    schema_version  TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('verified', 'rejected', 'failed')),
    reason          TEXT,
    agency          TEXT,
    year            INTEGER,
    template        TEXT,
    result_z        BLOB,   -- the extraction record (JSON, zlib): ~6 KB instead of ~40 KB
    error           TEXT,
    usage_json      TEXT,
    seconds         REAL,
    created_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS extractions_by_document ON extractions (sha256, id);
CREATE TABLE IF NOT EXISTS reviews (
    id              INTEGER PRIMARY KEY,
    extraction_id   INTEGER NOT NULL REFERENCES extractions(id),
    decision        TEXT NOT NULL CHECK (decision IN ('corrected', 'source_error', 'rejected')),
    reviewer        TEXT NOT NULL,
    decided_at      TEXT NOT NULL,
    reason          TEXT,
    corrected_json  TEXT
);
CREATE INDEX IF NOT EXISTS reviews_by_extraction ON reviews (extraction_id, id);
"""

DECISIONS = ("corrected", "source_error", "rejected")
# a person's decision overrides the extraction's own status
_EFFECTIVE: dict[str | None, str] = {
    "corrected": "reviewed",
    "source_error": "source_inconsistent",
    "rejected": "rejected_by_reviewer",
}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Versions:
    """What made an extraction; a document is redone when any of these changes."""

    backend: str
    parser_version: str
    schema_version: str
    prompt_version: str = ""


@dataclass(frozen=True)
class Row:
    """The latest extraction of one document, with its latest review decision if any."""

    id: int
    sha256: str
    path: str
    format: str | None
    status: str
    reason: str | None
    agency: str | None
    year: int | None
    template: str | None
    result: dict[str, Any] | None
    error: str | None
    decision: str | None
    reviewer: str | None
    decided_at: str | None
    review_reason: str | None
    corrected: dict[str, Any] | None

    def report(self) -> Report | None:
        """The values this row stands for: a reviewer's correction where there is one, else the extraction."""
        data = self.corrected if self.effective_status == "reviewed" and self.corrected else self.result
        if not data:
            return None
        return Report.model_validate({k: data[k] for k in Report.model_fields if k in data})

    @property
    def effective_status(self) -> str:
        """verified · reviewed (corrected by a person) · source_inconsistent (confirmed by a person) ·
        rejected_by_reviewer · rejected (waiting for review) · failed."""
        return _EFFECTIVE.get(self.decision, self.status)


_SELECT = """
SELECT e.id, e.sha256, d.path, d.format, e.status, e.reason, e.agency, e.year, e.template, e.result_z, e.error,
       r.decision, r.reviewer, r.decided_at, r.reason, r.corrected_json
FROM extractions e
JOIN documents d ON d.sha256 = e.sha256
LEFT JOIN reviews r ON r.id = (SELECT max(id) FROM reviews WHERE extraction_id = e.id)
"""
_IS_LATEST = "e.id = (SELECT max(id) FROM extractions WHERE sha256 = e.sha256)"


def _pack(data: dict[str, Any] | None) -> bytes | None:
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()) if data else None


def _unpack(blob: bytes | None) -> dict[str, Any] | None:
    if not blob:
        return None
    data: dict[str, Any] = json.loads(zlib.decompress(blob))
    return data


def _row(r: tuple[Any, ...]) -> Row:
    return Row(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        _unpack(r[9]), r[10], r[11], r[12], r[13], r[14],
        json.loads(r[15]) if r[15] else None,
    )  # fmt: skip


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"not a usable nianbao database: {e}", file=self.path) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- runs

    def done(self, versions: Versions) -> set[str]:
        """Documents already extracted by these versions (a re-run skips them)."""
        rows = self.db.execute(
            "SELECT DISTINCT sha256 FROM extractions WHERE backend=? AND parser_version=? AND schema_version=? "
            "AND prompt_version=?",
            (versions.backend, versions.parser_version, versions.schema_version, versions.prompt_version),
        )
        return {r[0] for r in rows}

    def save(
        self,
        *,
        sha256: str,
        path: str,
        fmt: str | None,
        size: int,
        versions: Versions,
        record: dict[str, Any] | None,
        error: str | None,
        seconds: float,
        model: str | None = None,
        usage: dict[str, int] | None = None,
    ) -> int:
        """Write a document and its extraction in one transaction."""
        status = record["status"] if record else "failed"
        with self._transaction():
            self.db.execute(
                "INSERT INTO documents (sha256, path, format, size, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO UPDATE SET path=excluded.path, format=excluded.format",
                (sha256, path, fmt, size, now()),
            )
            cur = self.db.execute(
                "INSERT INTO extractions (sha256, backend, model, parser_version, prompt_version, schema_version, "
                "status, reason, agency, year, template, result_z, error, usage_json, seconds, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256, versions.backend, model, versions.parser_version, versions.prompt_version,
                    versions.schema_version, status, record.get("reason") if record else None,
                    record.get("agency") if record else None, record.get("year") if record else None,
                    record.get("template") if record else None,
                    _pack(record), error,
                    json.dumps(usage) if usage else None, seconds, now(),
                ),
            )  # fmt: skip
            return int(cur.lastrowid or 0)

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> Store._Tx:
        return Store._Tx(self.db)

    # ---------------------------------------------------------------- reading

    def latest(self) -> Iterator[Row]:
        """The latest extraction of every document, with its latest review decision."""
        for r in self.db.execute(f"{_SELECT} WHERE {_IS_LATEST} ORDER BY e.id"):
            yield _row(r)

    def get(self, extraction_id: int) -> Row:
        for r in self.db.execute(f"{_SELECT} WHERE e.id = ?", (extraction_id,)):
            return _row(r)
        raise StoreError(f"no extraction with id {extraction_id}", file=self.path)

    def counts(self) -> dict[str, int]:
        """Documents per effective status (from the status columns; no stored result is unpacked)."""
        out: dict[str, int] = {}
        query = (
            "SELECT e.status, (SELECT decision FROM reviews WHERE extraction_id = e.id ORDER BY id DESC LIMIT 1) "
            f"FROM extractions e WHERE {_IS_LATEST}"
        )
        for status, decision in self.db.execute(query):
            key = _EFFECTIVE.get(decision, status)
            out[key] = out.get(key, 0) + 1
        return out

    def extraction_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM extractions").fetchone()[0])

    # ---------------------------------------------------------------- review

    def decide(
        self,
        extraction_id: int,
        decision: str,
        reviewer: str,
        reason: str | None,
        corrected: dict[str, Any] | None = None,
    ) -> int:
        if decision not in DECISIONS:
            raise StoreError(f"unknown decision {decision!r}")
        self.get(extraction_id)  # exists
        with self._transaction():
            cur = self.db.execute(
                "INSERT INTO reviews (extraction_id, decision, reviewer, decided_at, reason, corrected_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (extraction_id, decision, reviewer, now(), reason,
                 json.dumps(corrected, ensure_ascii=False) if corrected else None),
            )  # fmt: skip
            return int(cur.lastrowid or 0)
