"""One exception tree for nianbao.

Every error nianbao raises on purpose is a :class:`NianbaoError`. The base carries what every error
has — the reason in words and, where known, the file — and each subclass adds only its own context
(an LLM error its attempts, last output and tokens; an eval set-up error nothing more). The CLI prints
``str(error)``, so the message names the file and the reason on its own, on one line.

    NianbaoError
    ├── InputError                 the file itself cannot be used
    │   ├── UnreadableFileError    missing, a folder, no permission
    │   ├── EmptyFileError
    │   ├── BinaryFileError
    │   ├── DecodingError
    │   ├── UnsupportedFormatError
    │   └── LimitError             beyond a bound on size, pages, table cells (a hostile file)
    ├── ExtractionError            read, but nothing to extract
    │   ├── NoTablesError
    │   └── UnsupportedTemplateError
    ├── LLMError                   the LLM endpoint failed (+ attempts, last_output, usage)
    ├── RecordError                a saved result does not match the schema
    ├── StoreError                 the results store cannot be opened or used
    │   ├── StoreWriteError        it cannot be written (a read-only folder, a full disk)
    │   └── StoreCorruptError      its file is damaged (SQLite's integrity check fails)
    ├── ReviewError                a review decision that cannot be taken
    ├── ExportError                an export that cannot be written
    ├── EvalSetupError             no golden cases to evaluate
    ├── UsageError                 a call that cannot be made as asked (unknown backend, bad --set)
    └── InternalError              a bug met while extracting one file (named for that file; the batch goes on)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class NianbaoError(Exception):
    """Base of every error nianbao raises on purpose: a reason, and the file where one is known."""

    def __init__(self, reason: str, *, file: str | Path | None = None) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.reason}"

    def _refresh(self) -> None:
        self.args = (self._render(),)

    def with_file(self, file: str | Path) -> NianbaoError:
        """Attach the file name where the raiser did not know it (deep helpers work on text)."""
        if self.file is None:
            self.file = str(file)
            self._refresh()
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "message": self.reason, "file": self.file}

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled with its context, whatever the subclass's ``__init__`` asks: an error travels back from a
        # worker process (the local pool, a Dask worker), and Python's default re-calls ``cls(*args)`` — which
        # a class with a required keyword (``MissingExtraError``'s ``extra``) refuses, breaking the pool
        return _rebuild, (type(self), self.args, self.__dict__.copy())


def _rebuild(cls: type[NianbaoError], args: tuple[Any, ...], state: dict[str, Any]) -> NianbaoError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(NianbaoError):
    """The file itself cannot be used: missing, empty, binary, undecodable, wrong format."""


class UnreadableFileError(InputError):
    """Missing, a folder, or not readable."""


class EmptyFileError(InputError):
    """No content (or no text on any page)."""


class BinaryFileError(InputError):
    """Binary content where text was expected."""


class DecodingError(InputError):
    """Text in no encoding nianbao can decode."""


class UnsupportedFormatError(InputError):
    """A format nianbao does not read, or a file that is not what its name says."""


class MissingExtraError(InputError):
    """Reading this file needs an optional part of nianbao that is not installed (``extra``)."""

    def __init__(self, reason: str, *, extra: str, file: str | Path | None = None) -> None:
        self.extra = extra
        super().__init__(reason, file=file)

    def _render(self) -> str:
        return f"{super()._render()}: pip install 'nianbao[{self.extra}]'"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "extra": self.extra}


class LimitError(InputError):
    """A file beyond one of the bounds of :mod:`nianbao.extractor.readers.limits`."""


class ExtractionError(NianbaoError):
    """The file was read but holds nothing nianbao can extract."""


class NoTablesError(ExtractionError):
    """None of tables 2–4 was found in the text."""


class UnsupportedTemplateError(ExtractionError):
    """Tables of a format nianbao has no template for."""


class LLMError(NianbaoError):
    """The LLM endpoint could not be used (refused, unreachable after retries, misconfigured), with how far
    the report had got: attempts made, the model's last output, and the tokens spent. ``transient``: the
    endpoint failed (unreachable, 429, 5xx, timeout) rather than refused — the next run tries again."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path | None = None,
        attempts: int | None = None,
        last_output: str | None = None,
        usage: dict[str, int] | None = None,
        transient: bool = False,
    ) -> None:
        self.transient = transient
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage or {}
        super().__init__(reason, file=file)

    def _render(self) -> str:
        extra = f" (after {self.attempts} attempts)" if self.attempts else ""
        return f"{super()._render()}{extra}"

    def progress(self, attempts: int, last_output: str | None, usage: dict[str, int]) -> LLMError:
        """Record how far the report got before the endpoint failed."""
        self.attempts, self.last_output, self.usage = attempts, last_output, usage
        self._refresh()
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "attempts": self.attempts,
            "usage": self.usage or None,
            "transient": self.transient,
        }


class RecordError(NianbaoError):
    """A saved result (JSON) does not match the schema."""


class StoreError(NianbaoError):
    """The results store cannot be opened or used (not a nianbao store, newer schema, locked)."""


class StoreWriteError(StoreError):
    """The store cannot be written: its folder is read-only, the disk is full, an I/O error. Not the
    reports' fault — ``run`` exits with its own status (4)."""


class StoreCorruptError(StoreError):
    """The store's file is damaged (``PRAGMA quick_check`` fails): refused before anything is written into
    it; ``nianbao store recover`` copies what can be read into a new file."""


class ReviewError(NianbaoError):
    """A review decision that cannot be taken (unknown report, a correction that does not verify)."""


class ExportError(NianbaoError):
    """An export that cannot be written (unknown format, output onto the store itself)."""


class EvalSetupError(NianbaoError):
    """No golden cases to evaluate (``nianbao eval`` outside a checkout without ``--goldens``)."""


class UsageError(NianbaoError):
    """A call that cannot be made as asked: an unknown backend, a malformed option value."""


class InternalError(NianbaoError):
    """A bug met while extracting one file: named for that file (the original is its ``__cause__``), so
    that one file never ends a batch."""
