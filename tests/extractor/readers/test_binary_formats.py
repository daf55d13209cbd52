"""DOCX and PDF readers on real writers' output, and on broken files (a named error, the batch goes on)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from nianbao.errors import EmptyFileError, UnsupportedFormatError
from nianbao.evals.corpus import render
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers import read_document
from nianbao.pipeline import extract_file
from nianbao.schema import Report, flatten
from tests.conftest import golden_cases

(SEED,) = [Report.model_validate(c.expected) for c in golden_cases() if c.name.startswith("seed_000")]


def test_docx_merged_cells_keep_numbers_in_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    path.write_bytes(render(SEED, "docx", "blank_zero").data)
    text = normalize(read_document(path).raw_text)
    row = next(line for line in text.splitlines() if "本年新收" in line)
    cells = [c for c in row.split("\t") if c != "〃"]
    # label, then seven columns in place: 51, five blanks, 51
    assert cells[-7:] == ["51", "", "", "", "", "", "51"]


def test_pdf_page_numbers_are_not_read_as_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(render(SEED, "pdf", "plain").data)
    text = read_document(path).raw_text
    assert "- 1 -" not in text and "- 2 -" not in text
    assert extract_file(path).status == "verified"


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    with pytest.raises(UnsupportedFormatError, match="not a readable PDF") as info:
        read_document(path)
    assert str(path) in str(info.value)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 100, 100)  # a drawing, no text: what a scan looks like to a text reader
    c.save()
    path = tmp_path / "scan.pdf"
    path.write_bytes(buf.getvalue())
    with pytest.raises(EmptyFileError, match="no text layer"):
        read_document(path)


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document><w:body><w:p>")
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnsupportedFormatError, match="not valid XML"):
        read_document(path)


def test_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    path.write_bytes(buf.getvalue())
    with pytest.raises(UnsupportedFormatError, match="not a report DOCX"):
        read_document(path)


def test_a_broken_legacy_doc_fails_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    import nianbao.extractor.readers.legacy as legacy

    monkeypatch.setattr(legacy, "soffice", lambda: None)  # a machine without LibreOffice: the package is named
    with pytest.raises(UnsupportedFormatError, match="libreoffice-writer-nogui"):
        read_document(path)
    monkeypatch.undo()
    if legacy.soffice() is not None:  # with it: a file that is not a document fails by name, whichever way
        from nianbao.errors import NianbaoError

        with pytest.raises(NianbaoError) as info:
            extract_file(path)
        assert str(path) in str(info.value)
        assert "LibreOffice could not convert it" in str(info.value) or "no statistical tables" in str(info.value)


LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if LIBREOFFICE is None and os.environ.get("CI"):
    raise RuntimeError("CI reads .doc/.wps through LibreOffice: .ci/run installs libreoffice-writer-nogui")
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE is None, reason="LibreOffice (Debian libreoffice-writer-nogui) is not installed; .ci/run installs it"
)


def _save_as(source: Path, fmt: str, tmp_path: Path) -> Path:
    """A file as LibreOffice saves it in another format (a .doc saved from a DOCX, as agencies do)."""
    out = tmp_path / "converted"
    subprocess.run(
        [str(LIBREOFFICE), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
         fmt, "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / f"{source.stem}.{fmt.split(':')[0]}"


@needs_libreoffice
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_a_doc_saved_by_libreoffice_verifies(tmp_path: Path, suffix: str) -> None:
    docx = tmp_path / "report.docx"
    docx.write_bytes(render(SEED, "docx", "plain").data)
    doc = _save_as(docx, "doc:MS Word 97", tmp_path)
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real binary Word file
    target = doc.with_suffix(suffix)
    doc.rename(target)
    record = extract_file(target)
    assert record.status == "verified" and record.source is not None and record.source.format in ("doc", "wps")
    assert flatten(record.report()) == flatten(SEED)


@needs_libreoffice
def test_a_doc_is_converted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-run takes the DOCX LibreOffice made from the cache; another converter's is not taken for its."""
    import nianbao.extractor.readers.legacy as legacy

    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    docx = tmp_path / "report.docx"
    docx.write_bytes(render(SEED, "docx", "plain").data)
    doc = _save_as(docx, "doc:MS Word 97", tmp_path)
    first = extract_file(doc)
    made: list[Path] = []
    real = legacy._convert

    def convert(exe: str, path: Path, data: bytes, folder: Path, suffix: str) -> None:
        made.append(path)
        real(exe, path, data, folder, suffix)

    monkeypatch.setattr(legacy, "_convert", convert)
    again = extract_file(doc)
    assert not made and again.status == first.status == "verified"
    assert flatten(again.report()) == flatten(SEED)
    other = tmp_path / "soffice"  # another converter (a wrapper of the same program): converted anew
    other.write_text(f'#!/bin/sh\nexec {LIBREOFFICE} "$@"\n')
    other.chmod(0o755)
    monkeypatch.setattr(legacy, "soffice", lambda: str(other))
    assert extract_file(doc).status == "verified"
    assert made == [doc]


def test_html_page_without_the_tables(tmp_path: Path) -> None:
    from nianbao.errors import NoTablesError

    path = tmp_path / "page.html"
    path.write_text("<html><body><ul><li>首页</li></ul><p>页面不存在</p></body></html>", encoding="utf-8")
    with pytest.raises(NoTablesError) as info:
        extract_file(path)
    assert str(path) in str(info.value)


def test_gbk_html(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(render(SEED, "html", "plain").data.decode("utf-8").replace("\xa0", " ").encode("gbk"))
    record = extract_file(path)
    assert record.source is not None and record.source.encoding == "gb18030"
    assert record.status == "verified"
