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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import groupby, repeat
from pathlib import Path
from typing import Any

from nianbao.errors import StoreCorruptError, StoreError, StoreWriteError
from nianbao.schema import Record, Report, cells_of, flatten, provenance_entries

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

# Ordered schema migrations: MIGRATIONS[i] takes a store from version i+1 to i+2 (version 1 is SCHEMA as
# first released). A store is never opened by code older than it (see Store.__init__).
MIGRATIONS: tuple[str, ...] = (
    # 2: a decision belongs to the document (its content), not to one extraction row; failures may be
    # transient (retried by the next run); every path a document was seen at is kept.
    """
    ALTER TABLE reviews ADD COLUMN sha256 TEXT;
    UPDATE reviews SET sha256 = (SELECT sha256 FROM extractions WHERE id = reviews.extraction_id);
    CREATE INDEX IF NOT EXISTS reviews_by_document ON reviews (sha256, id);
    ALTER TABLE extractions ADD COLUMN transient INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE IF NOT EXISTS paths (
        sha256   TEXT NOT NULL,
        path     TEXT NOT NULL,
        seen_at  TEXT NOT NULL,
        PRIMARY KEY (sha256, path)
    );
    INSERT OR IGNORE INTO paths (sha256, path, seen_at) SELECT sha256, path, added_at FROM documents;
    """,
    # 3: what the queue shows, in columns: listing a store never unpacks its results
    """
    ALTER TABLE extractions ADD COLUMN first_error TEXT;
    CREATE INDEX IF NOT EXISTS extractions_by_status ON extractions (status, reason);
    CREATE INDEX IF NOT EXISTS extractions_by_report ON extractions (agency, year, template);
    """,
)
VERSION = 1 + len(MIGRATIONS)

# The cells of every extraction, beside its compressed record, for the tools analysts browse a SQLite file
# with (datasette, DuckDB's sqlite scanner, sqlite-utils): ``report_cells`` is one row per table cell of the
# latest extraction of each document, named. Stored as one row an extraction — the values in the template's
# cell order (JSON) and one letter a cell for its method — and expanded by the view with SQLite's
# ``json_each``: writing ~200 rows a report cost the single writer 0.35 ms a report, this row 0.02.
# Not part of the versioned schema: made when a store is first opened by a nianbao that has it, filled for
# older extractions by the next ``run`` (Store.fill_cells); an older nianbao ignores it.
CELLS_SCHEMA = """
CREATE TABLE IF NOT EXISTS cell_names (
    template  TEXT NOT NULL,          -- 2021, 2019
    idx       INTEGER NOT NULL,       -- the cell's place in the template's order
    path      TEXT NOT NULL,          -- applications.granted.natural_person
    table_no  INTEGER NOT NULL,       -- 2, 3, 4: the template's tables
    row       TEXT NOT NULL,
    col       TEXT NOT NULL,
    amount    INTEGER NOT NULL,       -- 1: a fee or amount (万元, or the 2019 format's unit), 0: a count
    PRIMARY KEY (template, idx)
);
CREATE TABLE IF NOT EXISTS cell_values (
    extraction  INTEGER PRIMARY KEY,  -- extractions.id
    template    TEXT NOT NULL,
    vals        TEXT NOT NULL,        -- JSON array, one value a cell in cell_names order (blank: null, never 0)
    methods     TEXT NOT NULL         -- one letter a cell: r read, i inferred, b blank, n not_printed,
                                      -- v reviewed, - no provenance
);
CREATE VIEW IF NOT EXISTS report_cells AS
SELECT e.id AS extraction, d.path AS document, e.agency AS agency, e.year AS year, e.template AS template,
       e.status AS status, n.table_no AS table_no, n.row AS row, n.col AS col,
       CASE WHEN n.amount THEN NULL ELSE j.value END AS value,
       CASE WHEN n.amount THEN j.value END AS amount,
       CASE substr(c.methods, j.key + 1, 1) WHEN 'r' THEN 'read' WHEN 'i' THEN 'inferred' WHEN 'b' THEN 'blank'
            WHEN 'n' THEN 'not_printed' WHEN 'v' THEN 'reviewed' END AS method
FROM cell_values c
JOIN json_each(c.vals) j
JOIN cell_names n ON n.template = c.template AND n.idx = j.key
JOIN extractions e ON e.id = c.extraction
JOIN documents d ON d.sha256 = e.sha256
WHERE e.id = (SELECT max(id) FROM extractions WHERE sha256 = e.sha256);
"""
Cells = tuple[str, str, str]  # an extraction's cell_values row: template, values (JSON), methods (a letter a cell)
_METHOD_LETTER = {"read": "r", "inferred": "i", "blank": "b", "not_printed": "n", "reviewed": "v"}
_TABLE_NO = {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}


