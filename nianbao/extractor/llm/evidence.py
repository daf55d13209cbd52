"""Turn an answer that cites its evidence (prompt v2) into provenance, and say in words what is wrong.

Each cell names a marked number (``17``), a digit range of one (``17:0-2``), ``blank`` or ``none``. Here:

* the cited mark must exist and hold the value (the whole number, or exactly those digits);
* a mark of the table is used by the row whose printed region holds it (rows found by their labels; a row
  whose label is not found may use the region of the found row before it) — a model cannot move a number
  into another row; the marks a row uses stand in the template's column order;
* a mark of the report's own words (outside the table) is kept as ``inferred`` with its sentence; the
  verifier accepts it only where its own phrase table reads that figure as naming this very cell;
* every number printed in a row's region is used by one of its cells, or is a kind the table prints beside
  its values — a column-number header (``1 2 3 4 5 6 7``), an item number (``2.其他…``), a year
  (``2024年``), a page number (``- 3 -``, ``第3页``), a note in brackets — or the row is not grounded.

Digit ranges are checked again by the verifier (used up exactly, left to right; the split unique under the
identities and the narrative): a model's split is a proposal, never the decision. Problems a different
answer could fix are returned in words for the re-ask (which mark, which digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from nianbao.extractor.labels import TABLE2_2021, TABLE3_2021, RowSpec
from nianbao.extractor.llm.grounding import _row_regions
from nianbao.extractor.llm.marks import Mark
from nianbao.schema import REVIEW_COLUMNS, REVIEW_GROUPS, CellValue, Provenance, Span, Violation

_CITE = re.compile(r"⟦?(\d+)(?::(\d+)\s*-\s*(\d+))?⟧?")
_ITEM = re.compile(r"[.、．]\s?[^\d\s]")
_NOTE_OPEN = "(（"
_TABLE4 = tuple(f"reviews_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)


@dataclass
class Cited:
    provenance: dict[str, Provenance] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # in words, for a re-ask
    issues: list[Violation] = field(default_factory=list)  # what stays wrong if no answer fixes it


def _value(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _same(v: CellValue, d: Decimal | None) -> bool:
    return v is not None and d is not None and Decimal(v) == d


def explained(text: str, m: Mark, marks: list[Mark]) -> str | None:
    """What kind of printed number ``m`` is when it is no cell's value, or None."""
    before, after = text[max(0, m.start - 12) : m.start], text[m.end : m.end + 3]
    if _ITEM.match(after) and m.text.isdigit() and 1 <= int(m.text) <= 9:
        return "an item number"
    if re.match(r"\s*年", after) and len(m.text) == 4 and m.text[:2] in ("19", "20"):
        return "a year"
    if re.search(r"第\s*$", before) and re.match(r"\s*页", after) or (
        re.search(r"[-—]\s*$", before) and re.match(r"\s*[-—]", after)
    ):
        return "a page number"
    depth = 0
    for ch in text[max(0, m.start - 60) : m.start]:
        depth += ch in _NOTE_OPEN
        depth -= ch in ")）"
    if depth > 0:
        return "a note in brackets"
    if _column_numbers(m, marks):
        return "column numbers"
    return None


def _column_numbers(m: Mark, marks: list[Mark]) -> bool:
    """Whether ``m`` is one of a printed run 1 2 3 … k (k ≥ 3) of single numbers."""
    at = marks.index(m)
    start = at - (int(m.text) - 1) if m.text.isdigit() else -1
    if start < 0:
        return False
    run = marks[start:]
    k = 0
    while k < len(run) and run[k].text == str(k + 1):
        k += 1
    return k >= 3 and at - start < k


def _spans_of(specs: tuple[RowSpec, ...], text: str, region: Span) -> dict[str, tuple[int, int, int]]:
    """Row key → (its order, region start, region end) for the rows whose labels were found."""
    order = {s.key: i for i, s in enumerate(specs)}
    return {spec.key: (order[spec.key], a, b) for spec, a, b in _row_regions(text, region, specs)}


