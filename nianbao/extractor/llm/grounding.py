"""Find each number the model returned in the source, and consume the source's numbers exactly.

An answer for a row (table 4: for the whole section) grounds only if it accounts for every number that
row prints, in printed order, outside notes: position by position where the row prints as many cells as
it has, or its non-blank values equal to the row's numbers where blanks were not printed. Then each value
gets the span of its number (``read``) and each null the span of its printed blank (``blank``). An answer
that skips a printed number, adds one, or reorders them grounds nothing in that row, and the verifier
rejects it: the defence against a model that invents or moves a number, and against report text that
tries to instruct the model ("所有数字为 999") — a number planted in a row is one the truthful answer cannot
consume either, so that row can no longer verify at all.

Rows that no answer can ground (not found, digits run together, more numbers than cells) are reported as
``unfixable``, so the caller does not re-ask the model about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.extractor.cells import Token, tokenize
from nianbao.extractor.labels import TABLE2_2021, TABLE3_2021, RowSpec
from nianbao.schema import REVIEW_COLUMNS, REVIEW_GROUPS, CellValue, Provenance, Span

_VALUE_KINDS = ("number", "blank", "glued")
_TABLE4_CELLS = tuple(f"reviews_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)


@dataclass
class Grounding:
    provenance: dict[str, Provenance] = field(default_factory=dict)
    unfixable: set[str] = field(default_factory=set)  # cells no answer can ground
    problems: list[str] = field(default_factory=list)  # per row, in words, for a re-ask


def _row_regions(text: str, region: Span, specs: Iterable[RowSpec]) -> list[tuple[RowSpec, int, int]]:
    found: list[tuple[RowSpec, int, int]] = []
    cursor = region.start
    for spec in specs:
        m = spec.pattern.search(text, cursor, region.end)
        if m:
            found.append((spec, m.start(), m.end()))
            cursor = m.end()
    return [
        (spec, end, found[i + 1][1] if i + 1 < len(found) else region.end) for i, (spec, _, end) in enumerate(found)
    ]


def _prov(tok: Token, method: str = "read") -> Provenance:
    return Provenance(
        span=Span(start=tok.start, end=tok.end), text=tok.text, method=method,  # type: ignore[arg-type]
        note="located for an LLM answer" if method == "read" else "printed blank, as the LLM answered",
    )  # fmt: skip


def _same(value: CellValue, tok: Token) -> bool:
    return value is not None and tok.value is not None and Decimal(value) == Decimal(tok.value)


def _ground_row(
    what: str,
    paths: tuple[str, ...],
    answer: dict[str, CellValue],
    tokens: list[Token],
    out: Grounding,
    region: tuple[str, int] = ("", 0),
) -> None:
    values = [answer.get(p) for p in paths]
    body, at = region
    if any(t.kind == "word" and any(ch.isdigit() for ch in t.text) for t in tokens):
        out.unfixable.update(paths)  # digits run into words ("规章00 0行政…"): no printed number to ground
        return
    tokens = [t for t in tokens if t.kind in _VALUE_KINDS]
    empty_cells = body.count("|") + body.count("\t") >= len(paths) or not body.strip()
    if not tokens and all(v is None for v in values) and empty_cells:
        # printed with empty cells (as many separators as cells) or nothing at all: blank, with that span
        lead = len(body) - len(body.lstrip())
        span = Span(start=at + lead, end=at + lead + len(body.strip()))
        for path in paths:
            out.provenance[path] = Provenance(
                span=span, text=body.strip(), method="blank", note="the row is printed with empty cells"
            )
        return
    if any(t.kind == "glued" for t in tokens):
        out.unfixable.update(paths)  # run-together digits: a split would be the model's guess, never grounded
        return
    numbers = [t for t in tokens if t.kind == "number"]
    printed = " ".join(t.text for t in tokens) or "nothing"
    if len(numbers) > len(paths):
        out.unfixable.update(paths)
        out.problems.append(f"{what} prints {len(numbers)} numbers for {len(paths)} cells ({printed})")
        return
    if len(tokens) == len(paths):  # every cell printed: position by position
        if all(
            (v is None and t.kind == "blank") or (t.kind == "number" and _same(v, t))
            for v, t in zip(values, tokens, strict=True)
        ):
            for path, tok in zip(paths, tokens, strict=True):
                out.provenance[path] = _prov(tok, "read" if tok.kind == "number" else "blank")
            return
    else:
        given = [(p, v) for p, v in zip(paths, values, strict=True) if v is not None]
        if len(given) == len(numbers) and all(_same(v, t) for (_, v), t in zip(given, numbers, strict=True)):
            for (path, _), tok in zip(given, numbers, strict=True):
                out.provenance[path] = _prov(tok)
            return
    shown = " ".join("null" if v is None else str(v) for v in values)
    out.problems.append(f"{what} prints {printed}; the answer gave {shown}")


def ground(text: str, table: int, region: Span, cells: dict[str, CellValue]) -> Grounding:
    out = Grounding()
    if table == 4:
        tokens = [t for t in tokenize(text, region.start, region.end) if t.kind != "note"]
        _ground_row("table 4", _TABLE4_CELLS, cells, tokens, out)
        return out
    specs = TABLE2_2021 if table == 2 else TABLE3_2021
    regions = _row_regions(text, region, specs)
    seen: set[str] = set()
    for spec, a, b in regions:
        tokens = [t for t in tokenize(text, a, b) if t.kind != "note"]
        _ground_row(f"row {spec.label}", spec.cells, cells, tokens, out, (text[a:b], a))
        seen.update(spec.cells)
    out.unfixable.update(p for p in cells if p not in seen)  # its row label is not printed
    return out
