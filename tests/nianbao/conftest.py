from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.evals.corpus import render
from nianbao.schema import Report
from tests.conftest import golden_cases, plant, seed_text

SEED_000 = next(Report.model_validate(c.expected) for c in golden_cases() if c.name.startswith("seed_000"))


def many_reports(folder: Path, n: int) -> list[Path]:
    """n distinct, valid text reports (the seed 000 tables under n different agency names)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        report = SEED_000.model_copy(update={"agency": f"测试{i:05d}县"})
        path = folder / f"r{i:05d}.txt"
        path.write_bytes(render(report, "txt", "plain").data)
        out.append(path)
    return out


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Seeds, a copy with the agency's arithmetic broken, a duplicate, and broken files, in nested folders."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for c in golden_cases():
        if c.name.startswith("seed_"):
            (root / f"{c.name}.txt").write_bytes(c.source.read_bytes())
    (root / "sub" / "duplicate_of_000.txt").write_bytes((root / "seed_000_wushan_2024.txt").read_bytes())
    planted = plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n")
    (root / "sub" / "planted.txt").write_text(planted, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "sub" / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (root / "notes.json").write_text("{}", encoding="utf-8")  # not a report suffix: not picked up
    return root
