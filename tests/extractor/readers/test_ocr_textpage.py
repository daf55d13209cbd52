"""Pages without a ruled table are read cheaply: the title area of page one and the short lines (headings),
not the prose; a scan's reading is unchanged where it matters (every cell, the agency, the verdict)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from nianbao.api import extract
from nianbao.evals.cases import golden_cases
from nianbao.evals.corpus import _cells, scan_pdf
from nianbao.extractor.readers import ocr, ocr_page, ocr_textpage

GOLDENS = Path(__file__).resolve().parents[3] / "goldens"
pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("rapidocr_onnxruntime", "img2pdf")),
    reason="needs nianbao[ocr] and img2pdf (nianbao[eval])",
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))


def test_text_pages_are_read_cheaply_and_the_report_reads_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = next(c for c in golden_cases(GOLDENS) if c.name == "dev_hongze_2023_pdf")
    path = tmp_path / "hongze.pdf"  # pages 1 and 5: prose only; 2-4: the tables
    path.write_bytes(scan_pdf(golden.path.read_bytes(), 150, "dev_hongze_2023_pdf/scan/real"))
    full, cheap = ocr_page.read_page, ocr_textpage.read_text_page
    how: list[str] = []

    def in_full(*a: Any) -> Any:
        how.append("full")
        return full(*a)

    def cheaply(*a: Any) -> Any:
        how.append("cheap")
        return cheap(*a)

    monkeypatch.setattr(ocr_page, "read_page", in_full)
    monkeypatch.setattr(ocr_textpage, "read_text_page", cheaply)
    record = extract(path)
    assert how == ["cheap", "full", "full", "full", "cheap"]
    assert _cells(record.report()) == _cells(golden.truth)  # every cell, as when every page was read in full
    assert (record.report().agency, record.report().year) == ("洪泽区人民政府", 2023)  # the title area, read
    assert (record.status, record.reason) == ("rejected", "extraction_unverified")  # its own totals are wrong

    # page 1 recognised in part: the title and the headings, not the prose
    reading = ocr.read_scan_page(path, path.read_bytes(), 1)
    assert reading is not None
    text = reading[0]
    assert "洪泽区人民政府" in text and "一、总体情况" in text
    assert len(text) < 600, text  # the page holds ~1 500 characters of prose
