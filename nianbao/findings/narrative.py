"""Text against tables: the figures section 一 restates (read by :mod:`nianbao.extractor.narrative`),
each compared with the cells it restates."""

from __future__ import annotations

from nianbao.extractor.narrative import figures
from nianbao.schema import CellValue, Violation


def check_narrative(narrative: str, cells: dict[str, CellValue], offset: int = 0) -> list[Violation]:
    out = []
    for figure in figures(narrative):
        claim, stated, sentence = figure.claim, figure.stated, figure.sentence
        readings = [r for r in claim.cells(cells) if r and all(p in cells for p in r)]
        if not readings or any(cells[p] is None for r in readings for p in r):
            continue
        totals = [sum(int(cells[p] or 0) for p in r) for r in readings]
        if stated in totals:
            continue
        out.append(
            Violation(
                rule="narrative_mismatch", severity="warning", cells=list(readings[0]),
                expected=str(totals[0]), found=str(stated),
                message=f"section 一 says {claim.what} {stated}件 but the table gives {totals[0]}: "
                f"「{sentence.strip()[:120]}」",
            )
        )  # fmt: skip
    return out
