"""Ask an LLM for the tables the rules parser could not read, and re-ask with a judge's violations.

One table at a time: the located, normalised section goes in; a compact answer (``responses``) comes
out, through instructor in a mode that makes the server enforce its JSON schema. Each answer's numbers
are located in the source (``grounding``); the ``judge`` the caller hands in (the pipeline's: the
verifier over the whole report) then says what is wrong. If anything is, the violations go back to the
model in plain words, up to ``max_attempts``. Every attempt is kept — output, violations, tokens. This
module proposes readings only: it never imports the verifier and never decides acceptance.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from nianbao import prompts
from nianbao.errors import LLMError
from nianbao.extractor.llm.cache import ResponseCache, cache_key
from nianbao.extractor.llm.config import LLMConfig
from nianbao.extractor.llm.evidence import ground_cited
from nianbao.extractor.llm.grounding import ground
from nianbao.extractor.llm.marks import mark
from nianbao.extractor.llm.responses import ANSWERS, EVIDENCE_ANSWERS, to_cells, to_cited
from nianbao.extractor.llm.transport import with_retries
from nianbao.extractor.sections import Sections
from nianbao.schema import (
    IDENTITY_RULE_NAMES,
    SCHEMA_VERSION,
    CellValue,
    LLMAttempt,
    Provenance,
    Report,
    Span,
    Usage,
    Violation,
    flatten,
    report_from_cells,
    table_of,
)

# What the pipeline hands in to judge a reading: the whole report's cells and provenance → its errors.
Judge = Callable[[Report, dict[str, Provenance]], list[Violation]]

# Limits concurrent requests from this process (the bulk run gives each worker a share of the run's limit).
_SLOTS = threading.BoundedSemaphore(4)


def set_concurrency(n: int) -> None:
    global _SLOTS
    _SLOTS = threading.BoundedSemaphore(max(1, n))


# instructor logs a failed parse with the model's output (and whatever a server echoed, a key among
# it); nianbao records every attempt itself, redacted, so instructor's own logging stays silent.
logging.getLogger("instructor").setLevel(logging.CRITICAL)


@dataclass
class Answer:
    answer: BaseModel | None
    raw: str
    usage: Usage
    cached: bool
    error: str | None = None
    incomplete: bool = False  # cut off at max_tokens (finish_reason=length)


@dataclass
class LLMTables:
    cells: dict[str, CellValue] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    attempts: list[LLMAttempt] = field(default_factory=list)
    issues: list[Violation] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        return Usage(
            prompt_tokens=sum(a.usage.prompt_tokens for a in self.attempts),
            completion_tokens=sum(a.usage.completion_tokens for a in self.attempts),
        )


def plain(violations: list[Violation], problems: list[str], cited: bool = False) -> str:
    """Violations as a person would say them, for the re-ask (``cited``: problems of an evidence answer,
    which name the mark and the digits themselves)."""
    hint = "" if cited else " — give exactly the numbers printed in that row, in order"
    lines = [f"- {p}{hint}" for p in problems]
    for v in violations:
        if v.rule != "grounding":
            lines.append(f"- {v.message}")
    return "\n".join(lines[:20])


_KEYLIKE = re.compile(r"\b(?:sk|key|api[-_]?key)[-_][A-Za-z0-9*._-]{3,}", re.I)


def redact(text: str, key: str | None) -> str:
    """The key out of any text a server sent back: the key itself, and anything shaped like one (servers
    echo keys masked, cut, or whole)."""
    if key and len(key) >= 4 and key != "no-key":
        text = text.replace(key, "[key]")
    return _KEYLIKE.sub("[key]", text)


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process's clients: making one reads the system's CA certificates (~60 ms of
    CPU), which a client made for each report paid each time."""
    return httpx2.create_ssl_context()


