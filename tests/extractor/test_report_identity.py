from __future__ import annotations

import pytest

from nianbao.extractor.normalize import normalize
from nianbao.extractor.report_identity import read_identity
from tests.conftest import seed_text


@pytest.mark.parametrize(
    ("seed", "agency"),
    [
        ("seed_000", "巫山县"),
        ("seed_001", "郏县人民政府"),
        ("seed_002", "重庆市万盛经济技术开发区管理委员会办公室"),
        ("seed_003", "临夏回族自治州广河县"),
        ("seed_004", "巫溪县白鹿镇人民政府"),
    ],
)
def test_seed_identity(seed: str, agency: str) -> None:
    ident = read_identity(normalize(seed_text(seed)))
    assert (ident.agency, ident.year) == (agency, 2024)


def test_year_with_du_and_page_title_field() -> None:
    ident = read_identity("标题: 平潭综合实验区2023年度政府信息公开工作年度报告\n发布时间: 2024-03-08")
    assert (ident.agency, ident.year) == ("平潭综合实验区", 2023)


@pytest.mark.parametrize(
    "title",
    [
        "平潭综合实验区财政金融局2023年政府信息公开\n工作年度报告",
        "平潭综合实验区财政金融局2023年政府信\n息公开工作年度报告",
    ],
)
def test_a_title_wrapped_over_two_lines(title: str) -> None:
    # a long agency name wraps the title on a printed or scanned page
    ident = read_identity(title + "\n一、总体情况")
    assert (ident.agency, ident.year) == ("平潭综合实验区财政金融局", 2023)


def test_no_title() -> None:
    assert read_identity("一、总体情况\n本年度……").year is None


def test_year_first_title_split_over_lines() -> None:
    ident = read_identity("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n根据《中华人民共和国政府信息公开条例》")
    assert (ident.agency, ident.year) == ("上海市科委", 2024)
