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


@lru_cache(maxsize=64)
def _regions(unique: tuple[str, ...]) -> dict[str, tuple[str, str, str]]:
    parser = _parser()
    if parser is None or not unique:
        return {}
    frame = parser.transform(list(unique))
    return {n: (str(p or ""), str(c or ""), str(a or "")) for n, p, c, a in
            zip(unique, frame["省"], frame["市"], frame["区"], strict=True)}  # fmt: skip


def regions(names: list[str]) -> dict[str, tuple[str, str, str]]:
    """Agency name → (省, 市, 区/县), as far as the name shows it; empty strings where it does not."""
    return _regions(tuple(sorted({n for n in names if n and n != "?"})))