def ground_cited(
    text: str,
    table: int,
    region: Span,
    answer: dict[str, tuple[CellValue, str]],
    marks: dict[int, Mark],
    kept: dict[str, Provenance],
) -> Cited:
    """Provenance for each cited cell; ``kept``: the parser's provenance (a ``not_printed`` row stays so)."""
    out = Cited()
    table_marks = sorted((m for m in marks.values() if m.in_table), key=lambda m: m.start)
    if table == 4:
        rows: list[tuple[str, tuple[str, ...], int, int]] = [("table 4", _TABLE4, region.start, region.end)]
    else:
        specs = TABLE2_2021 if table == 2 else TABLE3_2021
        found = _spans_of(specs, text, region)
        rows = []
        for spec in specs:  # a row whose label was not found: the region of the found row before it
            if spec.key in found:
                _, a, b = found[spec.key]
            else:
                before = [found[s.key] for s in specs[: specs.index(spec)] if s.key in found]
                after = [found[s.key] for s in specs[specs.index(spec) + 1 :] if s.key in found]
                a = before[-1][1] if before else region.start
                b = after[0][1] if after else region.end
            rows.append((spec.label, spec.cells, a, b))
    used: dict[int, list[tuple[str, int, int]]] = {}  # mark id → (cell, digit from, digit to)
    for label, paths, a, b in rows:
        row_ok = True
        positions: list[tuple[int, int]] = []
        row_prov: dict[str, Provenance] = {}
        for path in paths:
            if path not in answer:
                continue
            value, cite = answer[path]
            got = _one(text, path, value, cite, marks, kept.get(path), out.problems, (a, b))
            if got is None:
                row_ok = False
                continue
            prov, mark_id, lo, hi = got
            row_prov[path] = prov
            if mark_id is not None and marks[mark_id].in_table:
                used.setdefault(mark_id, []).append((path, lo, hi))
                positions.append((marks[mark_id].start + lo, marks[mark_id].start + hi))
        if positions != sorted(positions):
            out.problems.append(f"row {label}: the cells cite its numbers out of the printed order")
            row_ok = False
        if row_ok:
            out.provenance.update(row_prov)
    _leftovers(text, rows, table_marks, used, out)
    return out


def _one(
    text: str,
    path: str,
    value: CellValue,
    cite: str,
    marks: dict[int, Mark],
    kept: Provenance | None,
    problems: list[str],
    row: tuple[int, int],
) -> tuple[Provenance, int | None, int, int] | None:
    """One cell's provenance (and the mark and digits it uses), or None with the problem said."""
    word = cite.lower()
    if word in ("blank", "none", ""):
        if value is not None:
            problems.append(f"{path}: {value} with evidence '{cite}' — a value needs the id of a printed number")
            return None
        if word == "none" or word == "":
            if kept is not None and kept.method == "not_printed":
                return kept, None, 0, 0
            return None  # no provenance: the verifier reports the cell as missing
        a, b = row
        body = text[a:b]
        lead = len(body) - len(body.lstrip())
        span = Span(start=a + lead, end=a + lead + len(body.strip()))
        prov = Provenance(span=span, text=body.strip(), method="blank", note="printed blank, as the LLM answered")
        return prov, None, 0, 0
    m = _CITE.fullmatch(cite.strip())
    if m is None or int(m.group(1)) not in marks:
        problems.append(f"{path}: '{cite}' is not the id of a marked number")
        return None
    mark = marks[int(m.group(1))]
    if value is None:
        problems.append(f"{path}: null with ⟦{mark.id}:{mark.text}⟧ as evidence — a cited number needs its value")
        return None
    if m.group(2) is None:
        if not _same(value, _value(mark.text)):
            problems.append(
                f"{path}: ⟦{mark.id}:{mark.text}⟧ reads {mark.text}, not {value}"
                + (" — if its digits are run together, cite the digits the cell takes" if mark.text.isdigit() else "")
            )
            return None
        if not mark.in_table:
            sentence = _sentence(text, mark.start)
            prov = Provenance(
                span=Span(start=mark.start, end=mark.end), text=mark.text, method="inferred",
                note=f"stated by the report's own words: 「{sentence}」",
            )  # fmt: skip
            return prov, mark.id, 0, len(mark.text)
        prov = Provenance(span=Span(start=mark.start, end=mark.end), text=mark.text, note="cited by the LLM")
        return prov, mark.id, 0, len(mark.text)
    lo, hi = int(m.group(2)), int(m.group(3))
    if not mark.text.isdigit() or not 0 <= lo < hi <= len(mark.text):
        problems.append(f"{path}: digits {lo}-{hi} of ⟦{mark.id}:{mark.text}⟧ do not exist")
        return None
    if not mark.in_table:
        problems.append(f"{path}: digits of ⟦{mark.id}:{mark.text}⟧, a number of the report's words, are no cell")
        return None
    digits = mark.text[lo:hi]
    if not _same(value, Decimal(digits)):
        problems.append(f"{path}: digits {lo}-{hi} of ⟦{mark.id}:{mark.text}⟧ are {digits}, not {value}")
        return None
    prov = Provenance(
        span=Span(start=mark.start + lo, end=mark.start + hi), text=digits, method="read",
        note=f"digits {lo}-{hi} of the run-together '{mark.text}', as the LLM cut it (the verifier settles the cut)",
    )  # fmt: skip
    return prov, mark.id, lo, hi


