"""nianbao: verified extraction of government information-disclosure annual report tables.

The public API (everything else is internal and may change)::

    import nianbao

    result = nianbao.extract("report.pdf")          # a Record: .status, .reason, .violations, .to_json()
    result.status                                    # "verified" | "rejected"
    nianbao.verify(result)                           # judged again (against the source if unchanged)
    with nianbao.Store("nianbao.db") as store: ...   # the results store that ``nianbao run`` fills

Every error nianbao raises on purpose is a :class:`NianbaoError`. Members are imported on first use, so
``import nianbao`` (and ``nianbao --version``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from nianbao.api import extract, verify
    from nianbao.errors import (
        BinaryFileError,
        DecodingError,
        EmptyFileError,
        EvalSetupError,
        ExportError,
        ExtractionError,
        InputError,
        InternalError,
        LLMError,
        NianbaoError,
        NoTablesError,
        RecordError,
        ReviewError,
        StoreError,
        UnreadableFileError,
        UnsupportedFormatError,
        UnsupportedTemplateError,
        UsageError,
    )
    from nianbao.extractor.llm.config import LLMConfig
    from nianbao.schema import Provenance, Record, Report, Span, Violation
    from nianbao.store import Store

_MEMBERS: dict[str, str] = {
    "extract": "nianbao.api",
    "verify": "nianbao.api",
    "Record": "nianbao.schema",
    "Report": "nianbao.schema",
    "Violation": "nianbao.schema",
    "Provenance": "nianbao.schema",
    "Span": "nianbao.schema",
    "Store": "nianbao.store",
    "LLMConfig": "nianbao.extractor.llm.config",
    **{
        name: "nianbao.errors"
        for name in (
            "NianbaoError", "InputError", "UnreadableFileError", "EmptyFileError", "BinaryFileError",
            "DecodingError", "UnsupportedFormatError", "ExtractionError", "NoTablesError",
            "UnsupportedTemplateError", "LLMError", "InternalError", "RecordError", "StoreError", "ReviewError",
            "ExportError", "EvalSetupError", "UsageError",
        )
    },
}  # fmt: skip

__all__ = [
    "BinaryFileError", "DecodingError", "EmptyFileError", "EvalSetupError", "ExportError", "ExtractionError",
    "InputError", "InternalError", "LLMConfig", "LLMError", "NianbaoError", "NoTablesError", "Provenance", "Record",
    "RecordError", "Report", "ReviewError", "Span", "Store", "StoreError", "UnreadableFileError",
    "UnsupportedFormatError", "UnsupportedTemplateError", "UsageError", "Violation", "__version__", "extract", "verify",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _MEMBERS.get(name)
    if module is None:
        raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MEMBERS))
