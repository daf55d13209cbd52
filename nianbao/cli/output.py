"""How every command reports: exit statuses, one human line per message on stderr, and output files
(``-`` for stdout; written whole or not at all)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

EXIT_VERIFIED, EXIT_REJECTED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
EXIT_STORE = 4  # the store cannot be written (read-only folder, full disk) or is damaged: not the reports' fault
STDOUT = Path("-")  # ``-o -``: write to standard output


def say(line: str) -> None:
    # one line per message, whatever a file name holds (a newline in a name must not split it)
    print(line.replace("\n", "\\n").replace("\r", "\\r"), file=sys.stderr, flush=True)


def exit_code(counts: Counter[str]) -> int:
    if counts["failed"]:
        return EXIT_FAILED
    return EXIT_REJECTED if counts["rejected"] else EXIT_VERIFIED


def write_atomically(target: Path, text: str) -> None:
    """The whole file or nothing: written beside the target, then renamed over it (a full disk or a kill
    leaves the old file, never a truncated one)."""
    import os

    from nianbao.atomic import temporary_beside

    fd, tmp = temporary_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def output(target: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream onto ``target``, or onto stdout for ``-``."""
    if target == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    with target.open("w", encoding="utf-8", newline=newline) as f:
        yield f