def _is_amount(path: str) -> bool:
    return path.endswith(("amount_10k_yuan", "procurement.amount"))


def cells_row(template: str, values: Mapping[str, Any], methods: Mapping[str, str | None]) -> Cells:
    """An extraction's ``cell_values`` row: its template, the values in the template's cell order (JSON:
    counts whole, amounts as numbers), a letter a cell for its method. Made in C-level passes (map, one
    ``json.dumps``) — a Python step a cell cost ~0.1 ms of a text report's ~2."""
    vals = list(values.values())
    for i in _amount_positions(tuple(values)):
        if vals[i] is not None:
            vals[i] = float(vals[i])
    try:
        dumped = json.dumps(vals, separators=(",", ":"))  # counts are ints already
    except TypeError:  # a count held as a Decimal: made whole as before
        dumped = json.dumps(
            [None if v is None else (float(v) if _is_amount(p) else int(v)) for p, v in values.items()],
            separators=(",", ":"),
        )
    letter: Callable[[str | None, str], str] = _METHOD_LETTER.get  # type: ignore[assignment]
    return template, dumped, "".join(map(letter, map(methods.get, values), repeat("-")))


@lru_cache(maxsize=8)
def _amount_positions(paths: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(paths) if _is_amount(p))


def _cells_of_json(data: dict[str, Any]) -> Cells | None:
    """:func:`cells_row` for a record read back as JSON (a stored result, a cluster's)."""
    try:
        report = Report.model_validate({k: data[k] for k in Report.model_fields if k in data})
    except ValueError:
        return None
    entries = provenance_entries(data.get("provenance") or {}, report.template)
    return cells_row(report.template, flatten(report), {p: e.get("method") for p, e in entries.items()})


DECISIONS = ("corrected", "source_error", "rejected")
# a person's decision overrides the extraction's own status (while it still stands: see Row)
_EFFECTIVE: dict[str | None, str] = {
    "corrected": "reviewed",
    "source_error": "source_inconsistent",
    "rejected": "rejected_by_reviewer",
}
CHANGED = "changed_since_review"  # a new extraction reads a cell differently from the decided values


def _cannot_write(e: sqlite3.Error) -> bool:
    """SQLite's primary codes for a place that cannot be written: READONLY, IOERR, FULL, CANTOPEN."""
    return getattr(e, "sqlite_errorcode", 0) & 0xFF in (8, 10, 13, 14)


_CHECKED: set[tuple[str, int, int, int]] = set()  # store files found sound by this process (Store._check_once)


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
    decided_on: int | None = None  # the extraction the decision was made on (an earlier one after a re-run)
    transient: bool = False

    def standing(self) -> dict[str, Any] | None:
        """The record data this row stands for: a reviewer's correction where it stands, or a confirmed
        source inconsistency with the person's cell decisions (those saved with their provenance), else the
        extraction."""
        effective = self.effective_status
        if self.corrected and (
            effective == "reviewed" or (effective == "source_inconsistent" and "provenance" in self.corrected)
        ):
            return self.corrected
        return self.result

    def report(self) -> Report | None:
        """The values this row stands for (see :meth:`standing`)."""
        data = self.standing()
        if not data:
            return None
        return Report.model_validate({k: data[k] for k in Report.model_fields if k in data})

    def disagreements(self) -> list[tuple[str, Any, Any]]:
        """Cells a newer extraction reads differently from the values the decision was made on:
        (cell, decided value, new value). Cells the new extraction cannot read keep the decided value."""
        if self.decision is None or self.decided_on in (None, self.id) or not self.corrected or not self.result:
            return []
        decided, new = _cells(self.corrected), _cells(self.result)
        # a cell the reviewer changed still agrees when the new extraction reads it as the old one did
        # (the same misprint or misread the reviewer corrected)
        before: dict[str, Any] = self.corrected.get("before") or {}
        return [
            (p, decided.get(p), v)
            for p, v in new.items()
            if v is not None and decided.get(p) != v and not (p in before and before[p] == v)
        ]

    @property
    def effective_status(self) -> str:
        """verified · reviewed (corrected by a person) · source_inconsistent (confirmed by a person) ·
        rejected_by_reviewer · changed_since_review (a re-extraction disagrees with a decision: back in the
        queue, both readings shown) · rejected (waiting for review) · failed."""
        if self.decision in ("corrected", "source_error") and self.disagreements():
            return CHANGED
        return _EFFECTIVE.get(self.decision, self.status)


