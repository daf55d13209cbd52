"""The ``nianbao`` command, assembled from one module per command group:

- :mod:`~nianbao.cli.extraction`: ``extract``, ``verify``
- :mod:`~nianbao.cli.evaluation`: ``eval``
- :mod:`~nianbao.cli.bulk`: ``run``, ``export``
- :mod:`~nianbao.cli.review`: ``review list/show/correct/accept-source-error/reject/golden/serve``
- :mod:`~nianbao.cli.analysis`: ``findings``, ``metrics``
- :mod:`~nianbao.cli.store`: ``store check/recover``

and the shared parts: :mod:`~nianbao.cli.options` (the options several commands take),
:mod:`~nianbao.cli.output` (exit statuses, messages, output files) and :mod:`~nianbao.cli.help` (help text).

Machine output (JSON, one object per report per line) goes to stdout; one human line per file goes to
stderr. One bad file never stops the others. Exit status (``extract``, ``verify`` and ``run``): 0 every
report verified, 1 some rejected, 2 a usage error, 3 some files failed (no extraction at all), 4 the store
cannot be written or is damaged. The logic
lives in the library (:mod:`nianbao.pipeline` and below); these modules parse options and print. Each
command module imports its library modules inside the command, so ``nianbao --version`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from nianbao import __version__
from nianbao.cli import analysis, bulk, evaluation, extraction, review, store
from nianbao.cli.help import Command


def _version_callback(value: bool) -> None:
    if value:
        from nianbao.extractor.version import VERSION

        print(f"nianbao {__version__} (rules parser {VERSION})")
        raise typer.Exit(0)


app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,  # click's plain help: wrapped, never cropped, [brackets] shown as written
    help="Extract and verify the statistical tables of 政府信息公开工作年度报告. Exit status: 0 all verified, "
    "1 some rejected, 2 usage error, 3 some files failed, 4 the store cannot be written or is damaged.",
)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Extract and verify the statistical tables of 政府信息公开工作年度报告."""


# the order of the help's command list
app.add_typer(extraction.app)
app.add_typer(evaluation.app)
app.add_typer(bulk.app)
app.add_typer(review.app, name="review")
app.add_typer(analysis.app)
app.add_typer(store.app, name="store")
_last = typer.Typer()
app.add_typer(_last)


@_last.command(cls=Command)
def version() -> None:
    """Print nianbao's version and the parser version."""
    from nianbao.extractor import rules

    print(f"nianbao {__version__} (rules parser {rules.VERSION})")


__all__ = ["app"]
