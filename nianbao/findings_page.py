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
from collections import Counter
from functools import lru_cache
from typing import Any

from nianbao.findings.findings_report import CATEGORIES, Finding
from nianbao.metrics import METRICS, ReportMetrics
from nianbao.regions import regions

# worst first: the agency's own inconsistency, then what nianbao could not read, then warnings
_SEVERITY = {c: i for i, c in enumerate(CATEGORIES)}
_LEVELS_EN = {
    "省": "province",
    "市": "city",
    "县区": "county/district",
    "乡镇街道": "town/street",
    "部门": "department",
}
CHART_METRICS = ("granted_share", "denied_share", "carry_over_share", "review_correction_rate")


def _svg(figure: Any) -> str:
    buf = io.StringIO()
    figure.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def charts(findings: list[Finding], metrics: list[ReportMetrics]) -> list[tuple[str, str]]:
    """(title, inline SVG) for each chart; empty when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    out: list[tuple[str, str]] = []
    plt.rcParams.update({"font.size": 9, "svg.fonttype": "none"})

    def bar(title: str, counts: Counter[str], xlabel: str) -> None:
        fig, ax = plt.subplots(figsize=(6, 0.35 * max(3, len(counts)) + 0.8))
        items = counts.most_common()
        ax.barh([k for k, _ in items][::-1], [v for _, v in items][::-1], color="#4a7ab5")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        out.append((title, _svg(fig)))
        plt.close(fig)

    bar("Findings by kind", Counter(f.rule for f in findings), "findings")
    reports_by_level: dict[str, set[tuple[str, int | None]]] = {}
    for f in findings:
        reports_by_level.setdefault(_LEVELS_EN.get(f.level or "", "unknown"), set()).add((f.agency, f.year))
    bar("Reports with findings, by agency level", Counter({k: len(v) for k, v in reports_by_level.items()}), "reports")
    fig, axes = plt.subplots(1, len(CHART_METRICS), figsize=(3 * len(CHART_METRICS), 2.6))
    for ax, key in zip(axes, CHART_METRICS, strict=True):
        values = [float(v) for r in metrics if (v := r.values[key]) is not None]
        ax.hist(values, bins=10, range=(0, 1), color="#6a9f58")
        ax.set_title(f"{key} (n={len(values)})")
    out.append(("Distribution of the derived metrics", _svg(fig)))
    plt.close(fig)
    moved = [(f"{r.agency[:6]}{r.year}", float(v)) for r in metrics if (v := r.change["granted_share"]) is not None]
    fig, ax = plt.subplots(figsize=(6, 0.35 * max(3, len(moved)) + 0.8))
    ax.barh([str(i) for i in range(len(moved))], [v for _, v in moved], color="#b5744a")
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_title(f"Year-over-year change in granted_share ({len(moved)} report(s) with the year before)")
    out.append(("Year-over-year movement", _svg(fig)))
    plt.close(fig)
    return out


def render(findings: list[Finding], metrics: list[ReportMetrics]) -> str:
    e = html.escape
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
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>nianbao findings</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}td,th{border:1px solid #ccc;padding:2px 6px;"
        "vertical-align:top}table{border-collapse:collapse;margin:8px 0}.c0{color:#a00}.c1,.c2{color:#666}"
        ".c3{color:#a60}figure{display:inline-block;margin:6px}details{margin:2px 0}</style></head><body>",
        f"<h1>Findings</h1><p>{len(lines)} report(s) with findings (each report counted once).</p>",
        "<table id='by-category'><tr><th>worst finding</th><th>reports</th></tr>",
        *(f"<tr><td>{e(c)}</td><td>{reports_by_category.get(c, 0)}</td></tr>" for c in CATEGORIES),
        "</table>",
    ]
    drawn = charts(findings, metrics)
    if drawn:
        parts.append("<section id='charts'>")
        parts += [f"<figure class='chart'><figcaption>{e(t)}</figcaption>{svg}</figure>" for t, svg in drawn]
        parts.append("</section>")
    else:
        parts.append("<p>(charts need the analysis extra: pip install 'nianbao[analysis]')</p>")
    for w, category in enumerate(CATEGORIES):
        group = [x for x in lines if x[0] == w]
        if not group:
            continue
        parts.append(f"<h2 class='c{w}'>{e(category)} — {len(group)} report(s)</h2>")
        parts.append("<table><tr><th>agency</th><th>year</th><th>省</th><th>市</th><th>区/县</th><th>level</th>"
                     "<th>worst finding</th><th>all</th></tr>")  # fmt: skip
        for _, agency, year, path, fs in group:
            p, c, a = where.get(agency, ("", "", ""))
            worst = fs[0]
            rest = "".join(f"<li><code>{e(f.rule)}</code> {e(f.message)}"
                           f"{(' — ' + e(f.evidence)) if f.evidence else ''}</li>" for f in fs[1:])  # fmt: skip
            more = f"<details><summary>{len(fs) - 1} more</summary><ul>{rest}</ul></details>" if rest else ""
            parts.append(
                f"<tr class='c{w}'><td>{e(agency)}<br><small><code>{e(path)}</code></small></td>"
                f"<td>{e(str(year or ''))}</td><td>{e(p)}</td><td>{e(c)}</td><td>{e(a)}</td>"
                f"<td>{e(worst.level or '')}</td>"
                f"<td><code>{e(worst.rule)}</code> {e(worst.message)}</td><td>{len(fs)}{more}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Metric definitions</h2><table><tr><th>metric</th><th>指标</th><th>definition</th></tr>")
    parts += [f"<tr><td>{e(m.key)}</td><td>{e(m.label)}</td><td>{e(m.definition)}</td></tr>" for m in METRICS]
    parts.append("</table></body></html>")
    return "".join(parts)