# which document stands for a report: verified, then reviewed, then a confirmed source inconsistency
_RANK = {"verified": 0, "reviewed": 1, "source_inconsistent": 2, "rejected": 3, CHANGED: 4,
         "rejected_by_reviewer": 5, "failed": 6}  # fmt: skip


def report_key(agency: str | None, year: int | None, template: str | None) -> str | None:
    """The report a document is one copy of: agency (spacing ignored), year and template, or None when the
    agency or year could not be read."""
    if not agency or year is None:
        return None
    return f"{''.join(agency.split())}|{year}|{template or '2021'}"


@dataclass(frozen=True)
class ReportChoice:
    key: str
    chosen: int  # the extraction id standing for the report
    others: list[int]  # the other documents' latest extractions
    why: str


def _first_error(record: dict[str, Any] | None) -> str | None:
    for v in (record or {}).get("violations", []):
        if v.get("severity") == "error":
            return f"{v['rule']}: {v['message']}"[:500]
    return None


@dataclass(frozen=True)
class Finished:
    """One extraction as the store writes it, made where it was extracted (in a worker): the columns the
    store lists and queries, and the record already encoded (compact JSON) and compressed — so the single
    writer decodes and encodes nothing."""

    status: str
    reason: str | None
    agency: str | None
    year: int | None
    template: str | None
    first_error: str | None
    result_z: bytes
    usage: dict[str, int] | None = None
    ocr_pages: int = 0
    cells: Cells | None = None  # its row of the browsable ``cell_values`` (made in the worker)

    @classmethod
    def of(cls, record: Record) -> Finished:
        first = next((f"{v.rule}: {v.message}"[:500] for v in record.violations if v.severity == "error"), None)
        methods = {path: p.method for path, p in record.provenance.items()}
        return cls(
            record.status, record.reason, record.agency, record.year, record.template, first,
            # level 1: half the time of the default for ~10 % more bytes (2.6 against 2.3 KB a report)
            zlib.compress(record.model_dump_json().encode(), 1), record.usage.model_dump() if record.usage else None,
            len(record.scan.pages) if record.scan else 0, cells_row(record.template, flatten(record), methods),
        )  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finished:
        """From a record's JSON data as read back (a record already stored, or one made by hand)."""
        scan = data.get("scan") or {}
        return cls(
            data["status"], data.get("reason"), data.get("agency"), data.get("year"), data.get("template"),
            _first_error(data), _pack(data) or b"", data.get("usage"), len(scan.get("pages") or {}),
            _cells_of_json(data),
        )  # fmt: skip


@dataclass(frozen=True)
class Listed:
    """One document's latest extraction as the queue lists it: columns only, no stored result."""

    id: int
    sha256: str
    path: str
    status: str
    effective_status: str
    reason: str | None
    agency: str | None
    year: int | None
    template: str | None
    first_error: str | None


def _cells(data: dict[str, Any]) -> dict[str, Any]:
    """Table cells by path from a stored record's JSON (numbers compared as JSON numbers)."""
    out: dict[str, Any] = {}
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        for row, cols in (data.get(table) or {}).items():
            if isinstance(cols, dict):
                for col, value in cols.items():
                    if col != "amount_unit":
                        out[f"{table}.{row}.{col}"] = value
    return out


