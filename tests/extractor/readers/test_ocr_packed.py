"""Short crops recognised packed into lines: numbers read as each crop alone reads them; a character the
model writes in a gap between two crops sends both to be read alone; a packed reading that is not a
number is never taken."""

from __future__ import annotations

import importlib.util
import unicodedata
from typing import Any

import numpy as np
import pytest

from nianbao.extractor.readers import ocr_packed


def _digits(text: str) -> Any:
    import cv2

    img = np.full((48, 18 * len(text) + 8, 3), 255, dtype=np.uint8)  # up to three digits: packed
    cv2.putText(img, text, (4, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2, cv2.LINE_AA)
    return img


@pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None, reason="needs nianbao[ocr]")
def test_numbers_read_packed_as_each_reads_alone() -> None:
    from nianbao.extractor.readers.ocr_engine import make_engine

    rec = make_engine("onnxruntime").text_rec
    values = ["12", "0", "305", "7", "229", "41", "0", "66", "9", "130", "5", "0"]
    crops = [_digits(v) for v in values]
    calls: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(rec, name)

        def __call__(self, images: list[Any]) -> Any:
            calls.append(len(images))
            return rec(images)

    got = ocr_packed.recognise(Counting(), crops)
    # (the reader strips each reading, and its text is normalised: a crop read alone may come back ``９``)
    assert [unicodedata.normalize("NFKC", t).strip() for t, _ in got] == values
    # half or more read packed, not alone (OpenCV's Hershey digits are read less surely than a scan's: the
    # ``2`` of ``12`` and the ``3`` of ``305`` are held over two steps, the second under 0.7 — read alone)
    assert sum(calls) <= len(values) // 2


class _Rec:
    """A recogniser whose model writes the given character ids at the given steps of a packed line (and
    blank elsewhere); read alone, every crop reads ``alone``."""

    rec_image_shape = (3, 48, 320)

    def __init__(self, writes: dict[int, int]) -> None:
        self.writes = writes
        self.postprocess_op = type("Decode", (), {"character": ["blank", *"0123456789", "不", " "]})()
        self.alone: list[int] = []

    def session(self, images: Any) -> list[Any]:
        steps = images.shape[3] // 8
        pred = np.zeros((len(images), steps, 13), dtype=np.float32)
        pred[:, :, 0] = 1.0
        for step, char in self.writes.items():
            pred[:, step, 0], pred[:, step, char] = 0.0, 1.0
        return [pred]

    def __call__(self, crops: list[Any]) -> tuple[list[tuple[str, float]], float]:
        self.alone.append(len(crops))
        return [("alone", 0.99)] * len(crops), 0.0


def test_a_character_in_a_gap_sends_both_neighbours_to_be_read_alone() -> None:
    crop = np.zeros((48, 40, 3), dtype=np.uint8)  # 40 px at the model's height: x 12-52, 76-116, 140-180, ...
    # "1" over the first crop (step 3 of 8 px), "2" over the third (step 20); a "3" in the middle of the gap
    # between the second and the third (step 15)
    rec = _Rec({3: 2, 15: 4, 20: 3})
    got = ocr_packed.recognise(rec, [crop, crop, crop, crop])
    assert got[0] == ("1", 1.0)
    assert got[1] == ("alone", 0.99) and got[2] == ("alone", 0.99)  # the "3" could be either's
    assert got[3] == ("alone", 0.99)  # nothing written over it: empty, read alone
    assert rec.alone == [3]


def test_a_packed_reading_that_is_not_a_number_is_read_alone() -> None:
    crop = np.zeros((48, 40, 3), dtype=np.uint8)
    rec = _Rec({3: 11})  # "不" over the first crop
    got = ocr_packed.recognise(rec, [crop])
    assert got == [("alone", 0.99)]


def test_a_character_held_over_several_steps_or_written_faintly_is_read_alone() -> None:
    """A ``55`` packed beside other cells' numbers came back ``5`` at 0.99: its columns ``5 5 5 5``, no blank
    between the two strokes (CTC reads a run as one character) — a doubled digit lost, and in table 2, whose
    single cells have no identity, verified. Such a crop is read alone; so is one with a step written faintly."""
    crop = np.zeros((48, 40, 3), dtype=np.uint8)  # x 12-52 (steps 1-6), 76-116 (steps 9-14)
    rec = _Rec({2: 6, 3: 6, 4: 6, 5: 6, 11: 6})  # "5" held over steps 2-5 in the first; once in the second
    got = ocr_packed.recognise(rec, [crop, crop])
    assert got == [("alone", 0.99), ("5", 1.0)]

    class Faint(_Rec):
        def session(self, images: Any) -> list[Any]:
            pred = super().session(images)[0]
            pred[:, 3, 6], pred[:, 3, 0] = 0.59, 0.41  # the second step of "5 5" written at 0.59
            return [pred]

    got = ocr_packed.recognise(Faint({2: 6, 3: 6, 11: 6}), [crop, crop])
    assert got == [("alone", 0.99), ("5", 1.0)]
    assert ocr_packed.recognise(_Rec({2: 6, 3: 6, 11: 6}), [crop, crop]) == [("5", 1.0), ("5", 1.0)]  # two steps
