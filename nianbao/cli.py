"""The ``nianbao`` command.

Machine output (JSON, one object per report per line) goes to stdout; one human line per file goes to
stderr. One bad file never stops the others. Exit status (``extract``, ``verify`` and ``run``): 0 every
report verified, 1 some rejected, 2 a usage error, 3 some files failed (no extraction at all). The logic
lives in the library (:mod:`nianbao.pipeline` and below); this module parses options and prints.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from nianbao import __version__
from nianbao.errors import NianbaoError, RecordError, UsageError

if TYPE_CHECKING:
    from nianbao.schema import Record

EXIT_VERIFIED, EXIT_REJECTED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
STDOUT = Path("-")  # ``-o -``: write to standard output


def _version_callback(value: bool) -> None:
    if value:
        from nianbao.extractor.version import VERSION

        print(f"nianbao {__version__} (rules parser {VERSION})")
        raise typer.Exit(0)


app = typer.Typer(
    no_args_is_help=True,
    help="Extract and verify the statistical tables of 政府信息公开工作年度报告. Exit status: 0 all verified, "
    "1 some rejected, 2 usage error, 3 some files failed.",
)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Extract and verify the statistical tables of 政府信息公开工作年度报告."""


def _say(line: str) -> None:
    # one line per message, whatever a file name holds (a newline in a name must not split it)
    print(line.replace("\n", "\\n").replace("\r", "\\r"), file=sys.stderr, flush=True)


def _exit_code(counts: Counter[str]) -> int:
    if counts["failed"]:
        return EXIT_FAILED
    return EXIT_REJECTED if counts["rejected"] else EXIT_VERIFIED


class BackendChoice(StrEnum):
    auto = "auto"
    rules = "rules"
    llm = "llm"


class LLMModeChoice(StrEnum):
    json_schema = "json_schema"
    tools = "tools"


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"
    xlsx = "xlsx"


class FindingsFormat(StrEnum):
    md = "md"
    csv = "csv"
    html = "html"


BackendOpt = Annotated[
    BackendChoice,
    typer.Option("--backend", help="auto: rules first, the LLM only for what they could not read; rules; llm."),
]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).")]
ModelOpt = Annotated[str | None, typer.Option(help="Model name (default: $NIANBAO_MODEL or $OPENAI_MODEL).")]
ModeOpt = Annotated[
    LLMModeChoice, typer.Option("--llm-mode", help="How the server is made to keep to the JSON schema.")
]
AttemptsOpt = Annotated[int, typer.Option(help="LLM attempts per table (re-asks with the verifier's violations).")]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Ask the LLM even when the same question was answered before.")
]
TimeoutOpt = Annotated[float, typer.Option("--llm-timeout", help="Seconds one LLM request may take.")]
DeadlineOpt = Annotated[
    float, typer.Option("--llm-deadline", help="Seconds all LLM requests for one report may take together.")
]


def _llm_config(
    backend: BackendChoice,
    base_url: str | None,
    model: str | None,
    mode: LLMModeChoice,
    attempts: int,
    no_cache: bool,
    timeout: float = 120.0,
    deadline: float = 600.0,
) -> Any:
    """The endpoint from flags or environment (the key only from $OPENAI_API_KEY), or None when unset."""
    if backend is BackendChoice.rules:
        return None
    from nianbao.extractor.llm.config import LLMConfig

    try:
        config = LLMConfig.from_env(
            base_url, model, mode=mode.value, max_attempts=attempts, use_cache=not no_cache, timeout=timeout,
            deadline=deadline,
        )  # fmt: skip
    except ValueError as e:
        _say(str(e))
        raise typer.Exit(EXIT_USAGE) from None
    if config is None and backend is BackendChoice.llm:
        _say("--backend llm needs an endpoint: --base-url and --model, or $OPENAI_BASE_URL and $NIANBAO_MODEL")
        raise typer.Exit(EXIT_USAGE)
    return config


