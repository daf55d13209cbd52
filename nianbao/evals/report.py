"""The eval's outputs for people: a terminal table, a case-by-case comparison with an earlier run."""

from __future__ import annotations

from typing import Any

from nianbao.evals.lift import lines as lift_lines
from nianbao.evals.run import OUTCOMES


def _pct(x: float) -> str:
    return f"{100 * x:6.2f}%"


def _row(name: str, s: dict[str, Any]) -> str:
    o = s["outcomes"]
    return (
        f"{name[:36]:<38}{s['cases']:>6}{_pct(s['cell_accuracy']):>10}{_pct(s['report_exact']):>10}"
        f"{o['verified_correct']:>8}{o['expected_rejection']:>10}{o['caught']:>8}{o['false_alarm']:>8}"
        f"{o['silent_error']:>8}{o['failed']:>8}"
    )


def _adversary_lines(adv: dict[str, Any] | None) -> list[str]:
    if not adv:
        return []
    oracle = adv["by_policy"].get("oracle", {})
    ceiling = f"{oracle.get('verified_right', 0)} of {sum(oracle.values())}"
    why = ", ".join(f"{k} {v}" for k, v in sorted(adv["oracle_rejections"].items(), key=lambda kv: -kv[1]))
    return [
        f"adversary (scripted OpenAI-protocol model, {len(adv['by_policy'])} policies, {adv['runs']} runs, "
        f"{adv['seconds']:.0f} s): verified WRONG {adv['verified_wrong']}, failed {adv['failed']}; "
        f"oracle ceiling {ceiling} verified (rejected right answers, first error: {why or 'none'})",
    ]


def _phase_lines(summary: dict[str, Any]) -> list[str]:
    phases = summary.get("phases")
    if not phases:
        return []
    each = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
    return [f"wall time by phase ({summary.get('workers', 1)} workers): {each}; in all {sum(phases.values()):.0f} s"]


def table(summary: dict[str, Any]) -> str:
    head = (
        f"{'':<38}{'cases':>6}{'cells':>10}{'reports':>10}"
        f"{'ok':>8}{'deserved':>10}{'caught':>8}{'f.alarm':>8}{'SILENT':>8}{'failed':>8}"
    )
    o = summary["overall"]
    lines = [
        f"nianbao eval — backend {summary['backend']}, {o['cases']} cases, {summary['wall_seconds']:.1f} s",
        *_phase_lines(summary),
        "",
        head,
        _row("all", o),
    ]
    breakdowns = (
        ("by_kind", "kind"), ("by_format", "format"), ("by_layout", "layout"), ("by_template", "template"),
        ("by_builder", "table builder (degraded scans, rejections counted)"),
        ("by_degradation", "degradation (degraded scans, rejections counted)"),
        ("by_table_style", "table style (scans of tables without trustworthy inner rules, rejections counted)"),
    )  # fmt: skip
    for key, title in breakdowns:
        if summary.get(key):
            lines.append(f"-- by {title}")
            lines.extend(_row(f"  {name}", s) for name, s in summary[key].items())
    lines += [
        "",
        "tables exact: " + "  ".join(f"table {t} {_pct(v).strip()}" for t, v in o["table_exact"].items()),
        "source-inconsistent cases flagged as such: "
        f"{o['source_inconsistent_flagged'] * o['source_inconsistent_cases']:.0f} of {o['source_inconsistent_cases']}",
        f"needed the LLM (the rules could not read them) {_pct(o['needed_llm_share']).strip()}; "
        f"LLM share {_pct(o['llm_share']).strip()}, tokens {o['tokens']} "
        f"({o['tokens_per_llm_report']:.0f} per LLM-read report)",
        *_adversary_lines(summary.get("adversary")),
        *(lift_lines(summary["llm_lift"]) if summary.get("llm_lift") else []),
        *(
            f"known limit (declared in case.json, outside the floors): {k['name']} — "
            f"rejected as it should be, {_pct(k['cell_accuracy']).strip()} of its cells read right, "
            f"{k['misread']} read wrong"
            for k in o["known_limits"]
        ),
        "",
        "cells: share of table cells equal to the truth; reports: share of reports with every cell right.",
        "ok = verified and right · deserved = rejected, right, and the file deserves it (its own arithmetic,",
        "undeterminable or blank cells) · caught = wrong and rejected · f.alarm = right but rejected ·",
        "SILENT = verified but wrong (must be 0) · failed = no extraction.",
    ]
    bad = [c for c in summary["cases"] if c["outcome"] in ("silent_error", "false_alarm", "failed")]
    if bad:
        lines.append("")
        lines.append("cases to look at:")
        for c in bad[:20]:
            lines.append(
                f"  {c['outcome']:<13} {c['name']}: {(c['wrong_cells'] or [c.get('error') or c['reason']])[0]}"
            )
    return "\n".join(lines)


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What got better or worse, overall and case by case."""
    lines = ["compared with the earlier run:"]
    for metric in ("cell_accuracy", "report_exact", "source_inconsistent_flagged"):
        a, b = old["overall"][metric], new["overall"][metric]
        mark = "better" if b > a else "WORSE" if b < a else "same"
        lines.append(f"  {metric:<30}{_pct(a)} → {_pct(b)}  {mark}")
    a, b = old["overall"]["silent_errors"], new["overall"]["silent_errors"]
    lines.append(f"  {'silent_errors':<30}{a:>7} → {b:<7} {'WORSE' if b > a else 'better' if b < a else 'same'}")
    rank = {
        o: i
        for i, o in enumerate(
            ("verified_correct", "expected_rejection", "caught", "false_alarm", "failed", "silent_error")
        )
    }
    before = {c["name"]: c for c in old["cases"]}
    changed = []
    for c in new["cases"]:
        prev = before.get(c["name"])
        if prev is None:
            changed.append(f"  new     {c['name']}: {c['outcome']}")
        elif prev["outcome"] != c["outcome"] or prev["cells_correct"] != c["cells_correct"]:
            way = (
                "better"
                if (rank[c["outcome"]], -c["cells_correct"]) < (rank[prev["outcome"]], -prev["cells_correct"])
                else "WORSE"
            )
            changed.append(
                f"  {way:<7} {c['name']}: {prev['outcome']} → {c['outcome']}, "
                f"cells {prev['cells_correct']} → {c['cells_correct']}"
            )
    gone = sorted(set(before) - {c["name"] for c in new["cases"]})
    changed += [f"  gone    {name}" for name in gone]
    lines += changed or ["  no case changed"]
    assert set(rank) == set(OUTCOMES)
    return "\n".join(lines)
