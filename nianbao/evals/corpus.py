"""The test corpus generator: real files rendered from a golden's expected tables.

Each golden becomes an HTML page in the style of a government CMS (site chrome, merged cells by
rowspan/colspan, every number in ``<td><p align="center"><span …>``), a DOCX written by python-docx
with merged cells, a PDF drawn by reportlab with a CJK font (table 3 broken across a page with its
header repeated, page numbers in the footer), and tab-separated plain text — each in every noise
variant seen in real reports. The extractor must read every rendering back to the golden.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from nianbao.schema import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, CellValue, Report, flatten

VARIANTS: tuple[str, ...] = (
    "plain",
    "blank_zero",  # zeros printed as empty cells
    "slash_zero",  # zeros printed as "/"
    "fullwidth",  # digits as full-width characters
    "thousands",  # 105,860
    "traditional",  # 繁體 labels with pinyin glosses
    "broken_headers",  # header words broken over lines
)
FORMATS: tuple[str, ...] = ("html", "docx", "pdf", "txt")
# Combinations the writers themselves cannot produce faithfully, with the evidence.
UNRENDERABLE: dict[tuple[str, str], str] = {
    (
        "pdf",
        "fullwidth",
    ): "reportlab's CID font drops some full-width digits (９, ６, ０) from the text layer it writes",
}
ZERO_VARIANTS = frozenset({"blank_zero", "slash_zero"})

T2_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("第二十条第（一）项", "规章", ("regulations.issued", "regulations.repealed", "regulations.in_force")),
    (
        "",
        "行政规范性文件",
        ("normative_documents.issued", "normative_documents.repealed", "normative_documents.in_force"),
    ),
    ("第二十条第（五）项", "行政许可", ("licensing.decisions",)),
    ("第二十条第（六）项", "行政处罚", ("penalty.decisions",)),
    ("", "行政强制", ("coercion.decisions",)),
    ("第二十条第（八）项", "行政事业性收费", ("fees.amount_10k_yuan",)),
)
T2_HEADERS = {
    "第二十条第（一）项": ("本年制发件数", "本年废止件数", "现行有效件数"),
    "第二十条第（五）项": ("本年处理决定数量",),
    "第二十条第（六）项": ("本年处理决定数量",),
    "第二十条第（八）项": ("本年收费金额（单位：万元）",),
}

# (group, subgroup, leaf) as printed in the 2021 format; "" where the label cell is merged from above.
T3_LABELS: tuple[tuple[str, str, str, str], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量", "", ""),
    ("carried_over", "二、上年结转政府信息公开申请数量", "", ""),
    ("granted", "三、本年度办理结果", "（一）予以公开", ""),
    ("partially_granted", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    ("denied_state_secret", "", "（三）不予公开", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "", "", "2.其他法律行政法规禁止公开"),
    ("denied_three_safeties_one_stability", "", "", "3.危及“三安全一稳定”"),
    ("denied_third_party_rights", "", "", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "", "", "5.属于三类内部事务信息"),
    ("denied_process_info", "", "", "6.属于四类过程性信息"),
    ("denied_enforcement_files", "", "", "7.属于行政执法案卷"),
    ("denied_administrative_query", "", "", "8.属于行政查询事项"),
    ("unavailable_not_held", "", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "", "", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear_after_correction", "", "", "3.补正后申请内容仍不明确"),
    ("not_processed_petition", "", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "", "", "2.重复申请"),
    ("not_processed_publication", "", "", "3.要求提供公开出版物"),
    ("not_processed_excessive", "", "", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "", "", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other", "", "", "3.其他"),
    ("results_total", "", "（七）总计", ""),
    ("carried_to_next_year", "四、结转下年度继续办理", "", ""),
)
_SUBGROUP_ROWS = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
T3_COLUMN_HEADERS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T4_COLUMN_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

_FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
_GLOSSES = (("报告", "報(bào)告"), ("数量", "數(shù)量"))


@dataclass(frozen=True)
class Rendering:
    golden: str
    format: str
    variant: str
    suffix: str
    data: bytes


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


class _Style:
    def __init__(self, variant: str) -> None:
        self.variant = variant

    def value(self, v: CellValue) -> str:
        if v is None:
            return ""
        if v == 0 and self.variant == "blank_zero":
            return ""
        if v == 0 and self.variant == "slash_zero":
            return "/"
        s = str(v)
        if self.variant == "thousands" and isinstance(v, int) and v >= 1000:
            s = f"{v:,}"
        if self.variant == "fullwidth":
            s = s.translate(_FULLWIDTH)
        return s

    def label(self, text: str) -> str:
        if self.variant != "traditional":
            return text
        out: str = _s2t().convert(text)
        for simplified, glossed in _GLOSSES:
            out = out.replace(_s2t().convert(simplified), glossed)
        return out

    def header(self, text: str, sep: str) -> str:
        """Column headers; broken over two lines in the ``broken_headers`` variant (``商业\\n企业``)."""
        text = self.label(text)
        if self.variant == "broken_headers" and len(text) >= 4:
            return text[:2] + sep + text[2:]
        return text


def _cells(report: Report) -> dict[str, CellValue]:
    return flatten(report)


def _title(report: Report, style: _Style) -> str:
    return style.label(f"{report.agency}{report.year}年政府信息公开工作年度报告")


NARRATIVE = "一、总体情况\n本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，依法做好政府信息公开工作。"


# ------------------------------------------------------------------ HTML (CMS page)


def render_html(report: Report, variant: str) -> bytes:
    st, cells = _Style(variant), _cells(report)

    def td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
        attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
        body = html.escape(text).replace("\n", "<br/>")
        return (
            f'<td{attrs} style="border:1px solid #000;padding:3.75pt" valign="center">'
            f'<p align="center" style="text-align:center"><span style="font-family:宋体;font-size:12pt">'
            f"{body}</span></p></td>"
        )

    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(_title(report, st))}-政府信息公开</title>",
        "<style>.nav{float:left}</style><script>var _hmt=_hmt||[];</script></head><body>",
        "<div class='header'><ul class='nav'><li><a href='/'>首页</a></li><li>政务公开</li><li>政府信息公开年报</li>"
        "<li>2019年政府信息公开工作年度报告</li></ul></div>",
        "<div class='article'>",
        f"<h1>{html.escape(_title(report, st))}</h1>",
        *(f"<p style='text-indent:2em'>{html.escape(st.label(line))}</p>" for line in NARRATIVE.split("\n")),
        f"<p><strong>{html.escape(st.label('二、主动公开政府信息情况'))}</strong></p>",
        "<table border='1' cellspacing='0' style='border-collapse:collapse'><tbody>",
    ]
    for block, label, paths in T2_ROWS:
        if block:
            parts.append(f"<tr>{td(st.label(block), colspan=4)}</tr>")
            heads = T2_HEADERS[block]
            span = 3 if len(heads) == 1 else 1
            parts.append(
                "<tr>" + td(st.label("信息内容")) + "".join(td(st.label(h), colspan=span) for h in heads) + "</tr>"
            )
        span = 3 if len(paths) == 1 else 1
        values = "".join(td(st.value(cells[f"active_disclosure.{p}"]), colspan=span) for p in paths)
        parts.append(f"<tr>{td(st.label(label))}{values}</tr>")
    parts.append("</tbody></table>")

    parts.append(f"<p><strong>{html.escape(st.label('三、收到和处理政府信息公开申请情况'))}</strong></p>")
    parts.append("<table border='1'><tbody>")
    parts.append(
        "<tr>"
        + td(st.label("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"), rowspan=3, colspan=3)
        + td(st.label("申请人情况"), colspan=7)
        + "</tr>"
    )
    parts.append(
        "<tr>" + td(st.header("自然人", "\n"), rowspan=2) + td(st.label("法人或其他组织"), colspan=5)
        + td(st.label("总计"), rowspan=2) + "</tr>"
    )  # fmt: skip
    parts.append("<tr>" + "".join(td(st.header(h, "\n")) for h in T3_COLUMN_HEADERS[1:6]) + "</tr>")
    for key, group, sub, leaf in T3_LABELS:
        row: list[str] = []
        row_values = [st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS]
        if group and not sub:
            row.append(td(st.label(group), colspan=3))
        else:
            if group:
                row.append(td(st.label(group), rowspan=22))
            if sub and not leaf:
                row.append(td(st.label(sub), colspan=2))
            elif sub:
                row.append(td(st.label(sub), rowspan=_SUBGROUP_ROWS[sub]))
            if leaf:
                row.append(td(st.label(leaf)))
        parts.append("<tr>" + "".join(row) + "".join(td(v) for v in row_values) + "</tr>")
    parts.append("</tbody></table>")

    parts.append(f"<p><strong>{html.escape(st.label('四、政府信息公开行政复议、行政诉讼情况'))}</strong></p>")
    parts.append("<table border='1'><tbody>")
    parts.append("<tr>" + td(st.label("行政复议"), colspan=5) + td(st.label("行政诉讼"), colspan=10) + "</tr>")
    parts.append(
        "<tr>" + "".join(td(st.header(h, "\n"), rowspan=2) for h in T4_COLUMN_HEADERS)
        + td(st.label("未经复议直接起诉"), colspan=5) + td(st.label("复议后起诉"), colspan=5) + "</tr>"
    )  # fmt: skip
    parts.append("<tr>" + "".join(td(st.header(h, "\n")) for h in T4_COLUMN_HEADERS * 2) + "</tr>")
    t4 = [st.value(cells[f"reviews_litigation.{g}.{c}"]) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    parts.append("<tr>" + "".join(td(v) for v in t4) + "</tr></tbody></table>")
    parts.append(f"<p>{html.escape(st.label('五、存在的主要问题及改进情况'))}</p><p>无。</p>")
    parts.append("</div><div class='footer'>主办单位：人民政府办公室 ICP备案号 12345678</div></body></html>")
    return "".join(parts).encode("utf-8")


# ------------------------------------------------------------------ rows as plain tables (txt, docx, pdf)


def _table_rows(report: Report, st: _Style, header_sep: str) -> Iterator[tuple[str, list[str], str]]:
    """(section, cells, kind) rows of all three tables, merged label cells left empty."""
    cells = _cells(report)
    for block, label, paths in T2_ROWS:
        if block:
            yield "t2", [st.label(block)], "block"
            yield "t2", [st.label("信息内容"), *(st.label(h) for h in T2_HEADERS[block])], "header"
        yield "t2", [st.label(label), *(st.value(cells[f"active_disclosure.{p}"]) for p in paths)], "row"
    yield (
        "t3",
        [
            st.label("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
            "",
            "",
            st.label("申请人情况"),
        ],
        "header",
    )
    yield "t3", ["", "", "", *(st.header(h, header_sep) for h in T3_COLUMN_HEADERS)], "header"
    for key, group, sub, leaf in T3_LABELS:
        values = [st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS]
        yield "t3", [st.label(group), st.label(sub), st.label(leaf), *values], "row"
    yield "t4", [st.label("行政复议"), "", "", "", "", st.label("行政诉讼")], "header"
    yield (
        "t4",
        [*(st.header(h, header_sep) for h in T4_COLUMN_HEADERS), st.label("未经复议直接起诉"), st.label("复议后起诉")],
        "header",
    )
    yield "t4", ["", "", "", "", "", *(st.header(h, header_sep) for h in T4_COLUMN_HEADERS * 2)], "header"
    t4 = [st.value(cells[f"reviews_litigation.{g}.{c}"]) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    yield "t4", t4, "row"


_HEADINGS = {
    "t2": "二、主动公开政府信息情况",
    "t3": "三、收到和处理政府信息公开申请情况",
    "t4": "四、政府信息公开行政复议、行政诉讼情况",
}


def render_txt(report: Report, variant: str) -> bytes:
    st = _Style(variant)
    lines = [_title(report, st), *(st.label(x) for x in NARRATIVE.split("\n"))]
    section = ""
    for sec, cells, _kind in _table_rows(report, st, "\n"):
        if sec != section:
            lines.append(st.label(_HEADINGS[sec]))
            section = sec
        lines.append("\t".join(cells))
    lines.append(st.label("五、存在的主要问题及改进情况"))
    return "\n".join(lines).encode("utf-8")


def render_docx(report: Report, variant: str) -> bytes:
    import docx

    st = _Style(variant)
    doc = docx.Document()
    doc.add_paragraph(_title(report, st))
    for line in NARRATIVE.split("\n"):
        doc.add_paragraph(st.label(line))
    rows = list(_table_rows(report, st, "\n"))
    for sec in ("t2", "t3", "t4"):
        doc.add_paragraph(st.label(_HEADINGS[sec]))
        sec_rows = [(cells, kind) for s, cells, kind in rows if s == sec]
        width = max(len(c) for c, _ in sec_rows)
        table = doc.add_table(rows=len(sec_rows), cols=width)
        table.style = "Table Grid"  # ruled, as the official template's tables are (and scans show them)
        merges = []
        for r, ((cells, kind), row) in enumerate(zip(sec_rows, table.rows, strict=True)):
            row_cells = row.cells  # once per row: table.cell(r, c) rebuilds the whole grid per call
            for c, text in enumerate(cells):
                row_cells[c].text = text
            if kind == "block" or (sec == "t2" and kind == "row" and len(cells) == 2):
                # merged across, as in the official template: the text stays in the first cell
                merges.append((r, len(cells) - 1, r, width - 1))
        for r1, c1, r2, c2 in merges:
            table.cell(r1, c1).merge(table.cell(r2, c2))
        if sec == "t3":
            # 三、本年度办理结果 spans the 22 result rows; each (三)…(六) spans its sub-rows
            first = 2 + 2  # two header rows, new_received, carried_over
            table.cell(first, 0).merge(table.cell(first + 21, 0))
            r = first
            for _key, _group, sub, _leaf in T3_LABELS[2:24]:
                if sub in _SUBGROUP_ROWS:
                    table.cell(r, 1).merge(table.cell(r + _SUBGROUP_ROWS[sub] - 1, 1))
                r += 1
    doc.add_paragraph(st.label("五、存在的主要问题及改进情况"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_pdf(report: Report, variant: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"  # an Adobe CID font: no font file is shipped or fetched
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    st = _Style(variant)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    page = [1]
    y = [800.0]

    def new_page() -> None:
        c.setFont(font, 9)
        c.drawCentredString(297, 30, f"- {page[0]} -")
        c.showPage()
        page[0] += 1
        y[0] = 800.0

    def line(text: str, x: float = 50, size: float = 10) -> None:
        c.setFont(font, size)
        c.drawString(x, y[0], text)
        y[0] -= size + 6

    line(_title(report, st), 120, 14)
    for text in NARRATIVE.split("\n"):
        line(st.label(text))
    section = ""
    t3_rows = 0
    t3_header: list[list[str]] = []
    for sec, cells, kind in _table_rows(report, st, " "):
        if sec != section:
            if y[0] < 120:
                new_page()
            line(st.label(_HEADINGS[sec]), size=11)
            section = sec
        if sec == "t3" and kind == "header":
            t3_header.append(cells)
        if sec == "t3" and kind == "row":
            t3_rows += 1
            if t3_rows == 13:  # break table 3 across pages, header repeated as real PDFs do
                new_page()
                for h in t3_header:
                    _pdf_row(c, font, h, y[0], 0, "t3", "header")
                    y[0] -= 13
        nvalues = {"t2": len(cells) - 1, "t3": 7, "t4": 15}[sec] if kind == "row" else 0
        _pdf_row(c, font, cells, y[0], nvalues, sec, kind)
        y[0] -= 13
        if y[0] < 60:
            new_page()
    line(st.label("五、存在的主要问题及改进情况"), size=11)
    c.setFont(font, 9)
    c.drawCentredString(297, 30, f"- {page[0]} -")
    c.save()
    return buf.getvalue()


def _column_x(sec: str, ncols: int) -> list[float]:
    """Centres of the value columns, as a Word table converted to PDF would place them (a single value of
    table 2 stands in a cell merged over the three columns: at their middle)."""
    if sec == "t4":
        return [80.0 + 34 * i for i in range(ncols)]
    if sec == "t2" and ncols == 1:
        return [366.0]
    return [330.0 + 36 * i for i in range(ncols)]


def _pdf_row(c: Any, font: str, cells: list[str], y: float, nvalues: int, sec: str = "t3", kind: str = "row") -> None:
    if kind == "header" and sec in ("t2", "t3", "t4"):
        # column headers stand over their columns (the label cells of the row stay at the left)
        ncols = {"t2": len(cells) - 1, "t3": 7, "t4": 15}[sec]
        if sec == "t4" and len(cells) == 7:
            # 结果维持…总计 over the review columns; the two litigation group labels over their five
            xs = _column_x("t4", 15)
            c.setFont(font, 5)
            for pos, h in zip([*xs[:5], xs[7], xs[12]], cells, strict=True):
                c.drawCentredString(pos, y, h.replace("\n", ""))
            return
        heads = cells[-ncols:] if len(cells) >= ncols else []
        lead = cells[: len(cells) - len(heads)] if heads else cells
        c.setFont(font, 6)
        c.drawString(40, y, " ".join(x.replace("\n", " ") for x in lead if x)[:60])
        c.setFont(font, 5)
        for hx, h in zip(_column_x(sec, ncols), heads, strict=False):
            if h:
                c.drawCentredString(hx, y, h.replace("\n", ""))
        return
    labels = cells[: len(cells) - nvalues]
    values = cells[len(cells) - nvalues :] if nvalues else []
    c.setFont(font, 6)
    c.drawString(40, y, " ".join(x.replace("\n", " ") for x in labels if x)[:60])
    # values centred in fixed columns right of the labels; an empty cell draws nothing, as a real PDF does
    c.setFont(font, 8)
    for vx, v in zip(_column_x(sec, max(nvalues, 1)), values, strict=False):
        if v:
            c.drawCentredString(vx, y, v)


# ------------------------------------------------------------------ PDF→Markdown (labels apart)


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _rule(n: int) -> str:
    return "|" + "---|" * n


def _wrapped(label: str, width: int = 11) -> list[str]:
    """A label as a PDF converter prints a narrow cell's text: broken every ``width`` characters."""
    return [label[i : i + width] for i in range(0, len(label), width)] or [""]