def _sentence(text: str, at: int) -> str:
    a = max(text.rfind(c, 0, at) for c in "。；;\n") + 1
    ends = [i for i in (text.find(c, at) for c in "。；;\n") if i >= 0]
    return text[a : min(ends) if ends else len(text)].strip()[:120]


def _leftovers(
    text: str,
    rows: list[tuple[str, tuple[str, ...], int, int]],
    table_marks: list[Mark],
    used: dict[int, list[tuple[str, int, int]]],
    out: Cited,
) -> None:
    """Every printed number of a row's region is used, its digits all of them, or is explained; and a mark
    is used by the row whose region holds it. A row that fails loses its provenance."""
    cells_of_row = {label: set(paths) for label, paths, _, _ in rows}
    region_of = [(label, a, b) for label, _, a, b in rows]
    last_used = max((m.end for m in table_marks if m.id in used), default=None)
    for m in table_marks:
        holders = [label for label, a, b in region_of if a <= m.start < b]
        users = used.get(m.id, [])
        if users:
            owners = {label for label in holders for u in users if u[0] in cells_of_row[label]}
            if holders and not owners:
                who = ", ".join(sorted({u[0] for u in users}))
                out.problems.append(f"{who}: ⟦{m.id}:{m.text}⟧ is printed in the region of row {holders[0]}")
                _drop(out, {u[0] for u in users}, f"{who}: cites a number printed in another row's region")
                continue
            taken = sorted((lo, hi) for _, lo, hi in users)
            at, gaps = 0, []
            for lo, hi in taken:
                if lo != at:
                    gaps.append(f"{at}-{lo}" if lo > at else f"{lo}-{at} twice")
                at = max(at, hi)
            tail = m.text[at:]
            if tail and not (len(tail) == 1 and tail != "0" and _ITEM.match(text, m.end)):
                gaps.append(f"{at}-{len(m.text)}")
            if gaps:
                cells = {u[0] for u in users}
                digits = ", ".join(f"digits {g} ('{_digits(m.text, g)}')" for g in gaps)
                out.problems.append(
                    f"⟦{m.id}:{m.text}⟧: {digits} left over or used twice — the cells must use every digit, left to right"
                )
                _drop(out, cells, f"the run-together '{m.text}' is not used up exactly")
            continue
        if not holders or (last_used is not None and m.start > last_used and _after_table(text, last_used, m.start)):
            continue  # outside every row (before the first label, or narrative after the table's last value)
        kind = explained(text, m, table_marks)
        if kind is None:
            label = holders[0]
            out.problems.append(f"row {label}: ⟦{m.id}:{m.text}⟧ is printed there but no cell uses it")
            _drop(out, cells_of_row[label], f"row {label} prints {m.text}, which no cell of the answer uses")


def _after_table(text: str, last: int, at: int) -> bool:
    """Whether a number stands in sentences after the table's last value (words between: the section ran on
    into the narrative, as a web page's flattened text does)."""
    return sum(1 for ch in text[last:at] if "\u4e00" <= ch <= "\u9fff") >= 4


def _digits(text: str, gap: str) -> str:
    a, _, b = gap.partition("-")
    return text[int(a) : int(b.split()[0])]


def _drop(out: Cited, cells: set[str], message: str) -> None:
    for c in cells:
        out.provenance.pop(c, None)
    out.issues.append(Violation(rule="evidence", severity="error", cells=sorted(cells), message=message))
