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
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

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


class Span(_Strict):
    """Half-open character interval [start, end) in the normalised text."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


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


# ---------------------------------------------------------------- table 2 (2019 format)


class PublishedCounts(_Strict):
    new_made: Count = None
    new_published: Count = None
    total_published: Count = None


class ItemCounts(_Strict):
    items_last_year: Count = None
    change: Count = None  # signed: 减4 / -8 → −4 / −8
    decisions: Count = None


class FeeItems(_Strict):
    items_last_year: Count = None
    change: Count = None


class Procurement(_Strict):
    projects: Count = None
    amount: Amount | None = None  # as printed, in ``amount_unit``
    amount_unit: str | None = None  # "元", "万元", or None when the report does not say


class ExtraRow(_Strict):
    """A provincial variant's additional row (湖北: 其他主动公开文件), kept with its label."""

    label: str
    values: list[Count] = Field(default_factory=list)
    spans: list[Span | None] = Field(default_factory=list)


class ActiveDisclosure2019(_Strict):
    regulations: PublishedCounts = Field(default_factory=PublishedCounts)
    normative_documents: PublishedCounts = Field(default_factory=PublishedCounts)
    licensing: ItemCounts = Field(default_factory=ItemCounts)
    other_admin_services: ItemCounts = Field(default_factory=ItemCounts)
    penalty: ItemCounts = Field(default_factory=ItemCounts)
    coercion: ItemCounts = Field(default_factory=ItemCounts)
    fees: FeeItems = Field(default_factory=FeeItems)
    procurement: Procurement = Field(default_factory=Procurement)
    extra: list[ExtraRow] = Field(default_factory=list)


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


class Applications2019(_Strict):
    """The 2019 format's table 3: （六）其他处理 is one row, exported as ``other``."""

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
    other: ApplicantCounts = Field(default_factory=ApplicantCounts)
    results_total: ApplicantCounts = Field(default_factory=ApplicantCounts)
    carried_to_next_year: ApplicantCounts = Field(default_factory=ApplicantCounts)


RESULT_ROWS_2019: tuple[str, ...] = tuple(
    r for r in RESULT_ROWS if r not in ("other_no_correction", "other_unpaid_fee")
)
APPLICATION_ROWS_2019: tuple[str, ...] = (
    "new_received",
    "carried_over",
    *RESULT_ROWS_2019,
    "results_total",
    "carried_to_next_year",
)


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

Template = Literal["2021", "2019"]


class Report(_Strict):
    """The export contract v1. ``template`` says which format's fields tables 2 and 3 carry."""

    agency: str | None = None
    year: int | None = None
    template: Template = "2021"
    active_disclosure: ActiveDisclosure | ActiveDisclosure2019 = Field(default_factory=ActiveDisclosure)
    applications: Applications | Applications2019 = Field(default_factory=Applications)
    reviews_litigation: ReviewsLitigation = Field(default_factory=ReviewsLitigation)

    @model_validator(mode="before")
    @classmethod
    def _tables_by_template(cls, data: Any) -> Any:
        # The union cannot tell a 2019 table 3 from a 2021 one with two rows missing: the template does.
        if isinstance(data, dict) and data.get("template") == "2019":
            data = dict(data)
            for key, model in (("active_disclosure", ActiveDisclosure2019), ("applications", Applications2019)):
                if isinstance(data.get(key), dict):
                    data[key] = model.model_validate(data[key])
        return data

    @model_validator(mode="after")
    def _tables_match_template(self) -> Report:
        want = (ActiveDisclosure2019, Applications2019) if self.template == "2019" else (ActiveDisclosure, Applications)
        if not isinstance(self.active_disclosure, want[0]) or not isinstance(self.applications, want[1]):
            raise ValueError(f"tables 2 and 3 do not have the fields of the {self.template} format")
        return self


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

TABLE2_CELLS_2019: tuple[str, ...] = (
    *(f"active_disclosure.{r}.{c}" for r in ("regulations", "normative_documents")
      for c in ("new_made", "new_published", "total_published")),
    *(f"active_disclosure.{r}.{c}" for r in ("licensing", "other_admin_services", "penalty", "coercion")
      for c in ("items_last_year", "change", "decisions")),
    "active_disclosure.fees.items_last_year",
    "active_disclosure.fees.change",
    "active_disclosure.procurement.projects",
    "active_disclosure.procurement.amount",
)  # fmt: skip
TABLE3_CELLS_2019: tuple[str, ...] = tuple(
    f"applications.{row}.{col}" for row in APPLICATION_ROWS_2019 for col in APPLICANT_COLUMNS
)
ALL_CELLS_2019: tuple[str, ...] = TABLE2_CELLS_2019 + TABLE3_CELLS_2019 + TABLE4_CELLS
CELLS_BY_TEMPLATE: dict[str, tuple[str, ...]] = {"2021": ALL_CELLS, "2019": ALL_CELLS_2019}
SIGNED_CELLS = frozenset(p for p in TABLE2_CELLS_2019 if p.endswith(".change"))

CellValue = int | Decimal | None


def cells_of(template: str) -> tuple[str, ...]:
    return CELLS_BY_TEMPLATE[template]


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


_SPLIT: dict[str, tuple[tuple[str, str, str, str], ...]] = {}


