"""The deterministic, template-aware parser ("rules" backend).

Reads each table row by its label (see :mod:`extractor.labels`), then takes the first run of cell
values after the label. A row is filled only when that run has exactly as many values as the row has
columns; anything else is left blank with a note saying what was seen, so that the verifier reports
it missing rather than a guess passing as data. Every value carries the span it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise

from nianbao.errors import NoTablesError
from nianbao.extractor import column_numbers, version
from nianbao.extractor.align import (
    Group,
    Piece,
    Reading,
    describe,
    digit_groups,
    forced_by_count,
    group_totals_ok,
    no_check,
    readings,
    row_total_ok,
    solve,
    solve_linear,
)
from nianbao.extractor.cells import UNREAD, Token, classify, first_run, first_run_in, spare_numbers, tokenize
from nianbao.extractor.column_numbers import header_before
from nianbao.extractor.labels import (
    MARKERS_2019,
    MARKERS_2021,
    OPTIONAL_ROWS,
    PROCUREMENT_UNIT,
    TABLE2_2019,
    TABLE2_2021,
    TABLE3_2019,
    TABLE3_2021,
    RowSpec,
    slipped,
)
from nianbao.extractor.narrative import Stated, single_cell_figures
from nianbao.extractor.normalize import normalize as normalize_label
from nianbao.extractor.readers.html import MERGED
from nianbao.extractor.report_identity import read_identity
from nianbao.extractor.sections import Sections, locate_sections
from nianbao.schema import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    APPLICATION_ROWS_2019,
    BALANCE,
    RESULT_ROWS,
    RESULT_ROWS_2019,
    RESULTS_SUM,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    CellValue,
    Provenance,
    ProvenanceMethod,
    Report,
    Span,
    Violation,
    report_from_cells,
    sum_identities,
)
from nianbao.schema.template import ROWS

_ITEM_NUMBER = r"(?:\(?[一二三四五六七八九十\d]{1,2}[).、]\s*)"  # a label's own numbering: 5. (三) 四、
_PIPE_RULE = re.compile(r"(?:\s*:?-{3,}:?\s*\|)*\s*:?-{3,}:?\s*")  # a Markdown table's |---|---| line
_PIPE_RULE_LINE = re.compile(r"\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PIECE = re.compile(r"\S+")
_PUNCTUATION = re.compile(r"[，。；：、,;:]")
_CELL_BEFORE = re.compile(r"\|[ ]*\Z")  # (searched up to a group's start: its cell opens right before it)
_CELL_AFTER = re.compile(r"[ ]*\|")


def _is_prose(line: str, numbers: int) -> bool:
    """A line of running text (no cell separators, a sentence's punctuation, mostly Chinese words: at least
    six, and twice as many as its standalone numbers), as a narrative sentence is and a table row with its
    labels (``行政复议 结果维持 1 结果纠正 0 …``) is not."""
    if "|" in line or "\t" in line or not _PUNCTUATION.search(line):
        return False
    words = len(_CJK.findall(line))
    return words >= 6 and words >= 2 * numbers


# an item's numbering just before a label: ``1.`` ``1、`` ``（一）`` ``一、``
_NUMBERING_BEFORE = re.compile(
    r"(?:\d{1,2}\s*[.、．:：]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|[一二三四五六七八九十]{1,3}\s*、)[^\S\t]*(?=$)"
)
_SLIP_STRETCH = 2000  # characters searched for a label with slips (a table's row is well under this)


@lru_cache(maxsize=8)
def _cut_pattern(n: int) -> re.Pattern[str]:
    """A line ``A n1 … nN B``: text, exactly ``n`` numbers, text (a label its numbers cut in two)."""
    return re.compile(
        rf"^[^\S\n]*(?P<a>(?:{_ITEM_NUMBER}|[^\d\t\n])+?)[^\S\n]+(?:\d+[^\S\n]+){{{n - 1}}}\d+[^\S\n]+"
        r"(?P<b>[^\d\t\n]+)$",
        re.M,
    )


BACKEND = "rules"
VERSION = version.VERSION  # (kept here too: bumping it re-runs every stored document)

# An item number that lost its closing parenthesis ("(予以公开", "(七总计": OCR, and real typos) opens
# nothing: it is the label's own numbering, not an instruction in parentheses around another row's name.
_DAMAGED_NUMBERING = re.compile(r"\s*\(\s*[一二三四五六七八九十\d]{0,2}\s*")
_NEXT_BLOCK = re.compile(r"第\s*二\s*十\s*条\s*第|信\s*息\s*内\s*容")
TABLE4_CELLS = tuple(f"reviews_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)
TABLE4_SPEC = RowSpec("reviews_litigation", "复议/诉讼", re.compile("(?!)"), TABLE4_CELLS)


@dataclass
class RulesResult:
    report: Report
    provenance: dict[str, Provenance] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    issues: list[Violation] = field(default_factory=list)  # what the parser could not resolve
    sections: Sections | None = None  # where tables 2-4 were found (the LLM path and the findings reuse it)


@dataclass
class _Pending:
    spec: RowSpec
    groups: list[Group]
    table: int


@lru_cache(maxsize=4)
def _t3_terms(
    application_rows: tuple[str, ...], result_rows: tuple[str, ...]
) -> tuple[tuple[str, ...], dict[str, tuple[tuple[int, int, int], ...]]]:
    """Table 3's column identities (the results sums and the balance) as a vector: each row's
    (dimension, column, sign) terms, so that a consistent table's rows add up to zero in every dimension."""
    identities = [i for i in sum_identities(application_rows, result_rows) if i.rule in (RESULTS_SUM, BALANCE)]
    terms: dict[str, list[tuple[int, int, int]]] = {}
    for dim, identity in enumerate(identities):
        for sign, paths in ((1, identity.parts), (-1, identity.totals)):
            for path in paths:
                _, row, col = path.split(".")
                terms.setdefault(row, []).append((dim, APPLICANT_COLUMNS.index(col), sign))
    return tuple(i.rule for i in identities), {row: tuple(t) for row, t in terms.items()}


