"""Bytes → str with the encoding detected, not assumed: BOMs, UTF-16 without BOM, UTF-8, GB18030."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from nianbao.errors import BinaryFileError, DecodingError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab/newline/CR/form feed do not occur in real report text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    # ASCII-heavy UTF-16 has NULs in one byte lane only; CJK-heavy UTF-16 has few NULs at all,
    # so only the clear case is claimed here.
    if odd_zero > 0.3 * half and even_zero < 0.05 * half:
        return "utf-16-le"
    if even_zero > 0.3 * half and odd_zero < 0.05 * half:
        return "utf-16-be"
    # CJK-heavy UTF-16 has few NULs: decode both ways and keep the one that reads as report text
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample[: len(sample) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and sum(1 for ch in text if _plausible(ch)) >= 0.95 * len(text):
            return encoding
    return None


def _plausible(ch: str) -> bool:
    o = ord(ch)
    return (
        0x20 <= o < 0x7F or ch in "\t\n\r" or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
        or 0x2000 <= o <= 0x206F
    )  # fmt: skip


def _looks_binary(text: str) -> bool:
    sample = text[:8000]
    return len(_CONTROL.findall(sample)) > max(2, len(sample) // 200)


def decode_text(data: bytes, path: str | Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise DecodingError(f"has a {encoding} byte-order mark but does not decode: {e}", file=path) from None
    if b"\x00" in data[:4000]:
        encoding16 = _utf16_without_bom(data)
        if encoding16 is None:
            raise BinaryFileError("binary content (NUL bytes), not a text report", file=path)
        try:
            return data.decode(encoding16), encoding16
        except UnicodeDecodeError:
            raise BinaryFileError("binary content (NUL bytes), not a text report", file=path) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise BinaryFileError("binary content (control characters), not a text report", file=path)
        return text, encoding
    raise DecodingError("not UTF-8, UTF-16 or GB18030 text", file=path)
