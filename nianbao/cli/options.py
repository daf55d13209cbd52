"""The options the commands share, defined once: the store, the output, the extraction backend and the
LLM endpoint (with :func:`llm_config`, which turns them into the library's configuration). Every value
option names its metavar (FILE, DIR, N, URL …): help shows no Python types."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from nianbao.cli.output import EXIT_USAGE, say


class BackendChoice(StrEnum):
    auto = "auto"
    rules = "rules"
    llm = "llm"


class LLMModeChoice(StrEnum):
    json_schema = "json_schema"
    tools = "tools"


class LangChoice(StrEnum):  # the catalogue's languages (nianbao.i18n.LANGS; a test keeps them equal)
    zh = "zh"
    en = "en"


def choices(enum: type[StrEnum]) -> str:
    """A choice's metavar as click writes it: ``[a|b|c]``."""
    return "[" + "|".join(enum) + "]"


DEFAULT_DB = Path("nianbao.db")
LangOpt = Annotated[
    LangChoice | None,
    typer.Option("--lang", metavar=choices(LangChoice), help="The page's language (default: the browser's, else zh)."),
]


def _existing_store(value: Path) -> Path:
    """Only ``run`` creates a store: elsewhere a mistyped ``--db`` would open a new, empty one and report
    "0 rows" with exit 0. A usage error instead (exit 2), naming the file."""
    if not value.is_file():
        what = "is not a file" if value.exists() else "does not exist"
        raise typer.BadParameter(f"{value} {what}; a store is created by `nianbao run … --db {value}`")
    return value


# a store that must exist (every command but ``run``)
DbOpt = Annotated[
    Path, typer.Option("--db", metavar="FILE", callback=_existing_store, help="The results store (SQLite file).")
]
# the store ``run`` writes, created where missing
NewDbOpt = Annotated[
    Path, typer.Option("--db", metavar="FILE", help="The results store (SQLite file; created where missing).")
]
OutFileOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", metavar="FILE", help="Write here instead of stdout ('-': stdout)."),
]

BackendOpt = Annotated[
    BackendChoice,
    typer.Option(
        "--backend",
        metavar=choices(BackendChoice),
        help="auto: rules first, the LLM only for what they could not read; rules; llm.",
    ),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option(metavar="URL", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).")
]
ModelOpt = Annotated[
    str | None, typer.Option(metavar="NAME", help="Model name (default: $NIANBAO_MODEL or $OPENAI_MODEL).")
]
ModeOpt = Annotated[
    LLMModeChoice,
    typer.Option(
        "--llm-mode", metavar=choices(LLMModeChoice), help="How the server is made to keep to the JSON schema."
    ),
]
AttemptsOpt = Annotated[
    int, typer.Option(metavar="N", help="LLM attempts per table (re-asks with the verifier's violations).")
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Ask the LLM even when the same question was answered before.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--llm-timeout", metavar="SECONDS", help="Seconds one LLM request may take.")
]
DeadlineOpt = Annotated[
    float,
    typer.Option(
        "--llm-deadline", metavar="SECONDS", help="Seconds all LLM requests for one report may take together."
    ),
]


def llm_config(
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
        say(str(e))
        raise typer.Exit(EXIT_USAGE) from None
    if config is None and backend is BackendChoice.llm:
        say("--backend llm needs an endpoint: --base-url and --model, or $OPENAI_BASE_URL and $NIANBAO_MODEL")
        raise typer.Exit(EXIT_USAGE)
    return config
