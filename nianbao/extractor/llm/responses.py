"""Compact response models: what the model is asked to produce, one table at a time.

Rows are arrays in the printed column order (table 3: 25 rows × 7 numbers), so the JSON schema the
server enforces is small and the answer short; :func:`to_cells` maps an answer onto the schema's paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from nianbao.schema import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    CellValue,
)

Row7 = list[int | None]
Row5 = list[int | None]
Row3 = list[int | None]


class _Compact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Table2Answer(_Compact):
    """Table 2, 2021 format."""

    regulations: Row3 = Field(min_length=3, max_length=3)
    normative_documents: Row3 = Field(min_length=3, max_length=3)
    licensing: int | None
    penalty: int | None
    coercion: int | None
    fees: Decimal | None


# Table 3: each row's 7 numbers in the column order 自然人…总计 (25 fields, built from the schema's rows).
Table3Answer: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Table3Answer",
    __base__=_Compact,
    **{row: (Row7, Field(min_length=7, max_length=7)) for row in APPLICATION_ROWS},
)


class Table4Answer(_Compact):
    """Table 4: each group's 5 numbers: 维持, 纠正, 其他, 尚未审结, 总计."""

    review: Row5 = Field(min_length=5, max_length=5)
    litigation_direct: Row5 = Field(min_length=5, max_length=5)
    litigation_after_review: Row5 = Field(min_length=5, max_length=5)


ANSWERS: dict[int, type[BaseModel]] = {2: Table2Answer, 3: Table3Answer, 4: Table4Answer}


def _by_path(table: int, data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each cell of an answer's dump (a v1 number or a v2 cell with its evidence) with its cell path: the one
    mapping from the compact answer fields to the schema's paths, for both prompt versions."""
    if table == 2:
        for row in ("regulations", "normative_documents"):
            for col, v in zip(("issued", "repealed", "in_force"), data[row], strict=True):
                yield f"active_disclosure.{row}.{col}", v
        for row in ("licensing", "penalty", "coercion"):
            yield f"active_disclosure.{row}.decisions", data[row]
        yield "active_disclosure.fees.amount_10k_yuan", data["fees"]
    elif table == 3:
        for row in APPLICATION_ROWS:
            for col, v in zip(APPLICANT_COLUMNS, data[row], strict=True):
                yield f"applications.{row}.{col}", v
    else:
        for group in REVIEW_GROUPS:
            for col, v in zip(REVIEW_COLUMNS, data[group], strict=True):
                yield f"reviews_litigation.{group}.{col}", v


def to_cells(table: int, answer: BaseModel) -> dict[str, CellValue]:
    return dict(_by_path(table, answer.model_dump()))


# ---------------------------------------------------------------- prompt v2: every cell with its evidence


class Cell(_Compact):
    """One cell and where it was printed: a marked number's id ("17"), a digit range of it ("17:0-2"),
    "blank", "inferred" (printed blank, 0 forced by the identities) or "none" (the row is not printed)."""

    v: int | None
    e: str = Field(max_length=24)


class FeeCell(_Compact):
    v: Decimal | None
    e: str = Field(max_length=24)


Cells7 = list[Cell]
Cells5 = list[Cell]
Cells3 = list[Cell]


class Table2Evidence(_Compact):
    """Table 2, 2021 format, each cell with its evidence."""

    regulations: Cells3 = Field(min_length=3, max_length=3)
    normative_documents: Cells3 = Field(min_length=3, max_length=3)
    licensing: Cell
    penalty: Cell
    coercion: Cell
    fees: FeeCell


Table3Evidence: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Table3Evidence",
    __base__=_Compact,
    **{row: (Cells7, Field(min_length=7, max_length=7)) for row in APPLICATION_ROWS},
)


class Table4Evidence(_Compact):
    """Table 4, each group's 5 cells (维持, 纠正, 其他, 尚未审结, 总计) with their evidence."""

    review: Cells5 = Field(min_length=5, max_length=5)
    litigation_direct: Cells5 = Field(min_length=5, max_length=5)
    litigation_after_review: Cells5 = Field(min_length=5, max_length=5)


EVIDENCE_ANSWERS: dict[int, type[BaseModel]] = {2: Table2Evidence, 3: Table3Evidence, 4: Table4Evidence}


def to_cited(table: int, answer: BaseModel) -> dict[str, tuple[CellValue, str]]:
    """An evidence answer by cell path: (value, evidence)."""
    data = answer.model_dump()

    def pair(c: dict[str, object]) -> tuple[CellValue, str]:
        v = c["v"]
        return (v if v is None or isinstance(v, int | Decimal) else Decimal(str(v))), str(c["e"]).strip()

    return {path: pair(c) for path, c in _by_path(table, data)}
