"""TimeoutRetry: the per-call timeout, and exactly one retry after a random jitter."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from promptrunner._checks import is_finite_number
from promptrunner.errors import ConfigurationError
from promptrunner.middleware._base import CallNext, seconds_left
from promptrunner.outcome import OutcomeCategory, OutcomeStatus
from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult

__all__ = ["DEFAULT_JITTER", "MAX_JITTER", "TimeoutRetry"]

DEFAULT_JITTER = (0.1, 0.5)
"""Default range, in seconds, of the random wait before the retry."""

MAX_JITTER = 10.0
"""Largest jitter bound accepted, in seconds."""

_ALWAYS_RETRIED = (OutcomeCategory.TIMEOUT, OutcomeCategory.NETWORK)
_RETRY_AFTER_STATUSES = (429, 503)


class TimeoutRetry:
    """Sets the per-call timeout and retries a failed call once, within the deadline.

    The retry happens on a network timeout or a connection error, after a random wait
    drawn from `jitter` (seconds), and on HTTP 429 or 503, after the provider's
    Retry-After plus that jitter (the jitter alone when the provider sent none). It never
    happens on other 4xx errors, on truncation or on invalid output, nor when the time
    left could not cover the wait plus `min_attempt_seconds`. This is the only retry loop
    in the standard chain, so one call of this middleware makes at most two calls below.

    `timeout` is the per-call timeout in seconds for requests that set none; the
    transport clips every attempt to the deadline. `sleep` and `rng` exist for tests.
    """

    def __init__(
        self,
        *,
        timeout: float | None = None,
        jitter: tuple[float, float] = DEFAULT_JITTER,
        min_attempt_seconds: float = 1.0,
        retry_rate_limited: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if timeout is not None and not _is_positive_number(timeout):
            raise ConfigurationError(
                f"TimeoutRetry timeout must be seconds above 0 or None, got {timeout!r}."
            )
        low, high = _check_jitter(jitter)
        if not _is_positive_number(min_attempt_seconds, allow_zero=True):
            raise ConfigurationError(
                f"TimeoutRetry min_attempt_seconds must be seconds of 0 or more, "
                f"got {min_attempt_seconds!r}."
            )

        self.timeout = timeout
        self.jitter = (low, high)
        self.min_attempt_seconds = float(min_attempt_seconds)
        self.retry_rate_limited = retry_rate_limited
        self._sleep = sleep
        self._random = rng or _system_random

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        if self.timeout is not None and request.timeout is None:
            request = request.model_copy(update={"timeout": self.timeout})

        results: list[PromptResult] = []
        planned_waits: list[float] = []

        async def attempt() -> PromptResult:
            result = await call_next(request)
            results.append(result)
            return result

        def should_retry(result: PromptResult) -> bool:
            if len(results) > 1:
                return False
            wait = self._wait_before_retry(result, request)
            if wait is None:
                return False
            planned_waits.append(wait)
            return True

        retrying = AsyncRetrying(
            stop=stop_after_attempt(2),
            retry=retry_if_result(should_retry),
            wait=lambda _: planned_waits[-1],
            sleep=self._sleep,
            retry_error_callback=_last_result,
        )
        final: PromptResult = await retrying(attempt)

        if len(results) == 2:
            first = results[0]
            final.following(first)
            final.record(
                "TimeoutRetry",
                "retried",
                after_category=_category_name(first),
                wait_ms=round(planned_waits[0] * 1000),
            )
        return final

    def _wait_before_retry(self, result: PromptResult, request: PromptRequest) -> float | None:
        wait = self._retry_wait(result)
        if wait is None:
            return None

        remaining = seconds_left(request)
        if remaining < wait + self.min_attempt_seconds:
            result.record(
                "TimeoutRetry",
                "retry_skipped",
                reason="deadline",
                wait_ms=round(wait * 1000),
                remaining_ms=round(remaining * 1000),
            )
            return None
        return wait

    def _retry_wait(self, result: PromptResult) -> float | None:
        outcome = result.outcome
        if outcome.status is not OutcomeStatus.FAILED or not result.attempts:
            return None

        jitter = self._random.uniform(*self.jitter)
        if outcome.category in _ALWAYS_RETRIED:
            return jitter

        last = result.attempts[-1]
        if not self.retry_rate_limited or last.status_code not in _RETRY_AFTER_STATUSES:
            return None
        return (last.retry_after or 0.0) + jitter


_system_random = random.Random()


def _last_result(state: RetryCallState) -> PromptResult:
    # Reached when the second attempt failed too: its result is the run's result.
    assert state.outcome is not None
    result: PromptResult = state.outcome.result()
    return result


def _category_name(result: PromptResult) -> str:
    category = result.outcome.category
    return category.value if category is not None else "unknown"


def _check_jitter(jitter: object) -> tuple[float, float]:
    if (
        not isinstance(jitter, tuple)
        or len(jitter) != 2
        or not all(_is_positive_number(bound, allow_zero=True) for bound in jitter)
        or jitter[0] > jitter[1]
        or jitter[1] > MAX_JITTER
    ):
        raise ConfigurationError(
            f"TimeoutRetry jitter must be a (low, high) pair of seconds with "
            f"0 <= low <= high <= {MAX_JITTER:g}, got {jitter!r}."
        )
    return float(jitter[0]), float(jitter[1])


def _is_positive_number(value: object, *, allow_zero: bool = False) -> bool:
    if not is_finite_number(value):
        return False
    return value >= 0 if allow_zero else value > 0
