"""The seeded rejected reports of the review page's tests and benchmark reach the queue for the reasons
they stand for."""

from __future__ import annotations

from pathlib import Path

import nianbao
from nianbao.evals.review_seeds import write_seeds
from tests.conftest import GOLDENS


def test_the_seeded_reports_are_rejected_as_they_should_be(tmp_path: Path) -> None:
    seeds = write_seeds(GOLDENS, tmp_path, scan=False)
    assert set(seeds) == {"run_together", "source_error"}
    run_together = nianbao.extract(seeds["run_together"])
    assert run_together.reason == "extraction_unverified"
    assert any(v.rule == "ambiguous" and v.found == "31031" for v in run_together.errors)
    source_error = nianbao.extract(seeds["source_error"])
    assert source_error.reason == "source_inconsistent"
    assert {v.rule for v in source_error.errors} == {"t3_row_total", "t3_results_sum"}
