"""``extract`` (report files to verified JSON) and ``verify`` (re-check saved JSON)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import (
    AttemptsOpt,
    BackendChoice,
    BackendOpt,
    BaseUrlOpt,
    DeadlineOpt,
    LLMModeChoice,
    ModelOpt,
    ModeOpt,
    NoCacheOpt,
    TimeoutOpt,
    llm_config,
)
from nianbao.cli.output import STDOUT, exit_code, say, write_atomically
from nianbao.errors import NianbaoError, RecordError

if TYPE_CHECKING:
    from nianbao.schema import Record

app = typer.Typer()


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


def _expand_inputs(items: list[Path], skipped: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The files to extract: a folder's report files (recursively) and a glob's matches, as ``run`` reads
    them; any other input as given (a missing file fails with its reason, in order). Also the folders and
    globs that matched nothing, and why; the folders' entries not read go to ``skipped``, with why."""
    from nianbao import bulk

    files: list[str] = []
    unmatched: list[tuple[str, str]] = []
    for item in items:
        given = str(item)
        if item.is_dir() or (not item.exists() and bulk.is_glob(given)):
            found, none = bulk.expand([given], skipped)
            files.extend(found)
            unmatched.extend(none)
        else:
            files.append(given)
    return files, unmatched


@app.command(cls=Command)
def extract(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE",
            help="Report files, folders (searched recursively) and globs: .txt/.md text (UTF-8, UTF-16, "
            "GB18030), .html/.htm, .pdf (scans through OCR when the ocr extra is installed), .docx, and "
            ".doc/.wps through LibreOffice when it is installed.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="DIR", help="Write DIR/<file stem>.json instead of printing ('-': stdout)."
        ),
    ] = None,
    indent: Annotated[
        int | None, typer.Option(metavar="N", help="Pretty-print the JSON with this indent (default: compact).")
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
        int,
        typer.Option(metavar="N", help="Worker processes (0: one per core for 50 files or more, else in-process)."),
    ] = 0,
) -> None:
    """Extract tables 2–4 from each FILE and verify them."""
    from nianbao import bulk

    llm = llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache, llm_timeout, llm_deadline)
    if out == STDOUT:
        out = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    skipped: list[str] = []
    paths, unmatched = _expand_inputs(files, skipped)
    counts: Counter[str] = Counter()
    for line in skipped:
        say(f"skipped: {line}")
    for item, why in unmatched:
        counts["failed"] += 1
        say(f"{item}: failed — {why}")
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
            say(f"{path}: failed — cannot write the result to {out or 'stdout'}: {e.strerror or e}")
            continue
        counts[outcome.status] += 1
        say(f"{path}: {outcome.line}")
        if outcome.llm_used:
            llm_reports, llm_attempts = llm_reports + 1, llm_attempts + outcome.attempts
            prompt, completion = prompt + outcome.prompt_tokens, completion + outcome.completion_tokens
    if llm_reports:
        say(
            f"LLM: {llm_reports} report(s), {llm_attempts} attempt(s), {prompt} prompt + {completion} completion tokens"
        )
    say(
        f"{len(paths) + len(unmatched)} file(s): {counts['verified']} verified, {counts['rejected']} rejected, "
        f"{counts['failed']} failed"
    )
    raise typer.Exit(exit_code(counts))


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


@app.command("verify", cls=Command)
def verify_cmd(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Saved extraction JSON files.")],
    indent: Annotated[int | None, typer.Option(metavar="N", help="Pretty-print stdout JSON with this indent.")] = None,
) -> None:
    """Re-check saved extraction JSON: identities, and grounding against the source when it is present.
    What the extraction could not read stays an error."""
    from nianbao.bulk import summary_line
    from nianbao.pipeline import reverify, source_if_unchanged, source_places

    counts: Counter[str] = Counter()
    for path in files:
        try:
            record = _load_record(path)
        except NianbaoError as e:
            counts["failed"] += 1
            say(f"{path}: failed — {e.reason}")
            continue
        elsewhere = source_places(record.source.path, path) if record.source else []
        text, why_not = source_if_unchanged(record.source, *elsewhere)
        checked = reverify(record, text)
        note = f"; grounding checked against stored excerpts only ({why_not})" if why_not else ""
        changed = f" (was {record.status})" if record.status != checked.status else ""
        say(f"{path}: {summary_line(checked)}{changed}{note}")
        counts[checked.status] += 1
        print(json.dumps(checked.model_dump(mode="json"), ensure_ascii=False, indent=indent), flush=True)
    say(f"{len(files)} file(s): {counts['verified']} verified, {counts['rejected']} rejected, "
        f"{counts['failed']} failed")  # fmt: skip
    raise typer.Exit(exit_code(counts))
