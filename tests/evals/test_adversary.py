"""The adversary suite: a scripted model speaking the OpenAI protocol over real HTTP on 127.0.0.1, answering
by policy — right, or wrong in the ways models are wrong. Whatever it answers, nothing verifies wrong."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao.errors import LLMError
from nianbao.evals.adversary import MODEL, POLICIES, SuiteCase, run_suite, serve
from nianbao.evals.cases import golden_cases
from nianbao.extractor.llm.config import LLMConfig
from nianbao.pipeline import extract_file
from nianbao.schema import TABLE2_CELLS
from tests.conftest import GOLDENS

CASES = [SuiteCase(c.name, c.path, c.truth) for c in golden_cases(GOLDENS) if c.template == "2021"]
BY_NAME = {c.name: c for c in CASES}
KEY = "sk-live-0123456789abcdefSECRET"


@pytest.fixture(scope="module")
def adversary() -> Iterator[tuple[str, object]]:
    with serve() as served:
        yield served


def _config(url: str, mode: str = "json_schema", **kw: object) -> LLMConfig:
    options: dict[str, object] = {"max_attempts": 2, "transport_retries": 1, "timeout": 10.0, "use_cache": False, **kw}
    return LLMConfig(base_url=url, model=MODEL, api_key=KEY, mode=mode, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_no_policy_verifies_wrong_over_the_seeds(mode: str) -> None:
    """Over the five seeds here; ``nianbao eval`` runs the suite over every golden in both modes, and its
    renderings in every format, with a ratchet of 0 verified wrong (CI runs both)."""
    summary = run_suite([c for c in CASES if c.name.startswith("seed_")], POLICIES, (mode,))
    assert summary["failed"] == 0, [r for r in summary["results"] if r["outcome"] == "failed"][:3]
    assert summary["verified_wrong"] == 0, [r for r in summary["results"] if r["outcome"] == "verified_wrong"]
    oracle = {r["case"]: r["outcome"] for r in summary["results"] if r["policy"] == "oracle"}
    # the ceiling of the LLM path: right answers for the seeds verify
    assert all(oracle[c] == "verified_right" for c in oracle if c.startswith("seed_"))
    # wrong then right on re-ask: the re-ask is what makes them verify
    again = {r["case"]: r for r in summary["results"] if r["policy"] == "wrong_then_right"}
    assert (
        again["seed_000_wushan_2024"]["outcome"] == "verified_right" and again["seed_000_wushan_2024"]["attempts"] > 3
    )


def test_table_2_all_null_is_rejected(adversary: tuple[str, object]) -> None:
    url, state = adversary
    case = BY_NAME["seed_000_wushan_2024"]
    state.policy, state.truth = "table2_null", case.truth  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    assert record.status == "rejected"
    assert {c for v in record.errors if v.rule == "missing" for c in v.cells} >= set(TABLE2_CELLS)


def test_a_truncated_answer_ends_as_a_rejection_with_its_tokens(adversary: tuple[str, object]) -> None:
    url, state = adversary
    case = BY_NAME["seed_000_wushan_2024"]
    state.policy, state.truth = "truncated", case.truth  # type: ignore[attr-defined]
    state.log.clear()  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url, max_tokens=100))
    assert record.status == "rejected"
    assert record.usage is not None and record.usage.completion_tokens > 0
    t4 = [a for a in record.attempts if a.table == 4]
    assert len(t4) == 2 and all("max_tokens" in (a.error or "") for a in t4)  # once more, with more room
    asked = [e["max_tokens"] for e in state.log if e["table"] == 4]  # type: ignore[attr-defined]
    assert asked == [100, 200]


def test_a_forged_table_4_from_planted_instructions_is_rejected(adversary: tuple[str, object], tmp_path: Path) -> None:
    from nianbao.evals.adversary import plant_instructions

    url, state = adversary
    case = BY_NAME["seed_000_wushan_2024"]
    planted = plant_instructions(case.path.read_text(encoding="utf-8"))
    assert planted is not None
    path = tmp_path / "planted.txt"
    path.write_text(planted, encoding="utf-8")
    state.policy, state.truth = "obey_injection", case.truth  # type: ignore[attr-defined]
    record = extract_file(path, "llm", _config(url))
    assert record.status == "rejected"
    assert record.reviews_litigation.review.upheld != 1 or "reviews_litigation.review.upheld" not in record.provenance  # type: ignore[attr-defined]
    assert all(p.text != "999" for p in record.provenance.values())


def test_the_key_never_reaches_a_record_or_a_message(adversary: tuple[str, object], tmp_path: Path) -> None:
    url, state = adversary
    case = BY_NAME["seed_000_wushan_2024"]
    state.policy, state.truth = "echo_key", case.truth  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    dumped = record.model_dump_json()
    assert KEY not in dumped and KEY[-4:] + '"' not in dumped and "[key]" in dumped
    state.policy = "echo_key_401"  # type: ignore[attr-defined]
    with pytest.raises(LLMError) as info:
        extract_file(case.path, "llm", _config(url))
    assert KEY not in str(info.value) and not info.value.transient  # a refusal: retrying would not help
    # and through a bulk run, into the store
    from nianbao import bulk

    state.policy = "echo_key"  # type: ignore[attr-defined]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_bytes(case.path.read_bytes())
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db, workers=1, backend="llm", llm=_config(url))
    con = sqlite3.connect(db)
    import zlib

    for blob, error in con.execute("SELECT result_z, error FROM extractions"):
        text = (zlib.decompress(blob).decode("utf-8") if blob else "") + (error or "")
        assert KEY not in text
    con.close()


def test_a_hung_server_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # accepts and never answers
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    start = time.monotonic()
    try:
        with pytest.raises(LLMError) as info:
            extract_file(BY_NAME["seed_000_wushan_2024"].path, "llm", _config(url, timeout=0.5, max_wait=0.1))
        assert info.value.transient  # the next run tries again
    finally:
        stop.set()
        thread.join(timeout=2)
        for c in held:
            c.close()
        listener.close()
    assert time.monotonic() - start < 10


def test_suite_summary_is_json(tmp_path: Path) -> None:
    summary = run_suite(CASES[:1], ("oracle", "malformed"), ("json_schema",))
    json.dumps(summary)
    assert summary["runs"] == 2 and set(summary["by_policy"]) == {"oracle", "malformed"}


def test_a_split_the_source_leaves_open_is_not_re_asked_and_names_its_candidates(
    adversary: tuple[str, object],
) -> None:
    url, state = adversary
    case = BY_NAME["dev_pingtan_2021_txt"]  # 行政规范性文件693665: ten readings, no sentence settles it
    state.policy, state.truth = "oracle", case.truth  # type: ignore[attr-defined]
    record = extract_file(case.path, "auto", _config(url))
    assert record.status == "rejected" and [a.table for a in record.attempts] == [2]  # asked once
    unsettled = [v for v in record.errors if v.rule == "ambiguous"]
    assert unsettled and set(unsettled[0].cells) == {
        f"active_disclosure.normative_documents.{c}" for c in ("issued", "repealed", "in_force")
    }
    assert unsettled[0].expected is not None and unsettled[0].expected.startswith("69 3 665;")  # its choice first


def test_digits_left_over_are_re_asked_in_words_and_never_verify(adversary: tuple[str, object]) -> None:
    url, state = adversary
    case = BY_NAME["dev_pt_gwh_2022_txt"]
    state.policy, state.truth = "split_leftover", case.truth  # type: ignore[attr-defined]
    state.log.clear()  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    assert record.status == "rejected"
    t2 = [a for a in record.attempts if a.table == 2]
    assert len(t2) == 2 and any(e["reask"] for e in state.log if e["table"] == 2)  # type: ignore[attr-defined]
    assert any(v.rule == "evidence" and "left over" in v.message for v in record.errors)


def test_a_zero_only_the_identities_give_verifies_as_inferred_and_moved_columns_do_not(
    adversary: tuple[str, object],
) -> None:
    """沭阳 prints its five legal-person columns blank (``26 ⟨five empty cells⟩ 26``): the oracle answers those
    cells "inferred" and the report verifies; the same numbers moved one column right (自然人 "inferred" 0,
    商业企业 26 — every identity still holds) do not."""
    url, state = adversary
    case = BY_NAME["dev_shuyang_fgj_2023_html"]
    state.policy, state.truth = "oracle", case.truth  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    assert record.status == "verified", record.errors[:3]
    inferred = {p for p, pr in record.provenance.items() if pr.method == "inferred"}
    assert "applications.new_received.commercial_enterprise" in inferred
    state.policy = "shift_columns"  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    assert record.status == "rejected"
    assert record.provenance.get("applications.new_received.commercial_enterprise") is None


def test_rows_printed_out_of_the_template_s_order_verify_with_right_evidence(adversary: tuple[str, object]) -> None:
    """上海市科委 (PDF→Markdown): table 2's 行政许可 … 行政事业性收费 printed before its 规章 / 规范性文件 table,
    table 3's labels in blocks apart from their number rows, a page number alone between rows, and 结转下年度's
    总计 printed blank but stated by the report's words (and forced by the row's identity): the oracle's
    answer verifies; the same rows' numbers swapped do not."""
    url, state = adversary
    case = BY_NAME["dev_sh_kewei_2024_md"]
    state.policy, state.truth = "oracle", case.truth  # type: ignore[attr-defined]
    record = extract_file(case.path, "llm", _config(url))
    assert record.status == "verified", record.errors[:3]
    said = record.provenance["applications.carried_to_next_year.total"]
    assert said.method == "inferred" and said.text == "1"
    for policy in ("swap_rows", "cite_wrong_token"):
        state.policy = policy  # type: ignore[attr-defined]
        assert extract_file(case.path, "llm", _config(url)).status == "rejected"
