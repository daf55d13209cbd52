"""A CMS page whose report is a JavaScript string written into the page by a script (layouts issue, item 10)."""

from __future__ import annotations

import json
from pathlib import Path

from nianbao.api import extract
from nianbao.extractor.readers.html import html_to_text

GOLDEN = Path(__file__).resolve().parents[3] / "goldens" / "dev_pingtan_2023_html" / "source.html"


def _in_a_script(body: str, quote: str = '"') -> str:
    if quote == '"':
        literal = json.dumps(body, ensure_ascii=False)
    else:
        literal = "'" + body.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    literal = literal.replace("</", "<\\/")  # as pages escape it, or the string would end the script
    return (
        '<html><head><title>平潭综合实验区</title></head><body><div id="c"></div><script>var content = '
        + literal
        + ';document.getElementById("c").innerHTML = content;</script></body></html>'
    )


def test_a_report_inside_a_javascript_string_reads_as_the_page_itself(tmp_path: Path) -> None:
    source = GOLDEN.read_text(encoding="utf-8")
    body = source[source.lower().find("<body") :]
    want = extract(GOLDEN)
    for quote in ('"', "'"):
        page = tmp_path / f"js{ord(quote)}.html"
        page.write_text(_in_a_script(body, quote), encoding="utf-8")
        got = extract(page)
        assert got.status == want.status == "verified"
        assert got.report() == want.report()


def test_a_page_with_its_own_table_ignores_strings_in_its_scripts() -> None:
    page = (
        '<table><tr><td>规章</td><td>1</td></tr></table><script>var x = "<table><tr><td>9</td></tr></table>";</script>'
    )
    assert html_to_text(page).strip("\n") == "\t规章\t1"


def test_a_string_with_escaped_surrogates_still_reads() -> None:
    """JavaScript writes a character beyond the BMP as two escaped halves (\\uD83D\\uDE00): joined into one;
    a half alone is no character and is replaced — neither may stop the page being read."""
    page = _in_a_script("<table><tr><td>行政许可 \\uD83D\\uDE00 \\uD800</td><td>7</td></tr></table>")
    text = html_to_text(page.replace("\\\\u", "\\u"))
    assert "\U0001f600" in text and "\t7" in text
