"""The error tree: every error travels between processes with its context (a worker's error is pickled
back to the parent by the local pool and by Dask)."""

from __future__ import annotations

import inspect
import pickle

import pytest

from nianbao import errors

CONTEXT = {errors.MissingExtraError: {"extra": "ocr"}, errors.LLMError: {"attempts": 3, "transient": True}}
CLASSES = [c for c in vars(errors).values() if inspect.isclass(c) and issubclass(c, errors.NianbaoError)]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_pickles_with_its_context(cls: type[errors.NianbaoError]) -> None:
    error = cls("the reason", file="a/b.pdf", **CONTEXT.get(cls, {}))
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (str(back), back.reason, back.file, back.to_dict()) == (
        str(error),
        error.reason,
        error.file,
        error.to_dict(),
    )


def test_a_file_attached_after_pickling_renders_once() -> None:
    back = pickle.loads(pickle.dumps(errors.MissingExtraError("needs OCR", extra="ocr")))
    assert str(back.with_file("x.pdf")) == "x.pdf: needs OCR: pip install 'nianbao[ocr]'"
