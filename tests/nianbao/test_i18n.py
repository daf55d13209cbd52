"""The message catalogue: no string missing in either language, every label the pages use present, every
rule nianbao can report named in both."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from nianbao import i18n
from nianbao.findings.findings_report import CATEGORIES
from nianbao.verifier.identities import IDENTITY_RULES
from tests.conftest import ROOT

TEMPLATES = ROOT / "nianbao" / "templates"
TABLES = [i18n.MESSAGES, i18n.RULES, i18n.STATUSES, i18n.CATEGORIES, i18n.LEVELS]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", TABLES, ids=["messages", "rules", "statuses", "categories", "levels"])
def test_both_languages_have_every_string_with_the_same_placeholders(table: dict[str, dict[str, str]]) -> None:
    assert set(table) == set(i18n.LANGS)
    zh, en = table["zh"], table["en"]
    assert set(zh) == set(en), f"missing in en: {set(zh) - set(en)}; missing in zh: {set(en) - set(zh)}"
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _fields(zh[key]) == _fields(en[key]), key


def test_every_label_the_pages_use_is_in_the_catalogue() -> None:
    used = set()
    for path in [*TEMPLATES.glob("*.html"), ROOT / "nianbao" / "findings_page.py", ROOT / "nianbao" / "review_web.py"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b_\(\s*["']([a-z0-9_]+)["']""", text))
        used |= set(re.findall(r"""\bt\(\s*(?:lang,\s*|chosen,\s*)?["']([a-z0-9_]+)["']""", text))
    used -= {"table_", "filter_"}  # built as "table_" ~ t and "filter_" + key in the templates
    used |= {f"table_{t}" for t in (2, 3, 4)} | {f"filter_{k}" for k in ("reason", "rule", "region", "year", "format")}
    used |= {what for _, what in i18n.KEYS}
    assert len(used) > 60
    assert used <= set(i18n.MESSAGES["zh"]), used - set(i18n.MESSAGES["zh"])


def _reported_rules() -> set[str]:
    rules = set(IDENTITY_RULES) | {"missing", "grounding", "inferred", "not_printed"}
    for path in (ROOT / "nianbao").rglob("*.py"):
        rules |= set(re.findall(r'rule="([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
        rules |= set(re.findall(r'"(compliance_[a-z]+)"', path.read_text(encoding="utf-8")))
    return rules


def test_every_rule_nianbao_reports_has_a_name_in_both_languages() -> None:
    rules = _reported_rules()
    assert {"t3_row_total", "ambiguous", "narrative_mismatch", "compliance_fee"} <= rules
    missing = rules - set(i18n.RULES["zh"])
    assert not missing, missing
    assert set(CATEGORIES) == set(i18n.CATEGORIES["zh"])


@pytest.mark.parametrize(
    ("explicit", "header", "chosen"),
    [(None, None, "zh"), (None, "en-US,en;q=0.9", "en"), (None, "fr-FR, en;q=0.5", "en"),
     (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en;q=0.3, zh-TW;q=0.8", "zh"), ("en", "zh-CN", "en"),
     ("zh", "en", "zh"), ("xx", "en", "en"), (None, "en;q=0", "zh"), (None, "en;q=abc", "zh")],
)  # fmt: skip
def test_the_language_is_chosen_explicitly_else_by_accept_language_else_chinese(
    explicit: str | None, header: str | None, chosen: str
) -> None:
    assert i18n.choose(explicit, header) == chosen


def test_an_unknown_rule_shows_its_key() -> None:
    assert i18n.rule_label("zh", "some_new_rule") == "some_new_rule"
    assert Path(i18n.__file__).name == "i18n.py"


def test_a_refusal_leads_with_the_catalogue_sentence() -> None:
    assert i18n.refusal("zh", "who decides? give --reviewer NAME") == i18n.MESSAGES["zh"]["refuse_reviewer"]
    assert i18n.refusal("en", "3 cell(s) not accounted for (a, b, c)") == i18n.MESSAGES["en"]["refuse_unaccounted"]
    assert i18n.refusal("zh", "something new") == i18n.MESSAGES["zh"]["refuse_other"]
    assert {key for _, key in i18n.REFUSALS} <= set(i18n.MESSAGES["zh"])


def test_the_cli_offers_exactly_the_catalogue_s_languages() -> None:
    from nianbao.cli.options import LangChoice

    assert tuple(LangChoice) == i18n.LANGS
