"""The table builders of the eval's degraded scans: the official template filled keeping its merged cells,
and each builder's PDF printing every value of the golden."""

from __future__ import annotations

import io
import re

import pytest

from nianbao.evals.cases import golden_cases
from nianbao.evals.scan_builders import BUILDERS, TEMPLATE, builder_available, platypus_pdf, template_docx
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


def _longest_vertical_run(pdf: bytes, dpi: int = 72) -> int:
    """The longest run of dark pixels down any column of any page (a drawn vertical rule)."""
    import numpy as np

    pypdfium2 = pytest.importorskip("pypdfium2")
    doc = pypdfium2.PdfDocument(pdf)
    longest = 0
    try:
        for page in doc:
            dark = np.asarray(page.render(scale=dpi / 72).to_pil().convert("L")) < 128
            for col in dark.T:
                edges = np.flatnonzero(np.diff(np.concatenate(([0], col.astype(np.int8), [0]))))
                runs = edges[1::2] - edges[::2]
                longest = max(longest, int(runs.max(initial=0)))
    finally:
        doc.close()
    return longest


@pytest.mark.parametrize("builder", list(BUILDERS))
def test_a_table_drawn_with_horizontal_rules_only_has_no_vertical_line(builder: str) -> None:
    """The ``horizontal`` style (a common published one): no column rule, not even the frame's sides; the
    same builder's ruled table has rules running down many rows."""
    if not builder_available(builder):
        pytest.skip(f"{builder} needs a tool this machine lacks (LibreOffice / Chromium)")
    # (a large title character's stroke is a third of an inch; a column rule runs down the whole table)
    assert _longest_vertical_run(BUILDERS[builder](SEED.truth, "horizontal")) < 72 * 0.5
    if builder == "platypus":  # (the cheap one: the contrast, drawn by the same builder)
        assert _longest_vertical_run(BUILDERS[builder](SEED.truth, "ruled")) > 72 * 2


def test_the_template_s_inner_rules_are_restyled_and_its_frame_kept() -> None:
    import docx
    from docx.oxml.ns import qn

    t3 = docx.Document(io.BytesIO(template_docx(SEED.truth, "dotted"))).tables[1]
    sides = ("left", "right", "top", "bottom")
    vals = {(side, el.get(qn("w:val"))) for el in t3._tbl.iter() for side in sides if el.tag == qn(f"w:{side}")}
    # inner rules dotted (each cell draws its right and bottom sides), the frame solid
    assert ("right", "dotted") in vals and ("bottom", "dotted") in vals and ("top", "single") in vals
    frame = docx.Document(io.BytesIO(template_docx(SEED.truth, "frame"))).tables[1]
    inner = [el.get(qn("w:val")) for el in frame._tbl.iter() if el.tag == qn("w:insideV")]
    assert "dotted" not in inner and any(
        el.get(qn("w:val")) == "nil" for el in frame._tbl.iter() if el.tag == qn("w:right")
    )


def _left_edge_runs(pdf: bytes, dpi: int = 150) -> list[int]:
    """Where the dark runs start along the middle row of the first page holding table 3 (its left edge)."""
    import numpy as np
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        dark = np.asarray(doc[1].render(scale=dpi / 72).to_pil().convert("L")) < 128
    finally:
        doc.close()
    row = dark[dark.shape[0] // 2].astype(np.int8)
    return [int(x) for x in np.flatnonzero(np.diff(np.concatenate(([0], row))) == 1)]


def test_the_double_style_draws_the_frame_twice() -> None:
    """``double`` (a held-out layout: a 4 px doubled frame, cells boxed apart): two rules a few pixels apart
    at the table's left edge, where the ruled table has one."""
    double, ruled = _left_edge_runs(platypus_pdf(SEED.truth, "double")), _left_edge_runs(platypus_pdf(SEED.truth))
    assert double[1] - double[0] <= 8
    assert ruled[1] - ruled[0] > 8


@pytest.mark.parametrize("builder", list(BUILDERS))
def test_the_zebra_style_shades_every_other_row_grey(builder: str) -> None:
    """``zebra`` (long tables printed with every other row filled light grey): the first page holding table 3
    has hundreds of rows of pixels mostly the fill's grey; the ruled print a few (the template's shaded
    headers, a rule's antialiasing)."""
    if not builder_available(builder):
        pytest.skip(f"{builder} is not installed here")
    import numpy as np
    import pypdfium2 as pdfium

    def grey_rows(pdf: bytes) -> int:
        doc = pdfium.PdfDocument(pdf)
        try:
            page = np.asarray(doc[1].render(scale=100 / 72).to_pil().convert("L")).astype(int)
        finally:
            doc.close()
        # a row of the page mostly the fill's grey (D9D9D9 = 217), not paper and not ink
        return int((((page > 200) & (page < 230)).mean(axis=1) > 0.3).sum())

    zebra, ruled = BUILDERS[builder](SEED.truth, "zebra"), BUILDERS[builder](SEED.truth)
    assert grey_rows(zebra) > grey_rows(ruled) + 200
