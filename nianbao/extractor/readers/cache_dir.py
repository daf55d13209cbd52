"""Where the readers keep what they made once (OCR'd pages, LibreOffice's conversions): diskcache folders
under ``NIANBAO_CACHE_DIR`` or ``~/.cache/nianbao``. A cache that cannot be opened or written costs only the
time it would have saved: the file is read as if it were empty."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def open_cache(name: str, size_limit: int) -> Any:
    """The reader cache ``name``, or None where it cannot be opened (a read-only home, a broken database)."""
    try:
        import diskcache

        root = Path(os.environ.get("NIANBAO_CACHE_DIR") or Path.home() / ".cache" / "nianbao")
        return diskcache.Cache(str(root / name), size_limit=size_limit)
    except Exception:
        return None
