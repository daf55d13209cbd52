"""Every golden case extracts to exactly its hand-checked expected JSON, and verifies."""

from __future__ import annotations

import pytest

from nianbao.pipeline import extract_file
from nianbao.schema import (
    TABLE2_CELLS,
    TABLE2_CELLS_2019,
    TABLE3_CELLS,
    TABLE3_CELLS_2019,
    TABLE4_CELLS,
    Report,
    flatten,
)
from tests.conftest import GoldenCase, golden_cases

CASES = golden_cases()


def test_printed_blanks_forced_to_zero_are_marked_inferred() -> None:
    (case,) = [c for c in CASES if c.name.startswith("dev_shuyang")]
    record = extract_file(case.source)
    prov = record.provenance["applications.new_received.commercial_enterprise"]
    assert (prov.method, prov.text) == ("inferred", "")
    assert record.provenance["applications.new_received.natural_person"].method == "read"
    assert any(v.rule == "inferred" and v.severity == "warning" for v in record.violations)


def test_there_are_five_seed_goldens() -> None:
    assert len([c for c in CASES if c.name.startswith("seed_")]) == 5


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_extracts_exactly(case: GoldenCase) -> None:
    record = extract_file(case.source)
    expected = Report.model_validate(case.expected)
    want, got = flatten(expected), flatten(record.report())
    if case.meta.get("expected_outcome") == "caught":
        # a layout the rules parser cannot read (case.json says why): rejected, and nothing it did read wrong
        assert record.status == "rejected"
        assert all(got[p] == v for p, v in want.items() if got[p] is not None)
        assert any(got[p] is None and v is not None for p, v in want.items())
        return
    # Cells the source itself cannot determine must come out blank, with a violation naming them.
    for path in case.meta.get("unresolvable_cells", []):
        assert got[path] is None
        assert any(path in v.cells and v.rule == "ambiguous" for v in record.violations)
        want[path] = None
    assert got == want
    assert (record.agency, record.year, record.template) == (expected.agency, expected.year, expected.template)
    assert record.status == case.meta["expected_status"]
    if "expected_reason" in case.meta:
        assert record.reason == case.meta["expected_reason"]
    if not case.meta.get("unresolvable_cells"):
        assert record.export() == case.expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_cell_compared(case: GoldenCase) -> None:
    # The contract always carries all 175 + 10 + 15 cells, so the equality above covers each one.
    record = extract_file(case.source)
    cells = flatten(record.report())
    assert (len(TABLE2_CELLS), len(TABLE3_CELLS), len(TABLE4_CELLS)) == (10, 175, 15)
    if record.template == "2021":
        assert set(cells) == {*TABLE2_CELLS, *TABLE3_CELLS, *TABLE4_CELLS}
    else:  # 2019: 23 table-3 rows (（六）其他处理 is one), a 22-cell table 2
        assert set(cells) == {*TABLE2_CELLS_2019, *TABLE3_CELLS_2019, *TABLE4_CELLS}
        assert (len(TABLE2_CELLS_2019), len(TABLE3_CELLS_2019)) == (22, 161)
    # every value read has a span that reads as itself (the verifier checks it; here: spans exist)
    # (an inferred 0 for a printed-blank cell has an empty excerpt by design)
    for path, value in cells.items():
        if value is not None:
            prov = record.provenance[path]
            assert prov.text or (prov.method == "inferred" and value == 0)


def test_blank_regulations_row_stays_null() -> None:
    (case,) = [c for c in CASES if c.name.startswith("seed_002")]
    record = extract_file(case.source)
    assert record.active_disclosure.regulations.model_dump() == {"issued": None, "repealed": None, "in_force": None}
    assert record.status == "verified"
    missing = [v for v in record.violations if v.rule == "missing"]
    assert [v.severity for v in missing] == ["warning"]
    assert missing[0].cells == [
        "active_disclosure.regulations.issued",
        "active_disclosure.regulations.repealed",
        "active_disclosure.regulations.in_force",
    ]


def test_noise_after_number_is_read_around_and_noted() -> None:
    (case,) = [c for c in CASES if c.name.startswith("seed_003")]
    record = extract_file(case.source)
    prov = record.provenance["applications.new_received.research_institution"]
    assert prov.text == "0"
    assert prov.note == "ignored trailing '?'"
