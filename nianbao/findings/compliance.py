"""Compliance checks for auditors: what the 条例 and the national template require a report to contain,
as findings of their own kind (warnings: they say what the agency published, not whether nianbao read it).

- the six sections are present (一 总体情况 … 六 其他需要报告的事项);
- tables 2–4 are present, in the current (2021) format for a report on 2021 or later;
- section 五 states problems and improvements — not empty, not a placeholder (无 / 暂无), not a line;
- section 六 reports the information-processing fee (信息处理费), or says none was charged.
(The statistics period against the year is :func:`nianbao.findings.identity.period_mismatch`.)
"""

from __future__ import annotations

import re

from nianbao.extractor.sections import Sections
from nianbao.schema import Report, Violation

_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("一", "总体情况", r"总\s*体\s*情\s*况"),
    ("二", "主动公开政府信息情况", r"主\s*动\s*公\s*开\s*政\s*府\s*信\s*息\s*(?:的\s*)?情\s*况"),
    ("三", "收到和处理政府信息公开申请情况", r"收\s*到\s*和\s*处\s*理\s*政\s*府\s*信\s*息\s*公\s*开\s*申\s*请"),
    (
        "四",
        "政府信息公开行政复议、行政诉讼情况",
        r"(?:政\s*府\s*信\s*息\s*公\s*开\s*)?行\s*政\s*复\s*议\s*[、,，与和及]?\s*行\s*政\s*诉\s*讼\s*(?:的\s*)?情\s*况",
    ),
    ("五", "存在的主要问题及改进情况", r"(?:当前|目前|工作中)?\s*存\s*在\s*的?\s*(?:主\s*要\s*)?问\s*题"),
    ("六", "其他需要报告的事项", r"其\s*他\s*需\s*要\s*报\s*告\s*的\s*事\s*项"),
)
# by title, under any numeral: some departments number their sections differently (科委: 二、收到和处理…)
_HEADING = {n: re.compile(rf"[一二三四五六七八九十]\s*[、.．]\s*{words}") for n, _, words in _SECTIONS}
_HEADING_REST = re.compile(r"[^\n。]{0,16}?(?:情\s*况|措\s*施|方\s*向|计\s*划)")
_PLACEHOLDER = re.compile(r"^[\s。.、:：]*(?:无|暂无|没有|无其他需要报告的事项)?[\s。.]*$")
MIN_PROBLEMS_CHARS = 60  # a sentence or two at least: problems, and what will be done about them
_FEE = re.compile(r"信息处理费|处理费|收费")


def _warn(rule: str, message: str) -> Violation:
    return Violation(rule=rule, severity="warning", cells=[], message=message)


def check_compliance(text: str, report: Report, sections: Sections) -> list[Violation]:
    found = {n: m for n, pattern in _HEADING.items() if (m := pattern.search(text))}
    out = []
    missing = [f"{n}、{title}" for n, title, _ in _SECTIONS if n not in found]
    if missing:
        out.append(_warn("compliance_sections", f"the report lacks section(s) {', '.join(missing)} of the template"))
    absent = [str(t) for t, region in ((2, sections.t2), (3, sections.t3), (4, sections.t4)) if region is None]
    if absent:
        out.append(_warn("compliance_tables", f"table(s) {', '.join(absent)} of the template are not printed"))
    if report.template == "2019" and (report.year or 0) >= 2021:
        out.append(_warn("compliance_tables", f"a report on {report.year} printed in the 2019 format"))
    if "五" in found:
        end = found["六"].start() if "六" in found and found["六"].start() > found["五"].end() else len(text)
        start = found["五"].end()
        rest = _HEADING_REST.match(text, start, end)  # the heading's own tail: 及改进情况 / 及下一步改进措施
        body = text[rest.end() if rest else start : end]
        if _PLACEHOLDER.match(body) or len(body.strip()) < MIN_PROBLEMS_CHARS:
            out.append(_warn("compliance_problems", f"section 五 is too thin to state problems and improvements "
                             f"({len(body.strip())} characters: 「{body.strip()[:40]}」)"))  # fmt: skip
    if "六" in found:
        if not _FEE.search(text[found["六"].end() :]):
            out.append(_warn("compliance_fee", "section 六 says nothing of the information-processing fee "
                             "(信息处理费): neither what was charged nor that none was"))  # fmt: skip
    elif not _FEE.search(text):
        out.append(_warn("compliance_fee", "the report says nothing of the information-processing fee (信息处理费)"))
    return out
