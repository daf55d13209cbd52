"""What the tool adds to the export contract: provenance, violations, the source, the extractor, LLM
attempts and tokens, and the :class:`Record` of one extraction (the contract's fields, never renamed,
plus these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, field_serializer, model_validator

from nianbao.schema.contract import SCHEMA_VERSION, Report, Span, _Strict, contract_json
from nianbao.schema.template import cells_of

Severity = Literal["error", "warning"]
Status = Literal["verified", "rejected", "failed"]
# Why a report was rejected. "source_inconsistent": every value is present and reads as itself in the
# source, yet the identities break — the agency's own arithmetic, a finding to keep, not to "fix".
RejectionReason = Literal["source_inconsistent", "extraction_unverified"]
# Every cell of a verified report has one of these:
#   read        the span of exactly one printed number
#   inferred    forced by the identities (a printed blank that can only be 0, a run-together split), with
#               the text it came from
#   blank       the span of the blank marker or the empty cell(s) the source prints there (value None)
#   not_printed the row is absent from this report's layout (e.g. the 2019 single （六） row in a 2021
#               report), with a note saying so (value None)
#   reviewed    a value a person set in the review queue; the decision (who, when, why) is in the store
#   illegible   a person marked the cell unreadable in the source (value None), the reason in ``note``
ProvenanceMethod = Literal["read", "blank", "inferred", "not_printed", "reviewed", "illegible"]

# In a source's text, a mark a reader saw in a value cell but could not read (a scan's cell with ink that no
# reading settled, or read as a letter): what is printed there is unknown — never a blank, and digits beside
# it cannot be cut into cells by their count, since it may be digits too
UNREAD_MARK = "\ufffd"


@dataclass(slots=True)
class Provenance:
    """Where one cell's value came from. A plain dataclass like :class:`Span` (validated as a field of a
    :class:`Record` read from outside; built unvalidated by the parsers, ~200 a report)."""

    span: Span
    text: str  # the characters at ``span``, kept so a saved result can be checked without its source
    method: ProvenanceMethod = "read"
    note: str | None = None


# Provenance as written (JSON): grouped by row, each row's cells in the template's column order, a cell as
# ``[start, end, text]`` (read, no note), ``[start, end, text, method]`` or ``[start, end, text, method, note]``,
# ``null`` where the cell has none. ~4 KB a report where one object per cell was ~27 KB. A path that is not
# a template cell keeps its own key and one cell. Read back in this form or the earlier one (an object per
# cell path), so stores and files written before stay readable.
ProvenanceJSON = dict[str, Any]


@lru_cache(maxsize=4)
def _rows(template: str) -> dict[str, tuple[str, ...]]:
    rows: dict[str, list[str]] = {}
    for path in cells_of("2019" if template == "2019" else "2021"):
        row, column = path.rsplit(".", 1)
        rows.setdefault(row, []).append(column)
    return {row: tuple(columns) for row, columns in rows.items()}


def _cell(p: Provenance) -> list[Any]:
    cell: list[Any] = [p.span.start, p.span.end, p.text]
    if p.note is not None:
        return [*cell, p.method, p.note]
    return cell if p.method == "read" else [*cell, p.method]


@lru_cache(maxsize=4)
def _places(template: str) -> dict[str, tuple[str, int, int]]:
    """Each template cell path → its row, its column's place in the row, and the row's width."""
    return {
        f"{row}.{c}": (row, k, len(columns)) for row, columns in _rows(template).items() for k, c in enumerate(columns)
    }


def provenance_json(provenance: dict[str, Provenance], template: str) -> ProvenanceJSON:
    """The compact written form of a record's provenance (see :data:`ProvenanceJSON`); one pass over it."""
    out: ProvenanceJSON = {}
    places = _places(template)
    for path, p in provenance.items():
        place = places.get(path)
        if place is None:  # not a template cell: its own key
            out[path] = _cell(p)
            continue
        row, k, width = place
        cells = out.get(row)
        if cells is None:
            cells = out[row] = [None] * width
        cells[k] = _cell(p)
    return out


