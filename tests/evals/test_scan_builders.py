"""The table builders of the eval's degraded scans: the official template filled keeping its merged cells,
and each builder's PDF printing every value of the golden."""

from __future__ import annotations

import io
import re

import pytest

from nianbao.evals.cases import golden_cases
from nianbao.evals.scan_builders import BUILDERS, TEMPLATE, builder_available, template_docx
from nianbao.schema import APPLICANT_COLUMNS, flatten
from tests.conftest import GOLDENS

SEED = next(c for c in golden_cases(GOLDENS) if c.name.startswith("seed_000"))


def _unique_cells(row: object) -> int:
    return len({id(c._tc) for c in row.cells})  # type: ignore[attr-defined]


def test_the_template_is_the_repository_s_copy_and_is_filled_keeping_its_merges() -> None:
    import docx

    assert TEMPLATE.is_file()
    blank, filled = docx.Document(str(TEMPLATE)), docx.Document(io.BytesIO(template_docx(SEED.truth)))
    for t_blank, t_filled in zip(blank.tables[:3], filled.tables[:3], strict=True):
        assert [_unique_cells(r) for r in t_blank.rows] == [_unique_cells(r) for r in t_filled.rows]
    t3 = filled.tables[1]
    cells = flatten(SEED.truth)
    # 一、本年新收: seven values after the merged label
    row = [c.text for c in t3.rows[3].cells][3:]
    assert row == [str(cells[f"applications.new_received.{k}"]) for k in APPLICANT_COLUMNS]
    assert any(SEED.truth.agency in p.text for p in filled.paragraphs)


@pytest.mark.parametrize("builder", list(BUILDERS))
def test_each_builder_prints_the_title_and_the_values(builder: str) -> None:
    if not builder_available(builder):
        pytest.skip(f"{builder} needs a tool this machine lacks (LibreOffice / Chromium)")
    pypdfium2 = pytest.importorskip("pypdfium2")
    doc = pypdfium2.PdfDocument(BUILDERS[builder](SEED.truth))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()
    flat = re.sub(r"\s+", "", text)
    assert SEED.truth.agency in flat and "行政事业性收费" in flat
    assert str(SEED.truth.active_disclosure.licensing.decisions) in flat
