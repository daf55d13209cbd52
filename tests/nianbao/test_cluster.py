"""``run --executor dask://…``: a real Dask cluster (scheduler and two worker processes on 127.0.0.1,
started here) extracts a folder; the store it leaves is the one a local run leaves."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nianbao import bulk
from nianbao.cli import app
from nianbao.cluster import _same_versions, address_of
from nianbao.errors import UsageError
from nianbao.store import Versions
from tests.conftest import ROOT

pytest.importorskip("distributed", reason="the dask extra is not installed")
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("dask")
    info = work / "scheduler.json"
    common = ["--no-dashboard"]
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(info), *common],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        worker = subprocess.Popen(
            [str(DASK), "worker", "--scheduler-file", str(info), "--nworkers", "2", "--nthreads", "1",
             "--local-directory", str(work), "--host", "127.0.0.1", *common],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work,
            env={**os.environ, "NIANBAO_CACHE_DIR": str(work / "cache")},  # the workers read pages afresh
        )  # fmt: skip
        address = json.loads(info.read_text())["address"]  # tcp://127.0.0.1:PORT
        _wait_for_workers(address, 2, deadline)
        yield "dask://" + address.removeprefix("tcp://")
    finally:
        for p in (worker, scheduler):
            if p is not None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()


def _wait_for_workers(address: str, n: int, deadline: float) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:  # type: ignore[no-untyped-call]
        while len(client.nthreads()) < n:  # type: ignore[no-untyped-call]
            if time.monotonic() > deadline:
                raise TimeoutError("the Dask workers did not join")
            time.sleep(0.2)


def _folder(mixed_folder: Path) -> Path:
    """Text, HTML and PDF reports, a copy, a report whose own arithmetic breaks, and broken files."""
    for name, suffix in (("dev_hongze_2023_pdf", "pdf"), ("dev_pingtan_2023_html", "html")):
        shutil.copy(ROOT / "goldens" / name / f"source.{suffix}", mixed_folder / f"{name}.{suffix}")
    return mixed_folder


def _contents(db: Path) -> dict[str, Any]:
    """Every document's latest extraction: its columns and its whole stored record."""
    import sqlite3

    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT e.sha256, d.path, e.status, e.reason, e.agency, e.year, e.template, e.first_error, e.error, "
            "e.result_z FROM extractions e JOIN documents d ON d.sha256 = e.sha256"
        ).fetchall()
        paths = sorted(c.execute("SELECT sha256, path FROM paths").fetchall())
    out: dict[str, Any] = {r[0]: (*r[1:9], json.loads(zlib.decompress(r[9])) if r[9] else None) for r in rows}
    out["paths"] = paths
    return out


def test_a_cluster_run_stores_what_a_local_run_stores(cluster: str, mixed_folder: Path, tmp_path: Path) -> None:
    folder = _folder(mixed_folder)
    local, remote = tmp_path / "local.db", tmp_path / "cluster.db"
    bulk.run([str(folder)], local, workers=1)
    done = CliRunner().invoke(app, ["run", str(folder), "--db", str(remote), "--executor", cluster, "--no-progress"])
    assert f"with {cluster}" in done.stderr, done.stderr
    mine, theirs = _contents(local), _contents(remote)
    assert len(mine) == 11  # 10 documents (of 11 files: a duplicate is one document) and the paths
    assert theirs == mine  # every column and every stored record, failures and their reasons included
    assert any(
        v[1] == "failed" and "not a readable PDF" in (v[7] or "") for v in theirs.values() if isinstance(v, tuple)
    )
    again = bulk.run([str(folder)], remote, executor=cluster)
    assert again.processed == 0 and again.skipped == again.files  # resumable as a local run


def test_no_scheduler_is_a_clear_error(tmp_path: Path, mixed_folder: Path) -> None:
    done = CliRunner().invoke(app, ["run", str(mixed_folder), "--db", str(tmp_path / "s.db"),
                                    "--executor", "dask://127.0.0.1:9", "--no-progress"])  # fmt: skip
    assert done.exit_code != 0
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in done.stderr


def test_executor_names_and_versions() -> None:
    assert address_of("dask://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    with pytest.raises(UsageError, match="unknown executor 'ray://x'"):
        address_of("ray://x")
    ours = Versions(backend="rules", parser_version="9", schema_version="1")
    _same_versions(("9", "1"), ours, "tcp://h:1")
    with pytest.raises(UsageError, match="run parser 8 / schema 1, this run 9 / 1"):
        _same_versions(("8", "1"), ours, "tcp://h:1")


HAVE_OCR = all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "img2pdf"))


@pytest.mark.skipif(not HAVE_OCR, reason="needs nianbao[ocr] and img2pdf (nianbao[eval])")
def test_a_multi_page_scan_is_read_a_page_a_task_and_stored_as_a_local_run_stores_it(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import Client, get_task_stream

    from nianbao.evals.corpus import scan_pdf

    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))  # not the workers' cache: read twice
    folder = tmp_path / "in"
    folder.mkdir()
    real = ROOT / "goldens" / "dev_hongze_2023_pdf" / "source.pdf"
    (folder / "hongze_scan.pdf").write_bytes(scan_pdf(real.read_bytes(), 150, "cluster/hongze"))  # 5 pages
    (folder / "seed.txt").write_bytes((ROOT / "goldens" / "seed_000_wushan_2024" / "source.txt").read_bytes())
    local, remote = tmp_path / "local.db", tmp_path / "cluster.db"
    bulk.run([str(folder)], local, workers=1)
    with Client("tcp://" + cluster.removeprefix("dask://"), timeout="20s") as watcher:  # type: ignore[no-untyped-call]
        with get_task_stream(watcher) as stream:  # type: ignore[no-untyped-call]
            bulk.run([str(folder)], remote, executor=cluster)
        keys = {str(t["key"]) for t in stream.data}
    pages = {k.rsplit("-page", 1)[1] for k in keys if "-page" in k}
    assert pages == {"1", "2", "3", "4", "5"}, keys
    mine, theirs = _contents(local), _contents(remote)
    assert theirs == mine  # the pages' words and boxes (the record's scan info) included
    scan = next(v for v in mine.values() if isinstance(v, tuple) and v[0].endswith("hongze_scan.pdf"))
    assert scan[1] == "rejected" and scan[8]["scan"], scan[:8]  # read, and its own totals cannot be blamed
