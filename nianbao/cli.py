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
) -> None:
    """Extract tables 2–4 from each FILE and verify them."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    names = _output_names(files)
    counts: Counter[str] = Counter()
    for path in files:
        out_file = out / names[path] if out is not None else None
        try:
            record = extract_file(path)
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
    backend: Annotated[str, typer.Option(help="Extraction backend to evaluate (rules).")] = "rules",
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

    try:
        cases = all_cases(goldens or GOLDENS, generated=generated)
        summary = run(cases, backend)
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


@app.command()
def version() -> None:
    """Print nianbao's version and the parser version."""
    from extractor import rules

    print(f"nianbao {__version__} (rules parser {rules.VERSION})")


if __name__ == "__main__":  # pragma: no cover
    app()
