"""The findings as a page people read: one line per report, its worst finding first, grouped by kind; the
agency's region so an office can find its own jurisdiction; charts of findings by kind and by region
level, of the distribution of the derived metrics and of their movement against the previous year.

Charts are drawn with matplotlib to inline SVG (nothing is fetched when the page is viewed). Regions come
from ``addressparser`` (the administrative-division matcher of the cpca family, kept up to date; cpca
itself no longer imports on current setuptools). Both are the ``analysis`` extra; without them the page
says so and shows the tables alone.
"""

from __future__ import annotations

import html
import io
import warnings
from collections import Counter
from functools import partial
from typing import Any

from nianbao import i18n
from nianbao.findings.findings_report import CATEGORIES, Finding
from nianbao.metrics import METRICS, ReportMetrics
from nianbao.regions import regions

# worst first: the agency's own inconsistency, then what nianbao could not read, then warnings
_SEVERITY = {c: i for i, c in enumerate(CATEGORIES)}
CHART_METRICS = ("granted_share", "denied_share", "carry_over_share", "review_correction_rate")
# fonts that carry Chinese, where installed: matplotlib measures the labels with them (the SVG keeps text as
# text, so the browser draws it in the page's font)
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "DejaVu Sans"]


def _svg(figure: Any) -> str:
    buf = io.StringIO()
    figure.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _metric_label(lang: str, key: str) -> str:
    return next((m.label for m in METRICS if m.key == key), key) if lang == "zh" else key


