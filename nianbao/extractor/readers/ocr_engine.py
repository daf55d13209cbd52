"""The OCR engine's set-up: what runs RapidOCR's models, on how many threads, at what sizes.

The models are PaddleOCR's PP-OCRv4 Chinese detector and recogniser inside the ``rapidocr-onnxruntime``
wheel, with its pre- and post-processing; they are run

- by **OpenVINO** where it is installed (the ``ocr`` extra installs it), in 32-bit floats: the same models
  give the same readings (0 of 928 recognised crops differ from ONNX Runtime's) at ~2.3× less CPU
  (``evals/bench_ocr.py``). Not its ``bfloat16``, which it picks by itself on CPUs with AMX: ~4× less CPU,
  but 7 of the 928 readings change, and readings would then depend on the machine;
- else by **ONNX Runtime**, as RapidOCR ships;
- on **one thread** a process: a run's worker processes (local pool or Dask) are the parallelism; more
  threads a process spend CPU on spinning and synchronisation (a page's CPU ~1.8× at 2 threads, measured).

A Dask worker may run tasks in several threads: each thread has its own OpenVINO request. How crops are
handed to the recogniser (most of a table page's CPU): :mod:`.ocr_packed`.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from nianbao.errors import MissingExtraError, UsageError

RUNTIMES = ("openvino", "onnxruntime")
RUNTIME_ENV = "NIANBAO_OCR_RUNTIME"  # to choose one by hand (the benchmark compares them)
DET_SIDE = 0  # longest side the detector sees (0: the page as it is)


def runtime() -> str:
    """The runtime this process uses: ``$NIANBAO_OCR_RUNTIME``, else OpenVINO where installed."""
    chosen = os.environ.get(RUNTIME_ENV, "").strip().lower()
    if chosen:
        if chosen not in RUNTIMES:
            raise UsageError(f"{RUNTIME_ENV}={chosen!r}: use one of {', '.join(RUNTIMES)}")
        return chosen
    return "openvino" if importlib.util.find_spec("openvino") is not None else "onnxruntime"


def make_engine(
    which: str | None = None,
    *,
    det_side: int = DET_SIDE,
    threads: int = 1,
    precision: str = "f32",
) -> Any:
    """A RapidOCR engine (its call signature and its ``text_det``/``text_cls``/``text_rec`` parts) on
    ``which`` runtime (default :func:`runtime`)."""
    which = which or runtime()
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # its banner on every load
    except ImportError:
        raise MissingExtraError("reading a scan needs the OCR extra", extra="ocr") from None
    eng = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads)
    if det_side:  # (RapidOCR's own "max" mode picks 960, 1500 or 2000 by the page's size)
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess  # type: ignore[import-untyped]

        det = eng.text_det
        shrink = DetPreProcess(det_side, "max", det.mean, det.std)
        det.get_preprocess = lambda longest: shrink
    _normalise_by_table(eng.text_det)
    if which == "openvino":
        models = _model_paths()
        eng.text_det.infer = _OpenVino(models["Det"], threads, precision)
        eng.text_cls.infer = _OpenVino(models["Cls"], threads, precision)
        eng.text_rec.session = _OpenVino(models["Rec"], threads, precision)
    eng.runtime = which
    return eng


def _normalise_by_table(det: Any) -> None:
    """The detector's input made by a table of the 256 grey levels' values, computed by RapidOCR's own
    ``normalize`` (so the input is the same, bit for bit), looked up by OpenCV straight into the channels-first
    array the model takes: RapidOCR normalises the page in 64-bit floats, then copies it transposed to
    32-bit floats (~0.16 s of a table page's ~2 s, against ~0.01 s so; ``evals/bench_ocr.py``)."""
    inner = det.get_preprocess

    def get_preprocess(longest: int) -> Any:
        return _ByTable(inner(longest))

    det.get_preprocess = get_preprocess


class _ByTable:
    """RapidOCR's ``DetPreProcess`` for an 8-bit colour page, its normalisation looked up in a table."""

    def __init__(self, op: Any) -> None:
        self.op = op
        levels = np.arange(256, dtype=np.uint8).reshape(256, 1, 1).repeat(3, axis=2)
        self.table = np.ascontiguousarray(np.asarray(op.normalize(levels), dtype=np.float32)[:, 0, :].T)

    def __call__(self, img: Any) -> Any:
        import cv2

        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            return self.op(img)
        resized = self.op.resize(img)
        if resized is None:
            return None
        out = np.empty((1, 3, *resized.shape[:2]), dtype=np.float32)
        for c, plane in enumerate(cv2.split(resized)):
            out[0, c] = cv2.LUT(plane, self.table[c])
        return out


def _model_paths() -> dict[str, str]:
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH  # type: ignore[import-untyped]
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path  # type: ignore[import-untyped]

    config = update_model_path(read_yaml(str(DEFAULT_CFG_PATH)))
    return {part: str(Path(config[part]["model_path"])) for part in ("Det", "Cls", "Rec")}


class _OpenVino:
    """An ONNX model compiled by OpenVINO for the CPU, called as RapidOCR calls its ONNX Runtime session:
    ``session(batch)[0]`` is the first output."""

    def __init__(self, model: str, threads: int, precision: str) -> None:
        import openvino as ov

        config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": precision,
                  "PERFORMANCE_HINT": "LATENCY"}  # fmt: skip
        self.compiled = ov.Core().compile_model(model, "CPU", config)
        self.local = threading.local()

    def __call__(self, batch: Any) -> list[Any]:
        request = getattr(self.local, "request", None)
        if request is None:
            request = self.local.request = self.compiled.create_infer_request()
        request.infer({0: batch})
        return [np.array(request.get_output_tensor(0).data, copy=True)]  # its buffer is reused by the next call
