"""Table builders for the eval's scans: the same golden laid out by tools other than the one the reader
grew up on, so that a scan's structure (line widths, merged cells, wrapped labels, column widths) is not
the generator's.

* ``template`` — the official 2021 template (``evals/templates/official_template_2021_blank.docx``, the
  national Word document with its own merged cells and widths) filled in with python-docx and converted to
  PDF by LibreOffice;
* ``chromium`` — the CMS web page rendering (:func:`~nianbao.evals.corpus.render_html`) printed to PDF by
  headless Chromium;
* ``platypus`` — reportlab's table layout (``platypus.Table``: grid lines of two weights, SPAN merges,
  labels wrapped in narrow columns as Paragraphs).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nianbao.evals.corpus import (
    _SUBGROUP_ROWS,
    NARRATIVE,
    T2_ROWS,
    T3_COLUMN_HEADERS,
    T3_LABELS,
    T4_COLUMN_HEADERS,
    _cells,
    _Style,
    _title,
    _via_libreoffice_docx,
    libreoffice,
    render_html,
)
from nianbao.schema import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Report

# The repository's copy of the official blank template (not the wheel's: evals are the checkout's)
TEMPLATE = Path(__file__).resolve().parents[2] / "evals" / "templates" / "official_template_2021_blank.docx"
T3_FIRST_ROW = 3  # the template's table 3: three header rows, then the 25 rows of T3_LABELS


STYLES: tuple[str, ...] = ("ruled", "dotted", "dashed", "faint", "horizontal", "frame", "double", "zebra", "thick")
STYLE_LAYOUT = {
    "ruled": "every rule drawn",
    "zebra": "every rule drawn, every other row shaded grey",
    "thick": "every rule drawn heavy (2–3 pt)",
    "double": "a doubled outer border, each cell boxed apart",
    "dotted": "dotted inner rules",
    "dashed": "dashed inner rules",
    "faint": "faint grey inner rules",
    "horizontal": "horizontal rules only",
    "frame": "outer frame only",
}


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _unique(cells: list[Any]) -> list[Any]:
    """A row's cells with each merged cell once (python-docx repeats a cell at every grid column it spans)."""
    out: list[Any] = []
    for c in cells:
        if not out or c._tc is not out[-1]._tc:
            out.append(c)
    return out


def _put(cell: Any, text: str) -> None:
    """The cell's (or paragraph's) text replaced, keeping its first paragraph's formatting (font, centring)."""
    paragraphs = cell.paragraphs if hasattr(cell, "paragraphs") else [cell]
    first = paragraphs[0]
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    for run in first.runs[1:]:
        run._r.getparent().remove(run._r)
    if first.runs:
        first.runs[0].text = text
    else:
        first.add_run(text)


def _restyle_borders(table: Any, style: str) -> None:
    """The template's own borders (one ``w:tcBorders`` a cell, every side single) redrawn in ``style``: a
    side on the table's outside is the frame, every other an inner rule."""
    from docx.oxml.ns import qn

    rows = table._tbl.findall(qn("w:tr"))
    for r, tr in enumerate(rows):
        tcs = tr.findall(qn("w:tc"))
        for c, tc in enumerate(tcs):
            borders = tc.find(f"{qn('w:tcPr')}/{qn('w:tcBorders')}")
            if borders is None:
                continue
            outer = {"top": r == 0, "bottom": r == len(rows) - 1, "left": c == 0, "right": c == len(tcs) - 1}
            for side, edge in outer.items():
                el = borders.find(qn(f"w:{side}"))
                if el is None or el.get(qn("w:val")) in ("nil", "none"):
                    continue
                if style == "thick":
                    el.set(qn("w:sz"), "36" if edge else "24")  # (eighths of a point)
                elif edge and style == "double":
                    el.set(qn("w:val"), "double")
                    el.set(qn("w:sz"), "12")
                elif edge and style != "horizontal":
                    el.set(qn("w:sz"), "12")  # the frame a little heavier, as drawn by hand
                elif style in ("dotted", "dashed"):
                    el.set(qn("w:val"), style)
                elif style == "faint":
                    el.set(qn("w:color"), "B4B4B4")
                elif style == "frame" or (style == "horizontal" and side in ("left", "right")):
                    el.set(qn("w:val"), "nil")


