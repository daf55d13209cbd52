"""The auto backend end to end, offline: the rules read what they can, the LLM only the table they could
not, and the verifier judges the merged report (the LLM exchange replayed from a real server's envelope)."""

from __future__ import annotations

import json
from pathlib import Path

from nianbao.extractor.llm.config import LLMConfig
from nianbao.pipeline import extract_text, load_normalized
from tests.conftest import plant, seed_text
from tests.extractor.llm.server import MODE
from tests.extractor.llm.test_replay import RIGHT, URL, Replay, ok


def test_only_the_unreadable_table_goes_to_the_llm_and_a_spare_number_is_not_re_asked(tmp_path: Path) -> None:
    # a stray number in table 4's header: 16 printed numbers for 15 cells. The rules cannot place them;
    # the LLM is asked about table 4 alone, and its right answer still cannot consume the section's numbers
    # exactly — so the report is rejected, and no re-ask is sent (no answer could fix it).
    source = tmp_path / "r.txt"
    source.write_text(
        plant(seed_text("seed_000"), "\t行政复议\n\t行政诉讼\n", "\t行政复议 2024\n\t行政诉讼\n"), encoding="utf-8"
    )
    text, info = load_normalized(source)
    rules_only = extract_text(text, info, "rules")
    assert rules_only.status == "rejected" and rules_only.reviews_litigation.review.total is None  # type: ignore[attr-defined]

    replay = Replay(ok(RIGHT))
    config = LLMConfig(
        base_url=URL,
        model="gemma-3-270m",
        mode=MODE,
        use_cache=False,
        cache_dir=tmp_path,
        http_client=replay.client(),
        prompt_version="v1",  # the recorded exchange is prompt v1's
    )
    record = extract_text(text, info, "auto", config)
    assert replay.call_count == 1  # asked once, not re-asked
    asked = json.loads(replay.requests[0].content)
    assert asked["tool_choice"]["function"]["name"] == "Table4Answer"  # table 4 only
    assert record.status == "rejected" and "reviews_litigation.review.total" not in record.provenance
    assert record.extractor is not None and (record.extractor.backend, record.extractor.model) == (
        "rules+llm",
        "gemma-3-270m",
    )
    assert [a.table for a in record.attempts] == [4] and record.usage is not None and record.usage.prompt_tokens > 0
    assert record.provenance["applications.granted.natural_person"].method == "read"  # table 3 still the parser's


def test_a_faithfully_read_source_error_is_not_sent_to_the_llm(tmp_path: Path) -> None:
    source = tmp_path / "r.txt"
    source.write_text(plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n"), encoding="utf-8")
    text, info = load_normalized(source)
    replay = Replay(ok(RIGHT))
    config = LLMConfig(
        base_url=URL,
        model="m",
        mode=MODE,
        use_cache=False,
        cache_dir=tmp_path,
        http_client=replay.client(),
        prompt_version="v1",  # the recorded exchange is prompt v1's
    )
    record = extract_text(text, info, "auto", config)
    assert replay.call_count == 0 and record.reason == "source_inconsistent" and not record.attempts
