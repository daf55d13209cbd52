"""Re-record the exchanges the replay tests use, from the real local llama.cpp server
(``python -m tests.extractor.llm.server record``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nianbao.evals.llama_server import MODE, MODEL_NAME, available, llama_server

RECORDINGS = Path(__file__).parent / "recordings"

__all__ = ["MODE", "MODEL_NAME", "RECORDINGS", "available", "llama_server", "record"]


def record() -> None:
    """Ask the real server for seed 000's table 4 through the LLM backend and keep every exchange."""
    import httpx2

    from nianbao import prompts
    from nianbao.extractor.llm.backend import LLMClient, read_tables
    from nianbao.extractor.llm.config import LLMConfig
    from nianbao.extractor.rules import extract_rules
    from nianbao.extractor.sections import locate_sections
    from nianbao.pipeline import judge_for, load_normalized
    from tests.conftest import golden_cases

    case = next(c for c in golden_cases() if c.name.startswith("seed_000"))
    text, _ = load_normalized(case.source)
    base = extract_rules(text)
    exchanges: list[dict[str, object]] = []

    def keep(response: httpx2.Response) -> None:
        response.read()
        exchanges.append({"request": json.loads(response.request.content), "status": response.status_code,
                          "headers": {"content-type": "application/json"}, "body": response.json()})  # fmt: skip

    with llama_server() as url:
        config = LLMConfig(base_url=url, model=MODEL_NAME, api_key="no-key", max_attempts=2, use_cache=False, mode=MODE)
        client = LLMClient(
            config, prompts.load(), http_client=httpx2.Client(event_hooks={"response": [keep]}, timeout=600)
        )
        read_tables(
            text, locate_sections(text), [4], base.report, base.provenance, config, judge_for(text), client=client
        )
    RECORDINGS.mkdir(exist_ok=True)
    (RECORDINGS / "gemma_table4_seed000.json").write_text(
        json.dumps(exchanges, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"recorded {len(exchanges)} exchange(s)")


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    record()
