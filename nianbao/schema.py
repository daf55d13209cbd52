"""The data model of nianbao: the one module that defines it.

The export contract v1 (``shared/spec/TEMPLATE.md``) is the set of fields of :class:`Report`;
:class:`Record` adds what the tool knows about the extraction (status, violations, provenance,
source) beside those fields, never renaming them.

A cell is addressed everywhere by its dotted path in the export contract, e.g.
``applications.granted.natural_person`` or ``active_disclosure.fees.amount_10k_yuan``: violations,
provenance and the review queue all speak in these paths.

A value the source leaves blank is ``None`` — never 0. Counts are plain ``int`` (negative values are
allowed here so that the verifier, not the parser, reports them).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

SCHEMA_VERSION = "1"


def _decimal_to_json(value: Decimal | None) -> int | float | None:
    # JSON numbers, not strings: 6248.72 stays 6248.72 and an integral 252 stays 252.
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Amount = Annotated[Decimal, PlainSerializer(_decimal_to_json, return_type=Any, when_used="json")]
Count = int | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ---------------------------------------------------------------- table 2 (2021 format)


class DocumentCounts(_Strict):
    issued: Count = None
    repealed: Count = None
    in_force: Count = None


class Decisions(_Strict):
    decisions: Count = None


class Fees(_Strict):
    amount_10k_yuan: Amount | None = None


class ActiveDisclosure(_Strict):
    regulations: DocumentCounts = Field(default_factory=DocumentCounts)
    normative_documents: DocumentCounts = Field(default_factory=DocumentCounts)
    licensing: Decisions = Field(default_factory=Decisions)
    penalty: Decisions = Field(default_factory=Decisions)
    coercion: Decisions = Field(default_factory=Decisions)
    fees: Fees = Field(default_factory=Fees)


# ---------------------------------------------------------------- table 3

APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_COLUMNS[:-1]


class ApplicantCounts(_Strict):
    natural_person: Count = None
    commercial_enterprise: Count = None
    research_institution: Count = None
    social_welfare_org: Count = None
    legal_service_org: Count = None
    other_org: Count = None
    total: Count = None


RESULT_ROWS: tuple[str, ...] = (
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited_by_law",
    "denied_three_safeties_one_stability",
    "denied_third_party_rights",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_files",
    "denied_administrative_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear_after_correction",
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
    "other_no_correction",
    "other_unpaid_fee",
    "other",
)
APPLICATION_ROWS: tuple[str, ...] = (
    "new_received",
    "carried_over",
    *RESULT_ROWS,
    "results_total",
    "carried_to_next_year",
)


class Applications(_Strict):
    new_received: ApplicantCounts = Field(default_factory=ApplicantCounts)
    carried_over: ApplicantCounts = Field(default_factory=ApplicantCounts)
    granted: ApplicantCounts = Field(default_factory=ApplicantCounts)
    partially_granted: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_state_secret: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_prohibited_by_law: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_three_safeties_one_stability: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_third_party_rights: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_internal_affairs: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_process_info: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_enforcement_files: ApplicantCounts = Field(default_factory=ApplicantCounts)
    denied_administrative_query: ApplicantCounts = Field(default_factory=ApplicantCounts)
    unavailable_not_held: ApplicantCounts = Field(default_factory=ApplicantCounts)
    unavailable_needs_creation: ApplicantCounts = Field(default_factory=ApplicantCounts)
    unavailable_unclear_after_correction: ApplicantCounts = Field(default_factory=ApplicantCounts)
    not_processed_petition: ApplicantCounts = Field(default_factory=ApplicantCounts)
    not_processed_duplicate: ApplicantCounts = Field(default_factory=ApplicantCounts)
    not_processed_publication: ApplicantCounts = Field(default_factory=ApplicantCounts)
    not_processed_excessive: ApplicantCounts = Field(default_factory=ApplicantCounts)
    not_processed_confirmation: ApplicantCounts = Field(default_factory=ApplicantCounts)
    other_no_correction: ApplicantCounts = Field(default_factory=ApplicantCounts)
    other_unpaid_fee: ApplicantCounts = Field(default_factory=ApplicantCounts)
    other: ApplicantCounts = Field(default_factory=ApplicantCounts)
    results_total: ApplicantCounts = Field(default_factory=ApplicantCounts)
    carried_to_next_year: ApplicantCounts = Field(default_factory=ApplicantCounts)


# ---------------------------------------------------------------- table 4

REVIEW_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")


class OutcomeCounts(_Strict):
    upheld: Count = None
    corrected: Count = None
    other: Count = None
    pending: Count = None
    total: Count = None


class ReviewsLitigation(_Strict):
    review: OutcomeCounts = Field(default_factory=OutcomeCounts)
    litigation_direct: OutcomeCounts = Field(default_factory=OutcomeCounts)
    litigation_after_review: OutcomeCounts = Field(default_factory=OutcomeCounts)


# ---------------------------------------------------------------- the report (export contract v1)

Template = Literal["2021"]


class Report(_Strict):
    agency: str | None = None
    year: int | None = None
    template: Template = "2021"
    active_disclosure: ActiveDisclosure = Field(default_factory=ActiveDisclosure)
    applications: Applications = Field(default_factory=Applications)
    reviews_litigation: ReviewsLitigation = Field(default_factory=ReviewsLitigation)


TABLE2_CELLS: tuple[str, ...] = (
    "active_disclosure.regulations.issued",
    "active_disclosure.regulations.repealed",
    "active_disclosure.regulations.in_force",
    "active_disclosure.normative_documents.issued",
    "active_disclosure.normative_documents.repealed",
    "active_disclosure.normative_documents.in_force",
    "active_disclosure.licensing.decisions",
    "active_disclosure.penalty.decisions",
    "active_disclosure.coercion.decisions",
    "active_disclosure.fees.amount_10k_yuan",
)
TABLE3_CELLS: tuple[str, ...] = tuple(
    f"applications.{row}.{col}" for row in APPLICATION_ROWS for col in APPLICANT_COLUMNS
)
TABLE4_CELLS: tuple[str, ...] = tuple(
    f"reviews_litigation.{group}.{col}" for group in REVIEW_GROUPS for col in REVIEW_COLUMNS
)
ALL_CELLS: tuple[str, ...] = TABLE2_CELLS + TABLE3_CELLS + TABLE4_CELLS

CellValue = int | Decimal | None


def table_of(path: str) -> int:
    """2, 3 or 4: which printed table a cell path belongs to."""
    head = path.split(".", 1)[0]
    return {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}[head]


def get_cell(report: Report, path: str) -> CellValue:
    obj: Any = report
    for part in path.split("."):
        obj = getattr(obj, part)
    value: CellValue = obj
    return value


def set_cell(report: Report, path: str, value: CellValue) -> None:
    *parents, leaf = path.split(".")
    obj: Any = report
    for part in parents:
        obj = getattr(obj, part)
    setattr(obj, leaf, value)


def iter_cells(report: Report) -> Iterator[tuple[str, CellValue]]:
    yield from flatten(report).items()


def flatten(report: Report) -> dict[str, CellValue]:
    """Every cell of tables 2–4 by path, in template order (one dump, no per-cell attribute walks)."""
    data = report.model_dump(include={"active_disclosure", "applications", "reviews_litigation"})
    out: dict[str, CellValue] = {}
    for path in ALL_CELLS:
        table, row, col = path.split(".")
        out[path] = data[table][row][col]
    return out


def report_from_cells(cells: dict[str, CellValue], **fields: Any) -> Report:
    """Build a :class:`Report` (validated once) from cell values by path; absent cells are blank."""
    nested: dict[str, dict[str, dict[str, CellValue]]] = {}
    for path, value in cells.items():
        table, row, col = path.split(".")
        nested.setdefault(table, {}).setdefault(row, {})[col] = value
    return Report.model_validate({**fields, **nested})


# ---------------------------------------------------------------- what the tool adds

Severity = Literal["error", "warning"]
Status = Literal["verified", "rejected", "failed"]
# Why a report was rejected. "source_inconsistent": every value is present and reads as itself in the
# source, yet the identities break — the agency's own arithmetic, a finding to keep, not to "fix".
RejectionReason = Literal["source_inconsistent", "extraction_unverified"]
ProvenanceMethod = Literal["read", "blank", "inferred"]


class Span(_Strict):
    """Half-open character interval [start, end) in the normalised text."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


class Provenance(_Strict):
    """Where one cell's value came from."""

    span: Span
    text: str  # the characters at ``span``, kept so a saved result can be checked without its source
    method: ProvenanceMethod = "read"
    note: str | None = None


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
    backend: str
    version: str


class Record(Report):
    """One extraction: the export contract plus status, violations and provenance."""

    schema_version: str = SCHEMA_VERSION
    status: Status
    reason: RejectionReason | None = None
    violations: list[Violation] = Field(default_factory=list)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    source: SourceInfo | None = None
    extractor: ExtractorInfo | None = None

    def report(self) -> Report:
        return Report.model_validate(self.model_dump(include=set(Report.model_fields)))

    def export(self) -> dict[str, Any]:
        """The export contract v1 alone, as JSON-ready data."""
        return self.model_dump(mode="json", include=set(Report.model_fields))
