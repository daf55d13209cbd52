"""Every command's ``--help`` at 80 columns: values by metavar (no Python types), every option name whole
(nothing cropped), and brackets shown as written (``nianbao[dask]``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from nianbao.cli import app

runner = CliRunner()
# Typer's own type display (<bool>, <list[Path]>, <auto|rules|llm>) and its required-argument braces ({files})
PYTHON_TYPE = re.compile(r"<(?:bool|int|float|str|path|list\[|[\w-]+(?:\|[\w-]+)+>)|\{\w+\}")


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"extract", "verify", "run", "export", "eval", "findings", "metrics", "review show"} <= names
    assert len(names) >= 17


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "nianbao" for p, _ in COMMANDS])
def test_help_at_80_columns_shows_metavars_and_whole_option_names(path: tuple[str, ...], command: Any) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, prog_name="nianbao")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert not PYTHON_TYPE.search(text), PYTHON_TYPE.findall(text)
    usage = text.split("\n\n")[0]
    assert usage.startswith("Usage: nianbao"), usage
    for param in command.params:
        for name in [*param.opts, *param.secondary_opts]:
            if name.startswith("-"):
                assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), f"{name} not whole in:\n{text}"
        if param.param_type_name == "argument":
            assert param.metavar and param.metavar.isupper(), f"argument {param.name} has no metavar"
            assert param.metavar in usage
        elif not getattr(param, "is_flag", False) and param.name not in {"help"}:
            # a value option names its value (FILE, N, [csv|…]): Typer would print the Python type
            assert param.metavar, f"{' '.join(path)} {param.opts}: no metavar"


def test_run_help_keeps_the_dask_extra_in_brackets() -> None:
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "80"})
    assert "nianbao[dask]" in result.stdout
