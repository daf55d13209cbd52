"""The region (省, 市, 区/县) of an agency, from its name, with ``addressparser`` (the administrative-division
matcher of the cpca family, kept up to date; cpca itself no longer imports on current setuptools). Part of
the ``analysis`` extra: without it no region is known. Shared by the findings page and the review queue."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _parser() -> Any:
    try:
        import addressparser

        return addressparser
    except ImportError:
        return None


_KNOWN: dict[str, tuple[str, str, str]] = {}  # name → region, for the process: a name's region never changes


def regions(names: list[str]) -> dict[str, tuple[str, str, str]]:
    """Agency name → (省, 市, 区/县), as far as the name shows it; empty strings where it does not. Each
    name is parsed once a process (the review queue asks again after every decision)."""
    parser = _parser()
    unique = {n for n in names if n and n != "?"}
    if parser is None or not unique:
        return {}
    new = sorted(unique - _KNOWN.keys())
    if new:
        frame = parser.transform(new)
        _KNOWN.update({n: (str(p or ""), str(c or ""), str(a or "")) for n, p, c, a in
                       zip(new, frame["省"], frame["市"], frame["区"], strict=True)})  # fmt: skip
    return {n: _KNOWN[n] for n in unique}
