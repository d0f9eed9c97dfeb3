"""The middleware contract and the standard middleware.

The standard middleware load on first use, so that importing the contract (as the
runner does) does not import tenacity or tiktoken.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from promptrunner.middleware._base import (
    CallNext,
    Middleware,
    has_time_to_repeat,
    seconds_left,
)

if TYPE_CHECKING:
    from promptrunner.middleware.budget_clamp import BudgetClamp
    from promptrunner.middleware.json_only import JsonOnly
    from promptrunner.middleware.model_fallback import ModelFallback
    from promptrunner.middleware.post_pass import PostPass
    from promptrunner.middleware.reasoning_downgrade import ReasoningDowngrade
    from promptrunner.middleware.standard import standard_middleware
    from promptrunner.middleware.timeout_retry import TimeoutRetry
    from promptrunner.middleware.truncation_guard import TruncationGuard

_EXPORTS = {
    "BudgetClamp": "promptrunner.middleware.budget_clamp",
    "JsonOnly": "promptrunner.middleware.json_only",
    "ModelFallback": "promptrunner.middleware.model_fallback",
    "PostPass": "promptrunner.middleware.post_pass",
    "ReasoningDowngrade": "promptrunner.middleware.reasoning_downgrade",
    "TimeoutRetry": "promptrunner.middleware.timeout_retry",
    "TruncationGuard": "promptrunner.middleware.truncation_guard",
    "standard_middleware": "promptrunner.middleware.standard",
}

__all__ = [
    "BudgetClamp",
    "CallNext",
    "JsonOnly",
    "Middleware",
    "ModelFallback",
    "PostPass",
    "ReasoningDowngrade",
    "TimeoutRetry",
    "TruncationGuard",
    "has_time_to_repeat",
    "seconds_left",
    "standard_middleware",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
