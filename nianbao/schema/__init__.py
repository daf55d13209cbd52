"""The ground floor: the printed template, the export contract, and the tool's own records.

- :mod:`nianbao.schema.template` — rows, columns, labels as printed, cell paths, identities;
- :mod:`nianbao.schema.contract` — the export contract v1 (:class:`Report`), generated from the template;
- :mod:`nianbao.schema.records` — provenance, violations, attempts, usage, and the :class:`Record`.

Everything is re-exported here; nothing in this package imports any other part of nianbao.
"""

from nianbao.schema.contract import (
    SCHEMA_VERSION,
    Amount,
    CellValue,
    Count,
    ExtraRow,
    Report,
    Span,
    Table,
    contract_json,
    flatten,
    get_cell,
    report_from_cells,
    set_cell,
    table_model,
)
from nianbao.schema.records import (
    UNREAD_MARK,
    ExtractorInfo,
    LLMAttempt,
    Provenance,
    ProvenanceJSON,
    ProvenanceMethod,
    Record,
    RejectionReason,
    ScanInfo,
    Severity,
    SourceInfo,
    Status,
    Usage,
    Violation,
    provenance_entries,
    provenance_json,
)
from nianbao.schema.template import (
    ALL_CELLS,
    ALL_CELLS_2019,
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    APPLICATION_ROWS_2019,
    BALANCE,
    CELLS_BY_TEMPLATE,
    GROUP_TOTAL,
    IDENTITY_RULE_NAMES,
    RESULT_ROWS,
    RESULT_ROWS_2019,
    RESULTS_SUM,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    ROW_TOTAL,
    SIGNED_CELLS,
    TABLE2_CELLS,
    TABLE2_CELLS_2019,
    TABLE3_CELLS,
    TABLE3_CELLS_2019,
    TABLE4_CELLS,
    SumIdentity,
    Template,
    TemplateRow,
    cell_label,
    cells_of,
    sum_identities,
    table_of,
)

__all__ = [
    "ALL_CELLS", "ALL_CELLS_2019", "APPLICANT_COLUMNS", "APPLICANT_PARTS", "APPLICATION_ROWS", "APPLICATION_ROWS_2019",
    "BALANCE", "CELLS_BY_TEMPLATE", "GROUP_TOTAL", "IDENTITY_RULE_NAMES", "RESULTS_SUM", "RESULT_ROWS",
    "RESULT_ROWS_2019", "REVIEW_COLUMNS", "REVIEW_GROUPS", "ROW_TOTAL", "SCHEMA_VERSION", "SIGNED_CELLS",
    "TABLE2_CELLS", "TABLE2_CELLS_2019", "TABLE3_CELLS", "TABLE3_CELLS_2019", "TABLE4_CELLS", "UNREAD_MARK", "Amount",
    "CellValue", "Count", "ExtraRow", "ExtractorInfo", "LLMAttempt", "Provenance", "ProvenanceJSON",
    "ProvenanceMethod", "Record", "RejectionReason", "Report", "ScanInfo", "Severity", "SourceInfo", "Span", "Status",
    "SumIdentity", "Table", "Template", "TemplateRow", "Usage", "Violation", "cell_label", "cells_of", "contract_json",
    "flatten", "get_cell", "provenance_entries", "provenance_json", "report_from_cells", "set_cell", "sum_identities",
    "table_model", "table_of",
]  # fmt: skip
