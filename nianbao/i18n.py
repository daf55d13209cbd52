"""The message catalogue of the review page and the findings page: Chinese (the default, for reviewers in
government offices) and English. One dict per language with the same keys (a test checks that no string
is missing in either), the verifier's and the findings' rule names, statuses, agency levels and the
keyboard map. Plain dicts, not gettext: ~150 strings, no build step, no .mo files to ship.

It imports nothing of nianbao, so every layer may use it.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "年报审核",
        "queue": "审核队列",
        "other_language": "English",
        "not_saved": "未保存",
        "back_to_report": "返回报告",
        "no_extraction": "未能提取",
        "store": "库内",
        "waiting": "待审核",
        "n_left": "剩余 {n} 份",
        "filter_reason": "原因",
        "filter_rule": "规则",
        "filter_agency": "机关",
        "filter_region": "地区",
        "region_hint": "省、市或区县",
        "filter_year": "年度",
        "filter_format": "格式",
        "all": "全部",
        "filter": "筛选",
        "bulk_offer": "{n} 份报告被判为来源数据不一致：其中每个单元格均已读出、唯一问题是机关自身算术的，"
        "可批量确认（先预览）",
        "bulk_done": "已批量确认 {n} 份报告",
        "bulk_title": "批量确认：来源数据自相矛盾",
        "bulk_explain": "以下报告每个单元格均已读出，错误全部是表内合计关系不成立（机关自身算术）。"
        "确认后以同一理由记录，并注明审核人。",
        "bulk_count": "将确认 {n} 份报告",
        "bulk_apply": "确认这 {n} 份",
        "page_of": "第 {page} / {pages} 页",
        "previous": "上一页",
        "next": "下一页",
        "report": "报告",
        "reason": "原因",
        "first_violation": "首个问题",
        "file": "文件",
        "decided": "已决定",
        "decision": "决定",
        "by": "审核人",
        "when": "时间",
        "why": "理由",
        "why_optional": "理由（可选）",
        "reviewer": "审核人",
        "change": "更改",
        "previous_report": "上一份",
        "next_report": "下一份",
        "original_file": "原始文件",
        "keys": "快捷键",
        "format_of": "{template} 版格式",
        "decision_by": "决定：{decision}，审核人 {who}，{when}",
        "changed_explain": "新的提取对这些单元格的读数与原决定不同 ——",
        "decided_now": "原决定 {decided}，现读作 {new}",
        "expected_found": "应为 {expected}，实为 {found}",
        "printed_as": "原文印作「{found}」",
        "folded": "{rule}：{n} 行（仅提示，已折叠）",
        "note": "说明",
        "table_2": "表二 主动公开政府信息情况",
        "table_3": "表三 收到和处理政府信息公开申请情况",
        "table_4": "表四 政府信息公开行政复议、行政诉讼情况",
        "scan_page": "扫描件第 {page} 页（共识别 {n} 页，已纠偏）—— 点击单元格查看其位置",
        "scan_alt": "扫描件页面",
        "source_not_shown": "未显示原文",
        "save_correction": "保存更正",
        "accept_source_error": "确认：来源数据自相矛盾",
        "reject": "退回",
        "mouse_too": "鼠标同样可用：点击单元格或原文中的数字。",
        "who_prompt": "请输入审核人姓名",
        "who_explain": "每个决定都会记录审核人；本浏览器会记住此姓名。",
        "illegible_prompt": "标记为原文无法辨认，理由：",
        "todo_n": "尚有 {n} 个单元格待处理",
        "todo_none": "每个单元格均已有着落",
        "rechecked": "已重新校验",
        "checking": "校验中",
        "saved_correction": "更正已保存：报告校验通过",
        "saved_source_error": "已记录为机关自身数据不一致",
        "saved_rejected": "已退回",
        "refuse_reviewer": "请先填写审核人姓名",
        "refuse_unaccounted": "仍有单元格未处理：请填入数值、确认读数，或标记为原文无法辨认并说明理由",
        "refuse_still_breaks": "更正后的报告仍不满足合计关系；若是原文本身不一致，请确认为来源数据自相矛盾",
        "refuse_unreadable": "该报告未能读出，没有可确认的忠实读数：请先更正单元格",
        "refuse_reason": "请说明理由",
        "refuse_verifies": "按这些处理报告已校验通过：请保存为更正",
        "refuse_value": "输入的数值有误",
        "refuse_other": "未能保存",
        "key_next": "下一个问题单元格",
        "key_prev": "上一个问题单元格",
        "key_type": "输入数值（用空格分隔可一次填满整行）",
        "key_enter": "采用所填数值或确认原读数，并跳到下一个",
        "key_illegible": "标记为原文无法辨认（需填写理由）",
        "key_undo": "撤销本单元格的处理",
        "key_correct": "保存更正（填写理由后回车）",
        "key_accept": "确认来源数据自相矛盾（回车）",
        "key_reject": "退回报告",
        "key_reports": "下一份 / 上一份报告",
        "key_original": "打开原始文件",
        "key_help": "显示 / 隐藏本帮助",
        "key_escape": "关闭帮助，回到单元格",
        # the findings page
        "findings_title": "年报检查结果",
        "n_reports_with_findings": "{n} 份报告有检查发现（每份报告只计一次）。",
        "worst_finding": "最严重的发现",
        "reports": "报告数",
        "charts_need_extra": "（图表需要 analysis 扩展：pip install 'nianbao[analysis]'）",
        "agency": "机关",
        "year": "年度",
        "province": "省",
        "city": "市",
        "county": "区/县",
        "level": "层级",
        "all_findings": "全部",
        "n_more": "另 {n} 项",
        "metric_definitions": "指标定义",
        "metric": "指标",
        "label": "名称",
        "definition": "定义",
        "chart_by_kind": "各类发现数量",
        "chart_by_level": "有发现的报告，按机关层级",
        "chart_metrics": "派生指标的分布",
        "chart_yoy": "予以公开率的同比变化（{n} 份报告有上一年度）",
        "chart_yoy_none": "暂无同比：库中没有同一机关相邻年度的两份报告",
        "axis_findings": "发现数",
        "axis_reports": "报告数",
        "axis_change": "同比变化（百分点）",
        "n_reports_in_group": "{category} —— {n} 份报告",
    },
    "en": {
        "app_title": "nianbao review",
        "queue": "Review queue",
        "other_language": "中文",
        "not_saved": "Not saved",
        "back_to_report": "back to the report",
        "no_extraction": "No extraction",
        "store": "Store",
        "waiting": "Waiting for review",
        "n_left": "{n} left",
        "filter_reason": "reason",
        "filter_rule": "rule",
        "filter_agency": "agency",
        "filter_region": "region",
        "region_hint": "province, city or county",
        "filter_year": "year",
        "filter_format": "format",
        "all": "all",
        "filter": "filter",
        "bulk_offer": "{n} report(s) judged source-inconsistent: those with every cell read whose only fault is "
        "the agency's own arithmetic can be confirmed together (preview first)",
        "bulk_done": "{n} report(s) confirmed together",
        "bulk_title": "Confirm together: the sources are inconsistent",
        "bulk_explain": "Every cell of these reports is read, and every error is a sum of the table that does not "
        "hold (the agency's own arithmetic). They are recorded with one reason and your name.",
        "bulk_count": "{n} report(s) will be confirmed",
        "bulk_apply": "Confirm these {n}",
        "page_of": "page {page} of {pages}",
        "previous": "previous",
        "next": "next",
        "report": "report",
        "reason": "reason",
        "first_violation": "first violation",
        "file": "file",
        "decided": "Decided",
        "decision": "decision",
        "by": "by",
        "when": "when",
        "why": "why",
        "why_optional": "why (optional)",
        "reviewer": "reviewer",
        "change": "change",
        "previous_report": "previous",
        "next_report": "next",
        "original_file": "original file",
        "keys": "Keys",
        "format_of": "{template} format",
        "decision_by": "decision: {decision} by {who} at {when}",
        "changed_explain": "a new extraction reads these cells differently from the decision —",
        "decided_now": "decided {decided}, now read {new}",
        "expected_found": "expected {expected}, found {found}",
        "printed_as": "printed as “{found}”",
        "folded": "{rule}: {n} row(s) (informational, folded)",
        "note": "note",
        "table_2": "Table 2 — proactive disclosure",
        "table_3": "Table 3 — requests received and handled",
        "table_4": "Table 4 — administrative reviews and litigation",
        "scan_page": "the scan, page {page} ({n} page(s) OCR'd, deskewed) — click a cell to see where it stands",
        "scan_alt": "a page of the scan",
        "source_not_shown": "source not shown",
        "save_correction": "Save correction",
        "accept_source_error": "Accept: the source is inconsistent",
        "reject": "Reject",
        "mouse_too": "The mouse works too: click a cell, or a number in the source.",
        "who_prompt": "Your name, as the reviewer",
        "who_explain": "Every decision records who took it; this browser remembers the name.",
        "illegible_prompt": "Illegible in the source, because:",
        "todo_n": "{n} cell(s) still to account for",
        "todo_none": "every cell accounted for",
        "rechecked": "re-checked",
        "checking": "checking",
        "saved_correction": "correction saved: the report verifies",
        "saved_source_error": "recorded as the agency's own inconsistency",
        "saved_rejected": "rejected",
        "refuse_reviewer": "say who decides first",
        "refuse_unaccounted": "some cells are not accounted for: type their values, accept their reading, or mark "
        "them illegible with a reason",
        "refuse_still_breaks": "the corrected report still breaks its sums; if the source itself is inconsistent, "
        "accept it as such",
        "refuse_unreadable": "nianbao could not read this report, so there is no faithful reading to confirm: "
        "correct its cells first",
        "refuse_reason": "say why",
        "refuse_verifies": "with these cell decisions the report verifies: save it as a correction",
        "refuse_value": "a value typed is not valid",
        "refuse_other": "not saved",
        "key_next": "next cell at fault",
        "key_prev": "previous cell at fault",
        "key_type": "type a value (numbers separated by spaces fill the row)",
        "key_enter": "keep the value typed, or accept the reading, and go to the next",
        "key_illegible": "mark illegible in the source (asks why)",
        "key_undo": "undo this cell's decision",
        "key_correct": "save the correction (type why, Enter)",
        "key_accept": "accept: the source is inconsistent (Enter)",
        "key_reject": "reject the report",
        "key_reports": "next / previous report",
        "key_original": "open the original file",
        "key_help": "show / hide this help",
        "key_escape": "close the help, back to the cell",
        "findings_title": "Findings",
        "n_reports_with_findings": "{n} report(s) with findings (each report counted once).",
        "worst_finding": "worst finding",
        "reports": "reports",
        "charts_need_extra": "(charts need the analysis extra: pip install 'nianbao[analysis]')",
        "agency": "agency",
        "year": "year",
        "province": "province",
        "city": "city",
        "county": "district/county",
        "level": "level",
        "all_findings": "all",
        "n_more": "{n} more",
        "metric_definitions": "Metric definitions",
        "metric": "metric",
        "label": "name",
        "definition": "definition",
        "chart_by_kind": "Findings by kind",
        "chart_by_level": "Reports with findings, by agency level",
        "chart_metrics": "Distribution of the derived metrics",
        "chart_yoy": "Year-over-year change in the grant rate ({n} report(s) with the year before)",
        "chart_yoy_none": "No year-over-year change yet: the store holds no agency's reports of two adjacent years",
        "axis_findings": "findings",
        "axis_reports": "reports",
        "axis_change": "change (percentage points)",
        "n_reports_in_group": "{category} — {n} report(s)",
    },
}

RULES: dict[str, dict[str, str]] = {
    "zh": {
        "t3_row_total": "表三行合计不符",
        "t3_results_sum": "表三办理结果之和不符",
        "t3_balance": "表三收结平衡不符",
        "t4_group_total": "表四合计不符",
        "t4_labels": "表四栏目",
        "non_negative": "出现负数",
        "missing": "缺值",
        "not_printed": "未印出",
        "grounding": "数值与原文不符",
        "inferred": "由合计关系推定",
        "ambiguous": "读法不唯一（数字连写）",
        "evidence": "证据不符（所引数字与原文不合）",
        "no_section": "未找到表格",
        "schema": "结构错误",
        "no_llm": "未配置大模型",
        "unreadable": "无法读取",
        "ocr_identity": "识别结果不符合计关系",
        "ocr_unconfirmed": "识别未确认",
        "unit_mismatch": "单位不符",
        "period_mismatch": "统计期间与年度不符",
        "narrative_mismatch": "正文与表格不符",
        "outdated_template": "使用旧版格式",
        "deadline": "发布时间",
        "carry_over_mismatch": "结转数与上年不符",
        "in_force_drift": "现行有效件数变动异常",
        "implausible_fee": "收费金额异常",
        "implausible_regulations": "规章件数异常",
        "reviewed": "人工审核",
        "failed": "提取失败",
        "compliance_fee": "未报告信息处理费",
        "compliance_problems": "未说明问题与改进",
        "compliance_sections": "缺少章节",
        "compliance_tables": "表格缺失或格式过时",
    },
    "en": {
        "t3_row_total": "table 3 row total",
        "t3_results_sum": "table 3 results sum",
        "t3_balance": "table 3 balance",
        "t4_group_total": "table 4 group total",
        "t4_labels": "table 4 labels",
        "non_negative": "negative value",
        "missing": "missing value",
        "not_printed": "not printed",
        "grounding": "value does not match the source",
        "inferred": "placed by the identities",
        "ambiguous": "more than one reading (digits run together)",
        "evidence": "evidence does not hold (the cited digits are not what the source prints)",
        "no_section": "table not found",
        "schema": "schema error",
        "no_llm": "no LLM configured",
        "unreadable": "unreadable",
        "ocr_identity": "OCR reading breaks the sums",
        "ocr_unconfirmed": "OCR unconfirmed",
        "unit_mismatch": "unit mismatch",
        "period_mismatch": "period contradicts the year",
        "narrative_mismatch": "text contradicts the tables",
        "outdated_template": "outdated format",
        "deadline": "published late",
        "carry_over_mismatch": "carry-over differs from last year",
        "in_force_drift": "documents in force drift",
        "implausible_fee": "implausible fee",
        "implausible_regulations": "implausible regulations count",
        "reviewed": "reviewed by a person",
        "failed": "extraction failed",
        "compliance_fee": "fee not reported",
        "compliance_problems": "problems and improvements not stated",
        "compliance_sections": "sections missing",
        "compliance_tables": "tables missing or outdated",
    },
}

STATUSES: dict[str, dict[str, str]] = {
    "zh": {
        "verified": "已验证",
        "rejected": "待审核",
        "reviewed": "已人工更正",
        "source_inconsistent": "来源数据自相矛盾",
        "extraction_unverified": "提取未能验证",
        "changed_since_review": "审核后读数有变",
        "rejected_by_reviewer": "已退回",
        "failed": "提取失败",
        "corrected": "更正",
        "source_error": "确认来源不一致",
        "": "—",
    },
    "en": {
        "verified": "verified",
        "rejected": "waiting for review",
        "reviewed": "reviewed",
        "source_inconsistent": "source inconsistent",
        "extraction_unverified": "extraction unverified",
        "changed_since_review": "changed since review",
        "rejected_by_reviewer": "rejected by reviewer",
        "failed": "failed",
        "corrected": "corrected",
        "source_error": "source error confirmed",
        "": "—",
    },
}

# the findings' categories and the agencies' levels (as findings and the name parser spell them)
CATEGORIES: dict[str, dict[str, str]] = {
    "zh": {
        "source inconsistent": "来源数据自相矛盾",
        "extraction rejected": "提取未通过",
        "extraction failed": "提取失败",
        "warning": "提示",
    },
    "en": {
        "source inconsistent": "source inconsistent",
        "extraction rejected": "extraction rejected",
        "extraction failed": "extraction failed",
        "warning": "warning",
    },
}
LEVELS: dict[str, dict[str, str]] = {
    "zh": {"省": "省", "市": "市", "县区": "县区", "乡镇街道": "乡镇街道", "部门": "部门", "": "未知"},
    "en": {"省": "province", "市": "city", "县区": "county/district", "乡镇街道": "town/street",
           "部门": "department", "": "unknown"},
}  # fmt: skip

# the keyboard map of the review page, listed under "?"
KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("j", "↓"), "key_next"),
    (("k", "↑"), "key_prev"),
    (("0–9",), "key_type"),
    (("Enter",), "key_enter"),
    (("x",), "key_illegible"),
    (("u",), "key_undo"),
    (("c",), "key_correct"),
    (("a",), "key_accept"),
    (("r",), "key_reject"),
    (("]", "["), "key_reports"),
    (("o",), "key_original"),
    (("?",), "key_help"),
    (("Esc",), "key_escape"),
)


def choose(explicit: str | None, accept_language: str | None = None) -> str:
    """The language: an explicit choice (``--lang``, ``?lang=``) if it is one we speak, else the first of
    the browser's Accept-Language (by quality) that we speak, else Chinese."""
    if explicit in LANGS:
        return explicit
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else DEFAULT


