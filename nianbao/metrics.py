"""Derived metrics for auditors and researchers, per report and agency-year: the rates a 政务公开 office
scores, each defined in the template's own words and computed only from verified or reviewed reports.

A rate is ``sum(numerator cells) / sum(denominator cells)``; it is blank where the denominator is 0 (an
agency that received no request has no grant rate, not a rate of 0). Each report counts once (the
document chosen to stand for it); the change against the same agency's previous year is given where the
store holds that year.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nianbao import spreadsheet
from nianbao.schema import RESULT_ROWS, CellValue, flatten
from nianbao.store import Store

COUNTED = frozenset({"verified", "reviewed"})  # only what verified, or a person corrected


def _t3(*rows: str) -> tuple[str, ...]:
    return tuple(f"applications.{r}.total" for r in rows)


def _prefixed(prefix: str) -> tuple[str, ...]:
    return _t3(*[r for r in RESULT_ROWS if r.startswith(prefix)])


def _t4(col: str, *groups: str) -> tuple[str, ...]:
    return tuple(f"reviews_litigation.{g}.{col}" for g in groups)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # 中文, as an office would name it
    definition: str  # in the template's labels
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()  # empty: a count, not a rate


_LIT = ("litigation_direct", "litigation_after_review")
METRICS: tuple[Metric, ...] = (
    Metric("applications_received", "本年新收申请数", "一、本年新收政府信息公开申请数量 (总计)", _t3("new_received")),
    Metric("granted_share", "予以公开率", "（一）予以公开 ÷ （七）总计 (总计列)", _t3("granted"), _t3("results_total")),
    Metric("partially_granted_share", "部分公开率", "（二）部分公开 ÷ （七）总计", _t3("partially_granted"),
           _t3("results_total")),
    Metric("denied_share", "不予公开率", "（三）不予公开 1–8 之和 ÷ （七）总计", _prefixed("denied_"),
           _t3("results_total")),
    Metric("unavailable_share", "无法提供率", "（四）无法提供 1–3 之和 ÷ （七）总计", _prefixed("unavailable_"),
           _t3("results_total")),
    Metric("not_processed_share", "不予处理率", "（五）不予处理 1–5 之和 ÷ （七）总计", _prefixed("not_processed_"),
           _t3("results_total")),
    Metric("other_share", "其他处理率", "（六）其他处理之和 ÷ （七）总计", _prefixed("other"), _t3("results_total")),
    Metric("carry_over_share", "结转率", "四、结转下年度继续办理 ÷ (一、本年新收 + 二、上年结转)",
           _t3("carried_to_next_year"), _t3("new_received", "carried_over")),
    Metric("reviews", "行政复议数", "行政复议 总计", _t4("total", "review")),
    Metric("review_correction_rate", "复议纠错率", "行政复议 结果纠正 ÷ 行政复议 总计", _t4("corrected", "review"),
           _t4("total", "review")),
    Metric("litigations", "行政诉讼数", "行政诉讼 (未经复议直接起诉 + 复议后起诉) 总计", _t4("total", *_LIT)),
    Metric("litigation_correction_rate", "诉讼纠错率", "行政诉讼 结果纠正 ÷ 行政诉讼 总计", _t4("corrected", *_LIT),
           _t4("total", *_LIT)),
    Metric("litigation_upheld_share", "诉讼维持率", "行政诉讼 结果维持 ÷ 行政诉讼 总计", _t4("upheld", *_LIT),
           _t4("total", *_LIT)),
)  # fmt: skip


def compute(metric: Metric, cells: dict[str, CellValue]) -> Decimal | None:
    values = [cells.get(p) for p in (*metric.numerator, *metric.denominator)]
    if any(v is None for v in values):
        return None  # a blank cell: the figure is not known
    top = sum((Decimal(cells[p] or 0) for p in metric.numerator), Decimal(0))
    if not metric.denominator:
        return top
    bottom = sum((Decimal(cells[p] or 0) for p in metric.denominator), Decimal(0))
    return None if bottom == 0 else (top / bottom).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class ReportMetrics:
    agency: str
    year: int | None
    report_key: str
    status: str
    values: dict[str, Decimal | None]
    change: dict[str, Decimal | None]  # against the same agency's previous year, where the store has it


def per_report(store: Store) -> list[ReportMetrics]:
    """One line per report that verified or was reviewed, in (agency, year) order."""
    found: list[tuple[str, int | None, str, str, dict[str, Decimal | None]]] = []
    for choice in store.reports():
        row = store.get(choice.chosen)
        if row.effective_status not in COUNTED:
            continue
        report = row.report()
        if report is None or report.template != "2021":
            continue
        cells = flatten(report)
        found.append((report.agency or "?", report.year, choice.key, row.effective_status,
                      {m.key: compute(m, cells) for m in METRICS}))  # fmt: skip
    by_year = {("".join(a.split()), y): v for a, y, _, _, v in found}
    out = []
    for agency, year, key, status, values in sorted(found, key=lambda f: (f[0], f[1] or 0)):
        before = by_year.get(("".join(agency.split()), (year or 0) - 1))
        change: dict[str, Decimal | None] = {}
        for m in METRICS:
            now, then = values[m.key], (before or {}).get(m.key)
            change[m.key] = None if now is None or then is None else now - then
        out.append(ReportMetrics(agency, year, key, status, values, change))
    return out


def _fmt(v: Decimal | None, metric: Metric) -> str:
    """One format a column: a count as a whole number, a rate (and its change) with four decimals."""
    if v is None:
        return ""
    return f"{v:.4f}" if metric.denominator else str(int(v))


def definitions() -> Iterator[dict[str, str]]:
    for m in METRICS:
        yield {
            "metric": m.key,
            "label": m.label,
            "definition": m.definition,
            "kind": "rate" if m.denominator else "count",
        }


def to_csv(rows: Iterable[ReportMetrics]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["agency", "year", "report_key", "status", *[m.key for m in METRICS],
                *[f"{m.key}_change" for m in METRICS]])  # fmt: skip
    for r in rows:
        values = [_fmt(r.values[m.key], m) for m in METRICS] + [_fmt(r.change[m.key], m) for m in METRICS]
        w.writerow(spreadsheet.row([r.agency, r.year, r.report_key, r.status, *values]))  # every text cell neutralised
    return buf.getvalue()


def to_json(rows: list[ReportMetrics]) -> str:
    data: dict[str, Any] = {
        "definitions": list(definitions()),
        "reports": [{"agency": r.agency, "year": r.year, "report_key": r.report_key, "status": r.status,
                     "values": {k: None if v is None else float(v) for k, v in r.values.items()},
                     "change": {k: None if v is None else float(v) for k, v in r.change.items()}}
                    for r in rows],
        "covered": {m.key: sum(1 for r in rows if r.values[m.key] is not None) for m in METRICS},
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_markdown(rows: list[ReportMetrics]) -> str:
    lines = ["# nianbao metrics", "", f"{len(rows)} verified or reviewed report(s); each report counted once.", "",
             "| metric | 指标 | definition | reports covered |", "|---|---|---|---|"]  # fmt: skip
    for m in METRICS:
        covered = sum(1 for r in rows if r.values[m.key] is not None)
        lines.append(f"| {m.key} | {m.label} | {m.definition} | {covered} |")
    lines += ["", "| agency | year | " + " | ".join(m.label for m in METRICS) + " |",
              "|---|---|" + "---|" * len(METRICS)]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.agency} | {r.year or ''} | " + " | ".join(_fmt(r.values[m.key], m) for m in METRICS) + " |")
    return "\n".join(lines) + "\n"
