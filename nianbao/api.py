"""The public Python API: :func:`extract` and :func:`verify` (re-exported as ``nianbao.extract`` and
``nianbao.verify``). They give exactly what ``nianbao extract`` and ``nianbao verify`` write."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import UsageError
from nianbao.extractor.normalize import normalize
from nianbao.pipeline import BACKENDS, extract_file, extract_text, reverify, sha256_text, source_if_unchanged
from nianbao.schema import Record, SourceInfo

if TYPE_CHECKING:
    from nianbao.extractor.llm.config import LLMConfig

# A str longer than this, or with a line break, is report text rather than a path.
_PATH_MAX = 4096


def _is_text(value: str) -> bool:
    return "\n" in value or len(value) > _PATH_MAX


def extract(path_or_text: str | os.PathLike[str], *, backend: str = "auto", llm: LLMConfig | None = None) -> Record:
    """Extract and verify tables 2–4 of one report.

    ``path_or_text``: a file (any format ``nianbao extract`` reads), or the report's text itself (a ``str``
    with a line break). ``backend``: ``"auto"`` (default: the rules parser, then the LLM only for tables it
    could not read), ``"rules"`` or ``"llm"``. ``llm``: the endpoint; None reads it from the environment
    (``OPENAI_BASE_URL`` + ``NIANBAO_MODEL``) as the CLI does, and with none there a report the rules cannot
    read is rejected with ``no_llm``.

    Returns the :class:`~nianbao.schema.Record` (``.status``, ``.reason``, ``.violations``, ``.to_json()``).
    Raises a :class:`~nianbao.errors.NianbaoError` subclass, naming the file, when no extraction is possible.
    """
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}: {', '.join(BACKENDS)}")
    if llm is None and backend != "rules":
        from nianbao.extractor.llm.config import LLMConfig

        llm = LLMConfig.from_env()
    if isinstance(path_or_text, str) and _is_text(path_or_text):
        text = normalize(path_or_text)
        raw = hashlib.sha256(path_or_text.encode("utf-8")).hexdigest()
        info = SourceInfo(path="<text>", format="txt", sha256=raw, normalized_sha256=sha256_text(text))
        return extract_text(text, info, backend, llm)
    return extract_file(Path(path_or_text), backend, llm)


def verify(result: Record, source_text: str | None = None) -> Record:
    """Judge a saved result again, as ``nianbao verify`` does: identities, and grounding against
    ``source_text`` (normalised here) — else against the recorded source file if it is there and unchanged
    — else against the excerpts stored with each value. Errors the extraction itself recorded (an
    ambiguous row, an unread table) stay errors until those cells carry a value with provenance.
    Returns a new :class:`Record`; ``result`` is not changed."""
    text = normalize(source_text) if source_text is not None else source_if_unchanged(result.source)[0]
    return reverify(result, text)
