"""The findings page: one line per report worst first, regions, and charts a browser shows."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from tests.conftest import GOLDENS, plant, seed_text


def _store(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for c in ("seed_000_wushan_2024", "seed_001_jiaxian_2024", "dev_pt_jjf_2025_txt", "dev_pt_czj_2023_txt"):
        (folder / f"{c}.txt").write_bytes((GOLDENS / c / "source.txt").read_bytes())
    (folder / "earlier.txt").write_text(seed_text("seed_000").replace("2024年", "2023年"), encoding="utf-8")
    planted = plant(seed_text("seed_001"), "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t9",
                    "1. 本机关不掌握相关政府信息\t8\t0\t0\t0\t0\t1\t10")  # fmt: skip
    (folder / "planted.txt").write_text(planted.replace("2024年", "2022年"), encoding="utf-8")
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    return db


def _page(tmp_path: Path, *options: str) -> Path:
    out = tmp_path / "findings.html"
    result = CliRunner().invoke(
        app, ["findings", "--db", str(_store(tmp_path)), "--format", "html", "-o", str(out), *options]
    )
    assert result.exit_code == 0, result.stdout
    return out


def test_one_line_per_report_worst_first_with_regions_in_chinese(tmp_path: Path) -> None:
    page = _page(tmp_path).read_text(encoding="utf-8")
    assert page.count("<figure class='chart'>") == 4 and page.count("<svg") == 4
    # the agency's own inconsistency comes first, then warnings — under Chinese headings
    assert page.index("来源数据自相矛盾 ——") < page.index("提示 ——")
    assert "<html lang='zh-CN'>" in page and "年报检查结果" in page
    assert "平潭综合实验区经济发展局" in page and "福建省" in page  # its region, from the name
    assert "予以公开率" in page  # the metric definitions
    # chart and rule labels from the catalogue, not the rules' keys
    assert "各类发现数量" in page and "表三收结平衡不符" in page and ">t3_balance<" not in page


def test_the_page_in_english(tmp_path: Path) -> None:
    page = _page(tmp_path, "--lang", "en").read_text(encoding="utf-8")
    assert page.index("source inconsistent —") < page.index("warning —")
    assert "Findings by kind" in page and "table 3 balance" in page and "<html lang='en'>" in page


def test_the_year_over_year_chart_draws_each_change() -> None:
    from nianbao.findings_page import charts
    from nianbao.metrics import ReportMetrics

    def metrics(agency: str, change: float | None) -> ReportMetrics:
        values = {k: 0.5 for k in ("granted_share", "denied_share", "carry_over_share", "review_correction_rate")}
        return ReportMetrics(agency, 2024, "k", "verified", values, {"granted_share": change})  # type: ignore[arg-type]

    drawn = charts([], [metrics("甲县人民政府", 0.0), metrics("乙县人民政府", -0.25)], "zh")
    assert len(drawn) == 4 and "同比" in drawn[3][0]
    svg = drawn[3][1]
    assert "+0.0" in svg and "-25.0" in svg  # each change is marked, a change of 0 too
    assert len(charts([], [metrics("甲县人民政府", None)], "zh")) == 3  # no year before: no empty axes


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
if (CHROMIUM is None or not PLAYWRIGHT) and os.environ.get("CI"):
    raise RuntimeError("CI opens the findings page in Debian's chromium via Playwright (.ci/run installs both)")


@pytest.mark.skipif(CHROMIUM is None or not PLAYWRIGHT, reason="Debian's chromium or Playwright is not installed")
def test_a_browser_shows_the_charts(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_file = _page(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        charts = page.locator("figure.chart svg")
        assert charts.count() == 4
        for i in range(4):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50  # drawn, not empty
        captions = page.locator("figure.chart figcaption").all_inner_texts()
        assert captions[0] == "各类发现数量" and "派生指标" in captions[2] and "同比" in captions[3]
        # one line per region cell: 省/市/区 never wrap a character per line
        line = page.locator("td.nw").first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
        heights = page.locator("th.nw").evaluate_all("es => es.map(e => e.getBoundingClientRect().height)")
        assert heights and max(heights) < 2 * line + 6
        page.screenshot(path=str(tmp_path / "findings.png"), full_page=True)
        browser.close()
