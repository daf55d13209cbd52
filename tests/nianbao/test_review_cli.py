"""The review queue from the command line: decisions kept with who, when, why and the values."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from nianbao.schema import provenance_entries
from nianbao.store import Store

runner = CliRunner()


def _planted_id(db: Path) -> int:
    with Store(db) as s:
        return next(r.id for r in s.latest() if r.path.endswith("planted.txt"))


def test_list_correct_and_the_store_keeps_the_decision(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    listed = runner.invoke(app, ["review", "list", "--db", str(db)])
    assert "planted.txt" in listed.stdout and "t3_row_total" in listed.stdout
    rid = _planted_id(db)

    wrong = runner.invoke(
        app,
        ["review", "correct", str(rid), "--db", str(db), "--set", "applications.granted.total=11", "--reviewer", "x"],
    )
    assert wrong.exit_code == 1 and "not saved" in wrong.stderr  # still inconsistent: refused

    ok = runner.invoke(
        app,
        ["review", "correct", str(rid), "--db", str(db), "--set", "applications.granted.natural_person=9",
         "--reviewer", "王审核", "--reason", "OCR misread 9 as 10"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    with Store(db) as s:
        row = s.get(rid)
        assert (row.effective_status, row.reviewer, row.review_reason) == ("reviewed", "王审核", "OCR misread 9 as 10")
        assert row.decided_at and row.corrected is not None
        assert row.corrected["applications"]["granted"]["natural_person"] == 9
        assert row.corrected["changed"] == ["applications.granted.natural_person"]
        assert (
            provenance_entries(row.corrected["provenance"], "2021")["applications.granted.natural_person"]["method"]
            == "reviewed"
        )
    shown = runner.invoke(app, ["review", "show", str(rid), "--db", str(db)])
    assert "decision: corrected by 王审核" in shown.stdout


def test_accept_source_error_and_reject(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    rid = _planted_id(db)
    result = runner.invoke(
        app,
        ["review", "accept-source-error", str(rid), "--db", str(db), "--reason", "agency misadded", "--reviewer", "x"],
    )
    assert result.exit_code == 0
    with Store(db) as s:
        assert s.get(rid).effective_status == "source_inconsistent"
        verified = next(r for r in s.latest() if r.status == "verified")
    refused = runner.invoke(
        app, ["review", "accept-source-error", str(verified.id), "--db", str(db), "--reviewer", "x", "--reason", "y"]
    )
    assert refused.exit_code == 1 and "not rejected" in refused.stderr
    assert (
        runner.invoke(
            app, ["review", "reject", str(rid), "--db", str(db), "--reason", "changed my mind", "--reviewer", "x"]
        ).exit_code
        == 0
    )
    with Store(db) as s:
        assert s.get(rid).effective_status == "rejected_by_reviewer"
        assert s.db.execute("SELECT count(*) FROM reviews WHERE extraction_id=?", (rid,)).fetchone()[0] == 2


def test_a_reviewed_correction_becomes_a_golden(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    rid = _planted_id(db)
    runner.invoke(
        app,
        ["review", "correct", str(rid), "--db", str(db), "--set", "applications.granted.natural_person=9"],
        env={"NIANBAO_REVIEWER": "王审核"},
    )
    goldens = tmp_path / "goldens"
    result = runner.invoke(
        app, ["review", "golden", str(rid), "--db", str(db), "--name", "reviewed_case", "--goldens", str(goldens)]
    )
    assert result.exit_code == 0, result.stderr
    expected = json.loads((goldens / "reviewed_case" / "expected.json").read_text(encoding="utf-8"))
    meta = json.loads((goldens / "reviewed_case" / "case.json").read_text(encoding="utf-8"))
    assert expected["applications"]["granted"]["natural_person"] == 9 and "provenance" not in expected
    assert meta["expected_status"] == "verified" and (goldens / "reviewed_case" / meta["source"]).resolve().is_file()


def test_list_has_a_header_aligned_columns_and_plain_counts(mixed_folder: Path, tmp_path: Path) -> None:
    from rich.cells import cell_len

    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    listed = runner.invoke(app, ["review", "list", "--db", str(db), "--all"])
    lines = [line for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert lines[0].split() == ["#", "status", "reason", "report", "file"]
    # the file column starts at the same display column on every line, whatever the agency's name
    starts = {cell_len(line[: line.index(p)]) for line in lines[1:] for p in [line.split()[-1]]}
    assert len(starts) == 1 and len(lines) > 3
    assert "{" not in listed.stderr and "store: verified" in listed.stderr


def test_show_prints_the_tables_with_their_values(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    shown = runner.invoke(app, ["review", "show", str(_planted_id(db)), "--db", str(db)])
    assert "table 3" in shown.stdout and "自然人" in shown.stdout
    granted = next(line for line in shown.stdout.splitlines() if line.strip().startswith("三、本年度办理结果"))
    assert granted.split()[-7:] == ["10*", "0*", "0*", "0*", "0*", "0*", "9*"]  # the values, those at fault marked


def test_a_decision_without_a_reviewer_is_refused(mixed_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    bulk.run([str(mixed_folder)], db)
    rid = _planted_id(db)
    env = {"NIANBAO_REVIEWER": "", "USER": "someone"}
    refused = runner.invoke(app, ["review", "reject", str(rid), "--db", str(db)], env=env)
    assert refused.exit_code == 1 and "who decides" in refused.stderr
    with Store(db) as s:
        assert s.get(rid).decision is None


def test_illegible_cells_from_the_command_line(tmp_path: Path) -> None:
    from tests.conftest import GOLDENS

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "pingtan.txt").write_bytes((GOLDENS / "dev_pingtan_2021_txt" / "source.txt").read_bytes())
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    with Store(db) as s:
        (row,) = list(s.latest())
    cells = [f"active_disclosure.normative_documents.{c}" for c in ("issued", "repealed", "in_force")]
    base = ["review", "correct", str(row.id), "--db", str(db), "--reviewer", "李四"]
    refused = runner.invoke(app, [*base, "--illegible", f"{cells[0]}=run together"])
    assert refused.exit_code == 1 and "not accounted for" in refused.stderr
    no_reason = runner.invoke(app, [*base, "--illegible", f"{cells[0]}="])
    assert no_reason.exit_code == 1 and "a reason is required" in no_reason.stderr
    ok = runner.invoke(app, [*base, *[a for c in cells for a in ("--illegible", f"{c}=printed 31031")]])
    assert ok.exit_code == 0, ok.stderr
    with Store(db) as s:
        assert s.get(row.id).corrected["illegible"] == dict.fromkeys(cells, "printed 31031")  # type: ignore[index]