def _output_names(paths: list[str]) -> dict[int, str]:
    """One distinct name per input (by position): ``<stem>.json``; where stems collide
    ``<parent>__<stem>.json`` (goldens/*/source.txt), then with the suffix (``r.html`` beside ``r.txt``),
    then numbered — never an overwrite. (Paths as strings: a folder of 100 000 holds no ``Path`` each.)"""
    stems = Counter(Path(p).stem for p in paths)
    taken: set[str] = set()
    out: dict[int, str] = {}
    for i, path in enumerate(paths):
        p = Path(path)
        suffix = p.suffix.lstrip(".")
        candidates = [p.stem] if stems[p.stem] == 1 else []
        candidates += [f"{p.parent.name}__{p.stem}", f"{p.parent.name}__{p.stem}.{suffix}" if suffix else ""]
        name = next((c for c in candidates if c and c.lower() not in taken), None)
        n = 2
        while name is None or name.lower() in taken:
            name, n = f"{p.parent.name}__{p.stem}-{n}", n + 1
        taken.add(name.lower())
        out[i] = name + ".json"
    return out


def _expand_inputs(items: list[Path]) -> tuple[list[str], list[str]]:
    """The files to extract: a folder's report files (recursively) and a glob's matches, as ``run`` reads
    them; any other input as given (a missing file fails with its reason, in order). Also the folders and
    globs that matched nothing."""
    from nianbao import bulk

    files: list[str] = []
    unmatched: list[str] = []
    for item in items:
        given = str(item)
        if item.is_dir() or (not item.exists() and bulk.is_glob(given)):
            found, none = bulk.expand([given])
            files.extend(found)
            unmatched.extend(none)
        else:
            files.append(given)
    return files, unmatched


def write_atomically(target: Path, text: str) -> None:
    """The whole file or nothing: written beside the target, then renamed over it (a full disk or a kill
    leaves the old file, never a truncated one)."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _output(target: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream onto ``target``, or onto stdout for ``-``."""
    if target == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    with target.open("w", encoding="utf-8", newline=newline) as f:
        yield f


@app.command()
def extract(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Report files, folders (searched recursively) and globs: .txt/.md text (UTF-8, UTF-16, "
            "GB18030), .html/.htm, .pdf (scans through OCR when the ocr extra is installed), .docx, and "
            ".doc/.wps through LibreOffice when it is installed."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write DIR/<file stem>.json instead of printing ('-': stdout).")
    ] = None,
    indent: Annotated[
        int | None, typer.Option(help="Pretty-print the JSON with this indent (default: compact).")
    ] = None,
    backend: BackendOpt = BackendChoice.auto,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = LLMModeChoice.json_schema,
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    llm_timeout: TimeoutOpt = 120.0,
    llm_deadline: DeadlineOpt = 600.0,
    workers: Annotated[
        int, typer.Option(help="Worker processes (0: one per core for 50 files or more, else in-process).")
    ] = 0,
) -> None:
    """Extract tables 2–4 from each FILE and verify them."""
    from nianbao import bulk

    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache, llm_timeout, llm_deadline)
    if out == STDOUT:
        out = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    paths, unmatched = _expand_inputs(files)
    counts: Counter[str] = Counter()
    for item in unmatched:
        counts["failed"] += 1
        _say(f"{item}: failed — no such file, folder or matching glob")
    names = _output_names(paths) if out is not None else {}
    prompt = completion = llm_reports = llm_attempts = 0
    n_workers = workers if workers > 0 else (bulk.default_workers() if len(paths) >= 50 and llm is None else 1)
    outcomes = bulk.extract_many(paths, backend.value, llm, n_workers, indent)
    for i, outcome in enumerate(outcomes):
        path = paths[i]
        try:
            if out is not None:
                write_atomically(out / names[i], outcome.json + "\n")
            else:
                print(outcome.json, flush=True)
        except OSError as e:  # the output side (a full disk): this file fails, and says so
            counts["failed"] += 1
            _say(f"{path}: failed — cannot write the result to {out or 'stdout'}: {e.strerror or e}")
            continue
        counts[outcome.status] += 1
        _say(f"{path}: {outcome.line}")
        if outcome.llm_used:
            llm_reports, llm_attempts = llm_reports + 1, llm_attempts + outcome.attempts
            prompt, completion = prompt + outcome.prompt_tokens, completion + outcome.completion_tokens
    if llm_reports:
        _say(
            f"LLM: {llm_reports} report(s), {llm_attempts} attempt(s), {prompt} prompt + {completion} completion tokens"
        )
    _say(
        f"{len(paths) + len(unmatched)} file(s): {counts['verified']} verified, {counts['rejected']} rejected, "
        f"{counts['failed']} failed"
    )
    raise typer.Exit(_exit_code(counts))


def _load_record(path: Path) -> Record:
    from pydantic import ValidationError

    from nianbao.schema import Record

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
        where = ".".join(str(x) for x in first["loc"])
        raise RecordError(f"does not match the schema: {where}: {first['msg']}", file=path) from None


