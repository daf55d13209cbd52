"""Turn an answer that cites its evidence (prompt v2) into provenance, and say in words what is wrong.

Each cell names a marked number (``17``), a digit range of one (``17:0-2``), ``blank``, ``inferred`` (a cell
printed blank whose 0 the identities force) or ``none``. Here:

* the cited mark must exist and hold the value (the whole number, or exactly those digits);
* a mark of the table is used by the row whose printed region holds it: it stands beyond no label of another
  row printed with its numbers on its line (a label wrapped around its numbers, or printed in a block apart
  from the number rows, anchors nothing); table 2's rows printed out of the template's order are each read
  after their own label — a model cannot move a number into another row; the marks a row uses stand in the
  template's column order;
* a mark of the report's own words (outside the table) is kept as ``inferred`` with its sentence; the
  verifier accepts it only where its own phrase table reads that figure as naming this very cell, or an
  identity forces it;
* a cell answered ``blank`` or ``inferred`` stands where its row prints an empty cell (between two cited
  numbers exactly as many as printed there) — otherwise the row's numbers were moved into other columns;
  the verifier accepts an ``inferred`` 0 only where the identities force it;
* every number printed in a row's region is used by one of its cells, or is a kind the table prints beside
  its values — a column-number header (``1 2 3 4 5 6 7``, five or more), an item number (``2.其他…``), a year
  (``2024年``), a page number (``- 3 -``, ``第3页``, alone on its line between rows), a note in brackets — or
  the row is not grounded.

Digit ranges are checked again by the verifier (used up exactly, left to right; the split unique under the
identities and the narrative): a model's split is a proposal, never the decision. Problems a different
answer could fix are returned in words for the re-ask (which mark, which digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from nianbao.extractor.labels import TABLE2_2021, TABLE3_2021, RowSpec
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
    unfixable: set[str] = field(default_factory=set)  # cells no other answer can ground (a dropped cell)
    unused: set[str] = field(default_factory=set)  # cells of rows printing a number no cell uses


def _value(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _same(v: CellValue, d: Decimal | None) -> bool:
    return v is not None and d is not None and Decimal(v) == d


def explained(text: str, m: Mark, marks: list[Mark], used: frozenset[int] = frozenset()) -> str | None:
    """What kind of printed number ``m`` is when it is no cell's value, or None. ``used``: the marks cells
    cite — a run 1 2 3 of which a cell cites one is values, not column numbers."""
    before, after = text[max(0, m.start - 12) : m.start], text[m.end : m.end + 3]
    if _ITEM.match(after) and m.text.isdigit() and 1 <= int(m.text) <= 9:
        return "an item number"
    if re.match(r"\s*年", after) and len(m.text) == 4 and m.text[:2] in ("19", "20"):
        return "a year"
    if (re.search(r"第\s*$", before) and re.match(r"\s*页", after)) or (
        re.search(r"[-—]\s*$", before) and re.match(r"\s*[-—]", after)
    ):
        return "a page number"
    depth = 0
    for ch in text[max(0, m.start - 60) : m.start]:
        depth += ch in _NOTE_OPEN
        depth -= ch in ")）"
    if depth > 0:
        return "a note in brackets"
    if _column_numbers(m, marks, used):
        return "column numbers"
    if _page_alone(text, m):
        return "a page number"
    return None


_NUMBER_LINE = re.compile(r"\s*[\d.,]+\s*\|?\s*")


def _page_alone(text: str, m: Mark) -> bool:
    """A number alone on its line between lines that are not numbers alone: a page number a PDF's text (or
    its conversion to Markdown) left between a table's rows — as the verifier tells it (one cell per line
    prints every value so, and those lines stand beside each other)."""
    start = text.rfind("\n", 0, m.start) + 1
    end = text.find("\n", m.end)
    end = len(text) if end < 0 else end
    if text[start : m.start].strip() or text[m.end : end].strip() or start == 0:
        return False
    prev = text[text.rfind("\n", 0, start - 1) + 1 : start - 1]
    nxt_end = text.find("\n", end + 1)
    nxt = text[end + 1 : nxt_end if nxt_end >= 0 else len(text)] if end < len(text) else ""
    return bool(prev.strip()) and not _NUMBER_LINE.fullmatch(prev) and not _NUMBER_LINE.fullmatch(nxt)


def _column_numbers(m: Mark, marks: list[Mark], used: frozenset[int]) -> bool:
    """Whether ``m`` is one of a printed run 1 2 3 … k (k ≥ 5: a header's numbered sub-columns) of single
    numbers, none of them cited."""
    at = marks.index(m)
    start = at - (int(m.text) - 1) if m.text.isdigit() else -1
    if start < 0:
        return False
    run = marks[start:]
    k = 0
    while k < len(run) and run[k].text == str(k + 1):
        k += 1
    return k >= 5 and at - start < k and not any(x.id in used for x in run[:k])


@dataclass(frozen=True)
class _Row:
    label: str
    cells: tuple[str, ...]
    found: tuple[int, int] | None  # the label's printed span, where it was found whole (in order)
    region: tuple[int, int]  # from its label (or the found label before it) to the next found label
    fence: tuple[int, int]  # where the numbers it cites must stand (between the labels that anchor rows)
    printed_order: bool = False  # rows found in another order than the template's (each by its own label)


def _attached(text: str, end: int) -> bool:
    """Whether a number follows a label on its own line: the label anchors its row. A label a PDF converter
    printed apart from its numbers (科委's table 3: labels in a block, the number rows after) anchors nothing."""
    line_end = text.find("\n", end)
    return any(ch.isdigit() for ch in text[end : line_end if line_end >= 0 else len(text)])


def _rows(text: str, table: int, region: Span) -> list[_Row]:
    if table == 4:
        whole = (region.start, region.end)
        return [_Row("table 4", _TABLE4, None, whole, whole)]
    specs: tuple[RowSpec, ...] = TABLE2_2021 if table == 2 else TABLE3_2021
    labels: dict[str, tuple[int, int]] = {}
    cursor = region.start
    for spec in specs:
        m = spec.pattern.search(text, cursor, region.end)
        if m:
            labels[spec.key] = (m.start(), m.end())
            cursor = m.end()
    if table == 2 and len(labels) < len(specs):
        shuffled = _printed_order(text, specs, region)
        if shuffled is not None:
            return shuffled
    # the labels printed with their numbers anchor the rows; where none is (one cell per line), every found
    # label does, as each stands right before its own numbers
    anchors = {k: v for k, v in labels.items() if _attached(text, v[1])} or labels
    rows = []
    for k, spec in enumerate(specs):
        before = [labels[s.key] for s in specs[: k + 1] if s.key in labels]
        after = [labels[s.key] for s in specs[k + 1 :] if s.key in labels]
        a = before[-1][1] if before else region.start
        b = after[0][0] if after else region.end
        lo = max((anchors[s.key][1] for s in specs[:k] if s.key in anchors), default=region.start)
        hi = min((anchors[s.key][0] for s in specs[k + 1 :] if s.key in anchors), default=region.end)
        rows.append(_Row(spec.label, spec.cells, labels.get(spec.key), (a, b), (lo, hi)))
    return rows


def _printed_order(text: str, specs: tuple[RowSpec, ...], region: Span) -> list[_Row] | None:
    """Table 2's rows each found by its own label, printed in another order than the template's (科委: 行政许可
    … 行政事业性收费 first, the 规章 / 规范性文件 table after): each row's numbers stand between its label and
    the next label printed. None unless every label is found once, each with its numbers on its line."""
    found: dict[str, tuple[int, int]] = {}
    for spec in specs:
        hits = list(spec.pattern.finditer(text, region.start, region.end))
        if len(hits) != 1 or not _attached(text, hits[0].end()):
            return None
        found[spec.key] = hits[0].span()
    starts = sorted(a for a, _ in found.values())
    if len(set(starts)) != len(starts) or any(
        a < e and b > s for k1, (a, b) in found.items() for k2, (s, e) in found.items() if k1 != k2
    ):
        return None
    rows = []
    for spec in specs:
        a, b = found[spec.key]
        nxt = min((s for s in starts if s > a), default=region.end)
        rows.append(_Row(spec.label, spec.cells, (a, b), (b, nxt), (b, nxt), printed_order=True))
    return rows


def ground_cited(
    text: str,
    table: int,
    region: Span,
    answer: dict[str, tuple[CellValue, str]],
    marks: dict[int, Mark],
    kept: dict[str, Provenance],
) -> Cited:
    """Provenance for each cited cell; ``kept``: the parser's provenance (a ``not_printed`` row stays so).

    A table's marks are cited in the template's order (row by row, column by column) at increasing printed
    positions; a mark cited by a row lies after the label of every found row before it and before the label
    of every found row after it (its own label may be cut around its numbers by a PDF's wrapping)."""
    out = Cited()
    rows = _rows(text, table, region)
    used: dict[int, list[tuple[str, int, int]]] = {}  # mark id → (cell, digit from, digit to)
    last = -1
    for row in rows:
        row_prov: dict[str, Provenance] = {}
        row_ok = True
        lo, hi = row.fence
        if row.printed_order:
            last = -1  # the rows stand in another order: the template's order holds within each row
        blanks = 0
        placed: list[tuple[str, Mark | None]] = []  # the row's answered cells in column order: mark, or a gap
        for path in row.cells:
            if path not in answer:
                continue
            value, cite = answer[path]
            got = _one(text, path, value, cite, marks, kept.get(path), out.problems, row.region)
            if got is None:
                row_ok = False
                continue
            prov, mark_id, a, b = got
            row_prov[path] = prov
            gap = prov.method == "blank" or (prov.method == "inferred" and mark_id is None)
            blanks += gap
            whole = mark_id is not None and marks[mark_id].in_table and (a, b) == (0, len(marks[mark_id].text))
            if gap or whole:
                placed.append((path, marks[mark_id] if whole and mark_id is not None else None))
            else:
                placed.append((path, _NOT_PLACED))
            if mark_id is None or not marks[mark_id].in_table:
                continue
            m = marks[mark_id]
            at = m.start + a
            if not lo <= at < hi:
                out.problems.append(
                    f"{path}: ⟦{m.id}:{m.text}⟧ is not printed in row {row.label} "
                    "(it stands beyond another row's label)"
                )
                row_ok = False
            elif at <= last:
                out.problems.append(f"{path}: ⟦{m.id}:{m.text}⟧ comes before a number an earlier cell cites")
                row_ok = False
            last = max(last, at)
            used.setdefault(mark_id, []).append((path, a, b))
        if blanks and blanks > _printed_blanks(text, *row.region) and not _prints_nothing(text, row, blanks):
            out.issues.append(Violation(
                rule="ambiguous", severity="error", cells=[p for p in row.cells if p in row_prov],
                message=f"row {row.label}: {blanks} cell(s) answered blank but the row prints fewer blank cells — "
                "which cells were dropped is not settled by the print",
            ))  # fmt: skip
            row_ok = False
        elif blanks and row_ok:
            misplaced = _misplaced(text, row, placed)
            if misplaced:
                out.problems.append(misplaced)
                row_ok = False
        if row_ok:
            out.provenance.update(row_prov)
        else:
            for p in row.cells:
                out.provenance.pop(p, None)
    _leftovers(text, rows, sorted((m for m in marks.values() if m.in_table), key=lambda m: m.start), used, out)
    # a row answered blank where nothing is printed blank, and no number of it unused: the converter dropped
    # cells and the print does not say which — another answer could not settle it
    out.unfixable = {c for v in out.issues if v.rule == "ambiguous" for c in v.cells} - out.unused
    return out


def _prints_nothing(text: str, row: _Row, blanks: int) -> bool:
    """A row whose label is found and whose region prints no digit at all, every cell answered blank (a CMS
    crawl that ran 万盛's blank 规章 row into the next label: ``规章行政规范性文件6449``): no number to place,
    so no placement is left open."""
    return (
        row.found is not None and blanks == len(row.cells) and not any(ch.isdigit() for ch in text[slice(*row.region)])
    )


_EMPTY_CELLS = re.compile(r"\|\s*(?=\|)|\t(?=[ ]*\t)")
_NOT_PLACED = Mark(id=-1, text="", start=-1, end=-1, in_table=False)  # a digit range, a figure of the words
_MARKER = re.compile(r"[/／\-－—–]+|无")


def empty_slots(segment: str) -> int | None:
    """Empty cells printed in ``segment`` (the text between two cells' numbers, or between a row's label and
    its first number): pieces between tabs or pipes that are blank or a blank marker (/ - — 无); where neither
    separates cells, blank markers between spaces, or the lines between two numbers each on its own line (one
    cell per line) that are blank markers or empty. None where a row's cells run over a line break between
    tabs or pipes: the print does not say which side of the break an empty piece belongs to."""
    if "\n" in segment:
        if re.search(r"[\t|]", segment):
            return None
        return sum(1 for line in segment.split("\n")[1:-1] if not line.strip() or _MARKER.fullmatch(line.strip()))
    if re.search(r"[\t|]", segment):
        inner = re.split(r"[\t|]", segment)[1:-1]  # the first and last pieces belong to the cells beside it
        return sum(1 for piece in inner if not piece.strip() or _MARKER.fullmatch(piece.strip()))
    return sum(1 for piece in segment.split() if _MARKER.fullmatch(piece))


def _misplaced(text: str, row: _Row, placed: list[tuple[str, Mark | None]]) -> str | None:
    """Where a row's cells answered blank (or a 0 placed by the identities) stand against the empty cells
    it prints: between two cited numbers exactly as many as printed there; before the first and after the
    last no more than printed on that line. Otherwise the answer moved the row's numbers into other
    columns (自然人's 26 answered as 商业企业's, its own cell "blank"). Not judged for digit ranges."""
    if any(m is _NOT_PLACED for _, m in placed):
        return None
    at = [i for i, (_, m) in enumerate(placed) if m is not None]
    if not at:
        return None
    for i, j in pairwise(at):
        mi, mj = placed[i][1], placed[j][1]
        assert mi is not None and mj is not None
        printed = empty_slots(text[mi.end : mj.start])
        if printed is not None and j - i - 1 != printed:
            return (
                f"row {row.label}: {j - i - 1} cell(s) answered blank between ⟦{mi.id}:{mi.text}⟧ and "
                f"⟦{mj.id}:{mj.text}⟧, but {printed} empty cell(s) are printed between them"
            )
    first, last = placed[at[0]][1], placed[at[-1]][1]
    assert first is not None and last is not None
    lead = empty_slots(text[max(row.region[0], text.rfind("\n", 0, first.start) + 1) : first.start])
    end = text.find("\n", last.end)
    trail = empty_slots(text[last.end : min(row.region[1], end if end >= 0 else len(text))])
    if lead is not None and at[0] > lead:
        return f"row {row.label}: {at[0]} cell(s) answered blank before ⟦{first.id}:{first.text}⟧, but {lead} printed"
    if trail is not None and len(placed) - 1 - at[-1] > trail:
        return (
            f"row {row.label}: {len(placed) - 1 - at[-1]} cell(s) answered blank after ⟦{last.id}:{last.text}⟧, "
            f"but {trail} printed"
        )
    return None


def _printed_blanks(text: str, a: int, b: int) -> int:
    """Blank markers (/ - — 无) and empty cells (an empty pipe cell, two tabs) printed in a row's region."""
    body = text[a:b]
    from nianbao.extractor.cells import tokenize

    markers = sum(1 for t in tokenize(text, a, b) if t.kind == "blank")
    return markers + len(_EMPTY_CELLS.findall(body.strip("\n")))


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
    if word == "inferred":
        # a cell printed blank whose 0 the identities force (沭阳's legal-person columns): nothing printed
        # is read; the verifier accepts it only where the identities over the other cells force that 0
        if value is None or not _same(value, Decimal(0)):
            problems.append(
                f"{path}: {value} as 'inferred' — only a 0 the identities force may be inferred for a cell printed "
                "blank; a number needs the id of its printed mark"
            )
            return None
        a, _ = row
        prov = Provenance(
            span=Span(start=a, end=a), text="", method="inferred",
            note="printed blank; 0 as the LLM answered, forced by the identities (checked by the verifier)",
        )  # fmt: skip
        return prov, None, 0, 0
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
        if len(mark.text) > 1 and mark.text.isdigit() and mark.text[0] == "0":
            problems.append(
                f"{path}: ⟦{mark.id}:{mark.text}⟧ is digits run together (a leading zero): cite the digits each "
                f"cell takes, e.g. '{mark.id}:0-1'"
            )
            return None
        if not _same(value, _value(mark.text)):
            problems.append(
                f"{path}: ⟦{mark.id}:{mark.text}⟧ reads {mark.text}, not {value}"
                + (" — if its digits are run together, cite the digits the cell takes" if mark.text.isdigit() else "")
            )
            return None
        if not mark.in_table:
            if not re.match(r"\s*件", text[mark.end : mark.end + 3]):
                problems.append(
                    f"{path}: ⟦{mark.id}:{mark.text}⟧ is a number of the report's words but not a count it states "
                    "(N件): no evidence for a cell"
                )
                return None
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
    rows: list[_Row],
    table_marks: list[Mark],
    used: dict[int, list[tuple[str, int, int]]],
    out: Cited,
) -> None:
    """Every printed number between the table's first and last cited one is used, every digit of it, or is
    a kind the table prints beside its values. A row that fails loses its provenance."""
    cited = [m.start for m in table_marks if m.id in used]
    if not cited:
        return
    # from the first row's label on (table 4: the section's start): a number skipped before the first one
    # cited is a number left unused, not a header
    first, last_used = min(rows[0].region[0], min(cited)), max(cited)
    for m in table_marks:
        users = used.get(m.id, [])
        if users:
            at, gaps = 0, []
            for lo, hi in sorted((lo, hi) for _, lo, hi in users):
                if lo != at:
                    gaps.append((at, lo) if lo > at else (lo, at))
                at = max(at, hi)
            tail = m.text[at:]
            if tail and not (len(tail) == 1 and tail != "0" and _ITEM.match(text, m.end)):
                gaps.append((at, len(m.text)))
            if gaps:
                digits = ", ".join(f"digits {a}-{b} ('{m.text[a:b]}')" for a, b in gaps)
                out.problems.append(
                    f"⟦{m.id}:{m.text}⟧: {digits} left over or used twice — its cells must use every digit, "
                    "left to right"
                )
                _drop(
                    out,
                    {u[0] for u in users},
                    f"the run-together '{m.text}' is not used up exactly: {digits} left over",
                )
            continue
        if m.start < first or (m.start > last_used and _after_table(text, last_used, m.start)):
            continue  # before the table's first value (headers) or in sentences after its last
        kind = explained(text, m, table_marks, frozenset(used))
        if kind is None:
            holder = next((r for r in reversed(rows) if r.region[0] <= m.start), rows[0])
            out.problems.append(f"row {holder.label}: ⟦{m.id}:{m.text}⟧ is printed there but no cell uses it")
            _drop(out, set(holder.cells), f"row {holder.label} prints {m.text}, which no cell of the answer uses")
            out.unused.update(holder.cells)


def _after_table(text: str, last: int, at: int) -> bool:
    """Whether a number stands in sentences after the table's last value (words between: the section ran on
    into the narrative, as a web page's flattened text does)."""
    return sum(1 for ch in text[last:at] if "\u4e00" <= ch <= "\u9fff") >= 4


def _drop(out: Cited, cells: set[str], message: str) -> None:
    for c in cells:
        out.provenance.pop(c, None)
    out.issues.append(Violation(rule="evidence", severity="error", cells=sorted(cells), message=message))
