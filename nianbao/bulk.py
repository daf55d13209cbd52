"""The bulk run: files, folders and globs → the store, in parallel, resumable, with progress.

Parsing runs in worker processes; the parent hashes each file first (a file whose content was already
extracted by the same parser/prompt/schema versions is skipped), then writes each result as it arrives,
one transaction per document — so killing the run loses only what was in flight, and re-running finishes
the rest with every file processed exactly once.
"""

from __future__ import annotations

import glob
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.schema import Usage
from nianbao.store import Store, Versions

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx", ".doc", ".wps"})


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


def expand(inputs: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (recursively, report suffixes only) and globs → files, and the inputs that matched nothing."""
    files: list[Path] = []
    unmatched: list[str] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            files.append(p)

    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES:
                    add(f)
        elif p.is_file():
            add(p)
        elif any(ch in item for ch in "*?["):
            matched = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not matched:
                unmatched.append(item)
            for f in matched:
                add(f)
        else:
            unmatched.append(item)
    return files, unmatched


def _init_worker(llm_slots: int) -> None:
    if llm_slots:  # (0: no LLM in this run; nothing to set up)
        from nianbao.extractor.llm.backend import set_concurrency

        set_concurrency(llm_slots)


def _transient(e: NianbaoError) -> bool:
    """A failure the next run should try again: the LLM endpoint failing (not refusing), a file that
    vanished or could not be opened for a moment. Not: a file that is what it is (empty, binary, no tables)."""
    from nianbao.errors import LLMError, UnreadableFileError

    if isinstance(e, LLMError):
        return e.transient
    return isinstance(e, UnreadableFileError)


def _work(path: str, backend: str = "rules", llm: Any = None) -> dict[str, Any]:
    """In a worker process: extract one file; never raises."""
    from nianbao.pipeline import extract_file

    start = time.perf_counter()
    try:
        record = extract_file(path, backend, llm)
        fmt = record.source.format if record.source else None
        return {
            "record": record.model_dump(mode="json"),
            "error": None,
            "format": fmt,
            "seconds": time.perf_counter() - start,
        }
    except NianbaoError as e:
        return {"record": None, "error": e.reason, "format": None, "seconds": time.perf_counter() - start,
                "transient": _transient(e)}  # fmt: skip
    except Exception as e:  # a bug in a reader must not stop a province-wide run: record it for this file
        return {"record": None, "error": f"internal error: {type(e).__name__}: {e}", "format": None,
                "seconds": time.perf_counter() - start}  # fmt: skip


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

    @property
    def processed(self) -> int:
        return sum(self.counts.values())


Progress = Callable[[RunSummary, int, str], None]  # (summary so far, total to process, last path)


def _hash(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def plan(
    files: list[Path], store: Store, force: bool, summary: RunSummary, versions: Versions
) -> Iterator[tuple[Path, str, int]]:
    done = set() if force else store.done(versions)
    queued: set[str] = set()
    for f in files:
        try:
            sha, size = _hash(f)
        except OSError as e:
            summary.unreadable.append(f"{f}: {e.strerror or e}")
            summary.counts["failed"] += 1
            continue
        if sha in done or sha in queued:  # done before, or the same content twice in this run
            summary.skipped += 1
            if sha in done:
                store.seen(sha, str(f))  # an identical copy: its path is recorded under the document
            else:
                summary.copies.append((sha, str(f)))
            continue
        queued.add(sha)
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
) -> RunSummary:
    start = time.perf_counter()
    summary = RunSummary()
    files, unmatched = expand(inputs)
    summary.files = len(files)
    summary.unreadable.extend(f"{u}: no such file, folder or matching glob" for u in unmatched)
    versions = current_versions(backend, llm)
    with Store(db) as store:
        todo = list(plan(files, store, force, summary, versions))
        total = len(todo)

        def record(path: Path, sha: str, size: int, out: dict[str, Any]) -> None:
            used = (out["record"] or {}).get("usage") or {}
            store.save(
                sha256=sha, path=str(path), fmt=out["format"], size=size, versions=versions,
                record=out["record"], error=out["error"], seconds=out["seconds"],
                model=llm.model if llm is not None else None, usage=used or None,
                transient=bool(out.get("transient")),
            )  # fmt: skip
            summary.transient += bool(out.get("transient"))
            summary.usage = Usage(
                prompt_tokens=summary.usage.prompt_tokens + int(used.get("prompt_tokens", 0)),
                completion_tokens=summary.usage.completion_tokens + int(used.get("completion_tokens", 0)),
            )
            status = out["record"]["status"] if out["record"] else "failed"
            summary.counts[status] += 1
            if out["error"]:
                summary.unreadable.append(f"{path}: {out['error']}")
            if progress:
                progress(summary, total, str(path))

        if workers <= 1:
            if llm is not None:
                _init_worker(llm_concurrency)
            for path, sha, size in todo:
                record(path, sha, size, _work(str(path), backend, llm))
        else:
            # each worker gets its share of the run's LLM concurrency limit
            slots = max(1, llm_concurrency // workers) if llm is not None else 0
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(slots,)) as pool:
                pending: dict[Future[dict[str, Any]], tuple[Path, str, int]] = {}
                queue = iter(todo)
                limit = workers * 4  # bounded in flight: memory stays flat on a province-sized folder
                while True:
                    while len(pending) < limit:
                        item = next(queue, None)
                        if item is None:
                            break
                        pending[pool.submit(_work, str(item[0]), backend, llm)] = item
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        path, sha, size = pending.pop(fut)
                        record(path, sha, size, fut.result())
        for sha, copy in summary.copies:  # their document is in the store now
            store.seen(sha, copy)
    summary.seconds = time.perf_counter() - start
    return summary


def default_workers() -> int:
    return max(1, min(8, (os.cpu_count() or 1)))
