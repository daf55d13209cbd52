"""The review page answers this machine's reviewer only: a foreign Host or a cross-origin POST gets 403 and
changes nothing; bad ids and malformed input get 404/400, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from nianbao import bulk
from nianbao.review_web import create_app
from nianbao.store import Store
from tests.conftest import plant, seed_text

LOCAL = "127.0.0.1:8765"


def _planted_store(tmp_path: Path) -> tuple[Path, int]:
    """A store holding one rejected report (a row total planted wrong) and that extraction's id."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "planted.txt").write_text(plant(seed_text("seed_000"), "（一）予以公开\n\t9\n", "（一）予以公开\n\t10\n"),
                                        encoding="utf-8")  # fmt: skip
    db = tmp_path / "s.db"
    bulk.run([str(folder)], db)
    with Store(db) as s:
        (row,) = list(s.latest())
    return db, row.id


@pytest.fixture
def client(tmp_path: Path) -> tuple[FlaskClient, Path, int]:
    db, rid = _planted_store(tmp_path)
    return create_app(db, "李四").test_client(), db, rid


def _decision(db: Path) -> str | None:
    with Store(db) as s:
        (row,) = list(s.latest())
        return row.decision


def test_a_cross_origin_post_is_refused_and_saves_nothing(client: tuple[FlaskClient, Path, int]) -> None:
    c, db, rid = client
    form = {"changes": '{"applications.granted.natural_person": "9"}', "reviewer": "evil"}
    for headers in ({"Origin": "http://evil.example"}, {"Referer": "http://evil.example/page"}, {}):
        r = c.post(f"/report/{rid}/correct", data=form, headers={"Host": LOCAL, **headers})
        assert r.status_code == 403
    assert _decision(db) is None
    ok = c.post(f"/report/{rid}/correct", data=form, headers={"Host": LOCAL, "Origin": f"http://{LOCAL}"})
    assert ok.status_code == 302 and _decision(db) == "corrected"


def test_a_foreign_host_is_refused(client: tuple[FlaskClient, Path, int]) -> None:
    c, _, rid = client
    assert c.get("/", headers={"Host": "evil.com"}).status_code == 403
    assert c.get(f"/report/{rid}", headers={"Host": "evil.com:8765"}).status_code == 403
    assert c.get("/", headers={"Host": LOCAL}).status_code == 200
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_bad_ids_and_malformed_changes_are_client_errors(client: tuple[FlaskClient, Path, int]) -> None:
    c, db, rid = client
    h = {"Host": LOCAL, "Origin": f"http://{LOCAL}"}
    assert c.get("/report/99999999999999999999999", headers=h).status_code == 404
    assert c.get("/report/424242", headers=h).status_code == 404
    for bad in ("{", "[1, 2]", '{"applications.granted.natural_person": "nine"}', '{"no.such.cell": "1"}'):
        r = c.post(f"/report/{rid}/correct", data={"changes": bad}, headers=h)
        assert r.status_code == 400, bad
    assert _decision(db) is None


def test_the_page_shows_the_state_after_a_decision_and_navigates(client: tuple[FlaskClient, Path, int]) -> None:
    c, _, rid = client
    h = {"Host": LOCAL, "Origin": f"http://{LOCAL}"}
    before = c.get(f"/report/{rid}", headers=h).get_data(as_text=True)
    assert "（一）予以公开" in before or "予以公开" in before  # rows under their printed labels
    assert 'title="granted: ' in before and 'title="natural_person"' in before  # keys on hover
    assert f'href="/file/{rid}"' in before
    c.post(f"/report/{rid}/correct", data={"changes": '{"applications.granted.natural_person": "9"}'}, headers=h)
    after = c.get(f"/report/{rid}", headers=h).get_data(as_text=True)
    assert (
        'data-status="reviewed"' in after
        and 'data-cell="applications.granted.natural_person" data-original="9"' in after
    )
    assert "t3_row_total" not in after  # the violations of the reading before the correction are gone
    original = c.get(f"/file/{rid}", headers=h)
    assert original.status_code == 200 and original.headers["Content-Security-Policy"] == "sandbox"
    listing = c.get("/?reason=source_inconsistent&page=1", headers=h)
    assert listing.status_code == 200 and c.get("/?page=x", headers=h).status_code == 400


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"changes"', b"{", b'{"changes": {"applications.granted.natural_person": NaN}}',
     b'{"changes": {"applications.granted.natural_person": -Infinity}}', b'{"changes": ["x"]}',
     b'{"changes": {"applications.granted.natural_person": "1e999999"}}', "\ud800".encode("utf-8", "surrogatepass")],
)  # fmt: skip
def test_check_answers_malformed_json_with_400_and_a_reason(client: tuple[FlaskClient, Path, int], body: bytes) -> None:
    c, _, rid = client
    h = {"Host": LOCAL, "Origin": f"http://{LOCAL}", "Content-Type": "application/json"}
    r = c.post(f"/api/check/{rid}", data=body, headers=h)
    assert r.status_code == 400 and r.get_json()["error"]


def test_a_request_over_the_size_limit_is_refused_unread(client: tuple[FlaskClient, Path, int]) -> None:
    c, db, rid = client
    h = {"Host": LOCAL, "Origin": f"http://{LOCAL}"}
    big = b'{"changes": {"x": "' + b"1" * (2 << 20) + b'"}}'
    r = c.post(f"/api/check/{rid}", data=big, headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.get_json()["error"]
    assert c.post(f"/report/{rid}/correct", data={"changes": big.decode()}, headers=h).status_code == 413
    assert _decision(db) is None


def test_a_decision_names_its_reviewer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_REVIEWER", raising=False)
    db, rid = _planted_store(tmp_path)
    c = create_app(db).test_client()
    h = {"Host": LOCAL, "Origin": f"http://{LOCAL}"}
    form = {"changes": '{"applications.granted.natural_person": "9"}'}
    refused = c.post(f"/report/{rid}/correct", data=form, headers=h)
    assert refused.status_code == 400 and "who decides" in refused.get_data(as_text=True)
    assert c.post(f"/report/{rid}/correct", data={**form, "reviewer": "赵六"}, headers=h).status_code == 302
    with Store(db) as s:
        assert s.get(rid).reviewer == "赵六"


@pytest.mark.parametrize("relative", [True, False])
def test_the_original_file_of_a_store_filled_from_relative_or_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    """`nianbao run DIR` from the store's folder stores paths relative to it; the page is started elsewhere."""
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    (work / "in" / "r.txt").write_text(seed_text("seed_000"), encoding="utf-8")
    monkeypatch.chdir(work)
    bulk.run(["in" if relative else str(work / "in")], Path("s.db"))
    with Store(work / "s.db") as s:
        (row,) = list(s.latest())
    assert Path(row.path).is_absolute() is not relative
    monkeypatch.chdir(tmp_path)  # the page runs from another folder
    c = create_app(work / "s.db", "李四").test_client()
    r = c.get(f"/file/{row.id}", headers={"Host": LOCAL})
    assert r.status_code == 200 and "巫山县" in r.get_data(as_text=True)
    assert r.headers["Content-Security-Policy"] == "sandbox"
    page = c.get(f"/report/{row.id}", headers={"Host": LOCAL}).get_data(as_text=True)
    assert "未显示原文" not in page and 'class="src' in page  # the source passage is shown beside the tables