class LLMClient:
    """instructor over the openai client, with transport retries and the response cache."""

    def __init__(
        self,
        config: LLMConfig,
        prompt_set: prompts.PromptSet,
        http_client: Any = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.config = config
        self.prompts = prompt_set
        self.sleep = sleep
        raw = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key or "no-key", max_retries=0, timeout=config.timeout,
            http_client=http_client or openai.DefaultHttpxClient(verify=_tls()),
        )  # fmt: skip
        mode = instructor.Mode.JSON_SCHEMA if config.mode == "json_schema" else instructor.Mode.TOOLS
        self.client = instructor.from_openai(raw, mode=mode)
        self.cache = ResponseCache(config.cache_dir) if config.use_cache and config.cache_dir else None

    def _clean(self, text: str) -> str:
        return redact(text, self.config.api_key)

    def ask(
        self, messages: list[dict[str, str]], response_model: type[BaseModel], max_tokens: int | None = None
    ) -> Answer:
        key = cache_key(self.config.model, self.prompts.version, SCHEMA_VERSION, self.config.mode, messages)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return Answer(response_model.model_validate(hit["answer"]), hit["raw"], Usage(), cached=True)
        limit = max_tokens or self.config.max_tokens

        def call() -> Any:
            with _SLOTS:
                try:
                    return self.client.chat.completions.create_with_completion(
                        model=self.config.model, response_model=response_model, messages=messages,  # type: ignore[arg-type]
                        max_retries=0, temperature=self.config.temperature,  # re-asks are ours, each one counted
                        max_tokens=limit,
                    )  # fmt: skip
                except InstructorRetryException as e:
                    # instructor wraps transport errors; unwrap them so that tenacity can retry 429/5xx/timeouts
                    if isinstance(e.__cause__, openai.APIError):
                        raise e.__cause__ from None
                    raise

        try:
            answer, completion = with_retries(call, self.config.transport_retries, self.config.max_wait, self.sleep)
        except IncompleteOutputException as e:  # finish_reason=length: a failed attempt, its tokens counted
            last = getattr(e, "last_completion", None)
            text = self._clean(_completion_text(last)[:4000])
            why = f"the answer was cut off at max_tokens={limit} (finish_reason=length)"
            return Answer(None, text, _usage(getattr(last, "usage", None)), False, why, incomplete=True)
        except InstructorRetryException as e:  # the server answered, but not to the schema
            usage = _usage(getattr(e, "total_usage", None))
            last = getattr(e, "last_completion", None)
            return Answer(None, self._clean(_completion_text(last)[:4000]), usage, False, self._clean(_first_line(e)))
        except openai.APIError as e:  # refused (400/401/403/404) or still failing after the retries
            raise self._transport_error(e) from None
        raw = self._clean(answer.model_dump_json())
        usage = _usage(getattr(completion, "usage", None))
        if self.cache is not None:
            self.cache.put(key, {"answer": json.loads(answer.model_dump_json()), "raw": raw})
        return Answer(answer, raw, usage, cached=False)

    def _transport_error(self, e: openai.APIError) -> LLMError:
        status = getattr(e, "status_code", None)
        what = f"HTTP {status}" if status else type(e).__name__
        # servers echo (masked or not) keys in their messages: none of it goes into a log line or a record
        transient = status is None or status == 429 or status >= 500
        return LLMError(
            f"LLM endpoint {'failed' if transient else 'refused the request'} ({what}): {self._clean(_first_line(e))}",
            transient=transient,
        )


def _completion_text(completion: Any) -> str:
    """What a completion said: its message text or its tool call's arguments."""
    try:
        message = completion.choices[0].message
        calls = getattr(message, "tool_calls", None) or []
        return str(calls[0].function.arguments if calls else message.content or "")
    except (AttributeError, IndexError, TypeError):
        return ""


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__