def charts(findings: list[Finding], metrics: list[ReportMetrics], lang: str = i18n.DEFAULT) -> list[tuple[str, str]]:
    """(title, inline SVG) for each chart, labelled in ``lang``; empty when matplotlib is not installed. The
    year-over-year chart is drawn only where some agency has two adjacent years (else a line says so)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph a fallback font lacks: the browser draws the text anyway
        with plt.rc_context({"font.size": 9, "svg.fonttype": "none", "font.sans-serif": CJK_FONTS}):
            return _draw(plt, findings, metrics, lang)


def _draw(plt: Any, findings: list[Finding], metrics: list[ReportMetrics], lang: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def bar(title: str, counts: Counter[str], xlabel: str) -> None:
        fig, ax = plt.subplots(figsize=(6, 0.35 * max(3, len(counts)) + 0.8))
        items = counts.most_common()
        ax.barh([k for k, _ in items][::-1], [v for _, v in items][::-1], color="#4a7ab5")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        out.append((title, _svg(fig)))
        plt.close(fig)

    bar(i18n.t(lang, "chart_by_kind"), Counter(i18n.rule_label(lang, f.rule) for f in findings),
        i18n.t(lang, "axis_findings"))  # fmt: skip
    reports_by_level: dict[str, set[tuple[str, int | None]]] = {}
    for f in findings:
        reports_by_level.setdefault(i18n.level_label(lang, f.level), set()).add((f.agency, f.year))
    bar(i18n.t(lang, "chart_by_level"), Counter({k: len(v) for k, v in reports_by_level.items()}),
        i18n.t(lang, "axis_reports"))  # fmt: skip
    fig, axes = plt.subplots(1, len(CHART_METRICS), figsize=(3 * len(CHART_METRICS), 2.6))
    for ax, key in zip(axes, CHART_METRICS, strict=True):
        values = [float(v) for r in metrics if (v := r.values[key]) is not None]
        ax.hist(values, bins=10, range=(0, 1), color="#6a9f58")
        ax.set_title(f"{_metric_label(lang, key)} (n={len(values)})")
    out.append((i18n.t(lang, "chart_metrics"), _svg(fig)))
    plt.close(fig)
    moved = [(f"{r.agency[:10]} {r.year}", 100 * float(v)) for r in metrics
             if (v := r.change["granted_share"]) is not None]  # fmt: skip
    if moved:
        # a dot at each change as well as its bar: a change of 0 is a dot on the axis, not an empty plot
        title = i18n.t(lang, "chart_yoy", n=len(moved))
        fig, ax = plt.subplots(figsize=(6, 0.4 * max(2, len(moved)) + 0.9))
        labels, values = [k for k, _ in moved], [v for _, v in moved]
        ax.barh(labels, values, color="#b5744a", height=0.5)
        ax.plot(values, labels, "o", color="#6b3a1a")
        for y, shift in enumerate(values):
            ax.annotate(f"{shift:+.1f}", (shift, y), textcoords="offset points", xytext=(6, -3))
        span = max(5.0, *(abs(x) * 1.3 for x in values))
        ax.set_xlim(-span, span)
        ax.axvline(0, color="#333", linewidth=0.8)
        ax.set_xlabel(i18n.t(lang, "axis_change"))
        ax.set_title(title)
        out.append((title, _svg(fig)))
        plt.close(fig)
    return out


def render(findings: list[Finding], metrics: list[ReportMetrics], lang: str = i18n.DEFAULT) -> str:
    e = html.escape
    t = partial(i18n.t, lang)
    per_report: dict[tuple[str, int | None, str], list[Finding]] = {}
    for f in findings:
        per_report.setdefault((f.agency, f.year, f.path), []).append(f)
    where = regions([a for a, _, _ in per_report])
    lines = []
    for (agency, year, path), fs in per_report.items():
        fs = sorted(fs, key=lambda f: (_SEVERITY[f.category], f.rule))
        lines.append((_SEVERITY[fs[0].category], agency, year, path, fs))
    lines.sort(key=lambda x: (x[0], x[1], x[2] or 0))
    reports_by_category = Counter(CATEGORIES[w] for w, *_ in lines)
    parts = [
        f"<!doctype html><html lang='{i18n.HTML_LANG[lang]}'><head><meta charset='utf-8'>"
        f"<title>{e(t('findings_title'))}</title>",
        "<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:1200px;margin:auto}"
        "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}table{border-collapse:collapse;margin:8px 0}"
        ".c0{color:#a00}.c1,.c2{color:#666}.c3{color:#a60}figure{display:inline-block;margin:6px}details{margin:2px 0}"
        ".nw{white-space:nowrap}</style></head><body>",
        f"<h1>{e(t('findings_title'))}</h1><p>{e(t('n_reports_with_findings', n=len(lines)))}</p>",
        f"<table id='by-category'><tr><th>{e(t('worst_finding'))}</th><th>{e(t('reports'))}</th></tr>",
        *(
            f"<tr><td>{e(i18n.category_label(lang, c))}</td><td>{reports_by_category.get(c, 0)}</td></tr>"
            for c in CATEGORIES
        ),
        "</table>",
    ]
    drawn = charts(findings, metrics, lang)
    if drawn:
        parts.append("<section id='charts'>")
        parts += [f"<figure class='chart'><figcaption>{e(c)}</figcaption>{svg}</figure>" for c, svg in drawn]
        if len(drawn) < 4:
            parts.append(f"<p id='no-yoy'>{e(t('chart_yoy_none'))}</p>")
        parts.append("</section>")
    else:
        parts.append(f"<p>{e(t('charts_need_extra'))}</p>")
    for w, category in enumerate(CATEGORIES):
        group = [x for x in lines if x[0] == w]
        if not group:
            continue
        label = i18n.category_label(lang, category)
        parts.append(f"<h2 class='c{w}'>{e(t('n_reports_in_group', category=label, n=len(group)))}</h2>")
        parts.append(
            f"<table><tr><th>{e(t('agency'))}</th><th class='nw'>{e(t('year'))}</th><th class='nw'>{e(t('province'))}"
            f"</th><th class='nw'>{e(t('city'))}</th><th class='nw'>{e(t('county'))}</th><th class='nw'>"
            f"{e(t('level'))}</th><th>{e(t('worst_finding'))}</th><th>{e(t('all_findings'))}</th></tr>"
        )
        for _, agency, year, path, fs in group:
            p, c, a = where.get(agency, ("", "", ""))
            worst = fs[0]
            rest = "".join(f"<li><code title='{e(f.rule)}'>{e(i18n.rule_label(lang, f.rule))}</code> {e(f.message)}"
                           f"{(' — ' + e(f.evidence)) if f.evidence else ''}</li>" for f in fs[1:])  # fmt: skip
            more = (
                f"<details><summary>{e(t('n_more', n=len(fs) - 1))}</summary><ul>{rest}</ul></details>" if rest else ""
            )
            parts.append(
                f"<tr class='c{w}'><td>{e(agency)}<br><small><code>{e(path)}</code></small></td>"
                f"<td class='nw'>{e(str(year or ''))}</td><td class='nw'>{e(p)}</td><td class='nw'>{e(c)}</td>"
                f"<td class='nw'>{e(a)}</td><td class='nw'>{e(i18n.level_label(lang, worst.level))}</td>"
                f"<td><code title='{e(worst.rule)}'>{e(i18n.rule_label(lang, worst.rule))}</code> "
                f"{e(worst.message)}</td>"
                f"<td>{len(fs)}{more}</td></tr>"
            )
        parts.append("</table>")
    parts.append(f"<h2>{e(t('metric_definitions'))}</h2><table><tr><th>{e(t('metric'))}</th><th>{e(t('label'))}</th>"
                 f"<th>{e(t('definition'))}</th></tr>")  # fmt: skip
    parts += [f"<tr><td>{e(m.key)}</td><td>{e(m.label)}</td><td>{e(m.definition)}</td></tr>" for m in METRICS]
    parts.append("</table></body></html>")
    return "".join(parts)
