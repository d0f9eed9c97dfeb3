"""TruncationGuard: one bounded second attempt after truncation or reasoning exhaustion."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from promptrunner._checks import is_finite_number, is_whole_number
from promptrunner.errors import ConfigurationError
from promptrunner.middleware._base import CallNext, has_time_to_repeat
from promptrunner.middleware._reasoning import EffortTable, lower_effort
from promptrunner.outcome import Outcome, OutcomeCategory, OutcomeStatus
from promptrunner.request import PromptRequest, ReasoningEffort
from promptrunner.result import PromptResult

__all__ = ["MAX_OUTPUT_FACTOR", "TruncationGuard"]

MAX_OUTPUT_FACTOR = 4.0
"""Largest `output_factor` accepted."""

_GUARDED = (OutcomeCategory.TRUNCATED, OutcomeCategory.REASONING_EXHAUSTED)


class TruncationGuard:
    """Makes at most one second attempt when the output was cut off at its limit.

    The transport reports `truncated` (the answer stopped at the output limit, whatever
    finish reason the provider gave) and `reasoning_exhausted` (the limit went to
    reasoning and the answer is empty or nearly so). On either, the guard asks once more
    with the reasoning effort one level lower (as far as the model accepts; a request
    without an effort counts as `medium` on a known reasoning model, and keeps no effort
    on any other) and the output ceiling raised by
    `output_factor`, capped at `max_output_tokens`. It makes that attempt only when the
    time left covers as long as the first attempt took, and only when it changes
    something. If the second attempt is cut off too, the result keeps the longer partial
    text and its message says both attempts were cut off.

    Records `second_attempt` (or `second_attempt_skipped` with the reason).
    """

    def __init__(
        self,
        *,
        output_factor: float = 1.25,
        max_output_tokens: int | None = None,
        lower_effort: bool = True,
        model_efforts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if not is_finite_number(output_factor) or not 1.0 <= output_factor <= MAX_OUTPUT_FACTOR:
            raise ConfigurationError(
                f"TruncationGuard output_factor must be a number from 1 to "
                f"{MAX_OUTPUT_FACTOR:g}, got {output_factor!r}."
            )
        if max_output_tokens is not None and (
            not is_whole_number(max_output_tokens) or max_output_tokens <= 0
        ):
            raise ConfigurationError(
                f"TruncationGuard max_output_tokens must be a positive int or None, "
                f"got {max_output_tokens!r}."
            )

        self.output_factor = float(output_factor)
        self.max_output_tokens = max_output_tokens
        self.lower_effort = lower_effort
        self.efforts = EffortTable(model_efforts)

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        first = await call_next(request)
        if (
            first.outcome.status is not OutcomeStatus.FAILED
            or first.outcome.category not in _GUARDED
        ):
            return first

        retry = self._second_request(request)
        if retry is None:
            first.record("TruncationGuard", "second_attempt_skipped", reason="nothing_to_change")
            return first

        if not has_time_to_repeat(
            request, first, middleware="TruncationGuard", skipped="second_attempt_skipped"
        ):
            return first

        second = await call_next(retry)
        second.following(first)
        second.record(
            "TruncationGuard",
            "second_attempt",
            after_category=first.outcome.category.value if first.outcome.category else "",
            effort_from=request.reasoning_effort or "default",
            effort_to=retry.reasoning_effort or "default",
            max_output_tokens_from=request.max_output_tokens or 0,
            max_output_tokens_to=retry.max_output_tokens or 0,
        )
        if second.outcome.status is OutcomeStatus.FAILED and second.outcome.category in _GUARDED:
            _keep_longer_partial(second, first)
        return second

    def _second_request(self, request: PromptRequest) -> PromptRequest | None:
        update: dict[str, object] = {}

        accepted = self.efforts.accepted(request.model)
        # Without an effort on the request, one is only added for a known reasoning model.
        if self.lower_effort and (request.reasoning_effort is not None or accepted):
            current: ReasoningEffort = request.reasoning_effort or "medium"
            lowered = lower_effort(current, accepted)
            if lowered != current:
                update["reasoning_effort"] = lowered

        ceiling = request.max_output_tokens
        if ceiling is not None:
            raised = math.ceil(ceiling * self.output_factor)
            if self.max_output_tokens is not None:
                raised = min(raised, self.max_output_tokens)
            if raised > ceiling:
                update["max_output_tokens"] = raised

        return request.model_copy(update=update) if update else None


def _keep_longer_partial(second: PromptResult, first: PromptResult) -> None:
    if len(first.text) > len(second.text):
        second.text = first.text
    category = second.outcome.category or OutcomeCategory.TRUNCATED
    second.outcome = Outcome.failed(
        category,
        f"both attempts were cut off at the output limit; keeping the longer partial "
        f"text ({len(second.text)} characters). Last: {second.outcome.message}",
        error_type=second.outcome.error_type,
    )
