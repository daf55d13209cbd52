"""Transport retries with tenacity: 429, 5xx, timeouts and connection errors, with exponential backoff
and jitter, honouring ``Retry-After``; never 400/401/403 (retrying cannot fix them). instructor's own
retries re-ask immediately, without waiting, so they are not used for rate limits."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any, TypeVar

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

T = TypeVar("T")
RETRYABLE = (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError, openai.APIConnectionError)


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), if the server sent one."""
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class _Wait:
    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self.backoff = wait_exponential_jitter(initial=1, max=max_wait, jitter=1)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = retry_after(exc)
        return min(told, self.max_wait) if told is not None else float(self.backoff(state))


def with_retries(fn: Callable[[], T], attempts: int, max_wait: float, sleep: Callable[[float], Any] = time.sleep) -> T:
    retrying = Retrying(
        retry=retry_if_exception_type(RETRYABLE), wait=_Wait(max_wait), stop=stop_after_attempt(attempts),
        reraise=True, sleep=sleep,
    )  # fmt: skip
    return retrying(fn)
