"""Response cache (diskcache): the same question to the same model and prompt version is asked once.

The key is a hash of the model, the prompt version, the schema version, the mode and the exact messages
(which hold the normalised section text) — never the API key or the endpoint's credentials.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache


def cache_key(model: str, prompt_version: str, schema_version: str, mode: str, messages: list[dict[str, str]]) -> str:
    blob = json.dumps(
        {"model": model, "prompt": prompt_version, "schema": schema_version, "mode": mode, "messages": messages},
        ensure_ascii=False, sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    def __init__(self, directory: Path) -> None:
        self.cache = diskcache.Cache(str(directory))

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.cache.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.cache.set(key, value)

    def close(self) -> None:
        self.cache.close()