@app.command(name="verify")
def verify_cmd(
    files: Annotated[list[Path], typer.Argument(help="Saved extraction JSON files.")],
    indent: Annotated[int | None, typer.Option(help="Pretty-print stdout JSON with this indent.")] = None,
) -> None:
    """Re-check saved extraction JSON: identities, and grounding against the source when it is present.
    What the extraction could not read stays an error."""
    from nianbao.bulk import summary_line
    from nianbao.pipeline import reverify, source_if_unchanged

    counts: Counter[str] = Counter()
    for path in files:
        try:
            record = _load_record(path)
        except NianbaoError as e:
            counts["failed"] += 1
            _say(f"{path}: failed — {e.reason}")
            continue
        text, why_not = source_if_unchanged(record.source, path.parent / (record.source.path if record.source else ""))
        checked = reverify(record, text)
        note = f"; grounding checked against stored excerpts only ({why_not})" if why_not else ""
        changed = f" (was {record.status})" if record.status != checked.status else ""
        _say(f"{path}: {summary_line(checked)}{changed}{note}")
        counts[checked.status] += 1
        print(json.dumps(checked.model_dump(mode="json"), ensure_ascii=False, indent=indent), flush=True)
    _say(f"{len(files)} file(s): {counts['verified']} verified, {counts['rejected']} rejected, "
         f"{counts['failed']} failed")  # fmt: skip
    raise typer.Exit(_exit_code(counts))


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
    backend: Annotated[BackendChoice, typer.Option(help="Extraction backend to evaluate.")] = BackendChoice.rules,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = LLMModeChoice.json_schema,
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    goldens: Annotated[
        Path | None, typer.Option(help="Golden cases folder (default: ./goldens, else the checkout's goldens/).")
    ] = None,
    generated: Annotated[
        bool, typer.Option(help="Also render every golden in every format and noise variant, and plant source errors.")
    ] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full results as JSON here.")] = None,
    history: Annotated[Path | None, typer.Option(help="Append this run (one JSON line) to a history file.")] = None,
    compare: Annotated[
        Path | None, typer.Option(help="Show what changed since an earlier JSON or history file.")
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Ratchet file (default: evals/thresholds.toml beside the goldens folder).")
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Exit 1 when a metric falls below its floor or a silent error appears.")
    ] = True,
    adversary: Annotated[
        bool,
        typer.Option(help="Also run the adversary suite: a scripted model on 127.0.0.1 answering wrong on purpose."),
    ] = True,
) -> None:
    """Measure accuracy on the golden corpus: cells, tables, reports, and verification against the truth."""
    from nianbao.evals import ratchet, report
    from nianbao.evals.cases import all_cases, find_goldens
    from nianbao.evals.run import run

    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache)
    try:
        folder = find_goldens(goldens)
        cases = all_cases(folder, generated=generated)
        summary = run(cases, backend.value, llm)
        if adversary:
            from nianbao.evals.adversary import suite_over
            from nianbao.evals.lift import lift_over

            summary["adversary"] = suite_over(cases)
            summary["llm_lift"] = lift_over(cases)
            summary["by_llm_layout"] = summary["llm_lift"]["by_layout"]
            lifted = summary["llm_lift"]["overall"]
            summary["overall"]["adversary_verified_wrong"] = (
                summary["adversary"]["verified_wrong"] + lifted["adversary_verified_wrong"]
            )
            summary["overall"]["llm_verified_wrong"] = lifted["verified_wrong"]
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
    floors = thresholds or ratchet.beside(folder)
    if thresholds is None and not floors.is_file():
        print(f"\nratchet: not checked (no {floors}; pass --thresholds FILE)")
        raise typer.Exit(0)
    limits = ratchet.load(floors)
    failures = ratchet.check(summary, limits)
    print()
    for name in ratchet.not_measured(summary, limits):
        print(f"not measured here: {name} (its files need LibreOffice: Debian libreoffice-writer-nogui)")
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
    backend: BackendOpt = BackendChoice.auto,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = LLMModeChoice.json_schema,
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    llm_concurrency: Annotated[int, typer.Option(help="Most LLM requests in flight at once, for the whole run.")] = 4,
    llm_timeout: TimeoutOpt = 120.0,
    llm_deadline: DeadlineOpt = 600.0,
    executor: Annotated[
        str,
        typer.Option(
            help="Where extraction runs: 'local' (--workers processes) or dask://HOST:PORT, an existing "
            "Dask cluster (pip install 'nianbao[dask]'); the store is written here either way."
        ),
    ] = "local",
) -> None:
    """Extract many reports into the store, in parallel; re-running skips what is done."""
    from nianbao import bulk

    llm = _llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache, llm_timeout, llm_deadline)
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
            counts += f" · {summary.ocr_rate}" if summary.ocr_pages else ""
            bar.update(task, total=total, completed=summary.processed, counts=counts)

        callback: bulk.Progress | None = show
    else:
        last = [0.0]

        def show_lines(summary: bulk.RunSummary, total: int, _path: str) -> None:
            import time as _t

            if _t.monotonic() - last[0] >= 5 or summary.processed == total:
                last[0] = _t.monotonic()
                c = summary.counts
                ocr = f"; {summary.ocr_rate}" if summary.ocr_pages else ""
                _say(f"{summary.processed}/{total}: verified {c['verified']}, rejected {c['rejected']}, "
                     f"failed {c['failed']}{ocr}")  # fmt: skip

        callback = show_lines if progress else None
    try:
        summary = bulk.run(
            paths, db, workers=n_workers, force=force, progress=callback, backend=backend.value, llm=llm,
            llm_concurrency=llm_concurrency, executor=executor,
        )  # fmt: skip
    except NianbaoError as e:
        if bar:
            bar.stop()
        _say(f"run failed — {e}")
        raise typer.Exit(EXIT_USAGE) from None
    if bar:
        bar.stop()
    for line in summary.unreadable[:50]:
        _say(f"  failed: {line}")
    if len(summary.unreadable) > 50:
        _say(f"  … and {len(summary.unreadable) - 50} more failures (all are in the store)")
    c = summary.counts
    _say(
        f"{summary.files} file(s): {summary.processed} processed (verified {c['verified']}, rejected {c['rejected']}, "
        f"failed {c['failed']}), {summary.skipped} already done; {summary.seconds:.1f} s with "
        f"{f'{n_workers} worker(s)' if executor == 'local' else executor}; "
        f"store: {db}"
    )
    if summary.ocr_pages:
        _say(summary.ocr_rate + " (pages are cached by content: a re-run does not OCR them again)")
    if summary.transient:
        _say(f"{summary.transient} failure(s) were transient (LLM endpoint down, file missing): the next run "
             "tries them again")  # fmt: skip
    if summary.usage.total:
        _say(f"LLM: {summary.usage.prompt_tokens} prompt + {summary.usage.completion_tokens} completion tokens")
    raise typer.Exit(_exit_code(c))


