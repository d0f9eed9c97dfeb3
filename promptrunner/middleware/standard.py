"""The standard chain: the seven middleware in their documented order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from promptrunner.middleware._base import Middleware
from promptrunner.middleware.json_only import JsonOnly
from promptrunner.middleware.model_fallback import ModelFallback
from promptrunner.middleware.post_pass import PostPass, PostProcessor
from promptrunner.middleware.reasoning_downgrade import ReasoningDowngrade
from promptrunner.middleware.timeout_retry import DEFAULT_JITTER, TimeoutRetry
from promptrunner.middleware.truncation_guard import TruncationGuard
from promptrunner.request import ReasoningEffort

__all__ = ["standard_middleware"]


def standard_middleware(
    *,
    post_processors: Sequence[PostProcessor] = (),
    input_budget: int | None = None,
    min_seconds_left: float = 1.0,
    effort: ReasoningEffort | None = None,
    short_time: float = 10.0,
    model_efforts: Mapping[str, Sequence[str]] | None = None,
    json_reask: bool = False,
    output_factor: float = 1.25,
    max_output_tokens: int | None = None,
    fallback_models: Sequence[str] = (),
    timeout: float | None = None,
    jitter: tuple[float, float] = DEFAULT_JITTER,
) -> list[Middleware]:
    """Build the standard chain, outermost first, from the settings of its middleware.

    `PostPass` comes only with `post_processors`, `BudgetClamp` only with an
    `input_budget` (in tokens), and `ModelFallback` only with `fallback_models`; the
    others are always there. See docs/middleware/README.md for the order and the number
    of transport calls it allows.
    """
    chain: list[Middleware] = []
    if post_processors:
        chain.append(PostPass(processors=post_processors))
    if input_budget is not None:
        from promptrunner.middleware.budget_clamp import BudgetClamp

        chain.append(BudgetClamp(input_budget=input_budget, min_seconds_left=min_seconds_left))
    chain.append(
        ReasoningDowngrade(effort=effort, short_time=short_time, model_efforts=model_efforts)
    )
    chain.append(JsonOnly(reask=json_reask))
    chain.append(
        TruncationGuard(
            output_factor=output_factor,
            max_output_tokens=max_output_tokens,
            model_efforts=model_efforts,
        )
    )
    if fallback_models:
        chain.append(ModelFallback(models=fallback_models, min_seconds_left=min_seconds_left))
    chain.append(TimeoutRetry(timeout=timeout, jitter=jitter, min_attempt_seconds=min_seconds_left))
    return chain
