"""ModelFallback: ordered fallback models when the primary model fails."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from promptrunner._checks import is_finite_number
from promptrunner.errors import ConfigurationError
from promptrunner.middleware._base import CallNext, seconds_left
from promptrunner.outcome import Outcome, OutcomeCategory, OutcomeStatus
from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult

__all__ = ["DEFAULT_FALLBACK_CATEGORIES", "ModelFallback"]

DEFAULT_FALLBACK_CATEGORIES = frozenset(
    {
        OutcomeCategory.PROVIDER_ERROR,
        OutcomeCategory.RATE_LIMITED,
        OutcomeCategory.TIMEOUT,
        OutcomeCategory.NETWORK,
    }
)
"""Failure categories that move a run on to the next model."""


class ModelFallback:
    """Tries `models`, in order, when the model before failed with a category in `on`.

    Each fallback call runs within the same deadline, and starts only while at least
    `min_seconds_left` seconds are left. A run answered by a fallback model is
    `degraded`, with the primary model's failure as its category and message; its result's
    `model` is the model that answered. A failure outside `on` (such as truncation) ends
    the fallback. Records `fallback` for every fallback model tried.
    """

    def __init__(
        self,
        *,
        models: Sequence[str],
        on: Iterable[OutcomeCategory | str] = DEFAULT_FALLBACK_CATEGORIES,
        min_seconds_left: float = 1.0,
    ) -> None:
        if isinstance(models, str) or not all(isinstance(model, str) and model for model in models):
            raise ConfigurationError(
                f"ModelFallback models must be a list of litellm model names, got {models!r}."
            )
        if not is_finite_number(min_seconds_left) or min_seconds_left < 0:
            raise ConfigurationError(
                f"ModelFallback min_seconds_left must be seconds of 0 or more, "
                f"got {min_seconds_left!r}."
            )

        self.models = tuple(models)
        self.on = _check_categories(on)
        self.min_seconds_left = float(min_seconds_left)

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        result = await call_next(request)
        primary = result.outcome
        if not self._falls_back(result):
            return result

        for model in self.models:
            if model == request.model:
                continue
            remaining = seconds_left(request)
            if remaining < self.min_seconds_left:
                result.record(
                    "ModelFallback",
                    "fallback_skipped",
                    model=model,
                    reason="deadline",
                    remaining_ms=round(remaining * 1000),
                )
                return result

            fallback = await call_next(request.model_copy(update={"model": model}))
            fallback.following(result)
            fallback.record(
                "ModelFallback",
                "fallback",
                model=model,
                after_model=result.model,
                after_category=_category_name(result.outcome),
            )
            result = fallback
            if result.outcome.status is not OutcomeStatus.FAILED:
                result.outcome = _degraded(primary, request.model, model)
                return result
            if not self._falls_back(result):
                return result
        return result

    def _falls_back(self, result: PromptResult) -> bool:
        outcome = result.outcome
        return outcome.status is OutcomeStatus.FAILED and outcome.category in self.on


def _check_categories(categories: Iterable[OutcomeCategory | str]) -> frozenset[OutcomeCategory]:
    checked = set()
    for category in categories:
        try:
            checked.add(OutcomeCategory(category))
        except ValueError:
            valid = ", ".join(member.value for member in OutcomeCategory)
            raise ConfigurationError(
                f"ModelFallback on= has an unknown category {category!r}; use some of {valid}."
            ) from None
    return frozenset(checked)


def _degraded(primary: Outcome, primary_model: str, model: str) -> Outcome:
    return Outcome.degraded(
        primary.category or OutcomeCategory.PROVIDER_ERROR,
        f"answered by fallback model {model} after {primary_model} failed: {primary.message}",
        error_type=primary.error_type,
    )


def _category_name(outcome: Outcome) -> str:
    return outcome.category.value if outcome.category is not None else "unknown"
