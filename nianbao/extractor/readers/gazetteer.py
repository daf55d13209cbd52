"""China's administrative divisions by name (province, city, county), from the table ``addressparser``
ships (``pca.csv``, the cpca family's data kept current): the one check an OCR'd agency name can be put to.
Optional: without addressparser (``nianbao[ocr]`` installs it) nothing is known and nothing is chosen."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    try:
        import addressparser
    except ImportError:
        return frozenset()
    table = Path(addressparser.__file__).with_name("pca.csv")
    if not table.is_file():
        return frozenset()
    names: set[str] = set()
    with table.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            names.update(n for n in row[1:4] if n)
    return frozenset(names)


def place_prefix(name: str) -> str:
    """The longest run of division names that ``name`` starts with (``江苏省沭阳县…`` → ``江苏省沭阳县``)."""
    names = place_names()
    at = 0
    while True:
        size = next((k for k in range(min(16, len(name) - at), 1, -1) if name[at : at + k] in names), 0)
        if not size:
            return name[:at]
        at += size