def provenance_entries(data: ProvenanceJSON, template: str) -> dict[str, dict[str, Any]]:
    """Provenance by cell path, one plain object each (``span``, ``text``, ``method``, ``note``), from
    either written form — what readers of stored results use."""
    out: dict[str, dict[str, Any]] = {}
    rows = _rows(template)
    for key, value in data.items():
        if isinstance(value, Provenance):
            out[key] = asdict(value)
        elif isinstance(value, dict):  # the earlier form: one object per cell path
            out[key] = value
        elif key in rows and value and isinstance(value[0], list | None):
            for column, cell in zip(rows[key], value, strict=False):
                if cell is not None:
                    out[f"{key}.{column}"] = _entry(cell)
        else:
            out[key] = _entry(value)
    return out


def _entry(cell: list[Any]) -> dict[str, Any]:
    start, end, text, *rest = cell
    method = rest[0] if rest else "read"
    note = rest[1] if len(rest) > 1 else None
    return {"span": {"start": start, "end": end}, "text": text, "method": method, "note": note}


class Violation(_Strict):
    rule: str
    severity: Severity
    cells: list[str]
    message: str
    expected: str | None = None
    found: str | None = None


class SourceInfo(_Strict):
    path: str
    format: str
    sha256: str
    normalized_sha256: str
    encoding: str | None = None


class ExtractorInfo(_Strict):
    backend: str  # "rules", "llm", or "rules+llm" (the LLM read only the tables the rules could not)
    version: str
    model: str | None = None
    prompt_version: str | None = None


class Usage(_Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLMAttempt(_Strict):
    """One question to the model about one table: its answer, what the verifier said, what it cost."""

    table: int
    number: int
    output: str
    violations: list[Violation] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cached: bool = False
    error: str | None = None


class ScanInfo(_Strict):
    """Where a scanned report's values stand on its pages: each page's size (pixels, after deskewing)
    and resolution, and for each value read from a table cell the cell's page (from 1) and box."""

    # page number (from 1) → width, height, dpi, and the clockwise turn that stood it upright
    pages: dict[int, tuple[int, int, float, int]]
    cells: dict[str, tuple[int, int, int, int, int]] = Field(default_factory=dict)  # page, x0, y0, x1, y1


class Record(Report):
    """One extraction: the export contract plus status, violations and provenance — the result
    :func:`nianbao.extract` returns and ``nianbao extract`` writes."""

    schema_version: str = SCHEMA_VERSION
    agency_level: str | None = None  # 省 / 市 / 县区 / 乡镇街道 / 部门, where the name shows it
    status: Status
    reason: RejectionReason | None = None
    violations: list[Violation] = Field(default_factory=list)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    source: SourceInfo | None = None
    extractor: ExtractorInfo | None = None
    attempts: list[LLMAttempt] = Field(default_factory=list)  # every LLM attempt, in order
    usage: Usage | None = None  # tokens over all attempts
    scan: ScanInfo | None = None  # an OCR'd scan: each value's page and box

    @model_validator(mode="before")
    @classmethod
    def _provenance_read_back(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("provenance"), dict):
            written = data["provenance"]
            if any(not isinstance(v, dict | Provenance) for v in written.values()):
                data = {**data, "provenance": provenance_entries(written, data.get("template") or "2021")}
        return data

    @field_serializer("provenance", when_used="json")
    def _provenance_compact(self, provenance: dict[str, Provenance]) -> ProvenanceJSON:
        return provenance_json(provenance, self.template)

    def report(self) -> Report:
        return Report.model_validate(self.model_dump(include=set(Report.model_fields)))

    def export(self) -> dict[str, Any]:
        """The export contract v1 alone, as JSON-ready data."""
        return contract_json(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The whole record as ``nianbao extract`` writes it (Chinese kept as is)."""
        return self.model_dump_json(indent=indent)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]
