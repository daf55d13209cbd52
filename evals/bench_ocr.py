"""Benchmark OCR: pages per CPU-second (one core) of nianbao's scan reader on each runtime, beside bare
RapidOCR on the same pages in the same run; the cells it reads right; and, at scale, the local pool against
a Dask cluster on text reports and on a many-page scan split into page tasks.

Run: ``python -m evals.bench_ocr [--goldens 2] [--dpi 150] [--texts 300] [--no-cluster] [--no-pages] [--tesseract]``.

Pages: the seed goldens rendered as the eval renders scans (LibreOffice PDF → page images turned a
fraction of a degree, noise, JPEG; needs LibreOffice) and the real published 洪泽区 2023 PDF scanned the
same way (two of its five pages hold no table). Figures are CPU seconds of this process (``process_time``;
the engines run on one thread, as in a run's workers), never wall time: the machine may be shared.

- **bare**: RapidOCR as shipped (``rapidocr-onnxruntime``, ONNX Runtime, one thread): detection, direction
  and recognition of the whole page, nothing else;
- **nianbao/<runtime>**: the whole report read by ``nianbao.extract`` with an empty OCR cache (rasterising,
  deskewing, ruling lines, OCR, parsing, verifying): pages/s per core for the report, and for its table
  pages alone (the reader's time on pages where ruling lines make a table);
- **cells right / exact**: against the golden (the 洪泽 scan is rejected by design: its own totals are wrong).

``--tesseract`` adds Tesseract 5 (Debian's ``chi_sim``, ``--psm 6``) given the same deskewed page and cell
grid, as the engine was chosen against it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from nianbao.evals.cases import golden_cases
from nianbao.evals.corpus import _cells, render, renderable, scan_pdf
from nianbao.extractor.normalize import normalize
from nianbao.extractor.readers import ocr, ocr_packed, ocr_page
from nianbao.extractor.readers.ocr import join_pages, pdf_pages
from nianbao.extractor.readers.ocr_engine import RUNTIME_ENV, make_engine
from nianbao.extractor.readers.ocr_page import _char_rows, _join_line, _lines, _Piece, _render, _Slot
from nianbao.extractor.readers.pdf import strip_furniture
from nianbao.extractor.readers.ruling import deskew, tables
from nianbao.pipeline import extract_file, extract_text
from nianbao.schema import Report, SourceInfo

ROOT = Path(__file__).resolve().parent.parent


def _tesseract_page(gray: Any, dpi: float) -> str:
    from PIL import Image

    gray = deskew(gray, dpi)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, "PNG", dpi=(dpi, dpi))
    tsv = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "--dpi", str(int(dpi)), "tsv"],
        input=buf.getvalue(), capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")  # fmt: skip
    words = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[0] == "5" and f[11].strip() and float(f[10]) > 0:
            x, y, w, h = (int(v) for v in f[6:10])
            words.append(_Piece(f[11].strip(), (x, y, x + w, y + h), float(f[10]) / 100))
    found = tables(gray, dpi)
    slots = [{(c.row, c.col): _Slot(c) for c in t.cells} for t in found]
    loose = []
    for p in words:
        cx, cy = (p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2
        hit = None
        for table in slots:
            for s in table.values():
                b = s.cell.box
                if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                    hit = s
        if hit is None:
            loose.append(p)
        else:
            hit.pieces.append(p)
    blocks = [(line[0].box[1], _join_line(line)) for line in _lines(loose)]
    blocks += [(t.box[1], _render(t, s)) for t, s in zip(found, slots, strict=True)]
    return "\n".join(text for _, text in sorted(blocks, key=lambda b: b[0]))


def _right(truth: Report, report: Report) -> tuple[int, int]:
    want, got = _cells(truth), _cells(report)
    return sum(1 for k, v in want.items() if got.get(k) == v), len(want)


def _scans(goldens: int, dpi: int, tmp: Path) -> list[tuple[str, Path, Report, bool]]:
    """(name, scan PDF, truth, whether it should verify) for the first ``goldens`` seeds and the 洪泽 PDF."""
    cases = [
        g for g in golden_cases(ROOT / "goldens")
        if g.kind == "golden" and g.expected_status == "verified" and not g.expected_outcome and renderable(g.truth)
    ]  # fmt: skip
    cases.sort(key=lambda g: (not g.name.startswith("seed_"), g.name))
    out = []
    if shutil.which("soffice") or shutil.which("libreoffice"):
        for g in cases[:goldens]:
            path = tmp / f"{g.name}.pdf"
            path.write_bytes(scan_pdf(render(g.truth, "lo_pdf", "plain", g.name).data, dpi, g.name))
            out.append((g.name, path, g.truth, True))
    else:
        print("(no LibreOffice: the seeds' scans are not made; the real PDF's scan only)")
    real = next(g for g in golden_cases(ROOT / "goldens") if g.name == "dev_hongze_2023_pdf")
    path = tmp / "hongze_2023_scan.pdf"
    path.write_bytes(scan_pdf(real.path.read_bytes(), dpi, f"{real.name}/scan/real"))
    out.append(("dev_hongze_2023 (real PDF)", path, real.truth, False))
    return out


class _PageClock:
    """CPU seconds of the reader on each page, split by whether the page holds a ruled table; and on table
    pages, the share of the detector's and the recogniser's models (where the remaining time goes)."""

    def __init__(self) -> None:
        self.table: list[float] = []
        self.other: list[float] = []
        self.models = {"detection": 0.0, "recognition": 0.0}
        self._running = {"detection": 0.0, "recognition": 0.0}

    def _timing(self, part: str, model: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return model(*args, **kwargs)
            finally:
                self._running[part] += time.process_time() - start

        return timed

    @contextmanager
    def watching(self, engine: Any) -> Iterator[None]:
        inner, det, rec = ocr_page.read_page, engine.text_det.infer, engine.text_rec.session
        engine.text_det.infer, engine.text_rec.session = (
            self._timing("detection", det),
            self._timing("recognition", rec),
        )

        def timed(gray: Any, dpi: float, engine: Any) -> Any:
            before = dict(self._running)
            start = time.process_time()
            hit = inner(gray, dpi, engine)
            (self.table if hit[3] else self.other).append(time.process_time() - start)
            if hit[3]:
                for part in self.models:
                    self.models[part] += self._running[part] - before[part]
            return hit

        ocr_page.read_page = timed
        try:
            yield
        finally:
            ocr_page.read_page = inner
            engine.text_det.infer, engine.text_rec.session = det, rec


@contextmanager
def _as_before(before: bool) -> Iterator[None]:
    """With ``before``, the reader as it was before issue 25's speed work (runtime ``openvino/before``): every
    crop recognised padded to 320 px (a column of one character a line: a crop a character, a wrapped label's
    lines a crop a line), every prose line of
    a table page recognised, the detector's input normalised by RapidOCR's own code, a page with more tall text
    boxes than wide ones always detected again turned — to measure what each change saved in the same run."""
    if not before:
        yield
        return
    import nianbao.extractor.readers.ocr_engine as ocr_engine

    def plain(rec: Any, crops: list[Any]) -> list[tuple[str, float]]:
        return [(str(t), float(sc)) for t, sc in rec(crops)[0]]

    def by_character(
        engine: Any,
        image: Any,
        binary: Any,
        boxes: list[Any],
        lines: Any = None,
        *,
        unsure: bool = False,
        clips: Any = None,
    ) -> list[tuple[str, float]]:
        # a column of one character a line read a crop a character, each padded to 320 px (``clips``: unused, the
        # old reading read every crop with its page's pixels)
        jobs = [_char_rows(binary, b) if (b[3] - b[1]) > 1.6 * (b[2] - b[0]) else [b] for b in boxes]
        read = iter(side_by_side(engine, image, binary, [part for parts in jobs for part in parts], unsure=unsure))
        out = []
        for parts in jobs:
            kept = [(t, s) for t, s in (next(read) for _ in parts) if t]
            out.append(("".join(t for t, _ in kept), min((s for _, s in kept), default=0.0)))
        return out

    side_by_side = ocr_page._recognise
    saved = (ocr_packed.recognise, ocr_page.worth_reading, ocr_engine._normalise_by_table, ocr_page._recognise,
             ocr_page.SURELY_UPRIGHT, ocr_page._wrapped_labels)  # fmt: skip
    ocr_packed.recognise, ocr_page.worth_reading = plain, lambda boxes, height, number: boxes
    ocr_engine._normalise_by_table = lambda det: None
    ocr_page._recognise, ocr_page.SURELY_UPRIGHT = by_character, 2.0  # a page that may be sideways detected turned
    ocr_page._wrapped_labels = lambda to_read: (to_read, {})  # a wrapped label's lines read a crop a line
    try:
        yield
    finally:
        (ocr_packed.recognise, ocr_page.worth_reading, ocr_engine._normalise_by_table, ocr_page._recognise,
         ocr_page.SURELY_UPRIGHT, ocr_page._wrapped_labels) = saved  # fmt: skip


def _per_s(pages: int, seconds: float) -> str:
    return f"{pages / seconds:5.3f}" if seconds else "    -"


def bench_pages(scans: list[tuple[str, Path, Report, bool]], runtimes: list[str], tesseract: bool) -> None:
    bare = make_engine("onnxruntime")  # RapidOCR as shipped, on one thread
    bare_all, bare_table, n_all, n_table = 0.0, 0.0, 0, 0
    frames = {name: [(np.asarray(img, dtype=np.uint8), d) for img, d in pdf_pages(path)] for name, path, _, _ in scans}
    for name, _path, _truth, _ok in scans:
        for gray, dpi in frames[name]:
            import cv2

            start = time.process_time()
            bare(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
            took = time.process_time() - start
            has_table = bool(tables(deskew(gray, dpi), dpi))
            bare_all, n_all = bare_all + took, n_all + 1
            if has_table:
                bare_table, n_table = bare_table + took, n_table + 1
    print(f"\n{len(scans)} scanned reports, {n_all} pages ({n_table} with tables); pages per CPU-second (one core)")
    print(f"  {'':<24}{'report':>8}{'tables':>8}   cells right   exact")
    print(f"  {'bare RapidOCR (ORT)':<24}{_per_s(n_all, bare_all):>8}{_per_s(n_table, bare_table):>8}")
    for variant in runtimes:
        runtime, _, before = variant.partition("/")
        os.environ[RUNTIME_ENV] = runtime
        ocr._engine = None
        make_engine(runtime)  # loading the models is not a page's work
        clock, cpu, right, cells, exact = _PageClock(), 0.0, 0, 0, 0
        with tempfile.TemporaryDirectory() as cache, _as_before(bool(before)):
            os.environ["NIANBAO_CACHE_DIR"] = cache
            engine = ocr.engine()
            for name, path, truth, should_verify in scans:
                start = time.process_time()
                with clock.watching(engine):
                    record = extract_file(path, "rules")
                cpu += time.process_time() - start
                r, n = _right(truth, record.report())
                right, cells = right + r, cells + n
                exact += int(r == n and (record.status == "verified") == should_verify)
                print(f"    {runtime:<12}{name:<28} {r}/{n} cells, {record.status}", file=sys.stderr)
        pages = len(clock.table) + len(clock.other)
        label, table = f"nianbao ({variant})", _per_s(len(clock.table), sum(clock.table))
        print(f"  {label:<24}{_per_s(pages, cpu):>8}{table:>8}   {right}/{cells}   {exact}/{len(scans)}")
        spent = sum(clock.table)
        if spent:
            det, rec = clock.models["detection"], clock.models["recognition"]
            print(
                f"  {'':<24}a table page {spent / len(clock.table):.2f} s: detector model {det / spent:.0%}, "
                f"recogniser model {rec / spent:.0%}, the rest (pre/post-processing, grid, placing) "
                f"{1 - (det + rec) / spent:.0%}"
            )
    if tesseract and shutil.which("tesseract"):
        start, right, cells = time.process_time(), 0, 0
        for name, _path, truth, _ok in scans:
            text = join_pages([strip_furniture(_tesseract_page(g, d)) for g, d in frames[name]])
            src = SourceInfo(path=name, format="scan", sha256="", normalized_sha256="")
            r, n = _right(truth, extract_text(normalize(text), src, "rules").report())
            right, cells = right + r, cells + n
        print(f"  {'tesseract chi_sim':<24}{_per_s(n_all, time.process_time() - start):>8}{'':>8}   {right}/{cells}"
              "   (CPU of this process only: tesseract runs in its own)")  # fmt: skip


# --- at scale: the local pool against a Dask cluster on 127.0.0.1 ---


def _tree_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and all their descendants, alive now."""
    import psutil  # type: ignore[import-untyped]

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for p in [root, *root.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _self_cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def _cluster(work: Path, workers: int) -> Iterator[tuple[str, list[int]]]:
    dask = str(Path(sys.executable).with_name("dask"))
    work.mkdir(parents=True, exist_ok=True)
    info = work / "scheduler.json"
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(info)], **quiet)  # fmt: skip
    worker = subprocess.Popen([dask, "worker", "--scheduler-file", str(info), "--nworkers", str(workers), "--nthreads",
                               "1", "--no-dashboard", "--local-directory", str(work), "--host", "127.0.0.1"],
                              cwd=work, env={**os.environ, "NIANBAO_CACHE_DIR": str(work / "cache")},
                              **quiet)  # fmt: skip
    try:
        from distributed import Client

        while not info.exists():
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        with Client(address, timeout="60s") as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(workers, timeout=120)
        yield "dask://" + address.removeprefix("tcp://"), [scheduler.pid, worker.pid]
    finally:
        for p in (worker, scheduler):
            p.terminate()
            p.wait(30)


