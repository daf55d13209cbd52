"""The OCR engine's set-up: OpenVINO reads RapidOCR's models as ONNX Runtime does, on one thread."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from nianbao.errors import UsageError
from nianbao.extractor.readers.ocr_engine import RUNTIME_ENV, make_engine, runtime

GOLDENS = Path(__file__).resolve().parents[3] / "goldens"
needs_ocr = pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None, reason="needs nianbao[ocr]")
needs_openvino = pytest.mark.skipif(
    importlib.util.find_spec("openvino") is None, reason="needs openvino (nianbao[ocr])"
)


def _page_crops(limit: int = 60) -> list[np.ndarray]:
    """Text crops of a real table page (洪泽 2023, page 3, rasterised at 150 dpi), as the detector finds them."""
    import cv2
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(GOLDENS / "dev_hongze_2023_pdf" / "source.pdf"))
    gray = np.asarray(pdf[2].render(scale=150 / 72, grayscale=True).to_pil().convert("L"), dtype=np.uint8)
    pdf.close()
    image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    boxes, _ = make_engine("onnxruntime")(image, use_cls=False, use_rec=False)
    crops = []
    for quad in boxes[:limit]:
        xs, ys = [int(p[0]) for p in quad], [int(p[1]) for p in quad]
        crops.append(image[min(ys) : max(ys), min(xs) : max(xs)])
    return crops


@needs_ocr
@needs_openvino
def test_openvino_reads_what_onnx_runtime_reads_on_one_thread() -> None:
    # in a child process: the test process forks worker pools later, and OpenVINO's threads are not to be
    # inherited by a fork (the suite's parent crashed with SIGSEGV in a later forking test when it had loaded
    # OpenVINO); nianbao's own parents never OCR before they fork
    import subprocess
    import sys

    code = "from tests.extractor.readers.test_ocr_engine import _compare; _compare()"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _compare() -> None:
    crops = _page_crops()
    assert len(crops) >= 40
    ort, ov = make_engine("onnxruntime"), make_engine("openvino")
    assert ov.runtime == "openvino" and ov.text_rec.session.compiled.get_property("INFERENCE_NUM_THREADS") == 1
    assert str(ov.text_rec.session.compiled.get_property("INFERENCE_PRECISION_HINT")) == "<Type: 'float32'>"
    theirs, _ = ort.text_rec(crops)
    ours, _ = ov.text_rec(crops)
    assert [t for t, _s in ours] == [t for t, _s in theirs]
    assert any(t.isdigit() for t, _s in ours)  # the table's numbers are among them
    assert all(abs(a - b) < 1e-3 for (_t, a), (_u, b) in zip(ours, theirs, strict=True))


def test_the_runtime_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNTIME_ENV, "onnxruntime")
    assert runtime() == "onnxruntime"
    monkeypatch.setenv(RUNTIME_ENV, "tensorrt")
    with pytest.raises(UsageError, match="use one of openvino, onnxruntime"):
        runtime()
    monkeypatch.delenv(RUNTIME_ENV)
    assert runtime() == ("openvino" if importlib.util.find_spec("openvino") else "onnxruntime")


@needs_ocr
def test_the_detectors_input_is_rapidocrs_own_bit_for_bit() -> None:
    # RapidOCR's preprocessing (resize to a multiple of 32, normalise in 64-bit floats, transpose, copy to
    # 32-bit) against the table lookup that replaces it: a grey page as the reader gives it, and a colour one
    det = make_engine("onnxruntime").text_det
    rng = np.random.default_rng(7)
    grey = np.repeat(rng.integers(0, 256, (701, 517, 1), dtype=np.uint8), 3, axis=2)
    colour = rng.integers(0, 256, (333, 1029, 3), dtype=np.uint8)
    for page in (grey, colour):
        theirs = type(det).get_preprocess(det, max(page.shape[:2]))(page)  # RapidOCR's own
        ours = det.get_preprocess(max(page.shape[:2]))(page)
        assert ours.shape == theirs.shape and ours.flags.c_contiguous
        assert np.array_equal(ours, theirs)
