"""The deterministic, template-aware parser ("rules" backend).

Reads each table row by its label (see :mod:`extractor.labels`), then takes the first run of cell
values after the label. A row is filled only when that run has exactly as many values as the row has
columns; anything else is left blank with a note saying what was seen, so that the verifier reports
it missing rather than a guess passing as data. Every value carries the span it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import TypeAdapter

from extractor.cells import Token, first_run, first_run_in, tokenize
from extractor.labels import MARKERS_2019, MARKERS_2021, TABLE2_2021, TABLE3_2021, RowSpec
from extractor.report_identity import read_identity
from extractor.sections import Sections, locate_sections
from nianbao.errors import NoTablesError, UnsupportedTemplateError
from nianbao.schema import (
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    CellValue,
    Provenance,
    ProvenanceMethod,
    Report,
    Span,
    report_from_cells,
)

BACKEND = "rules"
# Bump when a change can alter any extracted value: stored results are re-run on a new version.
VERSION = "1.0.0"

_PROVENANCE = TypeAdapter(dict[str, Provenance])
TABLE4_CELLS = tuple(f"reviews_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)


@dataclass
class RulesResult:
    report: Report
    provenance: dict[str, Provenance] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Builder:
    text: str
    values: dict[str, CellValue] = field(default_factory=dict)
    # Plain data while parsing; validated into models in one call at the end (a per-cell model
    # construction cost more than the whole parse).
    provenance: dict[str, dict[str, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _provenance(self, tok: Token, method: ProvenanceMethod, note: str | None) -> dict[str, object]:
        return {"span": {"start": tok.start, "end": tok.end}, "text": tok.text, "method": method, "note": note}

    def fill(self, cells: tuple[str, ...], run: list[Token], *, decimal: bool, what: str) -> None:
        for path, tok in zip(cells, run, strict=True):
            value: CellValue
            if tok.kind == "blank":
                self.provenance[path] = self._provenance(tok, "blank", "printed as an empty-cell marker")
                continue
            if tok.kind == "glued":
                self.notes.append(f"{what}: {tok.text!r} looks like several cells run together; left blank")
                continue
            assert tok.value is not None
            if decimal:
                value = Decimal(tok.value)
            elif isinstance(tok.value, int):
                value = tok.value
            elif tok.value == tok.value.to_integral_value():
                value = int(tok.value)
            else:
                self.notes.append(f"{what}: {tok.text} is not a whole number; left blank")
                continue
            self.values[path] = value
            self.provenance[path] = self._provenance(
                tok, "read", f"ignored trailing {tok.noise!r}" if tok.noise else None
            )

    def read_rows(self, region: Span, specs: tuple[RowSpec, ...], table: int) -> None:
        found: list[tuple[RowSpec, int, int]] = []
        cursor = region.start
        for spec in specs:
            m = spec.pattern.search(self.text, cursor, region.end)
            if m is None:
                self.notes.append(f"table {table}: row label {spec.label} not found")
                continue
            found.append((spec, m.start(), m.end()))
            cursor = m.end()
        for i, (spec, _, label_end) in enumerate(found):
            end = found[i + 1][1] if i + 1 < len(found) else region.end
            run = first_run_in(self.text, label_end, end)
            what = f"table {table} row {spec.label}"
            if len(run) == len(spec.cells):
                self.fill(spec.cells, run, decimal=spec.decimal, what=what)
            elif not run:
                self.notes.append(f"{what}: printed without values")
            else:
                shown = " ".join(t.text for t in run)
                self.notes.append(
                    f"{what}: {len(run)} values ({shown}) for {len(spec.cells)} columns; cannot place them"
                )

    def read_table4(self, region: Span) -> None:
        tokens = list(tokenize(self.text, region.start, region.end))
        run = first_run(tokens)
        if len(run) != len(TABLE4_CELLS):
            # One row per group with words between them still yields 15 values in order.
            values = [t for t in tokens if t.kind != "word"]
            if len(values) == len(TABLE4_CELLS):
                run = values
        if len(run) == len(TABLE4_CELLS):
            self.fill(TABLE4_CELLS, run, decimal=False, what="table 4")
        else:
            shown = " ".join(t.text for t in run)
            self.notes.append(f"table 4: {len(run)} values ({shown or 'none'}) for 15 columns; cannot place them")


def detect_template(text: str, sections: Sections) -> str:
    scope = text[sections.t2.start if sections.t2 else 0 : sections.t4.end if sections.t4 else len(text)]
    if MARKERS_2019.search(scope) and not MARKERS_2021.search(scope):
        return "2019"
    return "2021"


def extract_rules(text: str) -> RulesResult:
    """Parse normalised report text. Raises when there is nothing that looks like the tables."""
    sections = locate_sections(text)
    if not sections.found():
        raise NoTablesError("no statistical tables found (sections 二/三/四 and their labels are absent)")
    template = detect_template(text, sections)
    if template != "2021":
        raise UnsupportedTemplateError(
            f"uses the {template} format (labels such as 本年新制作数量); only the 2021 format is supported yet"
        )
    identity = read_identity(text)
    builder = _Builder(text)
    builder.notes.extend(sections.notes)
    if identity.agency is None:
        builder.notes.append("agency not found in the title lines")
    if identity.year is None:
        builder.notes.append("report year not found in the title lines")
    if sections.t2:
        builder.read_rows(sections.t2, TABLE2_2021, 2)
    if sections.t3:
        builder.read_rows(sections.t3, TABLE3_2021, 3)
    if sections.t4:
        builder.read_table4(sections.t4)
    report = report_from_cells(builder.values, agency=identity.agency, year=identity.year, template="2021")
    return RulesResult(report, _PROVENANCE.validate_python(builder.provenance), builder.notes)


__all__ = ["BACKEND", "VERSION", "RulesResult", "extract_rules"]
