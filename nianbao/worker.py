"""One file's extraction in a worker process (a local pool's or a Dask cluster's): bounded in time, never
raising, and handing back what the store writes already encoded (:class:`~nianbao.store.Finished`)."""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nianbao.errors import LimitError, NianbaoError
from nianbao.store import Finished

FILE_SECONDS = 300.0  # one file's extraction, at most (OCR-free reports take milliseconds)


def _die_with_parent() -> None:
    """Linux: this worker is killed when the run's process dies (a killed run leaves no workers behind)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still ends them
        pass


def init_worker(llm_slots: int) -> None:
    _die_with_parent()
    if llm_slots:  # (0: no LLM in this run; nothing to set up)
        set_slots(llm_slots)


def set_slots(n: int) -> None:
    from nianbao.extractor.llm.backend import set_concurrency

    set_concurrency(n)


def _transient(e: NianbaoError) -> bool:
    """A failure the next run should try again: the LLM endpoint failing (not refusing), a file that
    vanished or could not be opened for a moment. Not: a file that is what it is (empty, binary, no tables)."""
    from nianbao.errors import LLMError, UnreadableFileError

    if isinstance(e, LLMError):
        return e.transient
    return isinstance(e, UnreadableFileError)


class FileTimeout(BaseException):
    """Raised by the per-file timer; a BaseException so that no ``except Exception`` swallows it."""


def _on_timer(signum: int, frame: object) -> None:
    raise FileTimeout


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in the block after ``seconds`` (in the main thread only: elsewhere a
    signal cannot interrupt, and the block runs unbounded)."""
    timed = threading.current_thread() is threading.main_thread() and seconds > 0
    if not timed:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_timer)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def over_time(seconds: float) -> str:
    return f"took longer than {seconds:g} s, the per-file limit"


@contextmanager
def file_limit(path: str, seconds: float) -> Iterator[None]:
    """:func:`time_limit` for one file, its timeout raised as the :class:`LimitError` naming it (once out of
    the block: inside, a pipeline's ``except Exception`` could have swallowed an ordinary exception)."""
    try:
        with time_limit(seconds):
            yield
    except FileTimeout:
        raise LimitError(over_time(seconds), file=path) from None


def work(path: str, backend: str = "rules", llm: Any = None, seconds: float = FILE_SECONDS) -> dict[str, Any]:
    """In a worker process: extract one file, within ``seconds``; never raises."""
    try:
        with time_limit(seconds):
            return _extract(path, backend, llm)
    except FileTimeout:
        return {"finished": None, "error": over_time(seconds), "format": None, "seconds": seconds}


_cluster_slots = 0  # the LLM slots this cluster worker process has set


def work_on_bytes(
    shown_as: str,
    data: bytes,
    backend: str = "rules",
    llm: Any = None,
    llm_slots: int = 0,
    pages: list[tuple[int, Any]] | None = None,
) -> dict[str, Any]:
    """On a cluster's worker, which may not see the run's files: extract a file sent as its bytes (written
    to a private folder under its own name, so its suffix and any message name it as the run does); the
    record names ``shown_as``, its path where the run found it. ``pages``: the scan's pages already read
    by page tasks (:func:`read_page_task`), as (number, reading). With the parser's versions, so the run
    can refuse results from workers on another nianbao."""
    from nianbao.extractor import rules
    from nianbao.schema import SCHEMA_VERSION

    global _cluster_slots
    if llm is not None and llm_slots and _cluster_slots != llm_slots:  # once a worker, not per task
        _cluster_slots = llm_slots
        set_slots(llm_slots)
    with tempfile.TemporaryDirectory(prefix="nianbao-work-") as tmp:
        path = Path(tmp) / Path(shown_as).name
        path.write_bytes(data)
        if pages:
            from nianbao.extractor.readers.ocr import pages_read

            with pages_read({n: r for n, r in pages if r is not None}):
                out = _extract(str(path), backend, llm, shown_as)
        else:
            out = _extract(str(path), backend, llm, shown_as)
    return {**out, "versions": (rules.VERSION, SCHEMA_VERSION)}


def work_on_chunk(
    files: list[tuple[str, bytes]], backend: str = "rules", llm: Any = None, llm_slots: int = 0
) -> list[dict[str, Any]]:
    """:func:`work_on_bytes` over several files in one task: quick files (a text report takes ~3 ms) travel
    together, so that a cluster's cost per task (~10 ms of CPU between client, scheduler and worker) is
    paid once a chunk."""
    return [work_on_bytes(shown_as, data, backend, llm, llm_slots) for shown_as, data in files]


def read_page_task(shown_as: str, data: bytes, number: int) -> tuple[int, Any]:
    """A cluster's page task: page ``number`` of a scan, read (None where it cannot be: the file's own
    task then reads it, and fails by name if it must)."""
    from nianbao.extractor.readers.ocr import read_scan_page

    with tempfile.TemporaryDirectory(prefix="nianbao-page-") as tmp:
        path = Path(tmp) / Path(shown_as).name
        path.write_bytes(data)
        return number, read_scan_page(path, data, number)


def _extract(path: str, backend: str, llm: Any, shown_as: str | None = None) -> dict[str, Any]:
    from nianbao.pipeline import extract_file

    start = time.perf_counter()
    try:
        record = extract_file(path, backend, llm)
        if shown_as is not None and record.source is not None:
            record = record.model_copy(update={"source": record.source.model_copy(update={"path": shown_as})})
        fmt = record.source.format if record.source else None
        return {
            "finished": Finished.of(record),  # encoded and compressed here, in the worker, not by the writer
            "error": None,
            "format": fmt,
            "seconds": time.perf_counter() - start,
        }
    except NianbaoError as e:
        return {"finished": None, "error": e.reason, "format": None, "seconds": time.perf_counter() - start,
                "transient": _transient(e)}  # fmt: skip
    except Exception as e:  # a bug in a reader must not stop a province-wide run: record it for this file
        return {"finished": None, "error": f"internal error: {type(e).__name__}: {e}", "format": None,
                "seconds": time.perf_counter() - start}  # fmt: skip
