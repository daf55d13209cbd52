"""Test material for the messy layouts an LLM is asked about (issue 26), generated from any golden's truth.

Each layout starts from the corpus generator's plain text rendering (``corpus.render_txt``) and damages it
the way a CMS crawl, an OCR pass, a PDF→Markdown converter or a PDF's text layer does:

* ``run_together`` — every table row's cells run together with no separator (``行政规范性文件6233440``),
  the whole table on one line, table 4's 15 numbers as one run;
* ``run_together_said`` — the same, with section 一 stating in the report's own words the figures that
  settle what the identities cannot (``本年度制发行政规范性文件62件，现行有效行政规范性文件440件``);
* ``column_numbers`` — OCR/converter output repeating the header's column numbers ``1 2 3 4 5 6`` in front
  of every table-3 row's values;
* ``converter`` — table 2 and table 4 as Markdown pipe rows, table 4 as one clean pipe row of 15 numbers
  followed by narrative whose numbers (a year, a count) fall inside the table's section;
* ``wrapped_labels`` — table 3's labels wrapped by a PDF so that the numbers of 4.无正当理由大量反复申请 and
  5.要求行政机关确认或重新出具已获取信息 fall between the pieces of the first label.

The truth is the golden's: what the file prints. Which cells the file itself cannot settle is not
declared here — the eval reports, for each case, whether the LLM path verified it (and right), or
rejected it naming the cells it could not settle; nothing may verify wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nianbao.evals.corpus import render_txt, renderable
from nianbao.schema import Report, flatten

LAYOUTS: dict[str, str] = {
    "run_together": "digits run together",
    "run_together_said": "digits run together, the narrative settles",
    "column_numbers": "column-number rows",
    "converter": "converter pipes, narrative after table 4",
    "wrapped_labels": "labels wrapped around two rows' numbers",
}

_NUMS = re.compile(r"(?:\t(?:\d+(?:\.\d+)?))+\s*$")
_HEAD = ("二、主动公开", "三、收到和处理", "四、政府信息公开行政复议", "五、存在的主要问题")


@dataclass(frozen=True)
class LayoutCase:
    name: str
    layout: str
    path: Path
    truth: Report


def _sections(text: str) -> tuple[str, list[str], str]:
    """Before table 2's heading, the three table sections (each with its heading line), and the rest."""
    at = [text.find(h) for h in _HEAD]
    if any(a < 0 for a in at) or at != sorted(at):
        raise ValueError("the rendering's headings are not where expected")
    return text[: at[0]], [text[at[i] : at[i + 1]] for i in range(3)], text[at[3] :]


def _glue(section: str) -> str:
    """Every line's numbers run together and onto its label, every line of the table onto one."""
    head, _, body = section.partition("\n")
    lines = []
    for line in body.split("\n"):
        m = _NUMS.search(line)
        if m:
            line = line[: m.start()].strip() + "".join(m.group().split())
        lines.append(line.replace("\t", ""))
    return head + "\n" + "".join(lines) + "\n"


def _said(truth: Report) -> str:
    c = flatten(truth)
    parts = [
        f"本年度制发行政规范性文件{c['active_disclosure.normative_documents.issued']}件",
        f"现行有效行政规范性文件{c['active_disclosure.normative_documents.in_force']}件",
        f"制发规章{c['active_disclosure.regulations.issued']}件",
        f"现行有效规章{c['active_disclosure.regulations.in_force']}件",
    ]
    said = "，".join(p for p in parts if "None" not in p)
    rows = [("予以公开", "granted"), ("部分公开", "partially_granted"), ("上年结转", "carried_over")]
    t3 = "，".join(f"{w}{c[f'applications.{r}.total']}件" for w, r in rows if c[f"applications.{r}.total"] is not None)
    return f"{said}。全年办理政府信息公开申请，其中{t3}。\n"


def _column_numbers(section: str) -> str:
    out = []
    for line in section.split("\n"):
        m = _NUMS.search(line)
        if m and len(m.group().split()) == 7:
            line = line[: m.start()] + "\t1 2 3 4 5 6 " + " ".join(m.group().split())
        out.append(line)
    return "\n".join(out)


def _pipes(section: str, narrative_after: str = "") -> str:
    out = []
    for line in section.split("\n"):
        m = _NUMS.search(line)
        if m:
            label = line[: m.start()].strip().replace("\t", "")
            cells = ([label] if label else []) + m.group().split()
            line = "| " + " | ".join(cells) + " |"
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n" + narrative_after


_ROW4, _ROW5 = "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"


def _wrapped(section: str) -> str:
    lines = section.split("\n")
    i4 = next(i for i, x in enumerate(lines) if _ROW4 in x)
    i5 = next(i for i, x in enumerate(lines) if _ROW5 in x)
    n4, n5 = _NUMS.search(lines[i4]), _NUMS.search(lines[i5])
    if n4 is None or n5 is None or i5 != i4 + 1:
        raise ValueError("rows 4 and 5 of (五) are not printed as expected")
    lead = lines[i4][: lines[i4].find(_ROW4)]
    pieces = [
        f"{lead}4.无正当理由大量反复",
        "\t\t" + n4.group().strip(),
        "\t\t" + n5.group().strip(),
        "\t\t申请",
        "\t\t5.要求行政机关确认或重新出具已获取信息",
    ]
    return "\n".join([*lines[:i4], *pieces, *lines[i5 + 1 :]])


def render_layout(truth: Report, layout: str) -> str:
    text = render_txt(truth, "plain").decode("utf-8")
    before, (t2, t3, t4), rest = _sections(text)
    if layout == "run_together":
        return before + _glue(t2) + _glue(t3) + _glue(t4) + rest
    if layout == "run_together_said":
        return before + _said(truth) + _glue(t2) + _glue(t3) + _glue(t4) + rest
    if layout == "column_numbers":
        return before + t2 + _column_numbers(t3) + t4 + rest
    if layout == "converter":
        year = truth.year or 2024
        after = f"{year}年，本机关在门户网站累计发布政务信息1400条，办理人大代表建议和政协提案26件。\n"
        return before + _pipes(t2) + t3 + _pipes(t4, after) + rest
    if layout == "wrapped_labels":
        return before + t2 + _wrapped(t3) + t4 + rest
    raise ValueError(f"unknown layout {layout!r}")


def layout_cases(goldens: list[tuple[str, Report]], workdir: Path) -> Iterator[LayoutCase]:
    """Every layout of every golden whose truth the 2021 text rendering can print."""
    for name, truth in goldens:
        if not renderable(truth):
            continue
        for layout in LAYOUTS:
            try:
                text = render_layout(truth, layout)
            except ValueError:
                continue
            path = workdir / f"{name}.{layout}.txt"
            path.write_text(text, encoding="utf-8")
            yield LayoutCase(f"{name}/{layout}", layout, path, truth)
