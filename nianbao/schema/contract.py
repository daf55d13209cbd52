"""The export contract v1 (``TEMPLATE.md``): a :class:`Report` and its three tables.

The table models are generated from :mod:`nianbao.schema.template`, so a row exists in exactly one
place; the 2019 and 2021 tables differ only where the template does. A value the source leaves blank is
``None`` — never 0. Counts are plain ``int`` (negative values are allowed here so that the verifier, not
the parser, reports them); amounts are ``Decimal`` and serialise as JSON numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializeAsAny,
    ValidationError,
    create_model,
    model_validator,
)

from nianbao.schema.template import ROWS, TABLE_KEYS, Column, Template, TemplateRow, cells_of

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
CellValue = int | Decimal | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


@dataclass(slots=True)
class Span:
    """Half-open character interval [start, end) in the normalised text.

    A plain dataclass, not a model: a report carries ~200 of them, made by the parsers by the thousand a
    second. pydantic validates them where they come in from outside (a record read back, a person's input)
    as fields of the models that hold them; parsers' own hand-offs are not re-validated."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


class ExtraRow(_Strict):
    """A provincial variant's additional table-2 row (湖北: 其他主动公开文件), kept with its label."""

    label: str
    values: list[Count] = Field(default_factory=list)
    spans: list[Span | None] = Field(default_factory=list)


class Table(_Strict):
    """Base of the generated table models (its fields are the template's rows)."""


_FIELD_TYPES: dict[str, Any] = {"count": Count, "signed": Count, "amount": Amount | None, "unit": str | None}


@cache
def _row_model(columns: tuple[Column, ...], name: str) -> type[_Strict]:
    fields: dict[str, Any] = {c.key: (_FIELD_TYPES[c.kind], None) for c in columns}
    return create_model(name, __base__=_Strict, **fields)


def _camel(key: str) -> str:
    return "".join(part.title() for part in key.split("_"))


def _table_model(name: str, rows: tuple[TemplateRow, ...], extra_rows: bool = False) -> type[Table]:
    fields: dict[str, Any] = {}
    for r in rows:
        model = _row_model(r.columns, f"{_camel(r.key)}Row")
        fields[r.key] = (model, Field(default_factory=model))
    if extra_rows:
        fields["extra"] = (list[ExtraRow], Field(default_factory=list))
    return create_model(name, __base__=Table, **fields)


TABLE_MODELS: dict[Template, dict[int, type[Table]]] = {
    "2021": {
        2: _table_model("ActiveDisclosure", ROWS["2021"][2]),
        3: _table_model("Applications", ROWS["2021"][3]),
        4: _table_model("ReviewsLitigation", ROWS["2021"][4]),
    },
    "2019": {
        2: _table_model("ActiveDisclosure2019", ROWS["2019"][2], extra_rows=True),
        3: _table_model("Applications2019", ROWS["2019"][3]),
    },
}
TABLE_MODELS["2019"][4] = TABLE_MODELS["2021"][4]


def table_model(template: str, table: int) -> type[Table]:
    return TABLE_MODELS["2019" if template == "2019" else "2021"][table]


def _validate_table(model: type[Table], key: str, value: dict[str, Any]) -> Table:
    try:
        return model.model_validate(value)
    except ValidationError as e:  # say where in the report, as a whole-report validation would
        errors = [{**err, "loc": (key, *err["loc"])} for err in e.errors()]
        raise ValidationError.from_exception_data(e.title, errors) from None  # type: ignore[arg-type]


class Report(_Strict):
    """The export contract v1. ``template`` says which format's fields tables 2 and 3 carry."""

    agency: str | None = None
    year: int | None = None
    template: Template = "2021"
    active_disclosure: SerializeAsAny[Table] = Field(default_factory=TABLE_MODELS["2021"][2])
    applications: SerializeAsAny[Table] = Field(default_factory=TABLE_MODELS["2021"][3])
    reviews_litigation: SerializeAsAny[Table] = Field(default_factory=TABLE_MODELS["2021"][4])

    @model_validator(mode="before")
    @classmethod
    def _tables_by_template(cls, data: Any) -> Any:
        # Each table is validated by the model its template calls for: the fields alone cannot tell a
        # 2019 table 3 from a 2021 one with two rows missing.
        if isinstance(data, dict):
            template = data.get("template", "2021")
            data = dict(data)
            for table, key in TABLE_KEYS.items():
                value = data.get(key)
                if isinstance(value, dict):
                    data[key] = _validate_table(table_model(template, table), key, value)
                elif value is None and template == "2019" and table != 4:
                    data[key] = table_model(template, table)()
        return data

    @model_validator(mode="after")
    def _tables_match_template(self) -> Report:
        for table, key in TABLE_KEYS.items():
            if type(getattr(self, key)) is not table_model(self.template, table):
                raise ValueError(f"table {table} does not have the fields of the {self.template} format")
        return self


def contract_json(report: Report) -> dict[str, Any]:
    """The export contract v1 of a report as JSON-ready data; an extra row's spans are provenance, left out."""
    data = report.model_dump(mode="json", include=set(Report.model_fields))
    for row in data["active_disclosure"].get("extra", []):
        row.pop("spans", None)
    return data


# ---------------------------------------------------------------- cells by path


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


@lru_cache(maxsize=4)
def _split_paths(template: str) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((p, *p.split(".")) for p in cells_of(template))  # type: ignore[misc]


def flatten(report: Report) -> dict[str, CellValue]:
    """Every cell of tables 2–4 by path, in template order (one dump, no per-cell attribute walks)."""
    data = report.model_dump(include={"active_disclosure", "applications", "reviews_litigation"})
    return {path: data[table][row][col] for path, table, row, col in _split_paths(report.template)}


def report_from_cells(cells: dict[str, CellValue], **fields: Any) -> Report:
    """Build a :class:`Report` (validated once) from cell values by path; absent cells are blank.
    ``fields`` are the report's other fields, and ``active_disclosure.<row>`` entries for table-2 rows
    that are not cells (湖北's extra rows, the procurement unit)."""
    nested: dict[str, dict[str, Any]] = {key: {} for key in TABLE_KEYS.values()}
    for path, value in cells.items():
        table, row, col = path.split(".")
        nested[table].setdefault(row, {})[col] = value
    template = fields.get("template", "2021")
    for key, value in list(fields.items()):
        if key.startswith("active_disclosure."):
            nested["active_disclosure"][key.split(".", 1)[1]] = value
            del fields[key]
    tables = {key: table_model(template, t).model_validate(nested[key]) for t, key in TABLE_KEYS.items()}
    return Report.model_validate({**fields, **tables})