# why a decision was refused, recognised by the words of the review module's errors (which stay English for
# the CLI and logs): the page leads with the catalogue's sentence and keeps the error's own words below it
REFUSALS: tuple[tuple[str, str], ...] = (
    ("who decides", "refuse_reviewer"),
    ("not accounted for", "refuse_unaccounted"),
    ("still breaks", "refuse_still_breaks"),
    ("could not read it", "refuse_unreadable"),
    ("say why", "refuse_reason"),
    ("the report verifies", "refuse_verifies"),
    ("not a number", "refuse_value"),
    ("not a whole number", "refuse_value"),
    ("too large", "refuse_value"),
    ("malformed", "refuse_value"),
)


def refusal(lang: str, message: str) -> str:
    return t(lang, next((key for words, key in REFUSALS if words in message), "refuse_other"))


def t(lang: str, key: str, **values: object) -> str:
    text = MESSAGES[lang if lang in MESSAGES else DEFAULT][key]
    return text.format(**values) if values else text


def rule_label(lang: str, rule: str) -> str:
    """A rule's name in ``lang``; an unknown rule (a newer check) shows its key."""
    return RULES.get(lang, RULES[DEFAULT]).get(rule, rule)


def status_label(lang: str, status: str | None) -> str:
    table = STATUSES.get(lang, STATUSES[DEFAULT])
    return table.get(status or "", status or "")


def category_label(lang: str, category: str) -> str:
    return CATEGORIES.get(lang, CATEGORIES[DEFAULT]).get(category, category)


def level_label(lang: str, level: str | None) -> str:
    return LEVELS.get(lang, LEVELS[DEFAULT]).get(level or "", level or "")


def keys_help(lang: str) -> list[tuple[tuple[str, ...], str]]:
    return [(k, t(lang, what)) for k, what in KEYS]
