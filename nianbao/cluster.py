"""``run --executor dask://HOST:PORT``: extraction on an existing Dask cluster, the store written here.

Dask rather than Ray: a national run's work is many independent files, which Dask's futures serve as
they are (``submit``, wait for the first finished) with the same bounded-in-flight loop as the local
pool; ``distributed`` is pure Python (~5 MB with its dependencies against Ray's ~70 MB wheel and its own
object store and daemons), and a cluster is two commands (``dask scheduler``, ``dask worker``).

Each file is sent as its bytes (the cluster's machines need not see the run's folders) and comes back
as a :class:`~nianbao.store.Finished`, already encoded; one process — this one — writes the store, one
transaction a document, so a killed run resumes as a local one does. A worker that dies on a file is
replaced by the cluster; the file is retried there and, after the scheduler's allowed failures, fails
alone with that reason.
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nianbao.errors import MissingExtraError, UsageError
from nianbao.store import Versions
from nianbao.worker import read_page_task, work_on_bytes, work_on_chunk

SCHEME = "dask://"
Record = Callable[[str, str, int, dict[str, Any]], None]


def address_of(executor: str) -> str:
    """``dask://HOST:PORT`` → the scheduler's TCP address; anything else is a usage error."""
    if not executor.startswith(SCHEME) or not executor[len(SCHEME) :]:
        raise UsageError(f"unknown executor {executor!r}: use 'local' or dask://HOST:PORT")
    return "tcp://" + executor[len(SCHEME) :]


CHUNK_SECONDS = 0.25  # a chunk's work, about: a task costs the cluster milliseconds of CPU in all
MAX_CHUNK = 64


def on_cluster(
    todo: Iterator[tuple[str, str, int]],
    executor: str,
    versions: Versions,
    backend: str,
    llm: Any,
    llm_concurrency: int,
    record: Record,
) -> None:
    address = address_of(executor)
    if importlib.util.find_spec("distributed") is None:
        raise MissingExtraError("running on a Dask cluster needs the dask extra", extra="dask")
    from distributed import Client

    _reachable(address)
    try:
        client = Client(address, timeout="20s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise UsageError(f"no Dask scheduler answers at {address}: {e}") from None
    with client:
        threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]
        if not threads:
            raise UsageError(f"the Dask cluster at {address} has no workers")
        slots = max(1, llm_concurrency // threads) if llm is not None else 0
        _Submitter(client, threads, backend, llm, slots, versions, address, record).run(todo)


def _reachable(address: str) -> None:
    """A refused or unknown address fails at once (Dask's client retries it for its whole timeout): one plain
    TCP connection first, to ``tcp://HOST:PORT``; anything else is left to the client."""
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    if not address.startswith("tcp://") or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=20).close()
    except OSError as e:
        raise UsageError(f"no Dask scheduler answers at {address}: {e}") from None


class _Submitter:
    """Files to tasks, bounded in flight (the files' bytes travel with their tasks): quick files in
    chunks sized by the time files took so far (the first alone), a scan of several pages as one task a
    page and one that puts them together — each page read where the cluster has a free thread."""

    def __init__(
        self, client: Any, threads: int, backend: str, llm: Any, slots: int, versions: Versions, address: str,
        record: Record,
    ) -> None:  # fmt: skip
        self.client, self.threads, self.backend, self.llm, self.slots = client, threads, backend, llm, slots
        self.versions, self.address, self.record = versions, address, record
        self.pending: dict[Any, list[tuple[str, str, int]]] = {}
        self.chunk: list[tuple[tuple[str, str, int], bytes]] = []
        self.size, self.per_file = 1, 0.0

    def run(self, todo: Iterator[tuple[str, str, int]]) -> None:
        from distributed import wait

        limit = self.threads * 4
        exhausted = False
        while True:
            while not exhausted and len(self.pending) < limit:
                nxt = next(todo, None)
                if nxt is None:
                    exhausted = True
                    self._send_chunk()
                else:
                    self._take(nxt)
            if not self.pending:
                return
            finished, _ = wait(list(self.pending), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
            for future in finished:
                self._collect(future)

    def _take(self, item: tuple[str, str, int]) -> None:
        path, sha, size = item
        try:
            data = Path(path).read_bytes()
        except OSError as e:  # gone since it was hashed: the next run tries it again
            out = {"finished": None, "format": None, "seconds": 0.0, "transient": True,
                   "error": f"cannot read the file: {e.strerror or e}"}  # fmt: skip
            self.record(path, sha, size, out)
            return
        pages = _pages_to_read(path, data)
        if len(pages) > 1:
            self._send_scan(item, data, pages)
            return
        self.chunk.append((item, data))
        if len(self.chunk) >= self.size:
            self._send_chunk()

    def _send_chunk(self) -> None:
        if not self.chunk:
            return
        files = [(item[0], data) for item, data in self.chunk]
        # one task per chunk, named by its first document (the run holds each content once)
        future = self.client.submit(
            work_on_chunk, files, self.backend, self.llm, self.slots, key=f"nianbao-{self.chunk[0][0][1]}"
        )
        self.pending[future] = [item for item, _ in self.chunk]
        self.chunk = []

    def _send_scan(self, item: tuple[str, str, int], data: bytes, pages: list[int]) -> None:
        path, sha, _ = item
        [shared] = self.client.scatter([data], hash=False)  # sent once, read by every page task
        read = [self.client.submit(read_page_task, path, shared, n, key=f"nianbao-{sha}-page{n}") for n in pages]
        future = self.client.submit(
            _as_chunk, path, shared, self.backend, self.llm, self.slots, read, key=f"nianbao-{sha}"
        )
        self.pending[future] = [item]

    def _collect(self, future: Any) -> None:
        items = self.pending.pop(future)
        try:
            outs = future.result()
        except Exception as e:  # the task itself failed (its worker died on it, every retry)
            why = f"the Dask cluster could not extract this file: {type(e).__name__}: {e}"
            outs = [{"finished": None, "format": None, "seconds": 0.0, "error": why} for _ in items]
        else:
            for out in outs:
                _same_versions(out.pop("versions", None), self.versions, self.address)
            quick = [out["seconds"] for out, item in zip(outs, items, strict=True) if out["format"] != "scan"]
            if quick:
                self.per_file = sum(quick) / len(quick)
                self.size = max(1, min(MAX_CHUNK, int(CHUNK_SECONDS / max(self.per_file, 1e-6))))
        for item, out in zip(items, outs, strict=True):
            self.record(*item, out)
        future.release()


def _pages_to_read(path: str, data: bytes) -> list[int]:
    """The pages a file's reading OCRs (none where the OCR extra is not installed here: it is then read
    as one task, as any file)."""
    if importlib.util.find_spec("PIL") is None:
        return []
    from nianbao.extractor.readers.ocr import pages_to_read

    return pages_to_read(Path(path), data)


def _as_chunk(
    path: str, data: bytes, backend: str, llm: Any, slots: int, pages: list[tuple[int, Any]]
) -> list[dict[str, Any]]:
    return [work_on_bytes(path, data, backend, llm, slots, pages)]


def _same_versions(theirs: Any, ours: Versions, address: str) -> None:
    """Results are stored under this run's versions: a worker on another nianbao would file its
    readings as this parser's."""
    if theirs is not None and tuple(theirs) != (ours.parser_version, ours.schema_version):
        raise UsageError(
            f"the Dask workers at {address} run parser {theirs[0]} / schema {theirs[1]}, this run "
            f"{ours.parser_version} / {ours.schema_version}: install the same nianbao on the cluster"
        )
