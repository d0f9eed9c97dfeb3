from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult

__all__ = ["CallNext", "Middleware", "has_time_to_repeat", "seconds_left"]

CallNext = Callable[[PromptRequest], Awaitable[PromptResult]]
"""The rest of the chain below a middleware, ending in the transport."""


@runtime_checkable
class Middleware(Protocol):
    """One layer of the chain.

    A middleware may change the request, call `call_next` a bounded number of times,
    change the result and record decisions on it. It keeps no per-call state on itself,
    so that one runner can serve many concurrent runs. The time left is on
    `request.deadline`, which the runner always sets.
    """

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult: ...


def seconds_left(request: PromptRequest) -> float:
    """Return the seconds left on the request's deadline, or infinity without one."""
    deadline = request.deadline
    return math.inf if deadline is None else deadline.remaining


def has_time_to_repeat(
    request: PromptRequest, result: PromptResult, *, middleware: str, skipped: str
) -> bool:
    """Tell whether the time left covers as long as `result`'s attempts took.

    When it does not, the `skipped` decision is recorded on `result` with the numbers.
    """
    needed = sum(attempt.duration for attempt in result.attempts)
    remaining = seconds_left(request)
    if remaining >= needed:
        return True

    result.record(
        middleware,
        skipped,
        reason="deadline",
        needed_ms=round(needed * 1000),
        remaining_ms=round(remaining * 1000),
    )
    return False