_SELECT = """
SELECT e.id, e.sha256, d.path, d.format, e.status, e.reason, e.agency, e.year, e.template, e.result_z, e.error,
       r.decision, r.reviewer, r.decided_at, r.reason, r.corrected_json, r.extraction_id, e.transient
FROM extractions e
JOIN documents d ON d.sha256 = e.sha256
LEFT JOIN reviews r ON r.id = (SELECT max(id) FROM reviews WHERE sha256 = e.sha256)
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
        json.loads(r[15]) if r[15] else None, r[16], bool(r[17]),
    )  # fmt: skip


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._check_once()
            self._migrate()
            self._ensure_cells()
        except sqlite3.DatabaseError as e:
            if _cannot_write(e):  # a read-only place, a full disk: not a wrong file
                raise StoreWriteError(f"cannot write the store: {e}", file=self.path) from None
            raise StoreError(f"not a usable nianbao database: {e}", file=self.path) from None

    def _check_once(self) -> None:
        """Refuse a damaged file (``PRAGMA quick_check``: every page read, no index compared; ~4 ms for
        1 000 reports) before anything is written into it — once per store and process, so the review
        page's requests do not repeat it while the file is unchanged."""
        st = self.path.stat() if self.path.exists() else None
        key = (str(self.path.resolve()), st.st_ino, st.st_mtime_ns, st.st_size) if st else None
        if key is None or key in _CHECKED:  # (a new store: nothing to check)
            return
        try:
            found = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as e:
            found = [str(e)]
        if found != ["ok"]:
            self.db.close()
            raise StoreCorruptError(
                f"the store's file is damaged ({'; '.join(found)[:300]}); nothing was written into it. "
                f"`nianbao store recover --db {self.path} NEW.db` copies what can be read into a new store",
                file=self.path,
            )
        _CHECKED.add(key)

    def _migrate(self) -> None:
        """Create, or bring an older store up to :data:`VERSION` step by step, in one transaction; refuse
        a store written by a newer nianbao (its data would be misread)."""
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > VERSION:
            raise StoreError(f"written by a newer nianbao (store version {version}, this one reads {VERSION})",
                             file=self.path)  # fmt: skip
        if version == VERSION:
            return
        # version 0 with tables: a store from before versions were recorded (version 1)
        steps = MIGRATIONS[max(version, 1) - 1 :]
        script = "BEGIN IMMEDIATE;\n" + SCHEMA + "\n".join(steps) + f"\nPRAGMA user_version = {VERSION};\nCOMMIT;"
        try:
            self.db.executescript(script)  # one transaction: a failed step leaves the store as it was
        except sqlite3.DatabaseError:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- runs

    def is_done(self, sha256: str, versions: Versions) -> bool:
        """Whether this document was extracted by these versions (a re-run skips it). A transient failure
        (the LLM endpoint down, a file briefly missing) is not done: the next run tries it again. Asked per
        file (an indexed lookup, ~10 µs) so that a re-run holds no set of every document in memory."""
        row = self.db.execute(
            "SELECT 1 FROM extractions WHERE sha256=? AND backend=? AND parser_version=? AND schema_version=? "
            "AND prompt_version=? AND NOT (status = 'failed' AND transient = 1) LIMIT 1",
            (sha256, versions.backend, versions.parser_version, versions.schema_version, versions.prompt_version),
        )
        return row.fetchone() is not None

    def failures(self, sha256: str, error: str) -> int:
        """How many times this document failed with this error (a worker's death: retried a bounded
        number of times, then failed for good)."""
        row = self.db.execute(
            "SELECT count(*) FROM extractions WHERE sha256 = ? AND status = 'failed' AND error = ?", (sha256, error)
        )
        return int(row.fetchone()[0])

    def seen(self, sha256: str, path: str, at: str | None = None) -> None:
        """Record that a document's content was found at ``path`` (identical copies are listed, not lost)."""
        self.db.execute(
            "INSERT OR IGNORE INTO paths (sha256, path, seen_at) VALUES (?, ?, ?)", (sha256, path, at or now())
        )

    def paths(self, sha256: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM paths WHERE sha256 = ? ORDER BY path", (sha256,))]

    def save(
        self,
        *,
        sha256: str,
        path: str,
        fmt: str | None,
        size: int,
        versions: Versions,
        finished: Finished | None,
        error: str | None,
        seconds: float,
        model: str | None = None,
        usage: dict[str, int] | None = None,
        transient: bool = False,
    ) -> int:
        """Write a document and its extraction in one transaction."""
        f = finished
        stamp = now()
        with self._transaction():
            self.db.execute(
                "INSERT INTO documents (sha256, path, format, size, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO UPDATE SET path=excluded.path, format=excluded.format",
                (sha256, path, fmt, size, stamp),
            )
            cur = self.db.execute(
                "INSERT INTO extractions (sha256, backend, model, parser_version, prompt_version, schema_version, "
                "status, reason, agency, year, template, result_z, error, usage_json, seconds, created_at, transient, "
                "first_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256, versions.backend, model, versions.parser_version, versions.prompt_version,
                    versions.schema_version, f.status if f else "failed", f.reason if f else None,
                    f.agency if f else None, f.year if f else None, f.template if f else None,
                    f.result_z if f else None, error,
                    json.dumps(usage) if usage else None, seconds, stamp, int(transient), f.first_error if f else None,
                ),
            )  # fmt: skip
            self.seen(sha256, path, stamp)
            extraction = int(cur.lastrowid or 0)
            if f is not None and f.cells is not None:
                self._save_cells(extraction, f.cells)
            return extraction

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> Store._Tx:
        return Store._Tx(self.db)

    # ---------------------------------------------------------------- cells (for datasette, DuckDB, sqlite-utils)

    def _ensure_cells(self) -> None:
        """The browsable ``report_cells`` view and what it reads, beside the compressed records (made when a
        store is first opened by a nianbao that has them; :meth:`fill_cells` fills them for older rows)."""
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'cell_values'").fetchone() is not None:
            return
        with self._transaction():
            for statement in CELLS_SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            for template in ("2021", "2019"):
                self.db.executemany(
                    "INSERT OR IGNORE INTO cell_names VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(template, i, p, _TABLE_NO[p.split(".")[0]], *p.split(".")[1:], int(_is_amount(p)))
                     for i, p in enumerate(cells_of(template))],
                )  # fmt: skip

    def fill_cells(self) -> int:
        """Fill ``cell_values`` for extractions stored before it existed, from their records (~1 ms each,
        so ``run`` does it, once, rather than every command that opens a store); returns how many."""
        missing = [r[0] for r in self.db.execute(
            "SELECT id FROM extractions WHERE result_z IS NOT NULL AND id NOT IN (SELECT extraction FROM cell_values)"
        )]  # fmt: skip
        n = 0
        with self._transaction():
            for eid in missing:  # one record unpacked at a time: memory stays flat at any store size
                (blob,) = self.db.execute("SELECT result_z FROM extractions WHERE id = ?", (eid,)).fetchone()
                data = _unpack(blob)
                cells = _cells_of_json(data) if data else None
                if cells is not None:
                    self._save_cells(eid, cells)
                    n += 1
        return n

    def _save_cells(self, extraction: int, cells: Cells) -> None:
        self.db.execute("INSERT OR REPLACE INTO cell_values VALUES (?, ?, ?, ?)", (extraction, *cells))

    # ---------------------------------------------------------------- reading

    def latest(self) -> Iterator[Row]:
        """The latest extraction of every document, with its latest review decision."""
        for r in self.db.execute(f"{_SELECT} WHERE {_IS_LATEST} ORDER BY e.id"):
            yield _row(r)

    def decided(self) -> Iterator[Row]:
        """The latest extraction of every document a person has decided on (found through the reviews,
        not by unpacking every result)."""
        query = f"{_SELECT} WHERE {_IS_LATEST} AND e.sha256 IN (SELECT sha256 FROM reviews) ORDER BY e.id"
        for r in self.db.execute(query):
            yield _row(r)

    def get(self, extraction_id: int) -> Row:
        if not 0 < extraction_id < 2**63:  # beyond SQLite's integers: no such extraction (not a crash)
            raise StoreError(f"no extraction with id {extraction_id}", file=self.path)
        for r in self.db.execute(f"{_SELECT} WHERE e.id = ?", (extraction_id,)):
            return _row(r)
        raise StoreError(f"no extraction with id {extraction_id}", file=self.path)

    def listing(self) -> Iterator[Listed]:
        """The latest extraction of every document, from columns alone (``review list``, counts and the choice
        of a report's document at any store size); a decision made on an earlier extraction is the one case
        whose result is unpacked, to see whether it still stands."""
        return self._listed(f"WHERE {_IS_LATEST}")

    def waiting(self) -> Iterator[Listed]:
        """What the review queue holds, from columns alone: the latest extraction of each document that is
        rejected or has a decision (a re-extraction may disagree with it) — found through the indexes, not
        by listing every document (a province's store is mostly verified)."""
        effective = ("rejected", CHANGED)
        latest_rejected = f"SELECT e.id FROM extractions e WHERE e.status = 'rejected' AND {_IS_LATEST}"
        latest_decided = (
            f"SELECT e.id FROM extractions e WHERE e.sha256 IN (SELECT sha256 FROM reviews) AND {_IS_LATEST}"
        )
        where = f"WHERE e.id IN ({latest_rejected} UNION {latest_decided})"
        return (r for r in self._listed(where) if r.effective_status in effective)

    def _listed(self, where: str, order: str = "e.id") -> Iterator[Listed]:
        query = (
            "SELECT e.id, e.sha256, d.path, e.status, e.reason, e.agency, e.year, e.template, e.first_error, "
            "r.decision, r.extraction_id FROM extractions e JOIN documents d ON d.sha256 = e.sha256 "
            "LEFT JOIN reviews r ON r.id = (SELECT max(id) FROM reviews WHERE sha256 = e.sha256) "
            f"{where} ORDER BY {order}"
        )
        # streamed, not fetched whole: 100 000 rows with their paths and first errors are ~100 MB at once
        for eid, sha, path, status, reason, agency, year, template, first, decision, decided_on in self.db.execute(
            query
        ):
            effective = _EFFECTIVE.get(decision, status)
            if decision in ("corrected", "source_error") and decided_on != eid:
                effective = self.get(eid).effective_status
            yield Listed(eid, sha, path, status, effective, reason, agency, year, template, first)

    def document_formats(self, sha256s: list[str]) -> dict[str, str | None]:
        """Each document's format (text, html, pdf, docx, scan …), for the review queue's filter."""
        out: dict[str, str | None] = {}
        for i in range(0, len(sha256s), 500):
            chunk = sha256s[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT sha256, format FROM documents WHERE sha256 IN ({marks})", chunk))
        return out

    def counts(self) -> dict[str, int]:
        """Documents per effective status."""
        out: dict[str, int] = {}
        for r in self.listing():
            out[r.effective_status] = out.get(r.effective_status, 0) + 1
        return out

    def reports(self, every_document: bool = False) -> Iterator[ReportChoice]:
        """One entry per report — (agency, year, template) — naming the document chosen to stand for it and
        why, with the other documents of the same report (the PDF and the web page of one report, identical
        copies). The choice prefers verified, then reviewed, then the agency's confirmed inconsistency, then
        the rest; the first extracted wins a tie. A document whose agency or year could not be read is a
        report of its own. ``every_document``: one entry per document instead."""
        # grouped as they come, sorted by their report key in SQLite (the key is nianbao's own function):
        # memory stays flat at any store size, where a dict of every report grew with it
        self.db.create_function("report_key", 3, report_key, deterministic=True)
        order = "e.id" if every_document else "report_key(e.agency, e.year, e.template), e.id"
        for key, listed in groupby(self._listed(f"WHERE {_IS_LATEST}", order),
                                   lambda r: report_key(r.agency, r.year, r.template)):  # fmt: skip
            docs = [(_RANK.get(r.effective_status, len(_RANK)), r.id, r.effective_status, r.sha256) for r in listed]
            if every_document or key is None:  # a report of its own, each
                for d in docs:
                    yield ReportChoice(f"{key or 'unidentified'}#{d[3][:12]}", d[1], [], "the only document")
                continue
            docs.sort()
            _, chosen, effective, _ = docs[0]
            why = "the only document" if len(docs) == 1 else f"{effective}, preferred over {len(docs) - 1} other(s)"
            yield ReportChoice(key, chosen, [d[1] for d in docs[1:]], why)

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
        row = self.get(extraction_id)  # exists
        with self._transaction():
            cur = self.db.execute(
                "INSERT INTO reviews (extraction_id, sha256, decision, reviewer, decided_at, reason, corrected_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (extraction_id, row.sha256, decision, reviewer, now(), reason,
                 json.dumps(corrected, ensure_ascii=False) if corrected else None),
            )  # fmt: skip
            return int(cur.lastrowid or 0)
