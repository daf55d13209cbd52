"""The bulk run: ``run`` (many reports into the store, in parallel, resumable) and ``export`` (the store's
verified and reviewed data for analysts)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import (
    DEFAULT_DB,
    AttemptsOpt,
    BackendChoice,
    BackendOpt,
    BaseUrlOpt,
    DbOpt,
    DeadlineOpt,
    LLMModeChoice,
    ModelOpt,
    ModeOpt,
    NewDbOpt,
    NoCacheOpt,
    TimeoutOpt,
    choices,
    llm_config,
)
from nianbao.cli.output import EXIT_STORE, EXIT_USAGE, STDOUT, exit_code, say
from nianbao.errors import NianbaoError, StoreCorruptError, StoreWriteError

app = typer.Typer()


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"
    xlsx = "xlsx"


@app.command("run", cls=Command)
def run_cmd(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH", help="Report files, folders (searched recursively) and globs.")
    ],
    db: NewDbOpt = DEFAULT_DB,
    workers: Annotated[int, typer.Option(metavar="N", help="Parallel extraction processes.")] = 0,
    force: Annotated[bool, typer.Option(help="Redo files already extracted by this parser version.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (on a terminal).")] = True,
    backend: BackendOpt = BackendChoice.auto,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = LLMModeChoice.json_schema,
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    llm_concurrency: Annotated[
        int, typer.Option(metavar="N", help="Most LLM requests in flight at once, for the whole run.")
    ] = 4,
    llm_timeout: TimeoutOpt = 120.0,
    llm_deadline: DeadlineOpt = 600.0,
    executor: Annotated[
        str,
        typer.Option(
            metavar="local|URL",
            help="Where extraction runs: 'local' (--workers processes) or dask://HOST:PORT, an existing "
            "Dask cluster (pip install 'nianbao[dask]'); the store is written here either way.",
        ),
    ] = "local",
) -> None:
    """Extract many reports into the store, in parallel; re-running skips what is done."""
    from nianbao import bulk

    llm = llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache, llm_timeout, llm_deadline)
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
            # out of every file found: skipped files count as done, so the total never shrinks as they are met
            bar.update(task, total=summary.files, completed=summary.processed + summary.skipped, counts=counts)

        callback: bulk.Progress | None = show
    else:
        last = [0.0]

        def show_lines(summary: bulk.RunSummary, total: int, _path: str) -> None:
            import time as _t

            done = summary.processed + summary.skipped  # of every file found: "1/20 …" then "19/19" no more
            if _t.monotonic() - last[0] >= 5 or done == summary.files:
                last[0] = _t.monotonic()
                c = summary.counts
                ocr = f"; {summary.ocr_rate}" if summary.ocr_pages else ""
                say(f"{done}/{summary.files}: verified {c['verified']}, rejected {c['rejected']}, "
                    f"failed {c['failed']}, skipped {summary.skipped}{ocr}")  # fmt: skip

        callback = show_lines if progress else None
    try:
        summary = bulk.run(
            paths, db, workers=n_workers, force=force, progress=callback, backend=backend.value, llm=llm,
            llm_concurrency=llm_concurrency, executor=executor,
        )  # fmt: skip
    except NianbaoError as e:
        if bar:
            bar.stop()
        say(f"run failed — {e}")
        store_at_fault = isinstance(e, StoreWriteError | StoreCorruptError)
        raise typer.Exit(EXIT_STORE if store_at_fault else EXIT_USAGE) from None
    if bar:
        bar.stop()
    for line in summary.skipped_entries[:50]:
        say(f"  skipped: {line}")
    if len(summary.skipped_entries) > 50:
        say(f"  … and {len(summary.skipped_entries) - 50} more entries skipped")
    for copy, original in summary.duplicates[:50]:
        say(f"  duplicate: {copy} has the content of {original} (extracted once; both paths recorded)")
    if len(summary.duplicates) > 50:
        say(f"  … and {len(summary.duplicates) - 50} more duplicates")
    for line in summary.unreadable[:50]:
        say(f"  failed: {line}")
    if len(summary.unreadable) > 50:
        say(f"  … and {len(summary.unreadable) - 50} more failures (all are in the store)")
    c = summary.counts
    say(
        f"{summary.files} file(s): {summary.processed} processed (verified {c['verified']}, rejected {c['rejected']}, "
        f"failed {c['failed']}), {summary.skipped - len(summary.duplicates)} already in the store, "
        f"{len(summary.duplicates)} duplicate(s) of another file of this run; {summary.seconds:.1f} s with "
        f"{f'{n_workers} worker(s)' if executor == 'local' else executor}; "
        f"store: {db}"
    )
    if summary.ocr_pages:
        say(summary.ocr_rate + " (pages are cached by content: a re-run does not OCR them again)")
    if summary.transient:
        say(f"{summary.transient} failure(s) were transient (LLM endpoint down, file missing, worker died): the "
            "next run tries them again")  # fmt: skip
    if summary.usage.total:
        say(f"LLM: {summary.usage.prompt_tokens} prompt + {summary.usage.completion_tokens} completion tokens")
    raise typer.Exit(exit_code(c))


@app.command("export", cls=Command)
def export_cmd(
    db: DbOpt = DEFAULT_DB,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            metavar=choices(ExportFormat),
            help="csv, parquet: tidy long rows; xlsx: long rows + tables as printed; jsonl: contract JSON per report.",
        ),
    ] = ExportFormat.csv,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Output file (default: export.<format>; '-': stdout)."),
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
    except (StoreCorruptError, StoreWriteError):
        raise  # the store's own failure: exit 4 (nianbao.cli.help.Command)
    except NianbaoError as e:
        say(f"export failed — {e}")
        raise typer.Exit(EXIT_USAGE) from None
    say(f"{'stdout' if target == STDOUT else target}: {n} {'reports' if fmt is ExportFormat.jsonl else 'rows'}")
