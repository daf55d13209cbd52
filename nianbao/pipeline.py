"""One report file in, one :class:`Record` out: read → normalise → extract → verify."""

from __future__ import annotations

import hashlib
from pathlib import Path

from extractor import rules
from extractor.normalize import normalize
from extractor.readers import read_document
from findings import check_report
from findings.identity import agency_level
from nianbao.errors import NianbaoError
from nianbao.schema import ExtractorInfo, Record, SourceInfo
from verifier import verify


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_normalized(path: str | Path) -> tuple[str, SourceInfo]:
    doc = read_document(path)
    text = normalize(doc.raw_text)
    info = SourceInfo(
        path=str(path),
        format=doc.format,
        sha256=doc.sha256,
        normalized_sha256=sha256_text(text),
        encoding=doc.encoding,
    )
    return text, info


def extract_text(text: str, source: SourceInfo) -> Record:
    """Extract and verify already-normalised text."""
    result = rules.extract_rules(text)
    verdict = verify(result.report, result.provenance, text, result.issues)
    # Findings for auditors (period, narrative vs tables, plausibility): warnings beside the verdict.
    warnings = check_report(text, result.report)
    return Record(
        **result.report.model_dump(),
        agency_level=agency_level(result.report.agency),
        status=verdict.status,
        reason=verdict.reason,
        violations=[*verdict.violations, *warnings],
        provenance=result.provenance,
        notes=result.notes,
        source=source,
        extractor=ExtractorInfo(backend=rules.BACKEND, version=rules.VERSION),
    )


def extract_file(path: str | Path) -> Record:
    """Raises :class:`NianbaoError` (naming the file) when the file cannot give an extraction at all."""
    try:
        text, source = load_normalized(path)
        return extract_text(text, source)
    except NianbaoError as e:
        raise e.with_file(path) from None


def failed_record(path: str | Path, error: NianbaoError) -> dict[str, object]:
    """The JSON written for a file that gave no extraction, so a batch's output accounts for every file."""
    return {"source": {"path": str(path)}, "status": "failed", "error": error.to_dict()}
