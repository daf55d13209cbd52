"""One exception tree for nianbao.

Every error carries the context a person needs to act on it without a debugger: which file, and
(for model-backed extraction) which attempt, what the model said last and what it cost. The CLI
prints ``str(error)``, so the message must name the file and the reason on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class NianbaoError(Exception):
    """Base of every error nianbao raises on purpose."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path | None = None,
        attempts: int | None = None,
        last_output: str | None = None,
        usage: dict[str, int] | None = None,
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage or {}
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.file}: " if self.file else ""
        extra = f" (after {self.attempts} attempts)" if self.attempts else ""
        return f"{where}{self.reason}{extra}"

    def with_file(self, file: str | Path) -> NianbaoError:
        """Attach the file name where the raiser did not know it (deep helpers work on text)."""
        if self.file is None:
            self.file = str(file)
            self.args = (self._render(),)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "message": self.reason,
            "file": self.file,
            "attempts": self.attempts,
            "usage": self.usage or None,
        }


class InputError(NianbaoError):
    """The file itself cannot be used: missing, empty, binary, undecodable, wrong format."""


class UnreadableFileError(InputError):
    pass


class EmptyFileError(InputError):
    pass


class BinaryFileError(InputError):
    pass


class DecodingError(InputError):
    pass


class UnsupportedFormatError(InputError):
    pass


class ExtractionError(NianbaoError):
    """The file was read but holds nothing nianbao can extract."""


class NoTablesError(ExtractionError):
    pass


class UnsupportedTemplateError(ExtractionError):
    pass


class LLMError(NianbaoError):
    """The LLM endpoint could not be used (refused, unreachable after retries, misconfigured)."""


class RecordError(NianbaoError):
    """A saved result (JSON) does not match the schema."""
