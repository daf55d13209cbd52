"""Benchmark of the LLM share: how many reports of the eval corpus the rules could not read (and so would
go to the LLM), and — with an endpoint — the tokens per LLM-extracted report.

Run: ``python -m evals.bench_llm [--generated] [--local-server]``. The endpoint comes from the usual
environment (OPENAI_BASE_URL, NIANBAO_MODEL, OPENAI_API_KEY); ``--local-server`` starts the test suite's
llama.cpp server with the tiny Gemma 3 270M model instead (tokens are then real; accuracy is not the
point). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from nianbao.evals.cases import all_cases, find_goldens
from nianbao.evals.run import run
from nianbao.extractor.llm.config import LLMConfig


@contextlib.contextmanager
def _endpoint(local: bool, mode: str) -> Iterator[LLMConfig | None]:
    if not local:
        yield LLMConfig.from_env(mode=mode)
        return
    from nianbao.evals.llama_server import MODE, MODEL_NAME, llama_server

    with llama_server() as url:
        yield LLMConfig(base_url=url, model=MODEL_NAME, mode=MODE, max_attempts=2, use_cache=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generated", action="store_true", help="the whole eval corpus, not only the goldens")
    parser.add_argument("--local-server", action="store_true", help="start the local llama.cpp test server")
    parser.add_argument("--mode", default="json_schema")
    args = parser.parse_args()
    cases = all_cases(find_goldens(), generated=args.generated)
    with _endpoint(args.local_server, args.mode) as llm:
        summary = run(cases, "auto", llm)
    o = summary["overall"]
    needed = [c for c in summary["cases"] if c["needed_llm"]]
    print(f"eval corpus: {len(summary['cases'])} reports; the rules could not read {len(needed)} "
          f"({100 * o['needed_llm_share']:.1f} %): they go to the LLM")  # fmt: skip
    if llm is None:
        print("no endpoint configured: tokens not measured (set OPENAI_BASE_URL and NIANBAO_MODEL, or --local-server)")
    else:
        used = [c for c in summary["cases"] if c["llm_used"]]
        print(f"LLM ({llm.model}): {len(used)} report(s) read, {o['tokens']} tokens, "
              f"{o['tokens_per_llm_report']:.0f} tokens per LLM-extracted report; "
              f"cells right {100 * o['cell_accuracy']:.2f} %")  # fmt: skip
    for c in needed[:15]:
        print(f"  {c['name']}: {c['outcome']}")


if __name__ == "__main__":
    main()
