"""promptrunner: run every LLM call through one runner and a chain of middleware.

The public names load on first use (PEP 562), so `import promptrunner` stays cheap and
never imports litellm; building a `LiteLLMTransport` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from promptrunner._logging import set_slow_path_logging
    from promptrunner.deadline import Deadline
    from promptrunner.errors import (
        BudgetExhaustedError,
        ConfigurationError,
        ContentFilteredError,
        InvalidOutputError,
        NetworkError,
        PromptRunnerError,
        ProviderError,
        RateLimitedError,
        ReasoningExhaustedError,
        RunCancelledError,
        RunFailedError,
        RunTimeoutError,
        TruncatedError,
    )
    from promptrunner.jsonout import JsonExtractionError, extract_json
    from promptrunner.middleware import CallNext, Middleware
    from promptrunner.outcome import Outcome, OutcomeCategory, OutcomeStatus
    from promptrunner.records import InteractionRecord, RecordStore, RecordWriter
    from promptrunner.request import Message, PromptRequest, ReasoningEffort
    from promptrunner.result import Attempt, Decision, FinishReason, PromptResult, Usage
    from promptrunner.runner import Runner
    from promptrunner.telemetry import Telemetry
    from promptrunner.transport import LiteLLMTransport, Transport

_EXPORTS = {
    "Attempt": "promptrunner.result",
    "BudgetExhaustedError": "promptrunner.errors",
    "CallNext": "promptrunner.middleware",
    "ConfigurationError": "promptrunner.errors",
    "ContentFilteredError": "promptrunner.errors",
    "Deadline": "promptrunner.deadline",
    "Decision": "promptrunner.result",
    "FinishReason": "promptrunner.result",
    "InteractionRecord": "promptrunner.records",
    "InvalidOutputError": "promptrunner.errors",
    "JsonExtractionError": "promptrunner.jsonout",
    "LiteLLMTransport": "promptrunner.transport",
    "Message": "promptrunner.request",
    "Middleware": "promptrunner.middleware",
    "NetworkError": "promptrunner.errors",
    "Outcome": "promptrunner.outcome",
    "OutcomeCategory": "promptrunner.outcome",
    "OutcomeStatus": "promptrunner.outcome",
    "PromptRequest": "promptrunner.request",
    "PromptResult": "promptrunner.result",
    "PromptRunnerError": "promptrunner.errors",
    "ProviderError": "promptrunner.errors",
    "RateLimitedError": "promptrunner.errors",
    "RecordStore": "promptrunner.records",
    "RecordWriter": "promptrunner.records",
    "ReasoningEffort": "promptrunner.request",
    "ReasoningExhaustedError": "promptrunner.errors",
    "RunCancelledError": "promptrunner.errors",
    "RunFailedError": "promptrunner.errors",
    "RunTimeoutError": "promptrunner.errors",
    "Runner": "promptrunner.runner",
    "Telemetry": "promptrunner.telemetry",
    "Transport": "promptrunner.transport",
    "TruncatedError": "promptrunner.errors",
    "Usage": "promptrunner.result",
    "extract_json": "promptrunner.jsonout",
    "set_slow_path_logging": "promptrunner._logging",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'promptrunner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
