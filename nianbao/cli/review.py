"""``review``: the queue of rejected extractions waiting for a person, the decisions on them, and the
review page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import DEFAULT_DB, DbOpt, LangOpt
from nianbao.cli.output import say
from nianbao.errors import NianbaoError, UsageError

app = typer.Typer(
    help="The review queue: rejected extractions waiting for a person.", no_args_is_help=True, rich_markup_mode=None
)

IdArg = Annotated[int, typer.Argument(metavar="ID", help="The extraction's id (as `review list` shows it).")]
ReviewerOpt = Annotated[
    str | None, typer.Option(metavar="NAME", help="Who decides (default: $NIANBAO_REVIEWER; required).")
]
ReasonOpt = Annotated[str | None, typer.Option(metavar="TEXT", help="Why.")]
IllegibleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--illegible", metavar="CELL=WHY", help="A cell the source does not let anyone read, and why; repeatable."
    ),
]


def _illegible(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        path, sep, why = item.partition("=")
        if not sep or not why.strip():
            raise UsageError(f"--illegible {item!r}: expected CELL=WHY (a reason is required)")
        out[path.strip()] = why.strip()
    return out


def _open_row(db: Path, extraction_id: int) -> tuple[Any, Any]:
    from nianbao.store import Store

    store = Store(db)
    try:
        return store, store.get(extraction_id)
    except NianbaoError:
        store.close()
        raise


@app.command("list", cls=Command)
def review_list(
    db: DbOpt = DEFAULT_DB,
    all_: Annotated[bool, typer.Option("--all", help="Also show decided and verified reports.")] = False,
) -> None:
    """Rejected reports waiting for review, with their first violation."""
    from nianbao.review import first_error_line
    from nianbao.review_text import counts_line, queue_lines
    from nianbao.store import Store

    with Store(db) as store:
        rows = list(store.listing() if all_ else store.waiting())  # columns only: fast
        for line, r in zip(queue_lines(rows), [None, *rows], strict=True):
            print(line)
            if r is None:
                continue
            if r.effective_status == "changed_since_review":
                changed = store.get(r.id).disagreements()
                cell, decided, new = changed[0]
                print(f"        {cell}: decided {decided}, now read {new} ({len(changed)} cell(s) differ)")
            elif r.effective_status == "rejected":
                first = first_error_line(store, r)
                if first:
                    print(f"        {first}")
        say(f"{len(rows)} report(s); store: {counts_line(store.counts())}")


@app.command("show", cls=Command)
def review_show(extraction_id: IdArg, db: DbOpt = DEFAULT_DB) -> None:
    """One extraction: its status, violations, notes, decision, and its tables with their values."""
    from nianbao.review import record_of, unaccounted
    from nianbao.review_text import tables_lines
    from nianbao.schema import Record
    from nianbao.schema.template import TABLE_KEYS

    try:
        store, row = _open_row(db, extraction_id)
    except NianbaoError as e:
        say(f"failed — {e}")
        raise typer.Exit(2) from None
    with store:
        print(f"#{row.id} {row.path}\n{row.agency} {row.year} template {row.template}: {row.effective_status}"
              + (f" ({row.reason})" if row.reason else ""))  # fmt: skip
        if row.decision:
            print(f"decision: {row.decision} by {row.reviewer} at {row.decided_at}: {row.review_reason or ''}")
        for cell, decided, new in row.disagreements():
            print(f"  changed since review: {cell}: decided {decided}, the new extraction reads {new}")
        if row.result is None:
            print(f"failed: {row.error}")
            return
        record = record_of(row)
        if row.effective_status == "reviewed" and row.corrected:  # the state now, not before the correction
            changed = row.corrected.get("changed") or []
            print(f"  corrected and verified: {len(changed)} cell(s) set by the reviewer: {', '.join(changed[:8])}")
            record = Record.model_validate({**record.model_dump(), **{k: row.corrected[k] for k in TABLE_KEYS}})
        else:
            for v in record.violations:
                print(f"  [{v.severity}] {v.rule}: {v.message}")
                if v.cells and v.severity == "error":
                    print(f"      cells: {', '.join(v.cells[:8])}{' …' if len(v.cells) > 8 else ''}")
            for n in record.notes:
                print(f"  note: {n}")
        at_fault = {c for v in record.violations if v.severity == "error" for c in v.cells}
        waiting = record.status == "rejected" and not row.decision
        todo = set(unaccounted(record, record.provenance)) if waiting else set()
        for line in tables_lines(record, at_fault, todo):
            print(line)
        print("  (* a cell named by an error; ? a cell not read — type, accept or mark it illegible)")


def _record_decision(
    extraction_id: int, db: Path, decide: Any, reviewer: str | None, reason: str | None, done: str
) -> None:
    from nianbao.review import require_reviewer

    try:
        who = require_reviewer(reviewer)
        store, row = _open_row(db, extraction_id)
        with store:
            decide(store, row, who, reason)
    except NianbaoError as e:
        say(f"not saved — {e}")
        raise typer.Exit(1) from None
    say(f"#{extraction_id}: {done}")


@app.command("correct", cls=Command)
def review_correct(
    extraction_id: IdArg,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="CELL=VALUE", help="e.g. applications.granted.total=9 (an empty VALUE: blank); repeatable."
        ),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
    illegible: IllegibleOpt = None,
) -> None:
    """Correct values; saved only if the corrected report verifies with every cell accounted for."""
    from nianbao.review import CellDecisions, parse_value, save_correction

    changes = {}
    try:
        unreadable = _illegible(illegible)
        for item in set_ or []:
            path, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set {item!r}: expected CELL=VALUE")
            changes[path.strip()] = parse_value(path.strip(), value)
    except NianbaoError as e:
        say(f"not saved — {e}")
        raise typer.Exit(1) from None

    def correct(store: Any, row: Any, who: str, why: str | None) -> None:
        save_correction(store, row, CellDecisions(values=changes, illegible=unreadable), who, why)

    _record_decision(extraction_id, db, correct, reviewer, reason, "corrected and verified; decision saved")


@app.command("accept-source-error", cls=Command)
def review_accept(
    extraction_id: IdArg,
    db: DbOpt = DEFAULT_DB,
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
    override: Annotated[
        bool, typer.Option(help="Accept although nianbao could not read the report (kept in the decision).")
    ] = False,
    illegible: IllegibleOpt = None,
) -> None:
    """The extraction is faithful; the agency's own numbers are inconsistent — keep it as a finding.
    Only for a report the verifier calls source_inconsistent, unless --override (recorded as such)."""
    from nianbao.review import CellDecisions, accept_source_error

    try:
        unreadable = _illegible(illegible)
    except NianbaoError as e:
        say(f"not saved — {e}")
        raise typer.Exit(1) from None

    def accept(store: Any, row: Any, who: str, why: str | None) -> None:
        accept_source_error(store, row, who, why, override=override, changes=CellDecisions(illegible=unreadable))

    _record_decision(extraction_id, db, accept, reviewer, reason, "recorded as the source's own inconsistency")


@app.command("reject", cls=Command)
def review_reject(
    extraction_id: IdArg,
    db: DbOpt = DEFAULT_DB,
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Reject the extraction (unusable); the decision is kept."""
    from nianbao.review import reject

    _record_decision(extraction_id, db, reject, reviewer, reason, "rejected by reviewer")