def render_md_apart(report: Report, variant: str = "plain") -> bytes:
    """Markdown as PDF converters write it (the layout of the real sh_kewei_2024 golden): pipe tables one
    column wider than their rows, a |---| rule under each piece, and in table 3 some rows printed bare —
    their labels (and their groups' merged labels, wrapped) printed apart as text lines above the numbers —
    and a page number left between rows. Every other row of each result group is printed bare."""
    st, cells = _Style(variant), _cells(report)
    lines = [_title(report, st), *NARRATIVE.split("\n"), _HEADINGS["t2"], "## 表二：主动公开政府信息情况"]
    lines += [_pipe(["信息内容", *T2_HEADERS["第二十条第（一）项"]]), _rule(4)]
    for _block, label, paths in T2_ROWS:
        lines.append(_pipe([label, *(st.value(cells[f"active_disclosure.{p}"]) for p in paths)]))
    lines += [_HEADINGS["t3"], "申请人情况", "## 表三：收到和处理政府信息公开申请情况"]
    lines += [_pipe(["", *T3_COLUMN_HEADERS, ""]), _rule(9)]
    within = 0
    for k, (key, group, sub, leaf) in enumerate(T3_LABELS):
        values = [st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS]
        within = 0 if sub else within + 1
        if leaf and within % 2 == 1:  # printed bare; its label stands apart, above
            lines += _wrapped(leaf)
            lines += [_pipe(values), _rule(7)]
            continue
        if sub and leaf:  # a group's merged label, wrapped, then its first row with its own label
            lines += ["", *_wrapped(sub, 3)]
            lines.append(_pipe([leaf, *values, ""]))
        else:
            lines.append(_pipe([x for x in (group, sub, leaf) if x] + values + [""]))
        if k == 12:
            lines.append("2")  # a page number, between two rows
    lines += [_HEADINGS["t4"], "行政复议行政诉讼", "未经复议直接起诉复议后起诉"]
    t4 = [st.value(cells[f"reviews_litigation.{g}.{c}"]) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    lines += [_pipe(list(T4_COLUMN_HEADERS * 3)), _rule(15), _pipe(t4), "五、存在的主要问题及改进情况"]
    return "\n".join(lines).encode("utf-8")


def render_md_labels_first(report: Report, variant: str = "plain") -> bytes:
    """The other PDF→Markdown table 3: every label first, as text lines in the template's order, then the
    25 number rows, each printed bare (``| 9 | 0 | … |``)."""
    st, cells = _Style(variant), _cells(report)
    md = render_md_apart(report, variant).decode("utf-8")
    start, end = md.index("## 表三"), md.index(_HEADINGS["t4"])
    labels = [st.label(x) for _key, *parts in T3_LABELS for x in parts if x]
    rows = [_pipe([st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS]) for key, *_ in T3_LABELS]
    table = [*labels, "## 表三：收到和处理政府信息公开申请情况", _pipe(["", *T3_COLUMN_HEADERS]), _rule(7), *rows]
    return (md[:start] + "\n".join(table) + "\n" + md[end:]).encode("utf-8")


def render_txt_cut(report: Report, variant: str = "plain") -> bytes:
    """Text as extraction from a PDF of a Word table leaves it when narrow label cells wrap: table 3's item
    rows on one line each, space-separated, the label cut in two by the row's numbers
    (``5.要求行政机关确认 0 0 0 0 0 0 0 或重新出具已获取信息``); the other rows as the text renderer prints them."""
    st = _Style(variant)
    cells = _cells(report)
    lines = render_txt(report, variant).decode("utf-8").split("\n")
    leaves = {st.label(leaf): key for key, _group, _sub, leaf in T3_LABELS if leaf}
    out = []
    for line in lines:
        parts = line.split("\t")
        key = leaves.get(parts[2]) if len(parts) == 10 else None
        if key is None:
            out.append(line)
            continue
        leaf = parts[2]
        k = max(2, len(leaf) // 2)
        values = " ".join(st.value(cells[f"applications.{key}.{c}"]) for c in APPLICANT_COLUMNS)
        lead = " ".join(x for x in parts[:2] if x)
        out.append(f"{lead + ' ' if lead else ''}{leaf[:k]} {values} {leaf[k:]}")
    return "\n".join(out).encode("utf-8")


RENDERERS: dict[str, tuple[Callable[[Report, str], bytes], str]] = {
    "html": (render_html, ".html"),
    "docx": (render_docx, ".docx"),
    "pdf": (render_pdf, ".pdf"),
    "txt": (render_txt, ".txt"),
}
# Real layouts the renderers above do not make, rendered from a golden in its plain variant only.
LAYOUT_FORMATS: dict[str, tuple[Callable[[Report, str], bytes], str]] = {
    "md_apart": (render_md_apart, ".md"),
    "md_first": (render_md_labels_first, ".md"),
    "txt_cut": (render_txt_cut, ".txt"),
}


# Made by LibreOffice from the DOCX rendering, as agencies make them: a PDF exported from a Word table with
# narrow label columns (labels wrap around their numbers), and a legacy .doc saved from it.
LIBREOFFICE_FORMATS: dict[str, tuple[str, str]] = {"lo_pdf": ("pdf", ".pdf"), "doc": ("doc:MS Word 97", ".doc")}


def libreoffice() -> str | None:
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


def _via_libreoffice(report: Report, fmt: str, variant: str) -> bytes:
    target, suffix = LIBREOFFICE_FORMATS[fmt]
    return _via_libreoffice_docx(render_docx(report, variant), target, suffix)


def _via_libreoffice_docx(docx: bytes, target: str, suffix: str) -> bytes:
    """A DOCX converted by headless LibreOffice (``target``: its --convert-to filter)."""
    import subprocess
    import tempfile

    exe = libreoffice()
    if exe is None:
        raise RuntimeError("LibreOffice (Debian libreoffice-writer-nogui) is needed for this rendering")
    with tempfile.TemporaryDirectory(prefix="nianbao-render-") as work:
        folder = Path(work)
        (folder / "r.docx").write_bytes(docx)
        subprocess.run(
            [exe, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(folder / "out"), str(folder / "r.docx")],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return (folder / "out" / f"r{suffix}").read_bytes()


# Scans: the LibreOffice PDF printed and scanned — pages rasterised at the resolution named, turned by a
# fraction of a degree, speckled with noise and saved as JPEG inside an image-only PDF (img2pdf), as a
# copier's "scan to PDF" makes them. The turn and the noise are seeded by the golden's name: the same
# golden always gives the same scan.
SCAN_FORMATS: dict[str, int] = {"scan": 150, "scan200": 200}


def scan_pdf(pdf: bytes, dpi: int, seed: str, *, damage: bool = False) -> bytes:
    """An image-only PDF of ``pdf``'s pages at ``dpi``. ``damage`` rubs out half of one digit of table 3
    (the eval's damaged-scan case: it must come back rejected or right, never wrong)."""
    import hashlib
    import random

    import img2pdf  # type: ignore[import-untyped]
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    noise = np.random.default_rng(rng.randrange(2**32))
    pages = []
    doc = pdfium.PdfDocument(pdf)
    try:
        rubbed = not damage
        for page in doc:
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            box = None if rubbed else _digit_to_rub(page)
            if box is not None:  # white out the right half of that digit: 9 may become 0, 1, 7 or nothing
                left, bottom, right, top = box
                k, height = dpi / 72, page.get_height()
                x0 = (left + right) / 2 * k
                ImageDraw.Draw(img).rectangle(
                    [x0, (height - top) * k - 1, right * k + 1, (height - bottom) * k + 1], fill=255
                )
                rubbed = True
            page.close()
            img = img.rotate(rng.uniform(-0.8, 0.8), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
            arr = np.asarray(img, dtype=np.int16) + noise.normal(0, 14, (img.height, img.width)).astype(np.int16)
            speckle = noise.random((img.height, img.width)) < 0.0015
            arr[speckle] = 0
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=60, dpi=(dpi, dpi))
            pages.append(buf.getvalue())
    finally:
        doc.close()
    return bytes(img2pdf.convert(pages))


def _digit_to_rub(page: Any) -> tuple[float, float, float, float] | None:
    """The box (PDF points) of the first non-zero value digit after 予(以公开) on this page, from its text layer."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        at = text.find("予")  # 予以公开, wrapped in its narrow cell
        width = page.get_width()
        for i in range(at, len(text)) if at >= 0 else ():
            if text[i] in "123456789":
                left, bottom, right, top = textpage.get_charbox(i)
                if left > 0.35 * width:
                    return left, bottom, right, top
        return None
    finally:
        textpage.close()


def render(report: Report, fmt: str, variant: str, golden: str = "") -> Rendering:
    if fmt in SCAN_FORMATS:
        lo = _via_libreoffice(report, "lo_pdf", variant)
        return Rendering(golden, fmt, variant, ".pdf", scan_pdf(lo, SCAN_FORMATS[fmt], f"{golden}/{fmt}/{variant}"))
    if fmt in LIBREOFFICE_FORMATS:
        return Rendering(golden, fmt, variant, LIBREOFFICE_FORMATS[fmt][1], _via_libreoffice(report, fmt, variant))
    fn, suffix = RENDERERS[fmt] if fmt in RENDERERS else LAYOUT_FORMATS[fmt]
    return Rendering(golden, fmt, variant, suffix, fn(report, variant))


def renderable(report: Report) -> bool:
    """Whether the plain 2021 layout can print this golden (a 2019-format or single-row (六) one cannot)."""
    if report.template != "2021":
        return False
    cells = _cells(report)
    return all(cells[f"applications.{r}.total"] is not None for r in ("other_no_correction", "other_unpaid_fee"))


def matches(expected: CellValue, got: CellValue, variant: str, method: str | None) -> bool:
    """A rendered cell read back right: exact, except a zero printed blank may come back blank or as
    an inferred 0."""
    if variant in ZERO_VARIANTS and expected is not None and Decimal(expected) == 0:
        return got is None or (got == 0 and method == "inferred")
    return got == expected
