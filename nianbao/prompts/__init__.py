"""Versioned prompts for the LLM backend: ``prompts/<version>/*.md``, loaded as package data.

The version is recorded with every LLM result and is part of the cache key and of the bulk run's
"already done" test, so a prompt change re-runs what it affects. Change a prompt by adding a new version
folder and pointing ``CURRENT`` at it, never by editing a released one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

# v1: values only, grounded by consuming the printed numbers in order; v2: every number marked with an id,
# each cell answered with its evidence (a mark, a digit range of one, blank, not printed); v3: as v2, and a
# blank cell whose 0 the identities force may be answered "inferred".
CURRENT = "v3"


@dataclass(frozen=True)
class PromptSet:
    version: str
    system: str
    tables: dict[str, str]  # "t2_2021", "t3_2021", "t4" → instructions with the template's labels
    reask: str

    @property
    def cites_evidence(self) -> bool:
        """Whether answers name their evidence (v2 on): the section is shown with its numbers marked."""
        return self.version != "v1"

    def for_table(self, table: int, template: str) -> str:
        return self.tables[f"t{table}" if table == 4 else f"t{table}_{template}"]


def load(version: str = CURRENT) -> PromptSet:
    root = resources.files(__name__) / version

    def read(name: str) -> str:
        return (root / name).read_text(encoding="utf-8").strip()

    tables = {p.name[:-3]: p.read_text(encoding="utf-8").strip() for p in root.iterdir() if p.name.startswith("t")}
    return PromptSet(version, read("system.md"), tables, read("reask.md"))
