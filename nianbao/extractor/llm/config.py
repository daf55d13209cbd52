"""LLM endpoint configuration: flags, or the usual environment.

``OPENAI_BASE_URL`` (any OpenAI-compatible server: OpenAI, DeepSeek, Qwen, vLLM, llama.cpp, Ollama),
``OPENAI_API_KEY`` (optional for local servers) and ``NIANBAO_MODEL`` (or ``OPENAI_MODEL``). Nothing
configured means no LLM: reports the rules cannot read are rejected to review, never crashed.
The key is kept out of ``repr``, logs, cache keys and stored records.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# instructor modes that make the server enforce the schema. Bare JSON mode is never used: a local
# server then only promises "some JSON", and small models wander off the schema.
MODES = ("json_schema", "tools")


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    mode: str = "json_schema"
    max_attempts: int = 3  # verifier-driven re-asks per table
    transport_retries: int = 5  # 429 / 5xx / timeout / connection, with backoff
    timeout: float = 120.0  # one request, seconds (--llm-timeout)
    deadline: float = 600.0  # all requests for one report, seconds (--llm-deadline): a hung server is bounded
    max_tokens: int = 2048  # per answer; an answer cut off there is retried once with twice as many
    max_wait: float = 60.0  # longest single backoff, Retry-After included
    cache_dir: Path | None = None
    use_cache: bool = True
    temperature: float = 0.0
    http_client: object = field(default=None, repr=False, compare=False)  # tests: a replaying transport
    # the prompt version to ask with (None: the current one); v1's answers carry no evidence — kept so that a
    # run, or an exchange recorded with it, can be repeated exactly
    prompt_version: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"LLM mode {self.mode!r}: use one of {', '.join(MODES)}")

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        **options: object,
    ) -> LLMConfig | None:
        url = base_url or os.environ.get("OPENAI_BASE_URL")
        name = model or os.environ.get("NIANBAO_MODEL") or os.environ.get("OPENAI_MODEL")
        if not url or not name:
            return None
        key = api_key or os.environ.get("OPENAI_API_KEY") or "no-key"  # local servers accept any key
        cache = (
            options.pop("cache_dir", None) or os.environ.get("NIANBAO_CACHE_DIR") or Path.home() / ".cache" / "nianbao"
        )
        return cls(base_url=url, model=name, api_key=key, cache_dir=Path(str(cache)), **options)  # type: ignore[arg-type]
