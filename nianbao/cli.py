"""The ``nianbao`` command.

Machine output (JSON, one object per report per line) goes to stdout; one human line per file goes to
stderr. One bad file never stops the others; the exit status is 0 only if every report verified.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from nianbao import __version__
from nianbao.errors import NianbaoError, RecordError
from nianbao.pipeline import extract_file, failed_record, load_normalized
from nianbao.schema import Record
from verifier import verify

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Extract and verify the statistical tables of 政府信息公开工作年度报告.",
)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _summary(record: Record) -> str:
    if record.status == "verified":
        warnings = [v for v in record.violations if v.severity == "warning"]
        return "verified" + (f" ({len(warnings)} warning{'s' * (len(warnings) > 1)})" if warnings else "")
    errors = [v for v in record.violations if v.severity == "error"]
    first = errors[0].message if errors else ""
    return f"rejected ({record.reason}): {len(errors)} error{'s' * (len(errors) != 1)}; first: {first}"


BackendOpt = Annotated[
    str, typer.Option("--backend", help="rules | llm | auto (rules first; the LLM only for what they could not read).")
]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).")]
ModelOpt = Annotated[str | None, typer.Option(help="Model name (default: $NIANBAO_MODEL or $OPENAI_MODEL).")]
ModeOpt = Annotated[
    str, typer.Option("--llm-mode", help="json_schema | tools: how the server is made to keep to the schema.")
]
AttemptsOpt = Annotated[int, typer.Option(help="LLM attempts per table (re-asks with the verifier's violations).")]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Ask the LLM even when the same question was answered before.")
]


def _llm_config(backend: str, base_url: str | None, model: str | None, mode: str, attempts: int, no_cache: bool) -> Any:
    """The endpoint from flags or environment (the key only from $OPENAI_API_KEY), or None when unset."""
    from nianbao.pipeline import BACKENDS

    if backend not in BACKENDS:
        _say(f"unknown backend {backend!r}: rules, llm or auto")
        raise typer.Exit(2)
    if backend == "rules":
        return None
    from extractor.llm.config import LLMConfig

    try:
        config = LLMConfig.from_env(base_url, model, mode=mode, max_attempts=attempts, use_cache=not no_cache)
    except ValueError as e:
        _say(str(e))
        raise typer.Exit(2) from None
    if config is None and backend == "llm":
        _say("--backend llm needs an endpoint: --base-url and --model, or $OPENAI_BASE_URL and $NIANBAO_MODEL")
        raise typer.Exit(2)
    return config


def _say_usage(records: list[Record]) -> None:
    used = [r for r in records if r.usage is not None]
    if used:
        prompt = sum(r.usage.prompt_tokens for r in used if r.usage)
        completion = sum(r.usage.completion_tokens for r in used if r.usage)
        _say(f"LLM: {len(used)} report(s), {sum(len(r.attempts) for r in used)} attempt(s), "
             f"{prompt} prompt + {completion} completion tokens")  # fmt: skip


def _output_names(paths: list[Path]) -> dict[Path, str]:
    """``<stem>.json``, or ``<parent>__<stem>.json`` where two inputs share a stem (goldens/*/source.txt)."""
    stems = Counter(p.stem for p in paths)
    return {p: (f"{p.parent.name}__{p.stem}" if stems[p.stem] > 1 else p.stem) + ".json" for p in paths}


def _emit(data: dict[str, Any], out_file: Path | None, indent: int | None) -> None:
    if out_file is not None:
        out_file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        print(json.dumps(data, ensure_ascii=False, indent=indent), flush=True)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Report files (.txt, .md, .html).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write DIR/<file stem>.json instead of printing.")
    ] = None,
    indent: Annotated[int | None, typer.Option(help="Pretty-print stdout JSON with this indent.")] = None,
    backend: BackendOpt = "auto",
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = "json_schema",
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
) -> None:
    """Extract tables 2–4 from each FILE and verify them."""
    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    names = _output_names(files)
    counts: Counter[str] = Counter()
    records: list[Record] = []
    for path in files:
        out_file = out / names[path] if out is not None else None
        try:
            record = extract_file(path, backend, llm)
            records.append(record)
        except NianbaoError as e:
            counts["failed"] += 1
            _say(f"{path}: failed — {e.reason}")
            _emit(failed_record(path, e), out_file, indent)
            continue
        counts[record.status] += 1
        _say(f"{path}: {_summary(record)}")
        _emit(record.model_dump(mode="json"), out_file, indent)
    _say(
        f"{len(files)} file(s): {counts['verified']} verified, {counts['rejected']} rejected, {counts['failed']} failed"
    )
    raise typer.Exit(0 if counts["verified"] == len(files) else 1)


def _load_record(path: Path) -> Record:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError("file not found", file=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordError(f"not a JSON file: {e}", file=path) from None
    if isinstance(data, dict) and data.get("status") == "failed":
        raise RecordError("holds a failed extraction (no tables to verify)", file=path)
    try:
        return Record.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        # (a union's member class names, e.g. "Applications", are not part of the path a user knows)
        where = ".".join(str(x) for x in first["loc"] if not (isinstance(x, str) and x[:1].isupper()))
        raise RecordError(f"does not match the schema: {where}: {first['msg']}", file=path) from None


def _source_text(record: Record, json_path: Path) -> tuple[str | None, str | None]:
    """The normalised source if it is still there and unchanged; else None and why."""
    if record.source is None:
        return None, "no source recorded"
    for candidate in (Path(record.source.path), json_path.parent / record.source.path):
        if candidate.is_file():
            try:
                text, info = load_normalized(candidate)
            except NianbaoError as e:
                return None, f"source unreadable: {e.reason}"
            if info.normalized_sha256 != record.source.normalized_sha256:
                return None, f"source {candidate} has changed since extraction"
            return text, None
    return None, f"source {record.source.path} not found"


@app.command(name="verify")
def verify_cmd(
    files: Annotated[list[Path], typer.Argument(help="Saved extraction JSON files.")],
    indent: Annotated[int | None, typer.Option(help="Pretty-print stdout JSON with this indent.")] = None,
) -> None:
    """Re-check saved extraction JSON: identities, and grounding against the source when it is present."""
    ok = 0
    for path in files:
        try:
            record = _load_record(path)
        except NianbaoError as e:
            _say(f"{path}: failed — {e.reason}")
            continue
        text, why_not = _source_text(record, path)
        verdict = verify(record.report(), record.provenance, text)
        before = record.status
        record.status, record.reason, record.violations = verdict.status, verdict.reason, verdict.violations
        note = f"; grounding checked against stored excerpts only ({why_not})" if why_not else ""
        changed = f" (was {before})" if before != record.status else ""
        _say(f"{path}: {_summary(record)}{changed}{note}")
        ok += record.status == "verified"
        print(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=indent), flush=True)
    _say(f"{len(files)} file(s): {ok} verified")
    raise typer.Exit(0 if ok == len(files) else 1)


def _load_summary(path: Path) -> dict[str, Any]:
    """An eval JSON, or the last run of a history file (one JSON object per line)."""
    text = path.read_text(encoding="utf-8").strip()
    try:
        data: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        data = json.loads(text.splitlines()[-1])
    return data


@app.command(name="eval")
def eval_cmd(
    backend: Annotated[str, typer.Option(help="Extraction backend to evaluate: rules | auto | llm.")] = "rules",
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = "json_schema",
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    goldens: Annotated[Path | None, typer.Option(help="Golden cases folder (default: the bundled goldens/).")] = None,
    generated: Annotated[
        bool, typer.Option(help="Also render every golden in every format and noise variant, and plant source errors.")
    ] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full results as JSON here.")] = None,
    history: Annotated[Path | None, typer.Option(help="Append this run (one JSON line) to a history file.")] = None,
    compare: Annotated[
        Path | None, typer.Option(help="Show what changed since an earlier JSON or history file.")
    ] = None,
    thresholds: Annotated[Path | None, typer.Option(help="Ratchet file (default: evals/thresholds.toml).")] = None,
    check: Annotated[
        bool, typer.Option(help="Exit 1 when a metric falls below its floor or a silent error appears.")
    ] = True,
) -> None:
    """Measure accuracy on the golden corpus: cells, tables, reports, and verification against the truth."""
    from evals import ratchet, report
    from evals.cases import GOLDENS, all_cases
    from evals.run import run

    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache)
    try:
        cases = all_cases(goldens or GOLDENS, generated=generated)
        summary = run(cases, backend, llm)
    except NianbaoError as e:
        _say(f"eval failed — {e.reason}")
        raise typer.Exit(2) from None
    print(report.table(summary))
    if json_out is not None:
        json_out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if compare is not None:
        print()
        print(report.compare(_load_summary(compare), summary))
    if history is not None:
        with history.open("a", encoding="utf-8") as f:
            f.write(json.dumps(summary, ensure_ascii=False) + "\n")
    failures = ratchet.check(summary, ratchet.load(thresholds or ratchet.THRESHOLDS))
    print()
    if failures:
        print("RATCHET FAILED:\n  " + "\n  ".join(failures))
    else:
        print("ratchet: every metric at or above its floor, no silent error")
    raise typer.Exit(1 if failures and check else 0)


DB_OPTION = typer.Option("--db", help="The results store (SQLite file).")


@app.command(name="run")
def run_cmd(
    paths: Annotated[list[str], typer.Argument(help="Report files, folders (searched recursively) and globs.")],
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    workers: Annotated[int, typer.Option(help="Parallel extraction processes.")] = 0,
    force: Annotated[bool, typer.Option(help="Redo files already extracted by this parser version.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (on a terminal).")] = True,
    backend: BackendOpt = "auto",
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = "json_schema",
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    llm_concurrency: Annotated[int, typer.Option(help="Most LLM requests in flight at once, for the whole run.")] = 4,
) -> None:
    """Extract many reports into the store, in parallel; re-running skips what is done."""
    from nianbao import bulk

    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache)
    n_workers = workers or bulk.default_workers()
    bar = None
    if progress and sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}"), transient=False,
        )  # fmt: skip
        bar.start()
        task = bar.add_task("extracting", total=None, counts="")

        def show(summary: bulk.RunSummary, total: int, _path: str) -> None:
            c = summary.counts
            assert bar is not None
            counts = f"verified {c['verified']} · rejected {c['rejected']} · failed {c['failed']}"
            bar.update(task, total=total, completed=summary.processed, counts=counts)

        callback: bulk.Progress | None = show
    else:
        last = [0.0]

        def show_lines(summary: bulk.RunSummary, total: int, _path: str) -> None:
            import time as _t

            if _t.monotonic() - last[0] >= 5 or summary.processed == total:
                last[0] = _t.monotonic()
                c = summary.counts
                _say(f"{summary.processed}/{total}: verified {c['verified']}, rejected {c['rejected']}, "
                     f"failed {c['failed']}")  # fmt: skip

        callback = show_lines if progress else None
    try:
        summary = bulk.run(
            paths, db, workers=n_workers, force=force, progress=callback, backend=backend, llm=llm,
            llm_concurrency=llm_concurrency,
        )  # fmt: skip
    except NianbaoError as e:
        if bar:
            bar.stop()
        _say(f"run failed — {e}")
        raise typer.Exit(2) from None
    if bar:
        bar.stop()
    for line in summary.unreadable[:50]:
        _say(f"  failed: {line}")
    if len(summary.unreadable) > 50:
        _say(f"  … and {len(summary.unreadable) - 50} more failures (all are in the store)")
    c = summary.counts
    _say(
        f"{summary.files} file(s): {summary.processed} processed (verified {c['verified']}, rejected {c['rejected']}, "
        f"failed {c['failed']}), {summary.skipped} already done; {summary.seconds:.1f} s with {n_workers} worker(s); "
        f"store: {db}"
    )
    if summary.usage.total:
        _say(f"LLM: {summary.usage.prompt_tokens} prompt + {summary.usage.completion_tokens} completion tokens")
    raise typer.Exit(0)


@app.command(name="export")
def export_cmd(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    fmt: Annotated[
        str, typer.Option("--format", help="csv | parquet (tidy long rows) | jsonl (contract JSON per report)")
    ] = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default: export.<format>).")] = None,
    include_rejected: Annotated[
        bool, typer.Option(help="Also export rejected extractions (their status says so).")
    ] = False,
) -> None:
    """Export verified and reviewed data for analysts."""
    from nianbao.export import export

    target = out or Path(f"export.{fmt}")
    try:
        n = export(db, fmt, target, include_rejected)
    except NianbaoError as e:
        _say(f"export failed — {e}")
        raise typer.Exit(2) from None
    _say(f"{target}: {n} {'reports' if fmt == 'jsonl' else 'rows'}")


review_app = typer.Typer(help="The review queue: rejected extractions waiting for a person.", no_args_is_help=True)
app.add_typer(review_app, name="review")


def _open_row(db: Path, extraction_id: int) -> tuple[Any, Any]:
    from nianbao.store import Store

    store = Store(db)
    try:
        return store, store.get(extraction_id)
    except NianbaoError:
        store.close()
        raise


@review_app.command("list")
def review_list(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    all_: Annotated[bool, typer.Option("--all", help="Also show decided and verified reports.")] = False,
) -> None:
    """Rejected reports waiting for review, with their first violation."""
    from nianbao.review import first_error
    from nianbao.store import Store

    with Store(db) as store:
        rows = [r for r in store.latest() if all_ or r.effective_status == "rejected"]
        for r in rows:
            v = first_error(r)
            who = f"{r.agency or '?'} {r.year or '?'}"
            print(f"{r.id:>6}  {r.effective_status:<20} {r.reason or '':<22} {who:<30} {r.path}")
            if v and r.effective_status == "rejected":
                print(f"        {v.rule}: {v.message}")
        _say(f"{len(rows)} report(s); store counts: {store.counts()}")


@review_app.command("show")
def review_show(extraction_id: int, db: Annotated[Path, DB_OPTION] = Path("nianbao.db")) -> None:
    """One extraction: its status, violations, notes and decision."""
    from nianbao.review import record_of

    try:
        store, row = _open_row(db, extraction_id)
    except NianbaoError as e:
        _say(f"failed — {e}")
        raise typer.Exit(2) from None
    with store:
        print(f"#{row.id} {row.path}\n{row.agency} {row.year} template {row.template}: {row.effective_status}"
              + (f" ({row.reason})" if row.reason else ""))  # fmt: skip
        if row.decision:
            print(f"decision: {row.decision} by {row.reviewer} at {row.decided_at}: {row.review_reason or ''}")
        if row.result is None:
            print(f"failed: {row.error}")
            return
        record = record_of(row)
        for v in record.violations:
            print(f"  [{v.severity}] {v.rule}: {v.message}")
            if v.cells and v.severity == "error":
                print(f"      cells: {', '.join(v.cells[:8])}{' …' if len(v.cells) > 8 else ''}")
        for n in record.notes:
            print(f"  note: {n}")


def _decision_opts() -> tuple[Any, Any]:
    return (
        typer.Option(help="Who decides (default: $NIANBAO_REVIEWER or $USER)."),
        typer.Option(help="Why."),
    )


ReviewerOpt = Annotated[str | None, typer.Option(help="Who decides (default: $NIANBAO_REVIEWER or $USER).")]
ReasonOpt = Annotated[str | None, typer.Option(help="Why.")]


def _record_decision(
    extraction_id: int, db: Path, decide: Any, reviewer: str | None, reason: str | None, done: str
) -> None:
    from nianbao.review import reviewer_name

    try:
        store, row = _open_row(db, extraction_id)
        with store:
            decide(store, row, reviewer_name(reviewer), reason)
    except NianbaoError as e:
        _say(f"not saved — {e}")
        raise typer.Exit(1) from None
    _say(f"#{extraction_id}: {done}")


@review_app.command("correct")
def review_correct(
    extraction_id: int,
    set_: Annotated[
        list[str], typer.Option("--set", help="CELL=VALUE, e.g. applications.granted.total=9 (empty = blank).")
    ],
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Correct values; saved only if the corrected report verifies."""
    from nianbao.review import parse_value, save_correction

    changes = {}
    try:
        for item in set_:
            path, sep, value = item.partition("=")
            if not sep:
                raise NianbaoError(f"--set {item!r}: expected CELL=VALUE")
            changes[path.strip()] = parse_value(path.strip(), value)
    except NianbaoError as e:
        _say(f"not saved — {e}")
        raise typer.Exit(1) from None

    def correct(store: Any, row: Any, who: str, why: str | None) -> None:
        save_correction(store, row, changes, who, why)

    _record_decision(extraction_id, db, correct, reviewer, reason, "corrected and verified; decision saved")


@review_app.command("accept-source-error")
def review_accept(
    extraction_id: int,
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """The extraction is faithful; the agency's own numbers are inconsistent — keep it as a finding."""
    from nianbao.review import accept_source_error

    _record_decision(
        extraction_id, db, accept_source_error, reviewer, reason, "recorded as the source's own inconsistency"
    )


@review_app.command("reject")
def review_reject(
    extraction_id: int,
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    reviewer: ReviewerOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Reject the extraction (unusable); the decision is kept."""
    from nianbao.review import reject

    _record_decision(extraction_id, db, reject, reviewer, reason, "rejected by reviewer")


@review_app.command("golden")
def review_golden(
    extraction_id: int,
    name: Annotated[str, typer.Option(help="Name of the new golden case folder.")],
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    goldens: Annotated[Path, typer.Option(help="Goldens folder.")] = Path("goldens"),
) -> None:
    """Turn a reviewed report into a golden case (expected JSON + where its source is)."""
    from nianbao.review import export_golden

    try:
        store, row = _open_row(db, extraction_id)
        with store:
            case = export_golden(row, name, goldens)
    except NianbaoError as e:
        _say(f"not written — {e}")
        raise typer.Exit(1) from None
    _say(f"golden case written: {case}")


@review_app.command("serve")
def review_serve(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    reviewer: Annotated[str | None, typer.Option(help="Default reviewer name shown in the page.")] = None,
) -> None:
    """Serve the review page on 127.0.0.1 (local only)."""
    from nianbao.review import reviewer_name
    from nianbao.review_web import create_app

    if not db.exists():
        _say(f"{db}: no such store; run `nianbao run` first")
        raise typer.Exit(2)
    _say(f"review page: http://127.0.0.1:{port}/")
    create_app(db, reviewer_name(reviewer)).run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


@app.command()
def findings(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    fmt: Annotated[str, typer.Option("--format", help="md | csv | html")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Every error and warning per agency and year: the source's own inconsistencies apart from what
    nianbao could not read, with the cells and the sentence or other report that contradicts them."""
    from findings import findings_report as fr
    from nianbao.store import Store

    if not db.exists():
        _say(f"{db}: no such store; run `nianbao run` first")
        raise typer.Exit(2)
    render = {"md": fr.to_markdown, "csv": fr.to_csv, "html": fr.to_html}.get(fmt)
    if render is None:
        _say(f"unknown format {fmt!r}: md, csv or html")
        raise typer.Exit(2)
    with Store(db) as store:
        found = fr.collect(store)
    text = render(found)
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
    by_category, _ = fr.counts(found)
    _say(", ".join(f"{c}: {by_category.get(c, 0)}" for c in fr.CATEGORIES))


@app.command()
def version() -> None:
    """Print nianbao's version and the parser version."""
    from extractor import rules

    print(f"nianbao {__version__} (rules parser {rules.VERSION})")


if __name__ == "__main__":  # pragma: no cover
    app()
