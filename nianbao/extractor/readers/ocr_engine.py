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

A Dask worker may run tasks in several threads: each thread has its own OpenVINO request.
"""

from __future__ import annotations

import copy
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
NARROW_WIDTH = 0  # crops at most this wide (at the recogniser's 48 px height) are padded to this, not 320


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
    narrow_width: int = NARROW_WIDTH,
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
    if which == "openvino":
        models = _model_paths()
        eng.text_det.infer = _OpenVino(models["Det"], threads, precision)
        eng.text_cls.infer = _OpenVino(models["Cls"], threads, precision)
        eng.text_rec.session = _OpenVino(models["Rec"], threads, precision)
    if narrow_width:
        eng.text_rec.__class__ = _two_widths(type(eng.text_rec))
        eng.text_rec.narrow_width = narrow_width
    eng.runtime = which
    return eng


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


def _two_widths(base: type) -> type:
    class TwoWidths(base):  # type: ignore[misc]
        """RapidOCR's recogniser pads every crop to at least 320 px wide (at 48 high); a value cell's few
        digits are ~50. Narrow crops are recognised in their own batches padded to ``narrow_width``."""

        narrow_width = 0

        def __call__(self, img_list: Any, return_word_box: bool = False) -> tuple[list[tuple[str, float]], float]:
            if isinstance(img_list, np.ndarray):
                img_list = [img_list]
            height = self.rec_image_shape[1]
            narrow = [i for i, img in enumerate(img_list) if img.shape[1] * height <= self.narrow_width * img.shape[0]]
            if not narrow:
                return super().__call__(img_list, return_word_box)  # type: ignore[no-any-return]
            wide = [i for i in range(len(img_list)) if i not in set(narrow)]
            small = copy.copy(self)
            small.rec_image_shape = [self.rec_image_shape[0], height, self.narrow_width]
            out: list[tuple[str, float]] = [("", 0.0)] * len(img_list)
            seconds = 0.0
            for rec, group in ((base.__call__.__get__(small), narrow), (super().__call__, wide)):
                if group:
                    got, took = rec([img_list[i] for i in group], return_word_box)
                    seconds += took
                    for i, r in zip(group, got, strict=True):
                        out[i] = r
            return out, seconds

    return TwoWidths