@app.command(name="export")
def export_cmd(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv, parquet: tidy long rows; xlsx: long rows + tables as printed; jsonl: contract JSON per report.",
        ),
    ] = ExportFormat.csv,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default: export.<format>; '-': stdout).")
    ] = None,
    include_rejected: Annotated[
        bool, typer.Option(help="Also export rejected extractions (their status says so).")
    ] = False,
    every_document: Annotated[
        bool, typer.Option(help="One record per document, not per report (a report held as PDF and HTML twice).")
    ] = False,
    bom: Annotated[bool, typer.Option(help="CSV with a UTF-8 byte-order mark, for Excel on Chinese Windows.")] = False,
) -> None:
    """Export verified and reviewed data for analysts: each report once, with Chinese labels beside the keys."""
    from nianbao.export import export

    target = out or Path(f"export.{fmt.value}")
    try:
        n = export(db, fmt.value, target, include_rejected, every_document=every_document, bom=bom)
    except NianbaoError as e:
        _say(f"export failed — {e}")
        raise typer.Exit(EXIT_USAGE) from None
    _say(f"{'stdout' if target == STDOUT else target}: {n} {'reports' if fmt is ExportFormat.jsonl else 'rows'}")


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
    from nianbao.review import first_error_line
    from nianbao.store import Store

    with Store(db) as store:
        rows = list(store.listing() if all_ else store.waiting())  # columns only: fast
        for r in rows:
            who = f"{r.agency or '?'} {r.year or '?'}"
            print(f"{r.id:>6}  {r.effective_status:<20} {r.reason or '':<22} {who:<30} {r.path}")
            if r.effective_status == "changed_since_review":
                changed = store.get(r.id).disagreements()
                cell, decided, new = changed[0]
                print(f"        {cell}: decided {decided}, now read {new} ({len(changed)} cell(s) differ)")
            elif r.effective_status == "rejected":
                first = first_error_line(store, r)
                if first:
                    print(f"        {first}")
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
        for cell, decided, new in row.disagreements():
            print(f"  changed since review: {cell}: decided {decided}, the new extraction reads {new}")
        if row.result is None:
            print(f"failed: {row.error}")
            return
        if row.effective_status == "reviewed" and row.corrected:  # the state now, not before the correction
            changed = row.corrected.get("changed") or []
            print(f"  corrected and verified: {len(changed)} cell(s) set by the reviewer: {', '.join(changed[:8])}")
            return
        record = record_of(row)
        for v in record.violations:
            print(f"  [{v.severity}] {v.rule}: {v.message}")
            if v.cells and v.severity == "error":
                print(f"      cells: {', '.join(v.cells[:8])}{' …' if len(v.cells) > 8 else ''}")
        for n in record.notes:
            print(f"  note: {n}")


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
                raise UsageError(f"--set {item!r}: expected CELL=VALUE")
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
    override: Annotated[
        bool, typer.Option(help="Accept although nianbao could not read the report (kept in the decision).")
    ] = False,
) -> None:
    """The extraction is faithful; the agency's own numbers are inconsistent — keep it as a finding.
    Only for a report the verifier calls source_inconsistent, unless --override (recorded as such)."""
    from nianbao.review import accept_source_error

    def accept(store: Any, row: Any, who: str, why: str | None) -> None:
        accept_source_error(store, row, who, why, override=override)

    _record_decision(extraction_id, db, accept, reviewer, reason, "recorded as the source's own inconsistency")


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
        raise typer.Exit(EXIT_USAGE)
    _say(f"review page: http://127.0.0.1:{port}/")
    create_app(db, reviewer_name(reviewer)).run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


