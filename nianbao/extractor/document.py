"""What a reader hands to the extractor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScanPage:
    """An OCR'd page: its (deskewed) size in pixels, the resolution it was read at, and each table line
    of its text with the box (x0, y0, x1, y1) of each of the line's tab-separated cells."""

    number: int  # from 1, in the file
    width: int
    height: int
    dpi: float
    lines: tuple[tuple[str, tuple[tuple[int, int, int, int], ...]], ...]
    doubts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # lines read differently from wider crops
    turn: int = 0  # degrees clockwise the page was turned to stand upright


@dataclass(frozen=True)
class Document:
    path: str
    format: str  # "text", "markdown", "html", ..., "scan"
    raw_text: str  # decoded, before normalisation
    encoding: str | None
    sha256: str  # of the file's bytes
    scan: tuple[ScanPage, ...] | None = None  # where the text was OCR'd