def _usage(u: Any) -> Usage:
    if u is None:
        return Usage()
    return Usage(
        prompt_tokens=int(getattr(u, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(u, "completion_tokens", 0) or 0),
    )


def _section_text(text: str, span: Span) -> str:
    return text[span.start : span.end].strip()


def fixable(violations: list[Violation], provenance: dict[str, Provenance], unfixable: set[str]) -> list[Violation]:
    """The violations a different answer could fix — the only ones worth a re-ask. Not: a broken identity
    over values all read as printed (the agency's own arithmetic), nor cells no answer can ground (a row not
    printed, digits run together, more numbers than cells)."""
    out = []
    for v in violations:
        if v.rule == "ambiguous":  # the source itself leaves several readings: no answer settles them
            continue
        if v.rule in IDENTITY_RULE_NAMES and all(
            c in provenance and provenance[c].method in ("read", "blank") for c in v.cells
        ):
            continue
        if v.cells and all(c in unfixable for c in v.cells):
            continue
        if not v.cells and v.rule not in ("schema",):
            continue
        out.append(v)
    return out


def read_tables(
    text: str,
    sections: Sections,
    tables: list[int],
    base: Report,
    base_provenance: dict[str, Provenance],
    config: LLMConfig,
    judge: Judge,
    prompt_set: prompts.PromptSet | None = None,
    client: LLMClient | None = None,
    on_attempt: Callable[[LLMAttempt], None] | None = None,
) -> LLMTables:
    prompt_set = prompt_set or prompts.load(config.prompt_version or prompts.CURRENT)
    client = client or LLMClient(config, prompt_set, http_client=config.http_client)
    out = LLMTables()
    cells = flatten(base)
    provenance = dict(base_provenance)
    deadline = time.monotonic() + config.deadline
    for table in tables:
        region = {2: sections.t2, 3: sections.t3, 4: sections.t4}[table]
        if region is None:
            missing = f"table {table}: its section was not found; nothing to send to the LLM"
            out.issues.append(Violation(rule="no_section", severity="error", cells=[], message=missing))
            continue
        mine = [p for p in cells if table_of(p) == table]
        for p in mine:  # the LLM reads the whole table afresh: drop the parser's partial reading
            cells[p] = None
            provenance.pop(p, None)
        marked = None
        if prompt_set.cites_evidence:
            others = [s for s in (sections.t2, sections.t3, sections.t4) if s is not None]
            marked = mark(text, region, others)
            words = f"\n\n<report_words>\n{marked.words}\n</report_words>" if marked.words else ""
            body = f"<table>\n{marked.table}\n</table>{words}"
        else:
            body = f"<table>\n{_section_text(text, region)}\n</table>"
        question = f"{prompt_set.for_table(table, base.template)}\n\n{body}"
        answers = EVIDENCE_ANSWERS if marked is not None else ANSWERS
        table_issues: list[Violation] = []
        messages = [{"role": "system", "content": prompt_set.system}, {"role": "user", "content": question}]
        max_tokens, grown, reasks = config.max_tokens, False, 0
        while True:
            if time.monotonic() > deadline:
                out.issues.append(Violation(
                    rule="deadline", severity="error", cells=mine,
                    message=f"table {table}: the report's LLM deadline ({config.deadline:g} s) ran out",
                ))  # fmt: skip
                break
            try:
                reply = client.ask(messages, answers[table], max_tokens)
            except LLMError as e:  # the endpoint failed mid-report: say how far it got and what it cost
                last = out.attempts[-1].output if out.attempts else None
                raise e.progress(len(out.attempts) + 1, last, out.usage.model_dump()) from None
            problems: list[str] = []
            if reply.answer is None:
                off = reply.error if reply.incomplete else f"the answer did not match the JSON schema: {reply.error}"
                violations = [Violation(rule="schema", severity="error", cells=[], message=str(off))]
                worth = violations
            else:
                unfixable: set[str] = set()
                if marked is not None:
                    cited = to_cited(table, reply.answer)
                    got = {p: v for p, (v, _) in cited.items()}
                    evidence = ground_cited(text, table, region, cited, marked.marks, base_provenance)
                    problems, table_issues, located_prov = evidence.problems, evidence.issues, evidence.provenance
                    unfixable = evidence.unfixable  # a converter dropped a cell: no other answer settles it
                else:
                    got = to_cells(table, reply.answer)
                    located = ground(text, table, region, got)
                    problems, located_prov, unfixable = located.problems, located.provenance, located.unfixable
                for p in mine:
                    cells[p] = got.get(p)
                    provenance.pop(p, None)
                provenance.update(located_prov)
                for p in mine:  # a row this layout does not print stays so when the model leaves it null
                    kept = base_provenance.get(p)
                    if kept is not None and kept.method == "not_printed" and got.get(p) is None:
                        provenance[p] = kept
                report = report_from_cells(cells, agency=base.agency, year=base.year, template=base.template)
                violations = [v for v in judge(report, provenance) if any(table_of(c) == table for c in v.cells)]
                worth = fixable(violations, provenance, unfixable)
            attempt = LLMAttempt(
                table=table, number=len([a for a in out.attempts if a.table == table]) + 1, output=reply.raw,
                violations=violations, usage=reply.usage, cached=reply.cached, error=reply.error,
            )  # fmt: skip
            out.attempts.append(attempt)
            if on_attempt:
                on_attempt(attempt)
            if reply.incomplete and not grown:
                max_tokens, grown = max_tokens * 2, True  # once, with room to finish; not a re-ask
                continue
            if not worth or reasks + 1 >= config.max_attempts or reply.incomplete:
                break
            reasks += 1
            messages = [
                *messages,
                {"role": "assistant", "content": reply.raw or "(no valid answer)"},
                {
                    "role": "user",
                    "content": prompt_set.reask.format(violations=plain(worth, problems, marked is not None)),
                },
            ]
        out.issues.extend(table_issues)
        for p in mine:
            out.cells[p] = cells[p]
            if p in provenance:
                out.provenance[p] = provenance[p]
    return out


__all__ = ["LLMClient", "LLMTables", "ValidationError", "read_tables", "redact", "set_concurrency"]