def bench_cluster(texts: int, scan: Path | None) -> None:
    from nianbao import bulk

    seed = next(g for g in golden_cases(ROOT / "goldens") if g.name.startswith("seed_000"))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "texts"
        folder.mkdir()
        for i in range(texts):
            report = seed.truth.model_copy(update={"agency": f"测试{i:05d}县"})
            (folder / f"r{i:05d}.txt").write_bytes(render(report, "txt", "plain").data)
        print(f"\nat scale, {texts} text reports; 2 worker processes each way (CPU of every process, ms a report)")
        start_cpu, start = _self_cpu(), time.perf_counter()
        bulk.run([str(folder)], tmp / "local.db", workers=2)
        local_cpu, local_wall = _self_cpu() - start_cpu, time.perf_counter() - start
        print(
            f"  local pool  {local_cpu / texts * 1000:6.2f} ms CPU a report   {texts / local_wall:6.0f} reports/s wall"
        )
        with _cluster(tmp / "dask", 2) as (address, pids):
            warm = tmp / "warm"  # the workers import nianbao once, as a standing cluster has
            warm.mkdir()
            for path in sorted(folder.iterdir())[:8]:
                shutil.copy(path, warm / f"w{path.name}")
            (warm / "x.txt").write_text("warm-up", encoding="utf-8")
            bulk.run([str(warm)], tmp / "warm.db", executor=address)
            base_cpu, start = _tree_cpu(pids), time.perf_counter()
            time.sleep(5)  # a standing cluster's own ticking (heartbeats, event loops), whatever it runs
            idle = (_tree_cpu(pids) - base_cpu) / (time.perf_counter() - start)
            base_cpu, start_cpu, start = _tree_cpu(pids), _self_cpu(), time.perf_counter()
            bulk.run([str(folder)], tmp / "dask.db", executor=address)
            dask_cpu = _self_cpu() - start_cpu + _tree_cpu(pids) - base_cpu
            wall = time.perf_counter() - start
            print(f"  Dask        {dask_cpu / texts * 1000:6.2f} ms CPU a report   {texts / wall:6.0f} reports/s   "
                  f"(of which the cluster's idle ticking, {idle * 1000:.0f} ms a second over the run: "
                  f"{idle * wall / texts * 1000:.2f} ms)")  # fmt: skip
            if scan is not None:
                one = tmp / "scan"
                one.mkdir()
                shutil.copy(scan, one / scan.name)
                os.environ["NIANBAO_CACHE_DIR"] = str(tmp / "cache")  # empty: every page read
                start_cpu, start = _self_cpu(), time.perf_counter()
                bulk.run([str(one)], tmp / "scan_local.db", workers=1)
                local_cpu, local_wall = _self_cpu() - start_cpu, time.perf_counter() - start
                base_cpu, start_cpu, start = _tree_cpu(pids), _self_cpu(), time.perf_counter()
                bulk.run([str(one)], tmp / "scan_dask.db", executor=address)
                dask_cpu = _self_cpu() - start_cpu + _tree_cpu(pids) - base_cpu
                wall = time.perf_counter() - start
                pages = ocr.scan_page_count(scan.read_bytes())
                print(f"  a {pages}-page scan: in this process {local_cpu:5.1f} s CPU, {local_wall:5.1f} s wall; "
                      f"on the cluster as {pages} page tasks and one to put them together {dask_cpu:5.1f} s CPU, "
                      f"{wall:5.1f} s wall (2 workers)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--goldens", type=int, default=2, help="how many seed goldens to scan (besides 洪泽)")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument(
        "--runtimes", nargs="+", default=["onnxruntime", "openvino", "openvino/before"],
        help="openvino/before: the reader before issue 25's speed work, for comparison in the same run",
    )  # fmt: skip
    parser.add_argument("--texts", type=int, default=300, help="text reports for the local pool against Dask")
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask comparison")
    parser.add_argument("--no-pages", action="store_true", help="skip the pages' comparison")
    parser.add_argument("--tesseract", action="store_true", help="also Tesseract 5 chi_sim, where installed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scans = _scans(0 if args.no_pages else args.goldens, args.dpi, Path(tmp))
        if not args.no_pages:
            bench_pages(scans, args.runtimes, args.tesseract)
        if not args.no_cluster:
            bench_cluster(args.texts, scans[-1][1])


if __name__ == "__main__":
    main()
