"""A person's decision belongs to the report: it outlives re-extraction, and a disagreeing re-reading sends
the report back to the queue with both readings. Corrections and confirmations are taken only when true."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nianbao.extractor.rules
from nianbao import bulk
from nianbao.cli import app
from nianbao.errors import ReviewError
from nianbao.export import long_rows, reports
from nianbao.review import (
    CellDecisions,
    accept_in_bulk,
    accept_source_error,
    apply,
    bulk_candidates,
    save_correction,
    unaccounted,
)
from nianbao.review import record_of as review_record
from nianbao.store import VERSION, Finished, Store
from tests.conftest import GOLDENS, plant, seed_text

runner = CliRunner()
CELL = "applications.granted.natural_person"


def _row(db: Path, name: str):  # type: ignore[no-untyped-def]
    with Store(db) as s:
        return next(r for r in s.latest() if r.path.endswith(name))


@pytest.fixture
def queue(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    # the agency printed 10 where its sums say 9: rejected as source_inconsistent, waiting for a person
    (folder / "planted.txt").write_text(plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n"),
                                        encoding="utf-8")  # fmt: skip
    (folder / "pingtan.txt").write_bytes((GOLDENS / "dev_pingtan_2021_txt" / "source.txt").read_bytes())
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    return db


def test_a_correction_survives_run_force_and_a_parser_version_bump(
    queue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _row(queue, "planted.txt")
    with Store(queue) as s:
        save_correction(s, row, {CELL: 9}, "李四", "the agency's typo")
    assert _row(queue, "planted.txt").effective_status == "reviewed"
    folder = Path(row.path).parent
    bulk.run([str(folder)], queue, force=True)
    after = _row(queue, "planted.txt")
    assert after.id != row.id and after.effective_status == "reviewed"  # a new extraction; the decision stands
    monkeypatch.setattr(nianbao.extractor.rules, "VERSION", "999.0.0")
    bulk.run([str(folder)], queue)  # a new parser version redoes every document
    again = _row(queue, "planted.txt")
    assert again.id != after.id and again.effective_status == "reviewed"
    with Store(queue) as s:
        values = {(r["row"], r["column"]): r["value"] for e in reports(s, every_document=True) for r in long_rows(e)
                  if r["path"].endswith("planted.txt")}  # fmt: skip
    assert values[("granted", "natural_person")] == 9  # the corrected value is what is exported


def test_a_re_extraction_that_reads_a_cell_differently_returns_to_the_queue(queue: Path) -> None:
    row = _row(queue, "planted.txt")
    with Store(queue) as s:
        save_correction(s, row, {CELL: 9}, "李四", None)
    # the file changes under the same document? no — a new reading of the same content: simulate by
    # storing an extraction that reads another cell differently
    with Store(queue) as s:
        data = dict(row.result or {})
        data["applications"] = {
            **data["applications"],
            "partially_granted": {**data["applications"]["partially_granted"], "natural_person": 12},
        }
        s.save(sha256=row.sha256, path=row.path, fmt="text", size=1, versions=bulk.current_versions(),
               finished=Finished.from_json(data), error=None, seconds=0.0)  # fmt: skip
    changed = _row(queue, "planted.txt")
    assert changed.effective_status == "changed_since_review"
    assert ("applications.partially_granted.natural_person", 13, 12) in changed.disagreements()
    listed = runner.invoke(app, ["review", "list", "--db", str(queue)])
    assert "changed_since_review" in listed.stdout and "decided 13, now read 12" in listed.stdout
    with Store(queue) as s:  # the queue found through the indexes is the queue the full listing holds
        waiting = [r.id for r in s.waiting()]
        assert waiting == [r.id for r in s.listing() if r.effective_status in ("rejected", "changed_since_review")]
        assert changed.id in waiting


def test_a_partial_correction_is_refused(queue: Path) -> None:
    row = _row(queue, "pingtan.txt")  # its 规范性文件 row could not be read
    assert row.effective_status == "rejected"
    with Store(queue) as s, pytest.raises(ReviewError, match="2 cell\\(s\\) not accounted for"):
        save_correction(s, row, {"active_disclosure.normative_documents.issued": 1}, "李四", None)
    assert _row(queue, "pingtan.txt").decision is None


def test_accepting_a_source_error_on_an_unreadable_report_is_refused(queue: Path) -> None:
    row = _row(queue, "pingtan.txt")
    with Store(queue) as s, pytest.raises(ReviewError, match="could not read it"):
        accept_source_error(s, row, "李四", "why")
    planted = _row(queue, "planted.txt")
    assert planted.reason == "source_inconsistent"
    with Store(queue) as s:
        accept_source_error(s, planted, "李四", "the agency's own sum")
    assert _row(queue, "planted.txt").effective_status == "source_inconsistent"
    # an override insists on the verdict, never on cells nobody read: 行政规范性文件's three cells
    with Store(queue) as s, pytest.raises(ReviewError, match="3 cell\\(s\\) not accounted for"):
        accept_source_error(s, row, "李四", "checked by phone", override=True)
    assert _row(queue, "pingtan.txt").decision is None


NORMATIVE = [f"active_disclosure.normative_documents.{c}" for c in ("issued", "repealed", "in_force")]


def test_every_cell_is_accounted_for_before_a_decision_and_in_the_export(queue: Path) -> None:
    row = _row(queue, "pingtan.txt")
    illegible = CellDecisions(illegible={c: "run together in the PDF, no split the source settles" for c in NORMATIVE})
    with Store(queue) as s, pytest.raises(ReviewError, match="say why"):
        CellDecisions.parse({"illegible": {NORMATIVE[0]: "  "}})
    with Store(queue) as s:
        applied = apply(review_record(row), illegible)
        assert applied.unaccounted == []
        with pytest.raises(ReviewError, match="verifies: save it as a correction"):
            accept_source_error(s, row, "李四", "checked by phone", override=True, changes=illegible)
        save_correction(s, row, illegible, "李四", "the PDF prints 31031")
    decided = _row(queue, "pingtan.txt")
    assert decided.effective_status == "reviewed" and decided.reviewer == "李四"
    assert decided.corrected is not None and set(decided.corrected["illegible"]) == set(NORMATIVE)
    with Store(queue) as s:
        rows = [r for e in reports(s, every_document=True) for r in long_rows(e)]
    # no exported row has an empty value without a method saying why
    assert all(r["method"] for r in rows)
    methods = {r["column"]: r["method"] for r in rows if r["row"] == "normative_documents" and "pingtan" in r["path"]}
    assert methods == {"issued": "illegible", "repealed": "illegible", "in_force": "illegible"}


def test_a_decision_needs_a_reviewer(queue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_REVIEWER", raising=False)
    monkeypatch.setenv("USER", "someone")  # never taken for the reviewer
    row = _row(queue, "planted.txt")
    with Store(queue) as s, pytest.raises(ReviewError, match="who decides"):
        save_correction(s, row, {CELL: 9}, None, None)
    monkeypatch.setenv("NIANBAO_REVIEWER", "王五")
    with Store(queue) as s:
        save_correction(s, row, {CELL: 9}, None, None)
    assert _row(queue, "planted.txt").reviewer == "王五"


@pytest.mark.parametrize(
    "payload",
    [[1, 2], "x", None, {"changes": [1]}, {"changes": {CELL: float("nan")}}, {"changes": {CELL: "-Infinity"}},
     {"changes": {CELL: True}}, {"confirmed": "x"}, {"illegible": {CELL: 3}}],
)  # fmt: skip
def test_malformed_cell_decisions_are_review_errors(payload: object) -> None:
    with pytest.raises(ReviewError):
        CellDecisions.parse(payload)


def test_confirming_a_doubted_reading_accounts_for_it(queue: Path) -> None:
    row = _row(queue, "pingtan.txt")
    record = review_record(row)
    assert set(NORMATIVE) <= set(unaccounted(record, record.provenance))
    applied = apply(record, CellDecisions(values={NORMATIVE[0]: 1, NORMATIVE[1]: 0, NORMATIVE[2]: 5}))
    assert not set(NORMATIVE) & set(applied.unaccounted)
    assert {applied.provenance[c].method for c in NORMATIVE} == {"reviewed"}


def test_bulk_accepts_only_reports_whose_every_cell_is_read(queue: Path) -> None:
    with Store(queue) as s:
        ids = [r.id for r in s.waiting()]
        candidates = bulk_candidates(s, ids)
        assert [Path(r.path).name for r in candidates] == ["planted.txt"]  # pingtan has unread cells
        with pytest.raises(ReviewError, match="say why"):
            accept_in_bulk(s, ids, "李四", "")
        assert accept_in_bulk(s, ids, "李四", "the agencies' own sums") == [candidates[0].id]
    assert _row(queue, "planted.txt").effective_status == "source_inconsistent"
    assert _row(queue, "pingtan.txt").decision is None


def test_a_store_of_the_previous_version_opens_and_keeps_its_decisions(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    from nianbao.store import SCHEMA

    con.executescript(SCHEMA)  # version 1, as first released
    con.execute("INSERT INTO documents VALUES ('abc', 'r.txt', 'text', 1, 'then')")
    con.execute("INSERT INTO extractions (id, sha256, backend, parser_version, schema_version, status, created_at) "
                "VALUES (1, 'abc', 'rules', '1.2.0', '1', 'rejected', 'then')")  # fmt: skip
    con.execute("INSERT INTO reviews (extraction_id, decision, reviewer, decided_at) VALUES (1, 'rejected', 'x', 't')")
    con.commit()
    con.close()
    with Store(db) as s:
        (row,) = list(s.latest())
        assert row.decision == "rejected" and row.effective_status == "rejected_by_reviewer"
        assert s.paths("abc") == ["r.txt"]
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_a_store_from_a_newer_nianbao_is_refused(tmp_path: Path) -> None:
    from nianbao.errors import StoreError

    db = tmp_path / "new.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer nianbao"):
        Store(db)


def test_every_path_of_an_identical_copy_is_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "a").mkdir(parents=True)
    seed = (GOLDENS / "seed_000_wushan_2024" / "source.txt").read_bytes()
    (folder / "one.txt").write_bytes(seed)
    (folder / "a" / "copy.txt").write_bytes(seed)
    db = tmp_path / "s.db"
    first = bulk.run([str(folder)], db)
    assert first.skipped == 1
    (folder / "later.txt").write_bytes(seed)
    bulk.run([str(folder)], db)
    with Store(db) as s:
        (row,) = list(s.latest())
        assert [Path(p).name for p in s.paths(row.sha256)] == ["copy.txt", "later.txt", "one.txt"]


def test_run_exits_3_when_files_failed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "ok.txt").write_bytes((GOLDENS / "seed_000_wushan_2024" / "source.txt").read_bytes())
    result = runner.invoke(app, ["run", str(folder), "--db", str(tmp_path / "s.db"), "--no-progress"])
    assert result.exit_code == 3


def test_a_transient_failure_is_retried_by_the_next_run(tmp_path: Path) -> None:
    import socket

    from nianbao.extractor.llm.config import LLMConfig

    with socket.socket() as sock:  # a port nothing listens on: the endpoint is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", transport_retries=1, max_wait=0.01,
                     use_cache=False)  # fmt: skip
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_bytes((GOLDENS / "seed_000_wushan_2024" / "source.txt").read_bytes())
    db = tmp_path / "s.db"
    first = bulk.run([str(folder)], db, backend="llm", llm=down)
    assert first.counts["failed"] == 1 and first.transient == 1
    second = bulk.run([str(folder)], db, backend="llm", llm=down)
    assert second.skipped == 0 and second.counts["failed"] == 1  # tried again, not skipped as done


def test_a_decision_saved_by_the_previous_version_still_stands_and_exports_every_method(queue: Path) -> None:
    row = _row(queue, "pingtan.txt")
    record = review_record(row)
    with Store(queue) as s:  # as the previous version saved an overridden confirmation: values, no provenance
        s.decide(row.id, "source_error", "老审核", "[override: rejected as extraction_unverified] by phone",
                 {**record.report().model_dump(mode="json"), "override": True})  # fmt: skip
    kept = _row(queue, "pingtan.txt")
    assert (kept.effective_status, kept.reviewer) == ("source_inconsistent", "老审核")
    assert kept.standing() is kept.result  # its values are the extraction's, as they were
    with Store(queue) as s:
        rows = [r for e in reports(s, every_document=True) for r in long_rows(e) if r["path"] == row.path]
    unread = {r["column"]: (r["value"], r["method"]) for r in rows if r["row"] == "normative_documents"}
    assert unread == {c: (None, "unread") for c in ("issued", "repealed", "in_force")}
    assert all(r["method"] for r in rows)


def test_bulk_never_takes_a_scan(queue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan's broken sum may be a confident misread: the same planted report, as if OCR'd, is no candidate."""
    import nianbao.review as review
    from nianbao.schema.records import ScanInfo

    real = review.record_of
    monkeypatch.setattr(
        review,
        "record_of",
        lambda row: real(row).model_copy(update={"scan": ScanInfo(pages={1: (1240, 1755, 150.0, 0)})}),
    )
    with Store(queue) as s:
        assert bulk_candidates(s, [r.id for r in s.waiting()]) == []
