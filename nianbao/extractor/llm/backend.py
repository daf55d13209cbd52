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
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core import InstructorRetryException
from pydantic import BaseModel, ValidationError

from nianbao import prompts
from nianbao.errors import LLMError
from nianbao.extractor.llm.cache import ResponseCache, cache_key
from nianbao.extractor.llm.config import LLMConfig
from nianbao.extractor.llm.grounding import ground
from nianbao.extractor.llm.responses import ANSWERS, to_cells
from nianbao.extractor.llm.transport import with_retries
from nianbao.extractor.sections import Sections
from nianbao.schema import (
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


@dataclass
class Answer:
    answer: BaseModel | None
    raw: str
    usage: Usage
    cached: bool
    error: str | None = None


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


def plain(violations: list[Violation]) -> str:
    """Violations as a person would say them, for the re-ask."""
    lines = []
    for v in violations:
        if v.rule == "grounding":
            lines.append(f"- {v.message} — give only numbers printed in that row of the table text")
        else:
            lines.append(f"- {v.message}")
    return "\n".join(lines[:20])


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
            http_client=http_client,
        )  # fmt: skip
        mode = instructor.Mode.JSON_SCHEMA if config.mode == "json_schema" else instructor.Mode.TOOLS
        self.client = instructor.from_openai(raw, mode=mode)
        self.cache = ResponseCache(config.cache_dir) if config.use_cache and config.cache_dir else None

    def ask(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> Answer:
        key = cache_key(self.config.model, self.prompts.version, SCHEMA_VERSION, self.config.mode, messages)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return Answer(response_model.model_validate(hit["answer"]), hit["raw"], Usage(), cached=True)

        def call() -> Any:
            with _SLOTS:
                try:
                    return self.client.chat.completions.create_with_completion(
                        model=self.config.model, response_model=response_model, messages=messages,  # type: ignore[arg-type]
                        max_retries=0, temperature=self.config.temperature,  # re-asks are ours, each one counted
                    )  # fmt: skip
                except InstructorRetryException as e:
                    # instructor wraps transport errors; unwrap them so that tenacity can retry 429/5xx/timeouts
                    if isinstance(e.__cause__, openai.APIError):
                        raise e.__cause__ from None
                    raise

        try:
            answer, completion = with_retries(call, self.config.transport_retries, self.config.max_wait, self.sleep)
        except InstructorRetryException as e:  # the server answered, but not to the schema
            usage = _usage(getattr(e, "total_usage", None))
            last = getattr(e, "last_completion", None)
            return Answer(None, _completion_text(last)[:4000], usage, False, _first_line(e))
        except openai.APIError as e:  # refused (400/401/403/404) or still failing after the retries
            raise _transport_error(e) from None
        raw = answer.model_dump_json()
        usage = _usage(getattr(completion, "usage", None))
        if self.cache is not None:
            self.cache.put(key, {"answer": json.loads(raw), "raw": raw})
        return Answer(answer, raw, usage, cached=False)


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


_KEYLIKE = re.compile(r"\b(?:sk|key|api[-_]?key)[-_][A-Za-z0-9*._-]{3,}", re.I)


def _transport_error(e: openai.APIError) -> LLMError:
    status = getattr(e, "status_code", None)
    what = f"HTTP {status}" if status else type(e).__name__
    # servers echo (masked or not) keys in their messages: none of it goes into a log line or a record
    return LLMError(f"LLM endpoint refused the request ({what}): {_KEYLIKE.sub('[key]', _first_line(e))}")


def _section_text(text: str, span: Span) -> str:
    return text[span.start : span.end].strip()


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
    prompt_set = prompt_set or prompts.load()
    client = client or LLMClient(config, prompt_set, http_client=config.http_client)
    out = LLMTables()
    cells = flatten(base)
    provenance = dict(base_provenance)
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
        question = f"{prompt_set.for_table(table, base.template)}\n\n<table>\n{_section_text(text, region)}\n</table>"
        messages = [{"role": "system", "content": prompt_set.system}, {"role": "user", "content": question}]
        for number in range(1, config.max_attempts + 1):
            try:
                reply = client.ask(messages, ANSWERS[table])
            except LLMError as e:  # the endpoint failed mid-report: say how far it got and what it cost
                last = out.attempts[-1].output if out.attempts else None
                raise e.progress(len(out.attempts) + 1, last, out.usage.model_dump()) from None
            if reply.answer is None:
                off = f"the answer did not match the JSON schema: {reply.error}"
                violations = [Violation(rule="schema", severity="error", cells=[], message=off)]
            else:
                got = to_cells(table, reply.answer)
                located = ground(text, table, region, got)
                for p in mine:
                    cells[p] = got.get(p)
                    provenance.pop(p, None)
                provenance.update(located)
                report = report_from_cells(cells, agency=base.agency, year=base.year, template=base.template)
                violations = [v for v in judge(report, provenance) if any(table_of(c) == table for c in v.cells)]
            attempt = LLMAttempt(
                table=table, number=number, output=reply.raw, violations=violations, usage=reply.usage,
                cached=reply.cached, error=reply.error,
            )  # fmt: skip
            out.attempts.append(attempt)
            if on_attempt:
                on_attempt(attempt)
            if not violations:
                break
            messages = [
                *messages,
                {"role": "assistant", "content": reply.raw or "(no valid answer)"},
                {"role": "user", "content": prompt_set.reask.format(violations=plain(violations))},
            ]
        for p in mine:
            out.cells[p] = cells[p]
            if p in provenance:
                out.provenance[p] = provenance[p]
    return out


__all__ = ["LLMClient", "LLMTables", "ValidationError", "read_tables", "set_concurrency"]
