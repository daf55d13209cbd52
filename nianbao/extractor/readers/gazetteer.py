"""China's administrative divisions by name (province, city, county), from the table ``addressparser``
ships (``pca.csv``, the cpca family's data kept current): the one check an OCR'd agency name can be put to.
Optional: without addressparser (``nianbao[ocr]`` installs it) nothing is known and nothing is chosen."""

from __future__ import annotations

import csv
import re
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


_COUNTY_OR_CITY = re.compile(r"[\u4e00-\u9fff]{1,3}[县市]")


def unknown_place(name: str) -> str:
    """The county or city ``name`` opens with (``沐阳县`` of ``沐阳县发展和改革局``) when it is no real
    division's name, else "". Only where the divisions are known, and only for a name that opens with a county
    or a city: ``平潭综合实验区`` is not checked. Blanks inside the name are ignored (an OCR'd line's)."""
    plain = "".join(name.split())
    m = _COUNTY_OR_CITY.match(plain)
    if m is None or not place_names() or place_prefix(plain):
        return ""
    return m.group(0)
