"""One-line advice for a failed run, shown by the command line."""

from __future__ import annotations

from promptrunner.outcome import OutcomeCategory
from promptrunner.result import PromptResult

__all__ = ["hint_for"]

_HINTS_BY_ERROR_TYPE = {
    "AuthenticationError": "check --api-key or the provider's API key variable",
    "PermissionDeniedError": "check that the API key may use this model",
    "NotFoundError": "check --model and --api-base",
    "BadRequestError": "check the model name and the options for this provider",
    "ContextWindowExceededError": "shorten the prompt or lower --max-output-tokens",
}

_HINTS_BY_CATEGORY = {
    OutcomeCategory.TIMEOUT: "raise --budget or --timeout, or check that the provider is up",
    OutcomeCategory.NETWORK: "check --api-base and that the server there is running",
    OutcomeCategory.RATE_LIMITED: "wait for the provider's rate limit to reset, then run again",
    OutcomeCategory.PROVIDER_ERROR: "the provider failed; try again later or another model",
    OutcomeCategory.TRUNCATED: "raise --max-output-tokens or ask for a shorter answer",
    OutcomeCategory.REASONING_EXHAUSTED: ("lower --reasoning-effort or raise --max-output-tokens"),
    OutcomeCategory.CONTENT_FILTERED: "rephrase the request, or check the content policy",
    OutcomeCategory.BUDGET_EXHAUSTED: "raise --budget",
    OutcomeCategory.CANCELLED: "the run was cancelled",
    OutcomeCategory.INVALID_OUTPUT: "the answer did not match the expected format",
}


def hint_for(result: PromptResult) -> str:
    """Return what the user can do about a failed or degraded result."""
    hint = _HINTS_BY_ERROR_TYPE.get(result.outcome.error_type or "")
    if hint is None and result.outcome.category is not None:
        hint = _HINTS_BY_CATEGORY[result.outcome.category]
    return hint or ""
