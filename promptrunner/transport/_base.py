from __future__ import annotations

from typing import Protocol, runtime_checkable

from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult

__all__ = ["Transport"]


@runtime_checkable
class Transport(Protocol):
    """Makes one provider call for a request and returns its normalized result.

    A transport makes one call per `complete` and returns a result with one attempt, or
    with none when the deadline left no time to start the call. It reports provider
    failures as a failed outcome instead of raising, keeps within `request.deadline`, and
    raises only `ConfigurationError`, for a request it cannot send at all.
    """

    async def complete(self, request: PromptRequest) -> PromptResult: ...
