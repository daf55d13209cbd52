"""The report's identity beyond its title: the statistics period, and the agency's level."""

from __future__ import annotations

import re

from nianbao.schema import Violation

LEVELS = ("省", "市", "县区", "乡镇街道", "部门")

_PERIOD = re.compile(
    r"统\s*计\s*(?:期\s*限|时\s*限|周\s*期|时\s*间)[^。]{0,16}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
    r"|((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*(?:(?:19|20)\d{2}\s*年\s*)?12\s*月\s*31\s*日"
)
_DEPARTMENT = re.compile(r"(局|委员会|委|办公室|办|中心|厅|院|所|队|站|公司|管理处|分局)$")
_TOWN = re.compile(r"(镇|乡|街道|街道办事处|镇人民政府|乡人民政府|民族乡)$")


def statistics_period_year(text: str) -> tuple[int, str] | None:
    """The year of the statistics period the report states, with the sentence that states it."""
    m = _PERIOD.search(text[:6000])
    if not m:
        return None
    start = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
    end = text.find("。", m.end())
    return int(m.group(1) or m.group(2)), text[start : end + 1 if end != -1 else m.end()].strip()


def period_mismatch(text: str, year: int | None) -> list[Violation]:
    found = statistics_period_year(text)
    if found is None or year is None or found[0] == year:
        return []
    period, sentence = found
    return [
        Violation(
            rule="period_mismatch", severity="warning", cells=[], expected=str(year), found=str(period),
            message=f"the report is on {year} but states a statistics period in {period}: 「{sentence[:120]}」",
        )
    ]  # fmt: skip


def agency_level(agency: str | None) -> str | None:
    """省 / 市 / 县区 / 乡镇街道 / 部门 where the name shows it (a department's own level is separate)."""
    if not agency:
        return None
    name = re.sub(r"人民政府$", "", agency.strip())
    if _TOWN.search(name) or _TOWN.search(agency):
        return "乡镇街道"
    if _DEPARTMENT.search(name) or "管理委员会" in name:
        return "部门"
    if re.search(r"(县|区|旗|自治县|实验区|新区|开发区)$", name) or re.search(r"(县|区)级?市$", name):
        return "县区"
    if re.search(r"(省|自治区)$", name):
        return "省"
    if re.search(r"市$", name):
        return "市"
    return None


def department_parent(agency: str | None) -> str | None:
    """For a department, the level of the government it belongs to: 县区, 市 or 省."""
    if not agency:
        return None
    head = _DEPARTMENT.sub("", agency)
    if re.search(r"(县|区|旗)", head):
        return "县区"
    if "市" in head:
        return "市"
    if re.search(r"(省|自治区)", head):
        return "省"
    return None
