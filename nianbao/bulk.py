"""The bulk run: files, folders and globs → the store, in parallel, resumable, with progress.

Parsing runs in worker processes; the parent hashes each file as it sends it on (a file whose content was
already extracted by the same parser/prompt/schema versions is skipped), and writes each result as it arrives,
one transaction per document — so killing the run loses only what was in flight, and re-running finishes
the rest with every file processed exactly once.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sqlite3
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError, StoreWriteError
from nianbao.pool import isolating_map
from nianbao.schema import Usage
from nianbao.store import Finished, Store, Versions
from nianbao.worker import FILE_SECONDS, file_limit, init_worker, set_slots, work

DIED = "the worker process died extracting this file (killed, or out of memory)"
DEATHS = 3  # a file whose worker died is tried again by the next runs, up to this many deaths in all
DIED_FOR_GOOD = f"the worker process died extracting this file {DEATHS} times (killed, or out of memory): given up"
# what the readers read (nianbao.extractor.readers), images included: the OCR reader takes them
SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx", ".doc", ".wps",
                      ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})  # fmt: skip


def current_versions(backend: str = "rules", llm: Any = None) -> Versions:
    """What a result depends on: the backend, the parser, the schema and — when an LLM may read — the
    prompt version and model (so a prompt change re-runs what it affects)."""
    from nianbao.extractor import rules
    from nianbao.schema import SCHEMA_VERSION

    if llm is None:
        return Versions(backend=rules.BACKEND, parser_version=rules.VERSION, schema_version=SCHEMA_VERSION)
    from nianbao import prompts

    return Versions(
        backend=f"{backend}:{llm.model}", parser_version=rules.VERSION, schema_version=SCHEMA_VERSION,
        prompt_version=prompts.CURRENT,
    )  # fmt: skip


def is_glob(item: str) -> bool:
    """Whether an input is a pattern to match (``reports/*.txt``) rather than a path."""
    return any(ch in item for ch in "*?[")


def expand(inputs: Iterable[str], skipped: list[str] | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Files, folders (recursively, report suffixes only) and globs → files, and the inputs that matched
    nothing, each with why (``("reports/", "a folder holding no report file")``). A file reached twice (the same
    file under two inputs, a link to it) is listed once. Entries of a folder that are not read are added to
    ``skipped`` with why (a FIFO, a link loop, a linked folder; files of other suffixes counted by suffix),
    so that every entry is accounted for. Paths are kept as strings and files known by one integer: ~150
    bytes a file (a ``Path`` and its resolved twin were ~450), which is most of what a run holds per file."""
    files: list[str] = []
    unmatched: list[tuple[str, str]] = []
    seen: set[int] = set()
    others: Counter[str] = Counter()
    aside: list[str] = [] if skipped is None else skipped

    def add(path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        key = st.st_dev << 64 | st.st_ino
        if key not in seen:
            seen.add(key)
            files.append(path)

    for item in inputs:
        if os.path.isdir(item):
            before = len(files)
            for f in _walk(item, aside, others):
                add(f)
            if len(files) == before:
                unmatched.append((item, "a folder holding no report file"))
        elif os.path.isfile(item):
            add(item)
        elif is_glob(item):
            matched = sorted(m for m in glob.glob(item, recursive=True) if os.path.isfile(m))
            if not matched:
                unmatched.append((item, "no file matches this pattern"))
            for f in matched:
                add(f)
        else:
            unmatched.append((item, "no such file, folder or matching glob"))
    if others:
        counted = ", ".join(f"{n} {suffix or '(no suffix)'}" for suffix, n in others.most_common())
        aside.append(f"{sum(others.values())} file(s) not of a report format: {counted}")
    return files, unmatched


def _walk(folder: str, skipped: list[str], others: Counter[str]) -> Iterator[str]:
    """A folder's report files, recursively, in the order of their sorted paths; every other entry is
    accounted for in ``skipped`` (why) or ``others`` (a file of another suffix). A linked folder is not
    entered (a link to a parent would never end). Sorted by name alone, each entry then looked at: listing
    a folder of 100 000 files as ``DirEntry`` objects to sort them peaked 32 MB, by names 23 (with the list
    of paths kept and the files' keys)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        skipped.append(f"{folder}: folder not read: {e.strerror or e}")
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                yield from _walk(path, skipped, others)
                continue
            if stat.S_ISLNK(mode):
                try:
                    mode = os.stat(path).st_mode
                except OSError as e:  # ELOOP, ENOENT
                    skipped.append(f"{path}: a broken link or a link loop ({e.strerror or e})")
                    continue
                if stat.S_ISDIR(mode):
                    skipped.append(f"{path}: a link to a folder, not entered")
                    continue
            if not stat.S_ISREG(mode):
                skipped.append(f"{path}: not a regular file (a FIFO, socket or device)")
            elif os.path.splitext(name)[1].lower() in SUFFIXES:
                yield path
            else:
                others[os.path.splitext(name)[1].lower()] += 1
        except OSError as e:  # gone, or unreadable, since the folder was listed
            skipped.append(f"{path}: {e.strerror or e}")


@dataclass
class RunSummary:
    files: int = 0
    skipped: int = 0
    unreadable: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    copies: list[tuple[str, str]] = field(default_factory=list)  # identical copies met in this run
    transient: int = 0  # failures the next run will try again
    ocr_pages: int = 0  # pages of scans read by OCR in this run (cached pages included)
    ocr_seconds: float = 0.0  # the time those files took, summed over workers
    skipped_entries: list[str] = field(default_factory=list)  # entries of the folders not read, and why
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (copy, the file it is a copy of) this run

    @property
    def ocr_rate(self) -> str:
        """OCR throughput for progress lines: pages per second of worker time × workers is not known
        here, so the rate is per worker; empty when no scan was read."""
        if not self.ocr_pages:
            return ""
        return f"OCR {self.ocr_pages} page(s), {self.ocr_pages / max(self.ocr_seconds, 1e-9):.2f} pages/s a worker"

    @property
    def processed(self) -> int:
        return sum(self.counts.values())


Progress = Callable[[RunSummary, int, str], None]  # (summary so far, total to process, last path)


def _hash(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def plan(
    files: Iterable[str], store: Store, force: bool, summary: RunSummary, versions: Versions
) -> Iterator[tuple[str, str, int]]:
    """The files to extract, hashed one by one as the run takes them (nothing is listed ahead: the run's
    memory does not grow with the store or the folder). Skipped: content already extracted by these
    versions (an indexed lookup per file), or met before in this run (its copies are recorded at the end)."""
    queued: set[bytes] = set()  # the digests sent this run, as 32 bytes (the hex string is 113)
    for f in files:
        try:
            sha, size = _hash(f)
        except OSError as e:
            summary.unreadable.append(f"{f}: {e.strerror or e}")
            summary.counts["failed"] += 1
            continue
        digest = bytes.fromhex(sha)
        if digest in queued:  # the same content twice in this run
            summary.skipped += 1
            summary.copies.append((sha, f))
        elif not force and store.is_done(sha, versions):
            summary.skipped += 1
            store.seen(sha, f)  # an identical copy: its path is recorded under the document
        else:
            queued.add(digest)
            yield f, sha, size


def run(
    inputs: Iterable[str],
    db: str | Path,
    *,
    workers: int = 1,
    force: bool = False,
    progress: Progress | None = None,
    backend: str = "rules",
    llm: Any = None,
    llm_concurrency: int = 4,
    file_seconds: float = FILE_SECONDS,
    executor: str = "local",
) -> RunSummary:
    """``executor``: ``local`` (``workers`` processes here) or ``dask://HOST:PORT`` (an existing Dask
    cluster extracts; this process writes the store)."""
    start = time.perf_counter()
    summary = RunSummary()
    files, unmatched = expand(inputs, summary.skipped_entries)
    summary.files = len(files)
    summary.unreadable.extend(f"{item}: {why}" for item, why in unmatched)
    summary.counts["failed"] += len(unmatched)  # an input that matched nothing fails the run (exit 3)
    versions = current_versions(backend, llm)
    try:
        _into_store(files, db, force, progress, backend, llm, llm_concurrency, file_seconds, executor, summary,
                    versions, workers)  # fmt: skip
    except sqlite3.OperationalError as e:  # a full disk, a read-only file, an I/O error: the run cannot go on
        raise StoreWriteError(f"cannot write the store: {e}", file=db) from None
    summary.seconds = time.perf_counter() - start
    return summary


def _into_store(
    files: list[str],
    db: str | Path,
    force: bool,
    progress: Progress | None,
    backend: str,
    llm: Any,
    llm_concurrency: int,
    file_seconds: float,
    executor: str,
    summary: RunSummary,
    versions: Versions,
    workers: int,
) -> None:
    with _run_lock(Path(db)), Store(db) as store:
        store.fill_cells()  # extractions stored before the browsable cells existed (once)
        todo = plan(files, store, force, summary, versions)

        def record(path: str, sha: str, size: int, out: dict[str, Any]) -> None:
            if out["error"] == DIED:  # a death may be the machine's (the OOM killer, a kill): tried again, bounded
                if store.failures(sha, DIED) + 1 >= DEATHS:
                    out = {**out, "error": DIED_FOR_GOOD, "transient": False}
                else:
                    out = {**out, "transient": True}
            finished: Finished | None = out["finished"]
            used = (finished.usage if finished else None) or {}
            store.save(
                sha256=sha, path=path, fmt=out["format"], size=size, versions=versions,
                finished=finished, error=out["error"], seconds=out["seconds"],
                model=llm.model if llm is not None else None, usage=used or None,
                transient=bool(out.get("transient")),
            )  # fmt: skip
            summary.transient += bool(out.get("transient"))
            summary.usage = Usage(
                prompt_tokens=summary.usage.prompt_tokens + int(used.get("prompt_tokens", 0)),
                completion_tokens=summary.usage.completion_tokens + int(used.get("completion_tokens", 0)),
            )
            if finished and finished.ocr_pages:
                summary.ocr_pages += finished.ocr_pages
                summary.ocr_seconds += out["seconds"]
            status = finished.status if finished else "failed"
            summary.counts[status] += 1
            if out["error"]:
                summary.unreadable.append(f"{path}: {out['error']}")
            if progress:  # the total to process: files less those skipped so far (known as they are hashed)
                progress(summary, summary.files - summary.skipped, path)

        if executor != "local":
            from nianbao.cluster import on_cluster

            on_cluster(todo, executor, versions, backend, llm, llm_concurrency, record)
        elif workers <= 1:
            if llm is not None:
                set_slots(llm_concurrency)
            for path, sha, size in todo:
                record(path, sha, size, work(path, backend, llm, file_seconds))
        else:
            _in_pool(todo, workers, backend, llm, llm_concurrency, file_seconds, record)
        for sha, copy in summary.copies:  # their document is in the store now
            store.seen(sha, copy)
            original = next((p for p in store.paths(sha) if p != copy), None)
            if original is not None:
                summary.duplicates.append((copy, original))


def _in_pool(
    todo: Iterator[tuple[str, str, int]],
    workers: int,
    backend: str,
    llm: Any,
    llm_concurrency: int,
    file_seconds: float,
    record: Callable[[str, str, int, dict[str, Any]], None],
) -> None:
    """Extract in worker processes (:func:`~nianbao.pool.isolating_map`): a file that kills its worker
    alone fails, with that reason; the others go on."""
    slots = max(1, llm_concurrency // workers) if llm is not None else 0  # each worker's share of the limit
    fn = partial(_work_on, backend=backend, llm=llm, seconds=file_seconds)
    for item, out in isolating_map(fn, todo, workers, init_worker, (slots,)):
        record(*item, out if out is not None else {"finished": None, "format": None, "seconds": 0.0, "error": DIED})


def _work_on(item: tuple[str, str, int], backend: str, llm: Any, seconds: float) -> dict[str, Any]:
    return work(item[0], backend, llm, seconds)


@contextmanager
def _run_lock(db: Path) -> Iterator[None]:
    """One run at a time per store: a second is refused at once (it would redo the same work) rather than
    racing the first. The lock is the OS's (``flock``), so a killed run never leaves it held."""
    import fcntl

    from nianbao.errors import StoreError

    lock = db.with_name(db.name + ".lock")
    try:
        f = lock.open("a")
    except OSError as e:  # a read-only folder, a full disk: nothing can be written there
        raise StoreWriteError(f"cannot write beside the store ({lock.name}): {e.strerror or e}", file=db) from None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("another nianbao run is writing this store; wait for it to end, or use another --db",
                             file=db) from None  # fmt: skip
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Outcome:
    """One file of ``nianbao extract``: its JSON (already encoded, compact unless ``indent``), its status and
    the line a person reads; never an exception."""

    path: str
    status: str  # verified | rejected | failed
    json: str
    line: str
    reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    llm_used: bool = False


def summary_line(record: Any) -> str:
    """The one line a person reads for a result: verified (warnings), or rejected with the first error."""
    if record.status == "verified":
        warnings = [v for v in record.violations if v.severity == "warning"]
        return "verified" + (f" ({len(warnings)} warning{'s' * (len(warnings) > 1)})" if warnings else "")
    errors = record.errors
    first = errors[0].message if errors else ""
    return f"rejected ({record.reason}): {len(errors)} error{'s' * (len(errors) != 1)}; first: {first}"


def extract_one(
    path: str, backend: str = "auto", llm: Any = None, indent: int | None = None, seconds: float = FILE_SECONDS
) -> Outcome:
    """Extract one file to its encoded result (in a worker or in-process), within ``seconds``; never raises."""
    import json

    from nianbao.pipeline import extract_file, failed_record

    try:
        with file_limit(path, seconds):
            record = extract_file(path, backend, llm)
    except NianbaoError as e:
        return Outcome(path, "failed", json.dumps(failed_record(path, e), ensure_ascii=False, indent=indent),
                       f"failed — {e.reason}", e.reason)  # fmt: skip
    u = record.usage
    return Outcome(
        path, record.status, record.model_dump_json(indent=indent), summary_line(record), record.reason,
        u.prompt_tokens if u else 0, u.completion_tokens if u else 0, len(record.attempts), u is not None,
    )  # fmt: skip


def extract_many(
    paths: list[str],
    backend: str = "auto",
    llm: Any = None,
    workers: int = 1,
    indent: int | None = None,
    seconds: float = FILE_SECONDS,
) -> Iterator[Outcome]:
    """Every file's :class:`Outcome`, in input order, with a bounded number in flight (memory stays flat at
    any number of files). A file that kills its worker alone fails (:func:`~nianbao.pool.isolating_map`)."""
    if workers <= 1 or len(paths) < 2:
        for p in paths:
            yield extract_one(p, backend, llm, indent, seconds)
        return
    fn = partial(extract_one, backend=backend, llm=llm, indent=indent, seconds=seconds)
    for path, outcome in isolating_map(fn, iter(paths), workers, init_worker, (0,), ordered=True):
        if outcome is None:
            failed = {
                "source": {"path": path},
                "status": "failed",
                "error": {"type": "WorkerDied", "message": DIED, "file": path},
            }
            outcome = Outcome(path, "failed", json.dumps(failed, ensure_ascii=False), f"failed — {DIED}")
        yield outcome


def default_workers() -> int:
    return max(1, min(8, (os.cpu_count() or 1)))
