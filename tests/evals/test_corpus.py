"""Every golden, rendered as HTML, DOCX, PDF and text in every noise variant, reads back to the golden."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.evals.corpus import FORMATS, UNRENDERABLE, VARIANTS, ZERO_VARIANTS, matches, render, renderable
from nianbao.pipeline import extract_file
from nianbao.schema import Report, flatten
from tests.conftest import golden_cases

GOLDENS = [
    (c.name, Report.model_validate(c.expected))
    for c in golden_cases()
    if c.meta["expected_status"] == "verified" and renderable(Report.model_validate(c.expected))
]


def test_the_corpus_covers_every_seed() -> None:
    assert {name for name, _ in GOLDENS} >= {c.name for c in golden_cases() if c.name.startswith("seed_")}


# (a combination the writers cannot produce faithfully is not generated: see UNRENDERABLE)
COMBOS = [(f, v) for v in VARIANTS for f in FORMATS if (f, v) not in UNRENDERABLE]


@pytest.mark.parametrize(("fmt", "variant"), COMBOS, ids=[f"{v}-{f}" for f, v in COMBOS])
def test_rendering_reads_back_to_the_golden(tmp_path: Path, fmt: str, variant: str) -> None:
    failures = []
    for name, golden in GOLDENS:
        rendering = render(golden, fmt, variant, name)
        path = tmp_path / f"{name}{rendering.suffix}"
        path.write_bytes(rendering.data)
        record = extract_file(path)
        got = flatten(record.report())
        bad = [
            f"{p}: expected {v}, got {got[p]}"
            for p, v in flatten(golden).items()
            if not matches(v, got[p], variant, record.provenance[p].method if p in record.provenance else None)
        ]
        if (record.agency, record.year) != (golden.agency, golden.year):
            bad.append(f"identity: {record.agency} {record.year}")
        # (with zeros printed blank, a row whose blanks no identity forces stays blank: the report is
        # then rejected as incomplete, which is right)
        if variant not in ZERO_VARIANTS and record.status != "verified":
            bad.append(f"status {record.status}: {[v.message for v in record.violations if v.severity == 'error'][:2]}")
        if bad:
            failures.append(f"{name}: {bad[:4]}")
    assert not failures, "\n".join(failures)
