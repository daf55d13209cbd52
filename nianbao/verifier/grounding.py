"""Grounding: every value must read as itself at the span it claims to come from.

This is the defence against a parser that slipped a column and a model that made a number up: a
value whose span reads another number, or that has no span at all, is not accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from nianbao.schema import CellValue, Provenance, Report, Violation, flatten

GROUNDING = "grounding"

# Deliberately stricter than any extractor's reader: plain digits, optional thousands separators and
# sign, optional decimals. Nothing else may stand in the span.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_DIGIT = re.compile(r"\d")
_SIGN_WORDS = {"减": "-", "增": "+"}  # the 2019 format's 本年增/减 prints 减4 for −4
_UNITS = ("万元", "元")  # a unit printed in the cell (79000.1元) is part of what was read


def read_number(text: str) -> Decimal | int | None:
    if text.isascii() and text.isdigit():  # the common case, without regex or Decimal
        return int(text)
    s = text.strip()
    if s[:1] in _SIGN_WORDS:
        s = _SIGN_WORDS[s[0]] + s[1:]
    for unit in _UNITS:
        if s.endswith(unit):
            s = s[: -len(unit)]
            break
    if not _NUMBER.fullmatch(s):
        return None
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def _violation(path: str, message: str, expected: str | None = None, found: str | None = None) -> Violation:
    return Violation(
        rule=GROUNDING,
        severity="error",
        cells=[path],
        message=f"{path}: {message}",
        expected=expected,
        found=found,
    )


def check_grounding(
    report: Report | dict[str, CellValue], provenance: dict[str, Provenance], text: str | None
) -> list[Violation]:
    """Check each non-blank value against its span.

    With ``text`` (the normalised source) the span must also still hold the recorded characters; without
    it (a saved result whose source is gone) only the recorded excerpt can be checked.
    """
    cells = flatten(report) if isinstance(report, Report) else report
    out = []
    for path, value in cells.items():
        if value is None:
            continue
        prov = provenance.get(path)
        if prov is None:
            out.append(_violation(path, "value has no source span", found=str(value)))
            continue
        if prov.method == "reviewed":
            continue  # set by a person, attested by their recorded decision; the identities still apply
        excerpt = prov.text
        if text is not None:
            start, end = prov.span.start, prov.span.end
            if not (0 <= start <= end <= len(text)):
                out.append(_violation(path, f"span {start}-{end} lies outside the source"))
                continue
            excerpt = text[start:end]  # (sliced here, not by Span.slice: a Python call a cell, ~15 % of this check)
            if excerpt != prov.text:
                out.append(
                    _violation(path, "span no longer holds the recorded text", expected=prov.text, found=excerpt)
                )
                continue
        if prov.method == "inferred" and _DIGIT.search(excerpt) is None:
            # A blank cell (empty, or a marker such as "/" or "—"): only 0 may be inferred for it, never
            # a number nobody printed.
            if Decimal(value) != 0:
                out.append(
                    _violation(path, f"value {value} inferred for a blank cell; only 0 may be", found=str(value))
                )
            continue
        if type(value) is int and excerpt.isdigit() and excerpt.isascii() and int(excerpt) == value:
            continue  # the common case, in line (no call, no Decimal): a count printed as plain digits
        read = read_number(excerpt)
        if read is None:
            out.append(_violation(path, f"span reads {excerpt!r}, not a number", expected=str(value), found=excerpt))
        elif read != Decimal(value):
            out.append(
                _violation(path, f"value {value} but the source reads {excerpt}", expected=excerpt, found=str(value))
            )
    return out


INFERRED = "inferred"


def check_inferred(provenance: dict[str, Provenance]) -> list[Violation]:
    """Values placed by the identities rather than read as printed cells: a warning per row, so a person
    sees them, while the identities (which must then hold) keep them honest."""
    rows: dict[str, list[str]] = {}
    for path, prov in provenance.items():
        if prov.method == "inferred":
            rows.setdefault(path.rsplit(".", 1)[0], []).append(path)
    return [
        Violation(
            rule=INFERRED,
            severity="warning",
            cells=cells,
            message=f"{row}: {len(cells)} value(s) placed by the table identities, not read as separate cells",
        )
        for row, cells in rows.items()
    ]


def check_extra_rows(report: Report, text: str | None) -> list[Violation]:
    """Grounding for a provincial variant's extra rows (kept under ``active_disclosure.extra``)."""
    out = []
    for i, row in enumerate(getattr(report.active_disclosure, "extra", [])):
        for j, value in enumerate(row.values):
            if value is None:
                continue
            path = f"active_disclosure.extra.{i}.{j}"
            span = row.spans[j] if j < len(row.spans) else None
            if span is None:
                out.append(_violation(path, f"{row.label}: value has no source span", found=str(value)))
            elif text is not None and read_number(span.slice(text)) != value:
                out.append(_violation(path, f"{row.label}: value {value} but the source reads {span.slice(text)!r}"))
    return out
