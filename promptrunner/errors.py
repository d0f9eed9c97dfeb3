"""The exceptions promptrunner raises: one root, configuration mistakes apart from run failures.

`ConfigurationError` means the caller must change code or settings before trying again.
`RunFailedError` and its subclasses mean a run ended with a failed outcome. Each subclass
carries the outcome category as `category` and the failed `PromptResult` as `result`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from promptrunner.outcome import OutcomeCategory

if TYPE_CHECKING:
    from promptrunner.result import PromptResult

__all__ = [
    "BudgetExhaustedError",
    "ConfigurationError",
    "ContentFilteredError",
    "InvalidOutputError",
    "NetworkError",
    "PromptRunnerError",
    "ProviderError",
    "RateLimitedError",
    "ReasoningExhaustedError",
    "RunCancelledError",
    "RunFailedError",
    "RunTimeoutError",
    "TruncatedError",
    "run_error_for",
]


class PromptRunnerError(Exception):
    """Root of every exception that promptrunner raises on purpose."""


class ConfigurationError(PromptRunnerError, ValueError):
    """A setting, argument or request field is invalid; the message names it and the fix."""


class RunFailedError(PromptRunnerError):
    """A run ended with a failed outcome. `result` keeps everything the run produced."""

    category: ClassVar[OutcomeCategory]

    def __init__(self, result: PromptResult) -> None:
        self.result = result
        message = result.outcome.message or self.category.value
        super().__init__(f"{result.step} failed ({self.category.value}): {message}")


class RunTimeoutError(RunFailedError):
    category = OutcomeCategory.TIMEOUT


class NetworkError(RunFailedError):
    category = OutcomeCategory.NETWORK


class RateLimitedError(RunFailedError):
    category = OutcomeCategory.RATE_LIMITED


class ProviderError(RunFailedError):
    category = OutcomeCategory.PROVIDER_ERROR


class TruncatedError(RunFailedError):
    category = OutcomeCategory.TRUNCATED


class ReasoningExhaustedError(RunFailedError):
    category = OutcomeCategory.REASONING_EXHAUSTED


class InvalidOutputError(RunFailedError):
    category = OutcomeCategory.INVALID_OUTPUT


class ContentFilteredError(RunFailedError):
    category = OutcomeCategory.CONTENT_FILTERED


class BudgetExhaustedError(RunFailedError):
    category = OutcomeCategory.BUDGET_EXHAUSTED


class RunCancelledError(RunFailedError):
    category = OutcomeCategory.CANCELLED


_ERROR_BY_CATEGORY: dict[OutcomeCategory, type[RunFailedError]] = {
    error.category: error
    for error in (
        RunTimeoutError,
        NetworkError,
        RateLimitedError,
        ProviderError,
        TruncatedError,
        ReasoningExhaustedError,
        InvalidOutputError,
        ContentFilteredError,
        BudgetExhaustedError,
        RunCancelledError,
    )
}


def run_error_for(result: PromptResult) -> RunFailedError:
    """Build the `RunFailedError` subclass that matches a failed result's category."""
    category = result.outcome.category or OutcomeCategory.PROVIDER_ERROR
    return _ERROR_BY_CATEGORY[category](result)
