"""In-process transports for unit tests of the runner and of single middleware."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from promptrunner import Attempt, Outcome, OutcomeCategory, PromptRequest, PromptResult

__all__ = ["FakeTransport", "HangingTransport", "answer", "failure"]


def answer(request: PromptRequest, text: str = "fake answer") -> PromptResult:
    """An ok result with one attempt."""
    attempt = Attempt(model=request.model, started_at=0.0, duration=0.0, outcome=Outcome.ok())
    return PromptResult(
        step=request.step, model=request.model, outcome=Outcome.ok(), text=text, attempts=[attempt]
    )


def failure(request: PromptRequest, category: OutcomeCategory) -> PromptResult:
    """A failed result with one attempt."""
    outcome = Outcome.failed(category, f"fake {category.value}")
    attempt = Attempt(model=request.model, started_at=0.0, duration=0.0, outcome=outcome)
    return PromptResult(step=request.step, model=request.model, outcome=outcome, attempts=[attempt])


class FakeTransport:
    """Returns what `respond` builds for each request and records the requests."""

    def __init__(self, respond: Callable[[PromptRequest], PromptResult] = answer) -> None:
        self.respond = respond
        self.requests: list[PromptRequest] = []

    async def complete(self, request: PromptRequest) -> PromptResult:
        self.requests.append(request)
        return self.respond(request)


class HangingTransport:
    """Never returns; with `ignore_cancel`, it also swallows cancellation once."""

    def __init__(self, *, ignore_cancel: bool = False) -> None:
        self.ignore_cancel = ignore_cancel
        self.cancelled = asyncio.Event()

    async def complete(self, request: PromptRequest) -> PromptResult:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled.set()
            if not self.ignore_cancel:
                raise
            await asyncio.sleep(3600)
        raise AssertionError("unreachable")
