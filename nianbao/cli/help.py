"""Help as click writes it: wrapped to the terminal, never cropped, brackets shown as typed (no rich
markup), and each value by its metavar (``FILE...``, ``N``) rather than a Python type (``<list[Path]>``).

Every command is made with ``cls=Command``; the app and its groups set ``rich_markup_mode=None``. The class
also ends any command the same way when the store cannot be used: named, exit 4 (not a traceback)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand

from nianbao.cli.output import EXIT_STORE, say
from nianbao.errors import StoreCorruptError, StoreWriteError


def _argument_name(param: Any) -> str:
    name: str = param.metavar or param.name.upper()
    return name + "..." if param.nargs != 1 else name


class Command(TyperCommand):
    """A Typer command whose usage line and help name each argument by its metavar alone, and which ends
    with exit 4 and the store's error when the store is damaged or cannot be written."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (StoreCorruptError, StoreWriteError) as e:
            say(f"{ctx.command_path} failed — {e}")
            raise typer.Exit(EXIT_STORE) from None

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), record[1]))  # Typer's name carries the Python type
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
