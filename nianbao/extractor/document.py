"""What a reader hands to the extractor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    path: str
    format: str  # "text", "markdown", "html", ...
    raw_text: str  # decoded, before normalisation
    encoding: str | None
    sha256: str  # of the file's bytes
