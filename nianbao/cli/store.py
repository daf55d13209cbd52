"""``store``: the results store itself — ``check`` (SQLite's full integrity check) and ``recover`` (the
readable rows of a damaged store copied into a new one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nianbao.cli.help import Command
from nianbao.cli.options import DEFAULT_DB, DbOpt
from nianbao.cli.output import EXIT_STORE, EXIT_USAGE, say
from nianbao.errors import NianbaoError

app = typer.Typer(
    help="The results store: check it, recover a damaged one.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("check", cls=Command)
def store_check(db: DbOpt = DEFAULT_DB) -> None:
    """Check every page and index of the store (exit 4 when it is damaged)."""
    from nianbao.store_repair import problems

    found = problems(db)
    if found:
        for line in found:
            say(f"{db}: {line}")
        say(f"{db}: damaged; `nianbao store recover --db {db} NEW.db` copies what can be read into a new store")
        raise typer.Exit(EXIT_STORE)
    say(f"{db}: ok")


@app.command("recover", cls=Command)
def store_recover(
    new: Annotated[Path, typer.Argument(metavar="NEW", help="The new store to write (must not exist).")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Copy every readable row of a damaged store into a new one (the damaged file is only read)."""
    from nianbao.store_repair import problems, recover

    try:
        done = recover(db, new)
    except NianbaoError as e:
        say(f"not recovered — {e}")
        raise typer.Exit(EXIT_USAGE) from None
    for table, n in done.copied.items():
        lost = done.lost[table]
        say(f"{table}: {n} row(s) copied" + (f", {lost} unreadable" if lost else ""))
    left = problems(new)
    say(f"{new}: " + ("ok" if not left else "still damaged: " + "; ".join(left)))
    raise typer.Exit(EXIT_STORE if left else 0)