def _split_paths(template: str) -> tuple[tuple[str, str, str, str], ...]:
    if template not in _SPLIT:
        _SPLIT[template] = tuple((p, *p.split(".")) for p in CELLS_BY_TEMPLATE[template])  # type: ignore[misc]
    return _SPLIT[template]


def flatten(report: Report) -> dict[str, CellValue]:
    """Every cell of tables 2–4 by path, in template order (one dump, no per-cell attribute walks)."""
    data = report.model_dump(include={"active_disclosure", "applications", "reviews_litigation"})
    return {path: data[table][row][col] for path, table, row, col in _split_paths(report.template)}


def report_from_cells(cells: dict[str, CellValue], **fields: Any) -> Report:
    """Build a :class:`Report` (validated once) from cell values by path; absent cells are blank."""
    nested: dict[str, dict[str, Any]] = {"active_disclosure": {}, "applications": {}, "reviews_litigation": {}}
    for path, value in cells.items():
        table, row, col = path.split(".")
        nested[table].setdefault(row, {})[col] = value
    template = fields.get("template", "2021")
    for key, value in list(fields.items()):
        if key.startswith("active_disclosure."):
            nested["active_disclosure"][key.split(".", 1)[1]] = value
            del fields[key]
    # Each table validated once by the model its template calls for (a union would try both).
    t2_model, t3_model = (
        (ActiveDisclosure2019, Applications2019) if template == "2019" else (ActiveDisclosure, Applications)
    )
    tables = {
        "active_disclosure": t2_model.model_validate(nested["active_disclosure"]),
        "applications": t3_model.model_validate(nested["applications"]),
        "reviews_litigation": ReviewsLitigation.model_validate(nested["reviews_litigation"]),
    }
    return Report.model_validate({**fields, **tables})


# ---------------------------------------------------------------- the identities (TEMPLATE.md 1–4)

ROW_TOTAL = "t3_row_total"  # identity 1
RESULTS_SUM = "t3_results_sum"  # identity 2
BALANCE = "t3_balance"  # identity 3
GROUP_TOTAL = "t4_group_total"  # identity 4


@dataclass(frozen=True)
class SumIdentity:
    """One instance of an identity of TEMPLATE.md: sum(parts) == sum(totals), with the words to say it.
    Defined here, with the template, so that the verifier (which checks them), the parser (which forces
    printed blanks to 0 by them) and the aligner (which places run-together cells by them) agree."""

    rule: str
    parts: tuple[str, ...]
    totals: tuple[str, ...]
    what: str


@lru_cache(maxsize=8)
def sum_identities(rows: tuple[str, ...], result_rows: tuple[str, ...]) -> tuple[SumIdentity, ...]:
    """Identities 1–4 over the rows a template has (built once per template, not per report)."""
    out = [
        SumIdentity(ROW_TOTAL, tuple(f"applications.{row}.{c}" for c in APPLICANT_PARTS),
                    (f"applications.{row}.total",),
                    f"table 3 row {row}: column 总计 should equal the sum of the six applicant columns")
        for row in rows
    ]  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            SumIdentity(RESULTS_SUM, tuple(f"applications.{row}.{col}" for row in result_rows),
                 (f"applications.results_total.{col}",),
                 f"table 3 column {col}: row （七）总计 should equal the sum of the result rows")
        )  # fmt: skip
    for col in APPLICANT_COLUMNS:
        out.append(
            SumIdentity(BALANCE, (f"applications.new_received.{col}", f"applications.carried_over.{col}"),
                 (f"applications.results_total.{col}", f"applications.carried_to_next_year.{col}"),
                 f"table 3 column {col}: 一+二 (new + carried over) should equal 三+四 "
                 "(results total + carried to next year)")
        )  # fmt: skip
    for group in REVIEW_GROUPS:
        out.append(
            SumIdentity(GROUP_TOTAL, tuple(f"reviews_litigation.{group}.{c}" for c in REVIEW_COLUMNS[:-1]),
                 (f"reviews_litigation.{group}.total",),
                 f"table 4 group {group}: 总计 should equal 维持 + 纠正 + 其他 + 尚未审结")
        )  # fmt: skip
    return tuple(out)


# ---------------------------------------------------------------- what the tool adds

Severity = Literal["error", "warning"]
Status = Literal["verified", "rejected", "failed"]
# Why a report was rejected. "source_inconsistent": every value is present and reads as itself in the
# source, yet the identities break — the agency's own arithmetic, a finding to keep, not to "fix".
RejectionReason = Literal["source_inconsistent", "extraction_unverified"]
# "reviewed": a value a person set in the review queue; the decision (who, when, why) is in the store
ProvenanceMethod = Literal["read", "blank", "inferred", "reviewed"]


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


class Record(Report):
    """One extraction: the export contract plus status, violations and provenance."""

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

    def report(self) -> Report:
        return Report.model_validate(self.model_dump(include=set(Report.model_fields)))

    def export(self) -> dict[str, Any]:
        """The export contract v1 alone, as JSON-ready data."""
        return contract_json(self)


def contract_json(report: Report) -> dict[str, Any]:
    """The export contract v1 of a report as JSON-ready data; an extra row's spans are provenance, left out."""
    data = report.model_dump(mode="json", include=set(Report.model_fields))
    for row in data["active_disclosure"].get("extra", []):
        row.pop("spans", None)
    return data