@dataclass
class _Builder:
    text: str
    values: dict[str, CellValue] = field(default_factory=dict)
    # Each cell's provenance as it is found: plain dataclasses (notes are added to them as the parse goes
    # on), handed on as they are — the builder alone made them, so they are not validated again.
    provenance: dict[str, Provenance] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    issues: list[Violation] = field(default_factory=list)
    extra: list[dict[str, object]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    application_rows: tuple[str, ...] = APPLICATION_ROWS
    result_rows: tuple[str, ...] = RESULT_ROWS
    narrative: dict[str, list[Stated]] = field(default_factory=dict)  # figures section 一 states
    cut_labels: set[str] = field(default_factory=set)  # rows whose label their own numbers cut in two
    # lines of the form A numbers B, by (cells, start, end): every row asks of the line its label is on,
    # and a run-together page is one line of thousands of characters (~30 µs a row to search again)
    cut_lines: dict[tuple[int, int, int], list[re.Match[str]]] = field(default_factory=dict)
    # rows read by order whose lead repeated the header's column numbers: first value's offset -> what was left
    header_rows: dict[int, str] = field(default_factory=dict)

    def _prov(self, start: int, end: int, text: str, method: ProvenanceMethod, note: str | None) -> Provenance:
        return Provenance(Span(start, end), text, method, note)

    def _unit(self, path: str, tok: Token, what: str) -> None:
        if path.endswith("procurement.amount"):
            self.units["active_disclosure.procurement.amount_unit"] = tok.unit
        elif path.endswith("fees.amount_10k_yuan") and tok.unit == "元":
            # kept as printed; a person decides whether the agency meant 元 (and the column 万元)
            self.issues.append(
                Violation(
                    rule="unit_mismatch",
                    severity="warning",
                    cells=[path],
                    found=tok.text,
                    message=f"{what}: the fee is printed as {tok.text!r} in a column headed 万元; kept as printed",
                )
            )

    def _set(self, path: str, value: int | Decimal, *, decimal: bool, what: str) -> bool:
        if decimal and not path.endswith(".projects"):
            self.values[path] = Decimal(value)
        elif isinstance(value, int):
            self.values[path] = value
        elif value == value.to_integral_value():
            self.values[path] = int(value)
        else:
            self.notes.append(f"{what}: {value} is not a whole number; left blank")
            return False
        return True

    def fill(self, cells: tuple[str, ...], run: list[Token], *, decimal: bool, what: str) -> None:
        for path, tok in zip(cells, run, strict=True):
            if not decimal and type(tok.value) is int and not (tok.unit or tok.noise or tok.note):
                # a plain count, printed plainly (nearly every cell): read as is
                self.values[path] = tok.value
                self.provenance[path] = self._prov(tok.start, tok.end, tok.text, "read", None)
                continue
            if tok.unit:
                self._unit(path, tok, what)
            if tok.kind == "blank":
                self.provenance[path] = self._prov(
                    tok.start, tok.end, tok.text, "blank", "printed as an empty-cell marker"
                )
                continue
            assert tok.value is not None
            if self._set(path, tok.value, decimal=decimal, what=what):
                said = [f"ignored trailing {tok.noise!r}"] if tok.noise else []
                if tok.note:
                    said.append(f"note printed in the cell, not a value: {tok.note}")
                self.provenance[path] = self._prov(tok.start, tok.end, tok.text, "read", "; ".join(said) or None)

    def fill_reading(
        self,
        cells: tuple[str, ...],
        reading: Reading,
        source: str,
        *,
        decimal: bool,
        what: str,
        why: str = "the only reading the identities allow",
    ) -> None:
        cut, dropped = f"cut from {source!r}: {why}", f"no cell printed here in {source!r}; 0 is {why}"
        for path, piece in zip(cells, reading, strict=True):
            if not self._set(path, piece.value, decimal=decimal, what=what):
                continue
            note = dropped if piece.dropped else cut
            text = self.text[piece.start : piece.end]
            self.provenance[path] = self._prov(piece.start, piece.end, text, "inferred", note)

    def _cell_tokens(self, line_start: int, line: str, skip_label: bool) -> list[Token | None] | None:
        """A tab-separated line as cells in their columns: a value, None for an empty cell (a blank), merged
        fillers dropped. None when a cell holds anything but one value."""
        cells: list[Token | None] = []
        pos = line_start
        for i, raw in enumerate(line.split("\t")):
            stripped = raw.strip()
            every = list(tokenize(self.text, pos, pos + len(raw))) if stripped else []
            pos += len(raw) + 1
            if stripped == MERGED:
                continue
            toks = [t for t in every if t.kind != "note"]  # a note in a cell is never a value
            if every and not toks:
                toks = [every[0]._replace(kind="word")]  # a cell holding a note alone (a label's aside)
            elif len(toks) == 1 and len(every) > 1:
                toks = [toks[0]._replace(note=" ".join(t.text for t in every if t.kind == "note"))]
            if i == 0 and skip_label and (not toks or all(t.kind == "word" for t in toks)):
                continue  # the line's lead-in, or the rest of the label's own cell
            if not toks:
                cells.append(None)
            elif len(toks) == 1 and toks[0].kind in ("number", "blank"):
                cells.append(toks[0])
            else:
                return None
        return cells

    def _positional_cells(self, start: int, end: int, ncols: int) -> list[Token | None] | None:
        """Cells after a label on a tab-separated line, blanks kept in place (Word/HTML tables)."""
        line_end = self.text.find("\n", start, end)
        line_end = end if line_end == -1 else line_end
        line = self.text[start:line_end]
        if "\t" not in line:
            return None
        cells = self._cell_tokens(start, line, skip_label=True)
        if cells is None:
            return None
        while len(cells) > ncols and cells[0] is None:
            cells.pop(0)
        while len(cells) > ncols and cells[-1] is None:
            cells.pop()
        if len(cells) != ncols:
            return None
        return cells  # all None: a row printed with every cell empty, blanks in place

    def _value_line(self, region: Span, ncols: int) -> list[Token | None] | None:
        """The first line of a region made only of ``ncols`` value cells (table 4's one row of numbers)."""
        pos = region.start
        for line in self.text[region.start : region.end].split("\n"):
            if "\t" in line:
                cells = self._cell_tokens(pos, line, skip_label=False)
                if cells is not None and len(cells) == ncols + 1 and cells[0] is None:
                    cells = cells[1:]  # a grid line's leading tab (HTML/DOCX readers start rows with one)
                if cells is not None and len(cells) == ncols and any(c is not None for c in cells):
                    return cells
            pos += len(line) + 1
        return None

    def _unread_zeros(self, spec: RowSpec, start: int, end: int, what: str) -> bool:
        """A table-3 grid row whose cells are numbers but for a mark the reader could not read (a fax's thin
        ``0``, :data:`~nianbao.extractor.cells.UNREAD`), its place known: where the row's read numbers already
        add up (the six applicant columns to the total), each unread cell among the six is 0 — counts are not
        negative — placed as inferred, at the mark; where the total alone is unread beside six read zeros, 0. The
        verifier checks that the identities force it. A row that does not add up, or an unread total beside an
        unread count, is left to the other readings (and stays unread)."""
        line_end = self.text.find("\n", start, end)
        line_end = end if line_end == -1 else line_end
        line = self.text[start:line_end].rstrip()  # (a converter's trailing tab is no cell)
        if UNREAD not in line or "\t" not in line:
            return False
        cells: list[Token] = []
        pos = start
        for i, raw in enumerate(line.split("\t")):
            toks = list(tokenize(self.text, pos, pos + len(raw))) if raw.strip() else []
            pos += len(raw) + 1
            if raw.strip() == MERGED or (i == 0 and all(t.kind == "word" and t.text != UNREAD for t in toks)):
                continue  # a merged filler, or the rest of the label's own cell
            unread = len(toks) == 1 and toks[0].text == UNREAD
            if not unread and not (len(toks) == 1 and toks[0].kind == "number" and type(toks[0].value) is int):
                return False
            cells.append(toks[0])
        if len(cells) != len(spec.cells):
            return False
        parts, total = cells[:-1], cells[-1]
        read = sum(int(t.value or 0) for t in parts if t.text != UNREAD)
        if total.text == UNREAD:
            # the total unread and the six read as 0 (a seal's stroke over it): the row's identity forces 0
            # (an unread mark stands for no printed value: only 0 is inferred for it, as the verifier holds)
            if any(t.text == UNREAD for t in parts) or read:
                return False
        elif read != total.value:
            return False
        for path, tok in zip(spec.cells, cells, strict=True):
            if tok.text != UNREAD:
                self.fill((path,), [tok], decimal=False, what=what)
            elif self._set(path, 0, decimal=False, what=what):
                said = "a mark the reader could not read; 0 is forced by the row's " + (
                    "six zeros" if tok is total else "total"
                )
                self.provenance[path] = self._prov(tok.start, tok.end, tok.text, "inferred", said)
        return True

    def _fill_positional(
        self, paths: tuple[str, ...], cells: list[Token | None], anchor: int, what: str, *, decimal: bool = False
    ) -> None:
        for path, tok in zip(paths, cells, strict=True):
            if tok is None:
                self.provenance[path] = self._prov(anchor, anchor, "", "blank", "empty cell")
            else:
                self.fill((path,), [tok], decimal=decimal, what=what)

    def _read_extra(self, spec: RowSpec, run: list[Token], what: str) -> None:
        """A provincial variant's extra row: kept with its label, outside the cell grid and its identities —
        so never placed by alignment; values it cannot place stay blank, with a note."""
        if len(run) != len(spec.cells):
            self.notes.append(f"{what}: {len(run)} values for {len(spec.cells)} columns; kept blank")
            run = []
        self.extra.append(
            {
                "label": spec.label,
                "values": [int(t.value) if t.kind == "number" and t.value is not None else None for t in run]
                or [None] * len(spec.cells),
                "spans": [{"start": t.start, "end": t.end} if t.kind == "number" else None for t in run]
                or [None] * len(spec.cells),
            }
        )

    def _find_label(self, spec: RowSpec, start: int, end: int) -> re.Match[str] | None:
        """The next match of a row label that is not inside a parenthesis: 湖北's labels carry long
        instructions such as （…含行政确认、行政处罚、行政强制…） naming other rows."""
        pos = start
        while True:
            m = spec.pattern.search(self.text, pos, end)
            if m is None:
                return None
            # within the label's own cell: a parenthesis left open in a cell before it (an OCR'd
            # "(五予处理" that lost its ")") encloses nothing of this one
            cell_start = max(self.text.rfind("\n", 0, m.start()), self.text.rfind("\t", 0, m.start())) + 1
            before = self.text[cell_start : m.start()]
            if before.count("(") <= before.count(")") or _DAMAGED_NUMBERING.fullmatch(before):
                return m
            pos = m.start() + 1

    def _say(self, cells: tuple[str, ...], said: str) -> None:
        """Add to the provenance notes of cells already read."""
        for c in cells:
            if c in self.provenance:
                prov = self.provenance[c]
                prov.note = "; ".join([prov.note, said] if prov.note else [said])

    def _is_cut(self, spec: RowSpec, m: re.Match[str]) -> bool:
        """Whether a line ``A numbers B`` is this row with its label cut in two: A and B together — and only
        together — are its label (a whole label in A is a row printed normally; one in B, another row's)."""
        a, b = m["a"], m["b"].strip()
        if spec.pattern.search(a):
            return False
        label = spec.pattern.search(a + b)
        return label is not None and label.start() < len(a) < label.end()

    def _find_cut_label(self, spec: RowSpec, start: int, end: int, at: int | None = None) -> tuple[int, int] | None:
        """A row printed on one line with its label cut in two by its own numbers, as text extraction of a
        wrapped cell leaves it (``5.要求行政机关确认或重新出 1 0 0 0 0 0 1 具已获取信息``): the line holds exactly as
        many numbers as the row has cells between the label's two pieces. ``at``: only the line holding that
        offset (where the label's tail was found on its own). Returns (line start, where the numbers start)."""
        if at is not None:
            start = self.text.rfind("\n", 0, at) + 1
            line_end = self.text.find("\n", at)
            end = len(self.text) if line_end < 0 else line_end
            if "\t" in self.text[start:end]:
                return None  # a grid line: its cells keep the label whole (the common case, checked cheaply)
        key = (len(spec.cells), start, end)
        if (lines := self.cut_lines.get(key)) is None:
            lines = self.cut_lines[key] = list(_cut_pattern(len(spec.cells)).finditer(self.text, start, end))
        for m in lines:
            if (at is None or m.end("a") <= at) and self._is_cut(spec, m):
                return m.start(), m.end("a")
        return None

    def _find_slipped_label(
        self, spec: RowSpec, later: tuple[RowSpec, ...], start: int, end: int
    ) -> tuple[int, int, str] | None:
        """A row label printed with a character or two misread or lost (an OCR's ``7.民于行政执法案兽``), found
        where the exact patterns found nothing: between ``start`` (the row before it) and the next row's label
        as printed, the reading with the fewest slips (:func:`labels.slipped`) — taken only where no other
        place in that stretch reads as well, so that two readings the text allows are none."""
        pattern = slipped(spec.label)
        if pattern is None:
            return None
        for other in later:
            if (n := self._find_label(other, start, end)) is not None:
                end = n.start()
                break
        if end - start > _SLIP_STRETCH:
            return None  # a label lost in a long stretch of text is not looked for character by character
        m = pattern.search(self.text, start, end)
        if m is None:
            return None
        slips = sum(m.fuzzy_counts)
        for a, b in ((start, m.start()), (m.end(), end)):
            rival = pattern.search(self.text, a, b)
            if rival is not None and sum(rival.fuzzy_counts) <= slips:
                return None
        # the label's numbering before it (``1.`` of ``1.申请人…道期不补正``) is the label's, as the exact patterns
        # take it: left out, it was read as the last number of the row above
        numbering = _NUMBERING_BEFORE.search(self.text, max(start, m.start() - 8), m.start())
        return (m.start() if numbering is None else numbering.start()), m.end(), m.group()

    def read_rows(self, region: Span, specs: tuple[RowSpec, ...], table: int) -> list[_Pending]:
        found: list[tuple[RowSpec, int, int]] = []
        cursor = region.start
        for i, spec in enumerate(specs):
            m = self._find_label(spec, cursor, region.end)
            if m is None and table == 2:
                # table 2's labels are distinct words: a row printed out of the template's order (规章 after
                # 行政许可) is found where it stands
                m = self._find_label(spec, region.start, region.end)
                if m is not None and any(a <= m.start() < b for _, a, b in found):
                    m = None
            cut = self._find_cut_label(spec, cursor, region.end, at=None if m is None else m.start())
            if cut is not None:
                found.append((spec, *cut))  # a label its own numbers cut in two: read from where they start
                self.cut_labels.add(spec.key)
                cursor = max(cursor, cut[1])
                continue
            if m is None and (slip := self._find_slipped_label(spec, specs[i + 1 :], cursor, region.end)):
                found.append((spec, slip[0], slip[1]))
                self.notes.append(f"table {table}: row label {spec.label} read as printed: {slip[2]}")
                cursor = max(cursor, slip[1])
                continue
            if m is None:
                if spec.key not in OPTIONAL_ROWS:
                    self.notes.append(f"table {table}: row label {spec.label} not found")
                continue
            found.append((spec, m.start(), m.end()))
            cursor = max(cursor, m.end())
        if table == 2 and any(a[1] > b[1] for a, b in pairwise(found)):
            found.sort(key=lambda f: f[1])
            self.notes.append("table 2 prints its rows out of the template's order; each read where it stands")
        pending = []
        unprinted: list[tuple[RowSpec, int, int, str]] = []
        for i, (spec, _, label_end) in enumerate(found):
            end = found[i + 1][1] if i + 1 < len(found) else region.end
            run, stop = first_run_in(self.text, label_end, end)
            what = f"table {table} row {spec.label}"
            if spec.key in OPTIONAL_ROWS:
                self._read_extra(spec, run, what)
                continue
            header = header_before(run, len(spec.cells), row_total_ok) if table == 3 and len(run) > 7 else 0
            if header:
                said, run = column_numbers.describe(run, header), run[header:]
            if len(run) == len(spec.cells) and all(t.kind != "glued" for t in run):
                if not self._spare(spec, run, stop, end, what):
                    self.fill(spec.cells, run, decimal=spec.decimal, what=what)
                    if spec.key in self.cut_labels:
                        self._say(spec.cells, "the row's label is printed cut in two by its numbers")
                    if header:
                        self._say(spec.cells, said)
                continue
            cells = self._positional_cells(label_end, end, len(spec.cells))
            if cells is None and table == 3 and self._unread_zeros(spec, label_end, end, what):
                continue
            if cells is not None:
                line_end = self.text.find("\n", label_end, end)
                if not self._spare(spec, [c for c in cells if c], end if line_end == -1 else line_end, end, what):
                    self._fill_positional(spec.cells, cells, label_end, what, decimal=spec.decimal)
                continue
            block = _NEXT_BLOCK.search(self.text, label_end, end)  # a row's cells end where the next block starts
            row_end = block.start() if block else end
            if UNREAD in self.text[label_end:row_end]:
                # a mark the reader could not read may be digits: the row's digits are not all it prints, and
                # cutting them by their count (``6 87`` beside an unread ``9``: 6 | 8 | 7) is no reading; nor
                # is it an empty cell — the row stays unread
                self.notes.append(f"{what}: a printed mark could not be read")
                continue
            groups = digit_groups(self.text, label_end, row_end)
            if not groups:
                unprinted.append((spec, label_end, row_end, what))
                continue
            pending.append(_Pending(spec, self._whole_cells(groups), table))
        # A row with nothing after its label is printed empty only where this table shows it carries its
        # numbers in the text at all (some other row has values); otherwise nothing is known of it.
        carries = len(unprinted) < len(found)
        for spec, start, row_end, what in unprinted:
            self._printed_empty(spec, start, row_end, what, carries)
        return pending

    def _whole_cells(self, groups: list[Group]) -> list[Group]:
        """Groups that each fill a Markdown pipe cell of their own (``| 规章 | 22 | 235 |``): a converter's cells
        are visible, so each is one value — placed by the identities, never cut (``235`` is not 2 | 35). A lone
        group keeps its digits' readings: a whole row run together into one cell is still cut."""
        if len(groups) < 2 or any(g.sign or "." in g.text for g in groups):
            return groups
        for g in groups:
            if not (
                _CELL_BEFORE.search(self.text, max(0, g.start - 16), g.start)
                and _CELL_AFTER.match(self.text, g.start + len(g.text))
            ):
                return groups
        return [Group(g.text, g.start, g.sign, cell=True) for g in groups]

    def _spare(self, spec: RowSpec, run: list[Token], start: int, end: int, what: str) -> bool:
        """Exact consumption: a row's printed numbers (outside notes) are all its cells. A number left over
        between the cells read and the next label is another possible reading: the row is ambiguous."""
        block = _NEXT_BLOCK.search(self.text, start, end)
        spare = spare_numbers(self.text, start, block.start() if block else end)
        if not spare:
            return False
        read = " ".join(t.text for t in run)
        extra = " ".join(t.text for t in spare[:8])
        self.issues.append(
            Violation(
                rule="ambiguous", severity="error", cells=list(spec.cells), found=f"{read} … {extra}",
                message=f"{what}: {len(spare)} number(s) printed beyond its {len(spec.cells)} cell(s) ({extra}); "
                "which are the cells cannot be told from the text",
            )
        )  # fmt: skip
        return True

    def _printed_empty(self, spec: RowSpec, start: int, end: int, what: str, table_carries: bool) -> None:
        """A row printed with no values: blank cells where the source prints empty cells — as many cell
        separators or blank markers as the row has cells, or (in a table whose other rows carry their
        numbers) nothing at all between its label and the next — each with that span. Otherwise nothing is
        known about them (no provenance, so the verifier reports them missing)."""
        region = self.text[start:end]  # (no unread mark here: read_rows leaves such a row unread first)
        separators = region.count("|") + region.count("\t")
        markers = sum(1 for t in tokenize(self.text, start, end) if t.kind == "blank")
        nothing = not region.strip() and table_carries
        if separators < len(spec.cells) and markers < len(spec.cells) and not nothing:
            self.notes.append(f"{what}: printed without values")
            return
        lead = len(region) - len(region.lstrip())
        body = region.strip()
        for path in spec.cells:
            self.provenance[path] = self._prov(start + lead, start + lead + len(body), body, "blank",
                                               "the row is printed with empty cells")  # fmt: skip
        self.notes.append(f"{what}: printed with empty cells (blank, not 0)")

    def resolve(
        self,
        pending: list[_Pending],
        check: Callable[[Sequence[int | Decimal]], bool],
        linear: bool,
        fixed: dict[str, tuple[int | Decimal, ...]],
    ) -> None:
        if not pending:
            return
        for p in list(pending):  # as many digits as cells: the split is the count's, not the identities'
            forced = forced_by_count(p.groups, len(p.spec.cells))
            if forced is None:
                continue
            pending.remove(p)
            source = " ".join(g.text for g in p.groups)
            what = f"table {p.table} row {p.spec.label}"
            self.fill_reading(p.spec.cells, forced, source, decimal=p.spec.decimal, what=what,
                              why=f"{len(forced)} digits for {len(forced)} cells, the only split")  # fmt: skip
            fixed = {**fixed, p.spec.key: tuple(piece.value for piece in forced)}
        if not pending:
            return
        options: dict[str, list[Reading]] = {}
        for p in pending:
            options[p.spec.key] = readings(p.groups, len(p.spec.cells), check if not p.spec.decimal else no_check)
        for key, vals in fixed.items():
            options.setdefault(key, [tuple(Piece(v, 0, 0) for v in vals)])
        rules_of, terms = _t3_terms(self.application_rows, self.result_rows)
        # an identity with an unknown row in it cannot be used: its dimensions are left out
        usable = {
            rule: all(row in options for row, ts in terms.items() if any(rules_of[d] == rule for d, _, _ in ts))
            for rule in set(rules_of)
        }
        if linear and any(usable.values()):

            def coefficient(row: str, values: tuple[int | Decimal, ...]) -> tuple[int, ...]:
                vec = [0] * len(rules_of)
                for dim, col, sign in terms.get(row, ()):
                    if usable[rules_of[dim]]:
                        vec[dim] += sign * int(values[col])
                return tuple(vec)

            sol = solve_linear(options, [k for k in self.application_rows if k in options], coefficient, len(rules_of))
        else:
            sol = solve(options)  # each row stands on its own identity
        for p in pending:
            key, what = p.spec.key, f"table {p.table} row {p.spec.label}"
            source = " ".join(g.text for g in p.groups)
            if key in sol.chosen:
                self.fill_reading(p.spec.cells, sol.chosen[key], source, decimal=p.spec.decimal, what=what)
            elif key in sol.ambiguous and (settled := self._by_narrative(p, sol.ambiguous[key])) is not None:
                reading, sentence = settled
                why = f"the only reading that agrees with the report's own words 「{sentence[:80]}」"
                self.fill_reading(p.spec.cells, reading, source, decimal=p.spec.decimal, what=what, why=why)
                self.notes.append(f"{what}: {source!r} split by the narrative: 「{sentence[:80]}」")
            elif key in sol.ambiguous:
                left = sol.ambiguous[key]
                shown = "; ".join(describe(r) for r in left[:5])
                more = f" (and {len(left) - 5} more)" if len(left) > 5 else ""
                self._ambiguous(p, source, f"{what}: {source!r} has {len(left)} readings consistent with the "
                                f"identities: {shown}{more}")  # fmt: skip
            else:
                self._ambiguous(p, source, f"{what}: no reading of {source!r} into {len(p.spec.cells)} cells "
                                "satisfies the identities")  # fmt: skip

    def _by_narrative(self, p: _Pending, left: list[Reading]) -> tuple[Reading, str] | None:
        """The one reading the report's narrative settles, with the sentence that did: each figure naming a
        cell of this row keeps the readings that agree with it; a figure no reading agrees with is the
        narrative disagreeing with the table (a finding), not a constraint."""
        used = ""
        for i, path in enumerate(p.spec.cells):
            for stated in self.narrative.get(path, []):
                agree = [r for r in left if r[i].value == stated.value and not r[i].dropped]
                if agree:
                    left, used = agree, stated.sentence
        return (left[0], used) if len(left) == 1 and used else None

    def _ambiguous(self, p: _Pending, source: str, message: str) -> None:
        self.issues.append(
            Violation(rule="ambiguous", severity="error", cells=list(p.spec.cells), found=source, message=message)
        )

    def _line_cells(self, start: int, line: str) -> list[tuple[int, str]] | None:
        """A table line's cells with their offsets: tab-separated (grids, PDF columns) or a Markdown pipe
        row (``| a | 1 |``, outer pipes dropped); None for any other line and for a pipe table's rule."""
        if "\t" in line:
            sep = "\t"
            body, at = line, start
        elif line.lstrip().startswith("|") and line.rstrip().endswith("|") and line.count("|") > 2:
            sep = "|"
            lead = len(line) - len(line.lstrip()) + 1
            body, at = line.strip()[1:-1], start + lead
            if _PIPE_RULE.fullmatch(body):
                return None
        else:
            return None
        cells = []
        for raw in body.split(sep):
            cells.append((at, raw))
            at += len(raw) + 1
        return cells

    def _order_row(self, cells: list[tuple[int, str]], ncols: int) -> tuple[str, list[Token]] | None:
        """A line ending in ``ncols`` value cells (numbers, blank markers, empty cells; at least one number),
        with what it prints before them (no number there). Empty cells after them are a converter's extra
        column (a pipe table one column wider than its rows); where that leaves two readings, none."""
        toks: list[Token] = []
        for at, raw in cells:
            stripped = raw.strip()
            here = at + len(raw) - len(raw.lstrip())
            toks.append(classify(stripped, here) if stripped else Token("blank", here, here, ""))
        ends = []
        for end in range(len(toks), ncols - 1, -1):
            if end < len(toks) and (toks[end].kind != "blank" or toks[end].text):
                break  # only empty cells may follow the row's values
            values, lead = toks[end - ncols : end], toks[: end - ncols]
            header = self._header_in_lead(lead, values)
            if (
                all(t.kind in ("number", "blank") for t in values)
                and any(t.kind == "number" for t in values)
                and not any(t.kind in ("number", "glued") for t in lead[: len(lead) - header])
            ):
                ends.append((end, header))
        if len(ends) != 1:
            return None
        end, header = ends[0]
        lead_end = end - ncols - header
        if header:
            self.header_rows[toks[end - ncols].start] = column_numbers.describe(toks[lead_end:], header)
        return " ".join(raw.strip() for _, raw in cells[:lead_end]), toks[end - ncols : end]

    @staticmethod
    def _header_in_lead(lead: list[Token], values: list[Token]) -> int:
        """How many cells at the end of a row's lead are the header's column numbers repeated in the row
        (certain only as :func:`column_numbers.header_before` says)."""
        for k in column_numbers.HEADER_WIDTHS:
            if len(lead) >= k and header_before([*lead[len(lead) - k :], *values], len(values), row_total_ok) == k:
                return k
        return 0

    @staticmethod
    def _short_row(cells: list[tuple[int, str]], ncols: int) -> tuple[str, list[Token]] | None:
        """A pipe row ending in fewer than ``ncols`` numbers, words (or nothing) before them and only empty
        cells after: a converter dropped the row's empty cells (``| （一）予以公开 | 9 | 9 |``). Which columns the
        numbers stand in is for the identities to settle."""
        while cells and not cells[-1][1].strip():
            cells = cells[:-1]
        toks = [classify(raw.strip(), at + len(raw) - len(raw.lstrip())) for at, raw in cells if raw.strip()]
        n = 0
        while n < len(toks) and toks[-1 - n].kind == "number" and type(toks[-1 - n].value) is int:
            n += 1
        if not 0 < n < ncols or any(t.kind != "word" for t in toks[: len(toks) - n]):
            return None
        if any(not raw.strip() for _, raw in cells[len(cells) - n :]):
            return None  # an empty cell among the numbers is printed blank where it stands: not this layout
        return " ".join(t.text for t in toks[: len(toks) - n]), toks[len(toks) - n :]

    def _labels_in_order(self, specs: tuple[RowSpec, ...], start: int, end: int) -> bool:
        """Whether every row's label is printed, in the template's order, before the first number row (a
        converter that put a table's labels first and its numbers after)."""
        cursor = start
        for spec in specs:
            m = spec.pattern.search(self.text, cursor, end)
            if m is None:
                return False
            cursor = m.end()
        return True

    def read_by_order(self, region: Span, specs: tuple[RowSpec, ...], template: str) -> bool:
        """Table 3 when its labels are wrapped in narrow cells around their own numbers (Word tables exported
        to PDF) or printed apart from them (PDF→Markdown conversions): the lines that end in exactly seven
        value cells are the rows, in the template's order — taken only when there are exactly as many as the
        template has rows, every label fragment printed on a row's line is a piece of that row's label, and
        at least half of the rows print one (the labelled rows anchor the order of those printed bare) — or
        none does and every row's label is printed before them, in the template's order.
        All or nothing: the earlier reading of the table is replaced only by a complete one."""
        ncols = len(APPLICANT_COLUMNS)
        found: list[tuple[str, list[Token]]] = []
        short: set[int] = set()  # rows whose converter dropped cells: placed by the identities below
        pos = region.start
        for line in self.text[region.start : region.end].split("\n"):
            cells = self._line_cells(pos, line)
            if cells is None and "|" not in line:
                # text of a PDF as extractors lay it out with spaces: each space-separated piece a cell
                cells = [(pos + m.start(), m.group()) for m in _PIECE.finditer(line)]
            row = self._order_row(cells, ncols) if cells is not None else None
            if row is None and cells is not None and "|" in line and (row := self._short_row(cells, ncols)):
                short.add(len(found))
            if row is not None:
                found.append(row)
            pos += len(line) + 1
        if len(found) != len(specs):
            return False
        rows = ROWS["2019"][3] if template == "2019" else ROWS["2021"][3]
        labels = {r.key: "".join(normalize_label(r.label).split()) for r in rows}
        # 三、本年度办理结果 is one cell merged down the result rows: a fragment of it ("度办", "果") is printed
        # on whichever result row's first line its wrapped lines reach
        block = "".join(normalize_label("三、本年度办理结果").split())
        keys = [r.key for r in rows]
        for key in keys[keys.index("granted") : keys.index("results_total") + 1]:
            labels[key] += block
        labelled = 0
        for spec, (lead, _) in zip(specs, found, strict=True):
            # the fragments of the block and label columns printed on this line (〃: a merged cell's filler)
            pieces = [x for x in lead.split() if x != "〃"]
            if not all(p in labels[spec.key] for p in pieces):
                return False
            labelled += bool(pieces)
        listed_first = labelled == 0 and self._labels_in_order(specs, region.start, found[0][1][0].start)
        if 2 * labelled < len(specs) and not listed_first:
            return False
        for spec in specs:  # replace the partial reading of the table
            for c in spec.cells:
                self.values.pop(c, None)
                self.provenance.pop(c, None)
        table3 = {c for spec in specs for c in spec.cells}
        self.issues = [v for v in self.issues if not set(v.cells) & table3]
        pending = [
            _Pending(spec, [Group(t.text, t.start, cell=True) for t in found[i][1]], 3)
            for i, spec in enumerate(specs)
            if i in short
        ]
        for i, (spec, (_, toks)) in enumerate(zip(specs, found, strict=True)):
            if i not in short:
                self.fill(spec.cells, toks, decimal=False, what=f"table 3 row {spec.label}")
        if pending:
            self.resolve(pending, row_total_ok, True, self.fixed_rows(specs))
        for spec, (lead, toks) in zip(specs, found, strict=True):
            placed = "row placed by the template's order" + (
                "" if lead else " (the labels are printed first, in that order)" if listed_first
                else " (its label is printed apart)"
            )  # fmt: skip
            for c in spec.cells:  # an empty cell is not a printed marker
                if c in self.provenance and self.provenance[c].method == "blank" and not self.provenance[c].text:
                    self.provenance[c].note = "empty cell"
            self._say(spec.cells, placed)
            if toks[0].start in self.header_rows:
                self._say(spec.cells, self.header_rows[toks[0].start])
        return True

    def not_printed(self, rows: tuple[str, ...], why: str) -> None:
        """Rows this layout does not print: blank, with provenance that says so (not a value nobody read)."""
        for row in rows:
            for col in APPLICANT_COLUMNS:
                path = f"applications.{row}.{col}"
                if path not in self.values:
                    self.provenance[path] = self._prov(0, 0, "", "not_printed", f"{why}; this row is not printed")

    def fixed_rows(self, specs: tuple[RowSpec, ...]) -> dict[str, tuple[int | Decimal, ...]]:
        out = {}
        for spec in specs:
            vals = [self.values.get(c) for c in spec.cells]
            if all(v is not None for v in vals):
                out[spec.key] = tuple(v for v in vals if v is not None)
        return out

    def _clean_row(self, region: Span, ncols: int) -> tuple[list[Token], list[Token]] | None:
        """The one line of a region that is exactly ``ncols`` value cells (a pipe row, or values separated by
        spaces; at least one number), when every other number of the region stands in a sentence of prose
        (a converter that ran the narrative after the table into its section: ``2024年…1400条``) — with
        those prose numbers. None when there is no such line, more than one, or a number elsewhere that is
        not prose (it could be a cell)."""
        rows: list[list[Token]] = []
        prose: list[Token] = []
        pos = region.start
        for line in self.text[region.start : region.end].split("\n"):
            end = pos + len(line)
            cells = self._line_cells(pos, line)
            if cells is not None:
                toks = [classify(raw.strip(), at + len(raw) - len(raw.lstrip())) for at, raw in cells]
            else:
                toks = [] if _PIPE_RULE_LINE.fullmatch(line) else list(tokenize(self.text, pos, end))
            numbers = [t for t in toks if t.kind in ("number", "glued")]
            if numbers and "\t" in line:
                return None  # a grid's line: its empty cells keep their places, which _value_line reads
            if numbers and len(toks) == ncols and all(t.kind in ("number", "blank") and t.text for t in toks):
                rows.append(toks)
            elif numbers and cells is None and _is_prose(line, len(numbers)):
                prose.extend(numbers)
            elif numbers:
                return None
            pos = end + 1
        return (rows[0], prose) if len(rows) == 1 else None

    def read_table4(self, region: Span) -> None:
        tokens = list(tokenize(self.text, region.start, region.end))
        run = first_run(tokens)
        values = [t for t in tokens if t.kind not in ("word", "note")]
        if len(run) != len(TABLE4_CELLS) and len(values) == len(TABLE4_CELLS):
            run = values  # one row per group with words between them still yields 15 values in order
        if (len(run) != len(TABLE4_CELLS) or len(values) > len(run)) and (
            clean := self._clean_row(region, len(TABLE4_CELLS))
        ) is not None:
            row, prose = clean
            self.fill(TABLE4_CELLS, row, decimal=False, what="table 4")
            if prose:
                said = " ".join(t.text for t in prose[:8])
                self._say(TABLE4_CELLS, f"numbers in the prose after the table ({said}) are the narrative's, not cells")
            return
        if len(run) == len(TABLE4_CELLS) and all(t.kind != "glued" for t in run):
            if len(values) > len(run):  # exact consumption over the whole section
                self._spare(TABLE4_SPEC, run, run[-1].end, region.end, "table 4")
                return
            self.fill(TABLE4_CELLS, run, decimal=False, what="table 4")
            return
        cells = self._value_line(region, len(TABLE4_CELLS))
        if cells is not None:
            self._fill_positional(TABLE4_CELLS, cells, region.start, "table 4")
            return
        groups = digit_groups(self.text, region.start, region.end)
        if not groups:
            self.notes.append("table 4: no values found")
            return
        self.resolve([_Pending(TABLE4_SPEC, groups, 4)], group_totals_ok, False, {})

    def force_zeros(self) -> None:
        """A printed-blank cell is 0 where non-negativity leaves no other value: the identity's other
        terms already add up. Only such forced zeros are filled, each recorded as inferred."""
        if not any(p.method == "blank" for p in self.provenance.values()):
            return  # nothing printed blank: nothing to force (the common case)
        equations = [(i.parts, i.totals) for i in sum_identities(self.application_rows, self.result_rows)]

        def blank(path: str) -> bool:
            prov = self.provenance.get(path)
            return path not in self.values and prov is not None and prov.method == "blank"

        changed = True
        while changed:
            changed = False
            for left, right in equations:
                for known_side, open_side in ((right, left), (left, right)):
                    if any(p not in self.values for p in known_side):
                        continue
                    unknown = [p for p in open_side if p not in self.values]
                    if not unknown or not all(blank(p) for p in unknown):
                        continue
                    known_sum = sum(int(self.values[p] or 0) for p in open_side if p in self.values)
                    if known_sum == sum(int(self.values[p] or 0) for p in known_side):
                        for p in unknown:
                            self.values[p] = 0
                            prov = self.provenance[p]
                            prov.method = "inferred"
                            prov.note = "printed blank; 0 is the only value the identities allow"
                        changed = True

    def force_stated(self) -> None:
        """A printed-blank table-3 cell (an empty cell of a converter's table) whose value the identities
        force — every identity it is in whose other cells are all read gives the same value — and that the
        report's own narrative states for that very cell ("转下一年度办理答复的有 1 件"): inferred, its span the
        narrative's figure. Neither alone fills a blank: the identities alone are not a printed number, and
        the narrative alone may describe something else."""
        if not self.narrative:
            return
        blanks = [
            path for path, prov in self.provenance.items()
            if prov.method == "blank" and path not in self.values and path in self.narrative
        ]  # fmt: skip
        if not blanks:
            return
        equations = [(i.parts, i.totals) for i in sum_identities(self.application_rows, self.result_rows)]
        for path in blanks:
            forced: set[int] = set()
            for parts, totals in equations:
                if path not in parts and path not in totals:
                    continue
                others = [p for p in (*parts, *totals) if p != path]
                if any(self.values.get(p) is None for p in others):
                    continue
                net = sum(int(self.values[p] or 0) for p in totals if p != path) - sum(
                    int(self.values[p] or 0) for p in parts if p != path
                )
                forced.add(net if path in parts else -net)
            stated = {s.value for s in self.narrative[path]}
            if len(forced) != 1 or stated != forced or (value := forced.pop()) <= 0:
                continue  # (0 is force_zeros' to fill, from the identities alone)
            said = self.narrative[path][0]
            blank = self.provenance[path]
            self.values[path] = value
            self.provenance[path] = self._prov(
                said.start, said.end, self.text[said.start : said.end], "inferred",
                f"printed blank in the table ({blank.note or 'an empty cell'}); {value} is the only value the "
                f"identities allow, and the report's narrative states it: 「{said.phrase}」 (「{said.sentence[:80]}」)",
            )  # fmt: skip
            self.notes.append(f"{path}: printed blank; {value} forced by the identities and stated by the narrative")


def detect_template(text: str, sections: Sections) -> str:
    scope = text[sections.t2.start if sections.t2 else 0 : sections.t4.end if sections.t4 else len(text)]
    if MARKERS_2019.search(scope) and not MARKERS_2021.search(scope):
        return "2019"
    return "2021"


# A header row of column numbers (OCR and Markdown tables number 申请人情况's columns 1–7), printed on its
# own line or repeated inside rows: numbering, not values.
_COLUMN_NUMBERS = re.compile(r"(?m)^[ \t|]*1[ \t|]+2[ \t|]+3[ \t|]+4[ \t|]+5[ \t|]+6(?:[ \t|]+7)?[ \t|]*$")
# what every such row holds, opening with a literal the regex engine skips to (a line-start pattern is tried
# at every character: 6 µs a report, the test first 0.8)
_COLUMN_NUMBERS_INSIDE = re.compile(r"1[ \t|]+2[ \t|]+3[ \t|]+4[ \t|]+5[ \t|]+6")


def mask_column_numbers(text: str) -> str:
    """The text with column-number header rows blanked out, character for character (every offset stays the
    same, so every span still points into the original text)."""
    if _COLUMN_NUMBERS_INSIDE.search(text) is None:
        return text
    return _COLUMN_NUMBERS.sub(lambda m: re.sub(r"\S", " ", m.group()), text)


def extract_rules(text: str) -> RulesResult:
    """Parse normalised report text. Raises when there is nothing that looks like the tables."""
    sections = locate_sections(text)
    if not sections.found():
        raise NoTablesError("no statistical tables found (sections 二/三/四 and their labels are absent)")
    template = detect_template(text, sections)
    identity = read_identity(text)
    builder = _Builder(mask_column_numbers(text) if "6" in text else text)
    if template == "2019":
        builder.application_rows, builder.result_rows = APPLICATION_ROWS_2019, RESULT_ROWS_2019
    table2, table3 = (TABLE2_2019, TABLE3_2019) if template == "2019" else (TABLE2_2021, TABLE3_2021)
    builder.notes.extend(sections.notes)
    starts = [r.start for r in (sections.t2, sections.t3, sections.t4) if r is not None]
    builder.narrative = single_cell_figures(text[: min(starts)]) if starts else {}
    if identity.agency is None:
        builder.notes.append("agency not found in the title lines")
    if identity.year is None:
        builder.notes.append("report year not found in the title lines")
    if sections.t2:
        pending = builder.read_rows(sections.t2, table2, 2)
        builder.resolve(pending, no_check, False, {})
        if template == "2019" and "active_disclosure.procurement.amount_unit" not in builder.units:
            m = PROCUREMENT_UNIT.search(text, sections.t2.start, sections.t2.end)
            if m:
                builder.units["active_disclosure.procurement.amount_unit"] = m.group(1)
    if sections.t3:
        pending = builder.read_rows(sections.t3, table3, 3)
        if (
            template == "2021"
            and not any(
                c.startswith(("applications.other_no_correction", "applications.other_unpaid_fee"))
                for c in builder.provenance
            )
            and any(c.startswith("applications.other.") for c in builder.provenance)
        ):
            builder.notes.append(
                "table 3 prints (六)其他处理 as a single row (the 2019 layout): its values are under `other`, "
                "and its two sub-rows are not printed"
            )
            builder.not_printed(("other_no_correction", "other_unpaid_fee"), "table 3 prints (六)其他处理 as one row")
        builder.resolve(pending, row_total_ok, True, builder.fixed_rows(table3))
        unread = [c for spec in table3 for c in spec.cells if c not in builder.values]
        if unread and builder.read_by_order(sections.t3, table3, template):
            # the label pass's notes on table 3 no longer describe how it was read
            builder.notes = [n for n in builder.notes if not n.startswith("table 3")]
            builder.notes.append("table 3 read by the template's row order: its labels are wrapped around their "
                                 "numbers or printed apart from them (the labelled rows anchor the order)")  # fmt: skip
    if sections.t4:
        builder.read_table4(sections.t4)
    builder.force_zeros()
    builder.force_stated()
    extra_fields: dict[str, object] = {}
    if template == "2019":
        extra_fields["active_disclosure.extra"] = builder.extra
    report = report_from_cells(
        builder.values, agency=identity.agency, year=identity.year, template=template, **extra_fields
    )
    if template == "2019" and builder.units:
        report.active_disclosure.procurement.amount_unit = builder.units["active_disclosure.procurement.amount_unit"]  # type: ignore[attr-defined]
    return RulesResult(report, builder.provenance, builder.notes, builder.issues, sections)


__all__ = ["BACKEND", "VERSION", "RulesResult", "extract_rules"]