@app.command()
def findings(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    fmt: Annotated[FindingsFormat, typer.Option("--format", help="Markdown, CSV or an HTML page.")] = FindingsFormat.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout ('-': stdout).")] = None,
    every_document: Annotated[bool, typer.Option(help="Findings per document, not per report.")] = False,
) -> None:
    """Every error and warning per agency and year: the source's own inconsistencies apart from what
    nianbao could not read, with the cells and the sentence or other report that contradicts them."""
    from nianbao.findings import findings_report as fr
    from nianbao.store import Store

    if not db.exists():
        _say(f"{db}: no such store; run `nianbao run` first")
        raise typer.Exit(EXIT_USAGE)
    with Store(db) as store:
        found = fr.collect(store, every_document)
        if fmt is FindingsFormat.html:
            from nianbao import findings_page
            from nianbao.metrics import per_report

            text = findings_page.render(found, per_report(store))
        else:
            text = {FindingsFormat.md: fr.to_markdown, FindingsFormat.csv: fr.to_csv}[fmt](found)
    with _output(out or STDOUT) as f:
        f.write(text)
    by_category, _ = fr.counts(found)
    _say(", ".join(f"{c}: {by_category.get(c, 0)}" for c in fr.CATEGORIES))


class MetricsFormat(StrEnum):
    md = "md"
    csv = "csv"
    json = "json"


@app.command()
def metrics(
    db: Annotated[Path, DB_OPTION] = Path("nianbao.db"),
    fmt: Annotated[MetricsFormat, typer.Option("--format", help="Markdown, CSV or JSON.")] = MetricsFormat.md,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout ('-': stdout).")] = None,
) -> None:
    """Derived rates per report (grant, refusal, carry-over, review and litigation correction rates…), each
    with its definition, from verified or reviewed reports only, with the change against the previous year."""
    from nianbao import metrics as m
    from nianbao.store import Store

    if not db.exists():
        _say(f"{db}: no such store; run `nianbao run` first")
        raise typer.Exit(EXIT_USAGE)
    with Store(db) as store:
        rows = m.per_report(store)
    render = {MetricsFormat.md: m.to_markdown, MetricsFormat.csv: m.to_csv, MetricsFormat.json: m.to_json}[fmt]
    with _output(out or STDOUT) as f:
        f.write(render(rows))
    _say(f"{len(rows)} verified or reviewed report(s)")


@app.command()
def version() -> None:
    """Print nianbao's version and the parser version."""
    from nianbao.extractor import rules

    print(f"nianbao {__version__} (rules parser {rules.VERSION})")


if __name__ == "__main__":  # pragma: no cover
    app()
