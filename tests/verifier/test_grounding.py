"""A value must read as itself at its span; the verifier does not trust the extractor's word for it."""

from __future__ import annotations

from dataclasses import replace

from nianbao.pipeline import extract_file
from nianbao.schema import Span
from nianbao.verifier import verify
from tests.conftest import golden_cases

(CASE,) = [c for c in golden_cases() if c.name.startswith("seed_000")]


def _fresh():  # type: ignore[no-untyped-def]
    record = extract_file(CASE.source)
    text = CASE.source.read_text(encoding="utf-8")
    from nianbao.extractor.normalize import normalize

    return record, normalize(text)


def test_span_that_reads_another_number_fails_grounding() -> None:
    record, text = _fresh()
    report = record.report()
    prov = dict(record.provenance)
    # point licensing (105860) at the span of penalty (137511), text included: a slipped column
    prov["active_disclosure.licensing.decisions"] = prov["active_disclosure.penalty.decisions"]
    verdict = verify(report, prov, text)
    (v,) = [v for v in verdict.violations if v.rule == "grounding"]
    assert v.cells == ["active_disclosure.licensing.decisions"]
    assert (v.expected, v.found) == ("137511", "105860")
    assert verdict.status == "rejected" and verdict.reason == "extraction_unverified"


def test_value_changed_without_source_fails_grounding() -> None:
    record, text = _fresh()
    report = record.report()
    report.applications.granted.natural_person = 10
    report.applications.granted.total = 10  # keep row 1 consistent; grounding still catches both
    verdict = verify(report, record.provenance, text)
    cells = sorted(c for v in verdict.violations if v.rule == "grounding" for c in v.cells)
    assert cells == ["applications.granted.natural_person", "applications.granted.total"]


def test_span_whose_text_no_longer_matches_source() -> None:
    record, text = _fresh()
    prov = dict(record.provenance)
    p = prov["active_disclosure.coercion.decisions"]
    prov["active_disclosure.coercion.decisions"] = replace(p, span=Span(start=p.span.start + 1, end=p.span.end + 1))
    verdict = verify(record.report(), prov, text)
    assert any(v.rule == "grounding" and "no longer holds" in v.message for v in verdict.violations)


def test_value_without_span() -> None:
    record, text = _fresh()
    prov = dict(record.provenance)
    del prov["reviews_litigation.review.upheld"]
    verdict = verify(record.report(), prov, text)
    assert any(v.rule == "grounding" and v.cells == ["reviews_litigation.review.upheld"] for v in verdict.violations)


def test_without_source_text_the_recorded_excerpt_is_checked() -> None:
    record, _ = _fresh()
    report = record.report()
    report.active_disclosure.penalty.decisions = 1
    verdict = verify(report, record.provenance, None)
    assert [v.cells for v in verdict.violations if v.rule == "grounding"] == [["active_disclosure.penalty.decisions"]]
