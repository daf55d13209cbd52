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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nianbao.errors import MissingExtraError, UsageError
from nianbao.store import Versions
from nianbao.worker import work_on_bytes

SCHEME = "dask://"
Record = Callable[[str, str, int, dict[str, Any]], None]


def address_of(executor: str) -> str:
    """``dask://HOST:PORT`` → the scheduler's TCP address; anything else is a usage error."""
    if not executor.startswith(SCHEME) or not executor[len(SCHEME) :]:
        raise UsageError(f"unknown executor {executor!r}: use 'local' or dask://HOST:PORT")
    return "tcp://" + executor[len(SCHEME) :]


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
    from distributed import Client, wait  # (distributed is not fully typed: its calls are checked here)

    try:
        client = Client(address, timeout="20s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise UsageError(f"no Dask scheduler answers at {address}: {e}") from None
    with client:
        threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]
        if not threads:
            raise UsageError(f"the Dask cluster at {address} has no workers")
        slots = max(1, llm_concurrency // threads) if llm is not None else 0
        limit = threads * 4  # bounded in flight: the files' bytes travel with their tasks
        pending: dict[Any, tuple[str, str, int]] = {}
        while True:
            while len(pending) < limit and (nxt := next(todo, None)) is not None:
                path, sha, size = nxt
                try:
                    data = Path(path).read_bytes()
                except OSError as e:  # gone since it was hashed: the next run tries it again
                    out = {"finished": None, "format": None, "seconds": 0.0, "transient": True,
                           "error": f"cannot read the file: {e.strerror or e}"}  # fmt: skip
                    record(path, sha, size, out)
                    continue
                # one task per document (the run holds each content once), named by it
                future = client.submit(work_on_bytes, path, data, backend, llm, slots, key=f"nianbao-{sha}")
                pending[future] = nxt
            if not pending:
                return
            finished, _ = wait(list(pending), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
            for future in finished:
                item = pending.pop(future)
                try:
                    out = future.result()
                except Exception as e:  # the task itself failed (its worker died on it, every retry)
                    why = f"the Dask cluster could not extract this file: {type(e).__name__}: {e}"
                    out = {"finished": None, "format": None, "seconds": 0.0, "error": why}
                else:
                    _same_versions(out.pop("versions", None), versions, address)
                record(*item, out)
                future.release()


def _same_versions(theirs: Any, ours: Versions, address: str) -> None:
    """Results are stored under this run's versions: a worker on another nianbao would file its
    readings as this parser's."""
    if theirs is not None and tuple(theirs) != (ours.parser_version, ours.schema_version):
        raise UsageError(
            f"the Dask workers at {address} run parser {theirs[0]} / schema {theirs[1]}, this run "
            f"{ours.parser_version} / {ours.schema_version}: install the same nianbao on the cluster"
        )
