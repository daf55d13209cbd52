"""For analysts: ``findings`` (every error and warning per agency and year) and ``metrics`` (derived rates
per report)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import DEFAULT_DB, DbOpt, LangChoice, OutFileOpt, choices
from nianbao.cli.output import STDOUT, output, say

app = typer.Typer()


class FindingsFormat(StrEnum):
    md = "md"
    csv = "csv"
    html = "html"


class MetricsFormat(StrEnum):
    md = "md"
    csv = "csv"
    json = "json"


@app.command(cls=Command)
def findings(
    db: DbOpt = DEFAULT_DB,
    fmt: Annotated[
        FindingsFormat, typer.Option("--format", metavar=choices(FindingsFormat), help="Markdown, CSV or an HTML page.")
    ] = FindingsFormat.md,
    out: OutFileOpt = None,
    every_document: Annotated[bool, typer.Option(help="Findings per document, not per report.")] = False,
    lang: Annotated[
        LangChoice, typer.Option("--lang", metavar=choices(LangChoice), help="The HTML page's language.")
    ] = LangChoice.zh,
) -> None:
    """Every error and warning per agency and year: the source's own inconsistencies apart from what
    nianbao could not read, with the cells and the sentence or other report that contradicts them."""
    from nianbao.findings import findings_report as fr
    from nianbao.store import Store

    with Store(db) as store:
        found = fr.collect(store, every_document)
        if fmt is FindingsFormat.html:
            from nianbao import findings_page
            from nianbao.metrics import per_report

            text = findings_page.render(found, per_report(store), lang)
        else:
            text = {FindingsFormat.md: fr.to_markdown, FindingsFormat.csv: fr.to_csv}[fmt](found)
    with output(out or STDOUT) as f:
        f.write(text)
    by_category, _ = fr.counts(found)
    say(", ".join(f"{c}: {by_category.get(c, 0)}" for c in fr.CATEGORIES))


@app.command(cls=Command)
def metrics(
    db: DbOpt = DEFAULT_DB,
    fmt: Annotated[
        MetricsFormat, typer.Option("--format", metavar=choices(MetricsFormat), help="Markdown, CSV or JSON.")
    ] = MetricsFormat.md,
    out: OutFileOpt = None,
) -> None:
    """Derived rates per report (grant, refusal, carry-over, review and litigation correction rates…), each
    with its definition, from verified or reviewed reports only, with the change against the previous year."""
    from nianbao import metrics as m
    from nianbao.store import Store

    with Store(db) as store:
        rows = m.per_report(store)
    render = {MetricsFormat.md: m.to_markdown, MetricsFormat.csv: m.to_csv, MetricsFormat.json: m.to_json}[fmt]
    with output(out or STDOUT) as f:
        f.write(render(rows))
    say(f"{len(rows)} verified or reviewed report(s)")