def _shade_alternate_rows(table: Any) -> None:
    """Every other row of the template's table shaded light grey (a cell's ``w:shd`` fill), as sites and
    offices print long tables."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for r, tr in enumerate(table._tbl.findall(qn("w:tr"))):
        if r % 2 == 0:
            continue
        for tc in tr.findall(qn("w:tc")):
            shd = OxmlElement("w:shd")
            shd.set(qn("w:val"), "clear")
            shd.set(qn("w:color"), "auto")
            shd.set(qn("w:fill"), ZEBRA_FILL)
            tc.get_or_add_tcPr().append(shd)


ZEBRA_FILL = "D9D9D9"  # the "zebra" style's shaded rows (Word's "white, darker 15 %")


def template_docx(report: Report, style: str = "ruled") -> bytes:
    """The official template with the golden's title, a narrative and every value filled in; its tables'
    rules drawn in ``style``."""
    import docx

    st, cells = _Style("plain"), _cells(report)
    doc = docx.Document(str(TEMPLATE))
    paragraphs = doc.paragraphs
    for p in paragraphs:
        if p.text.strip() == "政府信息公开工作年度报告格式模板":
            _put(p, _title(report, st))
            break
    narrative = NARRATIVE.split("\n")[1]
    for p in paragraphs:
        if p.text.strip().startswith("（文字描述"):
            _put(p, narrative)
    t2, t3, t4 = doc.tables[:3]
    rows2 = {_unique(r.cells)[0].text.strip(): _unique(r.cells)[1:] for r in t2.rows}
    for _block, label, paths in T2_ROWS:
        for cell, path in zip(rows2[label], paths, strict=True):
            _put(cell, st.value(cells[f"active_disclosure.{path}"]))
    for k, (key, *_labels) in enumerate(T3_LABELS):
        row = t3.rows[T3_FIRST_ROW + k].cells
        for col, name in enumerate(APPLICANT_COLUMNS):
            _put(row[3 + col], st.value(cells[f"applications.{key}.{name}"]))
    values = [cells[f"reviews_litigation.{g}.{c}"] for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    for cell, v in zip(t4.rows[3].cells, values, strict=True):
        _put(cell, st.value(v))
    if style == "zebra":
        for table in (t2, t3, t4):
            _shade_alternate_rows(table)
    elif style != "ruled":
        for table in (t2, t3, t4):
            _restyle_borders(table, style)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def template_pdf(report: Report, style: str = "ruled") -> bytes:
    return _via_libreoffice_docx(template_docx(report, style), "pdf", ".pdf")


# the CSS of a cell's borders (and the table's own frame, which wins over a cell's in the collapsed model)
_CSS_CELL = {
    "ruled": "border:1px solid #000",
    "dotted": "border:1.5px dotted #000",
    "dashed": "border:1px dashed #000",
    "faint": "border:1px solid #b4b4b4",
    "horizontal": "border:none;border-top:1px solid #000;border-bottom:1px solid #000",
    "frame": "border:none",
    "double": "border:1px solid #000",
    "zebra": "border:1px solid #000",
    "thick": "border:2.5px solid #000",
}
_CSS_TABLE = {
    "ruled": "",
    "dotted": "table{border-collapse:collapse;border:2px solid #000}",
    "dashed": "table{border-collapse:collapse;border:1.5px solid #000}",
    "faint": "table{border-collapse:collapse;border:1.5px solid #000}",
    "horizontal": "table{border-collapse:collapse;border:none;border-top:2px solid #000;border-bottom:2px solid #000}",
    "frame": "table{border-collapse:collapse;border:1.5px solid #000}",
    # cells boxed apart (a gap between neighbours' borders), inside a 4 px doubled frame
    "double": "table{border-collapse:separate;border-spacing:2px;border:4px double #000}",
    "zebra": f"table{{border-collapse:collapse}} tr:nth-child(even) td{{background:#{ZEBRA_FILL}}}",
    "thick": "table{border-collapse:collapse;border:3.5px solid #000}",
}


def _styled_html(page: bytes, style: str) -> bytes:
    import re

    page = re.sub(rb"<div class='header'>.*?</div>", b"", page, count=1)
    if style == "ruled":
        return page
    page = page.replace(b"border:1px solid #000", _CSS_CELL[style].encode())
    page = page.replace(b"<table border='1'", b"<table")
    return page.replace(b"</head>", f"<style>{_CSS_TABLE[style]}</style></head>".encode(), 1)


def chromium_pdf(report: Report, style: str = "ruled") -> bytes:
    """The CMS page as a browser prints it (A4, its own table layout and line weights) — its article, as a
    site's print view gives it: the navigation's breadcrumb names another year's report."""
    return print_page(_styled_html(render_html(report, "plain"), style))


