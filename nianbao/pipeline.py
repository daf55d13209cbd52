"""One report file in, one :class:`Record` out: read → normalise → extract → verify.

The pipeline owns acceptance: the rules parser and the LLM extractor propose readings, the verifier
judges them, and the LLM's re-ask loop is handed :func:`judge_for` rather than calling the verifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import InternalError, NianbaoError
from nianbao.extractor import rules
from nianbao.extractor.document import Document, ScanPage
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers import read_document
from nianbao.extractor.readers.gazetteer import unknown_place
from nianbao.extractor.sections import locate_sections
from nianbao.findings import check_report
from nianbao.findings.identity import agency_level
from nianbao.schema import (
    ExtractorInfo,
    LLMAttempt,
    Provenance,
    Record,
    Report,
    ScanInfo,
    SourceInfo,
    Usage,
    Violation,
    flatten,
    report_from_cells,
    table_of,
)
from nianbao.verifier import Verdict, verify
from nianbao.verifier.outcome import rejection_reason

if TYPE_CHECKING:
    from nianbao.extractor.llm.config import LLMConfig


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_normalized(path: str | Path) -> tuple[str, SourceInfo]:
    text, info, _doc = _load(path)
    return text, info


def _load(path: str | Path) -> tuple[str, SourceInfo, Document]:
    doc = read_document(path)
    text = normalize(doc.raw_text)
    info = SourceInfo(
        path=str(path),
        format=doc.format,
        sha256=doc.sha256,
        normalized_sha256=sha256_text(text),
        encoding=doc.encoding,
    )
    return text, info, doc


def locate_on_scan(text: str, pages: tuple[ScanPage, ...], provenance: dict[str, Provenance]) -> ScanInfo:
    """Each value's page and box on a scan: the line its span lies in is found among the pages' table
    lines (by its normalised text: offsets differ between the OCR text and the normalised one), and the
    tab-separated cell the span starts in names the box."""
    from nianbao.extractor.readers.ocr import join_rows

    where: dict[str, tuple[int, tuple[tuple[int, int, int, int], ...]]] = {}
    for k, page in enumerate(pages):
        for line, boxes in page.lines:
            where.setdefault(normalize(line).strip("\n"), (page.number, boxes))
        after = pages[k + 1] if k + 1 < len(pages) else None
        if after is not None and after.number == page.number + 1 and page.lines and after.lines:
            (last, boxes), (first, _) = page.lines[-1], after.lines[0]  # a row the page break cut, joined
            if (joined := join_rows(last, first)) is not None:
                where.setdefault(normalize(joined).strip("\n"), (page.number, boxes))
    cells: dict[str, tuple[int, int, int, int, int]] = {}
    for path, prov in provenance.items():
        start = prov.span.start
        if prov.method not in ("read", "blank") or not 0 <= start <= len(text):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        hit = where.get(text[line_start : line_end if line_end >= 0 else len(text)])
        if hit is None:
            continue
        column = text.count("\t", line_start, start) - 1  # the line starts with a tab before its first cell
        at_page, cell_boxes = hit
        if 0 <= column < len(cell_boxes):
            cells[path] = (at_page, *cell_boxes[column])
    return ScanInfo(pages={p.number: (p.width, p.height, p.dpi, p.turn) for p in pages}, cells=cells)


BACKENDS: tuple[str, ...] = ("rules", "llm", "auto")
# Violations raised while extracting (not by re-checking values): they stay errors in a later
# re-verification until every cell they name has a value with provenance.
EXTRACTION_RULES = frozenset({"ambiguous", "evidence", "no_section", "schema", "no_llm", "unreadable", "ocr_identity"})


def judge_for(text: str) -> Callable[[Report, dict[str, Provenance]], list[Violation]]:
    """The verifier over one report's text, as the judge the LLM extractor's re-ask loop is handed."""

    def judge(report: Report, provenance: dict[str, Provenance]) -> list[Violation]:
        return verify(report, provenance, text).errors

    return judge


def source_if_unchanged(source: SourceInfo | None, *elsewhere: Path) -> tuple[str | None, str | None]:
    """The normalised source text of a saved result, if the file is still there (at its recorded path or
    one of ``elsewhere``) and unchanged since extraction; else None and why not."""
    if source is None:
        return None, "no source recorded"
    for candidate in (Path(source.path), *elsewhere):
        if candidate.is_file():
            try:
                text, info = load_normalized(candidate)
            except NianbaoError as e:
                return None, f"source unreadable: {e.reason}"
            if info.normalized_sha256 != source.normalized_sha256:
                return None, f"source {candidate} has changed since extraction"
            return text, None
    return None, f"source {source.path} not found"


def source_places(stored: str, saved: Path) -> list[Path]:
    """Where else a saved result's source may be, besides its recorded path (relative to the folder
    ``extract`` ran in): that path under the result file's folder and each folder above it (``verify`` run
    from another folder, the results written under the folder it ran in), and the result's own folder.
    Any found is used only if its text is the one extracted (its hash is checked)."""
    recorded = Path(stored)
    if recorded.is_absolute():
        return []
    folder = saved.resolve().parent
    return [*(f / recorded for f in (folder, *folder.parents)), folder / recorded.name]


def reverify(record: Record, text: str | None) -> Record:
    """A saved result judged again: identities, and grounding against ``text`` (else the stored excerpts).
    What the extraction itself could not read stays an error until its cells carry a value with provenance
    — a re-check never forgives."""
    carried = [
        v for v in record.errors
        if v.rule in EXTRACTION_RULES and (not v.cells or any(c not in record.provenance for c in v.cells))
    ]  # fmt: skip
    fmt = record.source.format if record.source else ""
    verdict = scan_doubt(verify(record.report(), record.provenance, text, carried), fmt)
    return record.model_copy(
        update={"status": verdict.status, "reason": verdict.reason, "violations": verdict.violations}
    )


def _identity_on_scan(record: Record, pages: tuple[ScanPage, ...]) -> Record:
    """A scan whose title (the agency's name) OCR read differently from different crops is not verified:
    nothing checks a name as the identities check numbers, and a report filed under a misread agency is
    wrong data. A person confirms it with the page. On the first page (the title's) any disagreement on a
    line holding the name counts: a name misread the same at every crop (沭 read 沐) shows only as the
    line's other readings differing. A later page's top line is a body sentence, not the title: there only
    a disagreement on the name itself counts (a bracket read 〔 at one crop and 【 at another, far from the
    name, is no doubt about it)."""
    if not record.agency or record.year is None:
        # no title read (the cheap reading of a text page reads its top quarter and short lines: a web page's
        # print puts the title under the site's chrome): a report filed under no agency is not verified
        missing = Violation(
            rule="ocr_identity", severity="error", cells=[],
            message="no agency name and year were read from the scan's title (it may lie outside what was read); "
            "name the report from the page",
        )  # fmt: skip
        violations = [missing, *record.violations]
        if record.status != "verified":
            return record.model_copy(update={"violations": violations})
        return record.model_copy(
            update={"status": "rejected", "reason": "extraction_unverified", "violations": violations}
        )
    unknown = unknown_place(record.agency)
    if unknown:
        doubt = Violation(
            rule="ocr_identity", severity="error", cells=[],
            message=f"the agency's name ({record.agency}) opens with {unknown}, no division of China's: a name "
            "the OCR read the same at every crop can still be misread (沭阳县 as 沐阳县); confirm it against the page",
        )  # fmt: skip
        return record.model_copy(
            update={"status": "rejected", "reason": "extraction_unverified", "violations": [doubt, *record.violations]}
        )
    first = min((page.number for page in pages), default=0)
    for page in pages:
        for line, readings in page.doubts:
            if record.agency not in normalize(line):
                continue
            if page.number == first or not all(record.agency in normalize(r) for r in readings):
                doubt = Violation(
                    rule="ocr_identity", severity="error", cells=[],
                    message=f"the agency's name ({record.agency}) was read differently from the scan's title "
                    f"at different crops ({' / '.join(readings)}); confirm it against the page",
                )  # fmt: skip
                return record.model_copy(
                    update={"status": "rejected", "reason": "extraction_unverified",
                            "violations": [doubt, *record.violations]}
                )  # fmt: skip
    return record


def scan_doubt(verdict: Verdict, fmt: str) -> Verdict:
    """On an OCR'd scan a broken identity is not evidence of the agency's arithmetic: a misread digit breaks
    it the same way. Such a report is not called source-inconsistent; a person decides, with the page."""
    if fmt != "scan" or verdict.reason != "source_inconsistent":
        return verdict
    doubt = Violation(
        rule="ocr_unconfirmed", severity="error", cells=[],
        message="an identity fails on an OCR'd scan: a misread digit or the agency's own arithmetic — "
        "the scan cannot tell which; check the cells against the page image",
    )  # fmt: skip
    return Verdict("rejected", "extraction_unverified", [doubt, *verdict.violations])


def tables_for_llm(verdict: Verdict, backend: str, template: str) -> list[int]:
    """Which tables to ask the LLM about: all (llm); in auto, those whose cells the verifier could not
    accept — unless the report is faithfully read and only its own arithmetic breaks (asking again would
    only repeat the printed numbers)."""
    if backend == "rules" or template != "2021":
        return []
    if backend == "llm":
        return [2, 3, 4]
    if verdict.status == "verified" or verdict.reason == "source_inconsistent":
        return []
    return sorted({table_of(c) for v in verdict.errors for c in v.cells})


def extract_text(text: str, source: SourceInfo, backend: str = "auto", llm: LLMConfig | None = None) -> Record:
    """Extract and verify already-normalised text: the rules parser, then (backend llm/auto) the LLM for
    what the rules could not read, judged by the same verifier."""
    result = rules.extract_rules(text)
    cells = flatten(result.report)  # (once, for the verifier and the findings both)
    verdict = verify(result.report, result.provenance, text, result.issues, cells)
    report, provenance, issues = result.report, result.provenance, list(result.issues)
    info = ExtractorInfo(backend=rules.BACKEND, version=rules.VERSION)
    attempts: list[LLMAttempt] = []
    usage: Usage | None = None
    need = tables_for_llm(verdict, backend, report.template)
    if need and llm is None:
        no_llm = Violation(
            rule="no_llm", severity="error", cells=[],
            message=f"no LLM configured: table(s) {', '.join(map(str, need))} could not be read by the rules "
            "parser; set OPENAI_BASE_URL and NIANBAO_MODEL (or --base-url/--model) to let an LLM read them",
        )  # fmt: skip
        # nothing was re-read: the verdict stands, with this reason added (no second verification)
        verdict = Verdict("rejected", rejection_reason([no_llm, *verdict.errors]), [no_llm, *verdict.violations])
    elif need and llm is not None:
        from nianbao import prompts
        from nianbao.extractor.llm.backend import read_tables

        sections = result.sections or locate_sections(text)
        got = read_tables(text, sections, need, report, provenance, llm, judge_for(text))
        cells = {**cells, **got.cells}
        report = report_from_cells(cells, agency=report.agency, year=report.year, template=report.template)
        cells = flatten(report)
        provenance = {k: v for k, v in provenance.items() if table_of(k) not in need} | got.provenance
        issues = [i for i in issues if not any(table_of(c) in need for c in i.cells)] + got.issues
        attempts, usage = got.attempts, got.usage
        info = ExtractorInfo(
            backend="llm" if backend == "llm" else "rules+llm", version=rules.VERSION, model=llm.model,
            prompt_version=llm.prompt_version or prompts.CURRENT,
        )  # fmt: skip
        verdict = verify(report, provenance, text, issues, cells)
    verdict = scan_doubt(verdict, source.format)
    # Findings for auditors (period, narrative vs tables, plausibility): warnings beside the verdict.
    warnings = check_report(text, report, result.sections, cells)
    return Record(
        **dict(report),  # the tables as they are: validated once, when the report was made
        agency_level=agency_level(report.agency),
        status=verdict.status,
        reason=verdict.reason,
        violations=[*verdict.violations, *warnings],
        provenance=provenance,
        notes=result.notes,
        source=source,
        extractor=info,
        attempts=attempts,
        usage=usage,
    )


def extract_file(path: str | Path, backend: str = "auto", llm: LLMConfig | None = None) -> Record:
    """Raises :class:`NianbaoError` (naming the file) when the file cannot give an extraction at all."""
    try:
        text, source, doc = _load(path)
        record = extract_text(text, source, backend, llm)
        if doc.scan is not None:
            record = record.model_copy(update={"scan": locate_on_scan(text, doc.scan, record.provenance)})
            record = _identity_on_scan(record, doc.scan)
        return record
    except NianbaoError as e:
        raise e.with_file(path) from None
    except (Exception, RecursionError) as e:  # a reader's bug must not end a batch: name it for this file
        raise InternalError(f"internal error: {type(e).__name__}: {str(e)[:200]}", file=path) from e


def failed_record(path: str | Path, error: NianbaoError) -> dict[str, object]:
    """The JSON written for a file that gave no extraction, so a batch's output accounts for every file."""
    return {"source": {"path": str(path)}, "status": "failed", "error": error.to_dict()}
