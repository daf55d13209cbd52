from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.extractor.readers.cache_dir import open_cache


def test_a_cache_that_cannot_be_opened_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(blocked))
    assert open_cache("convert", 2**20) is None  # the reader goes on without it
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    cache = open_cache("convert", 2**20)
    assert cache is not None
    try:
        cache.set("k", b"docx")
        assert cache.get("k") == b"docx" and (tmp_path / "cache" / "convert").is_dir()
    finally:
        cache.close()