def print_page(page: bytes) -> bytes:
    """A web page as headless Chromium prints it to PDF (A4, no header or footer)."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("Chromium (Debian chromium) is needed for this rendering")
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as work:
        folder = Path(work)
        source = folder / "page.html"
        source.write_bytes(page)
        out = folder / "page.pdf"
        subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={out}", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return out.read_bytes()


def _platypus_rules(style: str) -> list[tuple[Any, ...]]:
    """reportlab TableStyle line commands for ``style`` (a line command's 7th field is its dash pattern)."""
    whole = ((0, 0), (-1, -1))
    if style == "dotted":
        return [("INNERGRID", *whole, 0.6, "black", None, (1, 2)), ("BOX", *whole, 1.5, "black")]
    if style == "dashed":
        return [("INNERGRID", *whole, 0.5, "black", None, (3, 2)), ("BOX", *whole, 1.5, "black")]
    if style == "faint":
        return [("INNERGRID", *whole, 0.5, "#b4b4b4"), ("BOX", *whole, 1.5, "black")]
    if style == "horizontal":
        return [("LINEBELOW", *whole, 0.5, "black"), ("LINEABOVE", (0, 0), (-1, 0), 1.5, "black"),
                ("LINEBELOW", (0, -1), (-1, -1), 1.5, "black")]  # fmt: skip
    if style == "frame":
        return [("BOX", *whole, 1.5, "black")]
    if style == "zebra":
        return [("GRID", *whole, 0.5, "black"), ("BOX", *whole, 1.5, "black"),
                ("ROWBACKGROUNDS", *whole, ["white", f"#{ZEBRA_FILL}"])]  # fmt: skip
    if style == "thick":
        return [("GRID", *whole, 2, "black"), ("BOX", *whole, 3, "black")]
    if style == "double":  # (fields 8–10: join, count, space — a box drawn twice, 2 pt apart)
        return [("INNERGRID", *whole, 0.5, "black"), ("BOX", *whole, 0.8, "black", 1, None, 1, 2, 2)]
    return [("GRID", *whole, 0.5, "black"), ("BOX", *whole, 1.5, "black")]


def platypus_pdf(report: Report, style: str = "ruled") -> bytes:
    """The three tables as reportlab's Table lays them out: a heavy outer frame and thin inner lines,
    merged label cells by SPAN, labels wrapped as Paragraphs in narrow columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    st, cells = _Style("plain"), _cells(report)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=22, alignment=1)

    def p(text: str) -> Any:
        return Paragraph(text, small)

    def styled(data: list[list[Any]], widths: list[float], spans: list[tuple[int, int, int, int]]) -> Any:
        t = Table(data, colWidths=widths)
        t.setStyle(
            TableStyle(
                [("FONT", (0, 0), (-1, -1), font, 9), *_platypus_rules(style), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                 *(("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans)]
            )
        )  # fmt: skip
        return t

    story: list[Any] = [Paragraph(_title(report, st), title), Spacer(1, 8)]
    story += [Paragraph(line, body) for line in NARRATIVE.split("\n")]
    # table 2
    rows2: list[list[Any]] = []
    spans2: list[tuple[int, int, int, int]] = []
    from nianbao.evals.corpus import T2_HEADERS

    for block, label, paths in T2_ROWS:
        if block:
            spans2.append((0, len(rows2), 3, len(rows2)))
            rows2.append([p(block), "", "", ""])
            heads = T2_HEADERS[block]
            if len(heads) == 1:
                spans2.append((1, len(rows2), 3, len(rows2)))
            rows2.append([p("信息内容"), *(p(h) for h in heads), *([""] * (3 - len(heads)))])
        values = [st.value(cells[f"active_disclosure.{x}"]) for x in paths]
        if len(values) == 1:
            spans2.append((1, len(rows2), 3, len(rows2)))
        rows2.append([p(label), *values, *([""] * (3 - len(values)))])
    story += [Spacer(1, 6), Paragraph("二、主动公开政府信息情况", body), styled(rows2, [150, 110, 110, 110], spans2)]
    # table 3
    rows3: list[list[Any]] = [
        [p("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"), "", "", p("申请人情况"), *[""] * 6],
        ["", "", "", p("自然人"), p("法人或其他组织"), "", "", "", "", p("总计")],
        ["", "", "", "", *(p(h) for h in T3_COLUMN_HEADERS[1:6]), ""],
    ]
    spans3 = [(0, 0, 2, 2), (3, 0, 9, 0), (3, 1, 3, 2), (4, 1, 8, 1), (9, 1, 9, 2)]
    first = len(rows3)
    for key, group, sub, leaf in T3_LABELS:
        r = len(rows3)
        values = [st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS]
        if group and not sub:
            spans3.append((0, r, 2, r))
        elif sub and not leaf:
            spans3.append((1, r, 2, r))
        if sub in _SUBGROUP_ROWS:
            spans3.append((1, r, 1, r + _SUBGROUP_ROWS[sub] - 1))
        rows3.append([p(group), p(sub), p(leaf), *values])
    spans3.append((0, first + 2, 0, first + 23))
    story += [Spacer(1, 6), Paragraph("三、收到和处理政府信息公开申请情况", body)]
    story.append(styled(rows3, [52, 52, 120, 38, 38, 38, 44, 44, 38, 38], spans3))
    # table 4
    t4 = [st.value(cells[f"reviews_litigation.{g}.{c}"]) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    rows4: list[list[Any]] = [
        [p("行政复议"), *[""] * 4, p("行政诉讼"), *[""] * 9],
        [*(p(h) for h in T4_COLUMN_HEADERS), p("未经复议直接起诉"), *[""] * 4, p("复议后起诉"), *[""] * 4],
        [*[""] * 5, *(p(h) for h in T4_COLUMN_HEADERS * 2)],
        t4,
    ]
    spans4 = [(0, 0, 4, 0), (5, 0, 14, 0), (5, 1, 9, 1), (10, 1, 14, 1), *((c, 1, c, 2) for c in range(5))]
    story += [Spacer(1, 6), Paragraph("四、政府信息公开行政复议、行政诉讼情况", body)]
    story.append(styled(rows4, [32] * 15, spans4))
    story += [Spacer(1, 6), Paragraph("五、存在的主要问题及改进情况", body), Paragraph("无。", body)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=40, rightMargin=40, topMargin=50, bottomMargin=50).build(story)
    return buf.getvalue()


BUILDERS: dict[str, Callable[..., bytes]] = {
    "template": template_pdf,
    "chromium": chromium_pdf,
    "platypus": platypus_pdf,
}


def builder_available(name: str) -> bool:
    if name == "template":
        return libreoffice() is not None and TEMPLATE.is_file()
    if name == "chromium":
        return chromium() is not None
    return True
