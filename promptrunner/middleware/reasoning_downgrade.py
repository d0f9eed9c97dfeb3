"""ReasoningDowngrade: the step's reasoning effort, lowered when time runs short."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from promptrunner._checks import is_finite_number
from promptrunner.errors import ConfigurationError
from promptrunner.middleware._base import CallNext, seconds_left
from promptrunner.middleware._reasoning import (
    EFFORT_ORDER,
    EffortTable,
    lower_effort,
    nearest_accepted_effort,
)
from promptrunner.request import PromptRequest, ReasoningEffort
from promptrunner.result import PromptResult

__all__ = ["ReasoningDowngrade"]


class ReasoningDowngrade:
    """Applies the step's reasoning effort and lowers it when little time is left.

    The effort is the request's `reasoning_effort`, or `effort` when the request sets
    none. With less than `short_time` seconds left on the deadline it is lowered by one
    level. It is then fitted to what the model accepts. A model without reasoning gets no
    reasoning option at all, instead of a failed call. A model that accepts only some
    values gets the nearest one, so a downgrade stops at the weakest value it accepts.
    `model_efforts` maps model-name patterns to accepted efforts, ahead of litellm's
    model map (see `EffortTable`).

    Records an `effort` decision with the requested and effective effort whenever they
    differ, and the reason.
    """

    def __init__(
        self,
        *,
        effort: ReasoningEffort | None = None,
        short_time: float = 10.0,
        model_efforts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if effort is not None and effort not in EFFORT_ORDER:
            raise ConfigurationError(
                f"Unknown reasoning effort {effort!r}; use one of {', '.join(EFFORT_ORDER)}."
            )
        if not is_finite_number(short_time) or short_time < 0:
            raise ConfigurationError(
                f"ReasoningDowngrade short_time must be seconds of 0 or more, got {short_time!r}."
            )

        self.effort = effort
        self.short_time = float(short_time)
        self.efforts = EffortTable(model_efforts)

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        requested = request.reasoning_effort or self.effort
        if requested is None:
            return await call_next(request)

        effective: ReasoningEffort | None = requested
        reasons = []
        remaining = seconds_left(request)
        accepted = self.efforts.accepted(request.model)
        if remaining < self.short_time:
            lowered = lower_effort(requested, accepted)
            if lowered != requested:
                effective = lowered
                reasons.append("short_time")

        if accepted is not None and effective is not None:
            fitted = nearest_accepted_effort(effective, accepted)
            if fitted != effective:
                reasons.append("model_has_no_reasoning" if fitted is None else "model_accepts")
            effective = fitted

        if effective != request.reasoning_effort:
            request = request.model_copy(update={"reasoning_effort": effective})
        result = await call_next(request)

        if effective != requested:
            result.record(
                "ReasoningDowngrade",
                "effort",
                requested=requested,
                effective=effective or "omitted",
                reason="+".join(reasons),
                remaining_ms=round(min(remaining, 1e9) * 1000),
            )
        return result
