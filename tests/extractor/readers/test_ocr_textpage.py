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


def _web_print_first_page() -> Any:
    """A first page as a web page prints: the site's menus fill the top quarter, the report's title under
    them, then prose (no ruled table)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    font_path = next(
        (p for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                     "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc") if Path(p).exists()),
        None,
    )  # fmt: skip
    if font_path is None:
        pytest.skip("needs a Chinese font")
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    small, big = ImageFont.truetype(font_path, 26), ImageFont.truetype(font_path, 40)
    menus = [
        "国务院  省政府  省人大  省政协",
        "首页",
        "政务公开",
        "解读回应",
        "办事服务",
        "互动交流",
        "政府信息公开  领导之窗  政府机构",
    ]
    for k, line in enumerate(menus):
        d.text((100, 80 + 48 * k), line, font=small, fill=0)
    d.text((160, 720), "平潭综合实验区2023年度政府信息公开工作年度报告", font=big, fill=0)
    prose = "本报告根据《中华人民共和国政府信息公开条例》的要求编制，全文包括总体情况、主动公开政府信息情况等。"
    for k in range(6):
        d.text((100, 840 + 52 * k), prose[: 34 - k % 2], font=small, fill=0)
    return np.asarray(img)


def test_a_title_printed_under_a_web_sites_menus_is_read_on_the_first_page_only() -> None:
    gray = _web_print_first_page()
    engine = ocr.engine()
    first = ocr_textpage.read_text_page(gray, 150, engine, 1)
    assert first is not None
    assert "平潭综合实验区2023年度政府信息公开工作年度报告" in "".join(first[0].split())
    # a later page is read cheaply as before: its short lines only (the title line there is prose's width)
    later = ocr_textpage.read_text_page(gray, 150, engine, 2)
    assert later is not None and "工作年度报告" not in later[0]
