"""Find each number the model returned in the source: in its table's section, in the row of its label,
in printed order. A number found there gets that span as its provenance; one that is not gets none, and
the verifier rejects it — the defence against a model that invents a number, and against report text
that tries to instruct the model: nothing that is not printed in the row can verify."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from nianbao.extractor.cells import Token, tokenize
from nianbao.extractor.labels import TABLE2_2021, TABLE3_2021, RowSpec
from nianbao.schema import CellValue, Provenance, Span


def _row_regions(text: str, region: Span, specs: Iterable[RowSpec]) -> dict[str, tuple[int, int]]:
    found: list[tuple[RowSpec, int, int]] = []
    cursor = region.start
    for spec in specs:
        m = spec.pattern.search(text, cursor, region.end)
        if m:
            found.append((spec, m.start(), m.end()))
            cursor = m.end()
    out = {}
    for i, (spec, _, end) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else region.end
        for cell in spec.cells:
            out[cell] = (end, stop)
    return out


def _match(values: list[tuple[str, CellValue]], tokens: list[Token]) -> dict[str, Provenance]:
    """Values in order against the region's number tokens in order (a value may skip tokens, never go back)."""
    out: dict[str, Provenance] = {}
    i = 0
    for path, value in values:
        if value is None:
            continue
        j = i
        target = Decimal(value)
        while j < len(tokens) and not ((v := tokens[j].value) is not None and Decimal(v) == target):
            j += 1
        if j < len(tokens):
            t = tokens[j]
            out[path] = Provenance(
                span=Span(start=t.start, end=t.end), text=t.text, method="read", note="located for an LLM answer"
            )
            i = j + 1
    return out


def ground(text: str, table: int, region: Span, cells: dict[str, CellValue]) -> dict[str, Provenance]:
    numbers = [t for t in tokenize(text, region.start, region.end) if t.kind == "number"]
    if table == 4:
        return _match(list(cells.items()), numbers)
    specs = TABLE2_2021 if table == 2 else TABLE3_2021
    rows = _row_regions(text, region, specs)
    out: dict[str, Provenance] = {}
    by_region: dict[tuple[int, int], list[tuple[str, CellValue]]] = {}
    for path, value in cells.items():
        if path in rows:
            by_region.setdefault(rows[path], []).append((path, value))
    for (a, b), values in by_region.items():
        out.update(_match(values, [t for t in numbers if a <= t.start < b]))
    return out
