from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from nianbao.errors import BinaryFileError, EmptyFileError, UnreadableFileError, UnsupportedFormatError
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers import read_document
from tests.conftest import seed_text

TEXT = seed_text("seed_000").replace("\xa0", " ")  # GBK has no NBSP


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("gb18030", b"", "gb18030"),
        ("gbk", b"", "gb18030"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(bom + TEXT.encode(encoding))
    doc = read_document(path)
    assert doc.raw_text == TEXT
    assert doc.encoding == expected


def test_utf16_without_bom_ascii_heavy(tmp_path: Path) -> None:
    text = "Report 2024\n" * 50 + "巫山县"
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode("utf-16-le"))
    assert read_document(path).raw_text == text


@pytest.mark.parametrize(
    ("content", "error", "reason"),
    [
        (b"", EmptyFileError, "empty"),
        (b"  \n\t\n", EmptyFileError, "empty"),
        (bytes(range(256)) * 20, BinaryFileError, "binary"),
        (b"%PDF-1.7\n...", UnsupportedFormatError, "PDF"),
    ],
)
def test_bad_files_raise_named_errors(tmp_path: Path, content: bytes, error: type[Exception], reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        read_document(path)
    assert str(path) in str(info.value) and reason in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="not found"):
        read_document(tmp_path / "nope.txt")


def test_html_cells_become_separated_text(write_report: Callable[..., Path]) -> None:
    html = (
        "<html><head><title>X县2024年政府信息公开工作年度报告</title><style>td{}</style></head><body>"
        "<table><tr><td><p>规章</p></td><td><p align='center'><span>1</span></p></td><td>&nbsp;2</td></tr></table>"
        "<script>var a = '行政许可 99';</script></body></html>"
    )
    doc = read_document(write_report(html, "page.html"))
    assert doc.format == "html"
    assert doc.raw_text.splitlines()[0] == "X县2024年政府信息公开工作年度报告"
    row = next(line for line in normalize(doc.raw_text).splitlines() if "规章" in line)
    assert [cell.strip() for cell in row.split("\t")] == ["", "规章", "1", "2"]
    assert "99" not in doc.raw_text