@app.command("golden", cls=Command)
def review_golden(
    extraction_id: IdArg,
    name: Annotated[str, typer.Option(metavar="NAME", help="Name of the new golden case folder.")],
    db: DbOpt = DEFAULT_DB,
    goldens: Annotated[Path, typer.Option(metavar="DIR", help="Goldens folder.")] = Path("goldens"),
) -> None:
    """Turn a reviewed report into a golden case (expected JSON + where its source is)."""
    from nianbao.review import export_golden

    try:
        store, row = _open_row(db, extraction_id)
        with store:
            case = export_golden(row, name, goldens)
    except NianbaoError as e:
        say(f"not written — {e}")
        raise typer.Exit(1) from None
    say(f"golden case written: {case}")


@app.command("serve", cls=Command)
def review_serve(
    db: DbOpt = DEFAULT_DB,
    port: Annotated[int, typer.Option(metavar="PORT", help="Port on 127.0.0.1.")] = 8765,
    reviewer: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Who decides (default: $NIANBAO_REVIEWER; else the page asks once)."),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Serve the review page on 127.0.0.1 (local only)."""
    from nianbao.review import reviewer_name
    from nianbao.review_web import create_app

    say(f"review page: http://127.0.0.1:{port}/")
    page = create_app(db, reviewer_name(reviewer), lang)
    page.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
