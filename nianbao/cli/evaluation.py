"""``eval``: accuracy on the golden corpus, checked against the ratchet's floors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import (
    AttemptsOpt,
    BackendChoice,
    BaseUrlOpt,
    LLMModeChoice,
    ModelOpt,
    ModeOpt,
    NoCacheOpt,
    choices,
    llm_config,
)
from nianbao.cli.output import say
from nianbao.errors import NianbaoError

app = typer.Typer()


def _load_summary(path: Path) -> dict[str, Any]:
    """An eval JSON, or the last run of a history file (one JSON object per line)."""
    text = path.read_text(encoding="utf-8").strip()
    try:
        data: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        data = json.loads(text.splitlines()[-1])
    return data


@app.command("eval", cls=Command)
def eval_cmd(
    backend: Annotated[
        BackendChoice, typer.Option(metavar=choices(BackendChoice), help="Extraction backend to evaluate.")
    ] = BackendChoice.rules,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    llm_mode: ModeOpt = LLMModeChoice.json_schema,
    max_attempts: AttemptsOpt = 3,
    no_cache: NoCacheOpt = False,
    goldens: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Golden cases folder (default: ./goldens, else the checkout's goldens/)."),
    ] = None,
    generated: Annotated[
        bool, typer.Option(help="Also render every golden in every format and noise variant, and plant source errors.")
    ] = True,
    json_out: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Write the full results as JSON here.")
    ] = None,
    history: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Append this run (one JSON line) to a history file.")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Show what changed since an earlier JSON or history file.")
    ] = None,
    thresholds: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Ratchet file (default: evals/thresholds.toml beside the goldens folder)."),
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Exit 1 when a metric falls below its floor or a silent error appears.")
    ] = True,
    adversary: Annotated[
        bool,
        typer.Option(help="Also run the adversary suite: a scripted model on 127.0.0.1 answering wrong on purpose."),
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Worker processes (default: the machine's cores; 1: one by one)."),
    ] = None,
) -> None:
    """Measure accuracy on the golden corpus: cells, tables, reports, and verification against the truth."""
    from nianbao.evals import ratchet, report
    from nianbao.evals.cases import find_goldens
    from nianbao.evals.parallel import default_workers
    from nianbao.evals.run import evaluate

    llm = llm_config(backend, base_url, model, llm_mode, max_attempts, no_cache)
    try:
        folder = find_goldens(goldens)
        summary = evaluate(folder, backend.value, llm, generated=generated, adversary=adversary,
                           workers=workers or default_workers())  # fmt: skip
    except NianbaoError as e:
        say(f"eval failed — {e.reason}")
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
