"""Normalize a litellm `ModelResponse` into text, finish reason, usage and output signals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from promptrunner.outcome import Outcome, OutcomeCategory
from promptrunner.result import FinishReason, Usage

__all__ = [
    "NEAR_EMPTY_CHARS",
    "NormalizedResponse",
    "normalize_finish_reason",
    "normalize_response",
    "visible_answer",
]

NEAR_EMPTY_CHARS = 20
"""Visible characters of output, after `<think>` blocks and white space are removed, at or
below which the output counts as empty when the output limit was reached."""

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "complete": "stop",
    "completed": "stop",
    "length": "length",
    "max_tokens": "length",
    "max_output_tokens": "length",
    "model_length": "length",
    "incomplete": "length",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "prohibited_content": "content_filter",
    "blocklist": "content_filter",
    "spii": "content_filter",
    "refusal": "content_filter",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "tool_use": "tool_calls",
}

_THINK_BLOCK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class NormalizedResponse:
    text: str
    model: str | None
    finish_reason: FinishReason | None
    provider_finish_reason: str | None
    usage: Usage
    output_limit_reached: bool
    outcome: Outcome


def normalize_finish_reason(reason: str | None) -> FinishReason | None:
    """Map a provider's finish reason (`length`, `max_tokens`, `MAX_TOKENS`, ...) to ours."""
    if reason is None:
        return None
    return _FINISH_REASONS.get(reason.strip().lower(), "other")


def visible_answer(text: str) -> str:
    """Return `text` without `<think>` blocks, closed or left open, and outer white space."""
    return _THINK_BLOCK.sub("", text).strip()


def normalize_response(response: Any, *, max_output_tokens: int | None) -> NormalizedResponse:
    """Read a litellm `ModelResponse` and decide the attempt's outcome from it."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return _without_choices(response)

    choice = choices[0]
    message = getattr(choice, "message", None)
    content = getattr(message, "content", None)
    text = content if isinstance(content, str) else ""
    raw_reason = _incomplete_reason(response) or getattr(choice, "finish_reason", None)
    finish_reason = normalize_finish_reason(raw_reason)
    usage = read_usage(response)

    output_limit_reached = finish_reason == "length" or (
        max_output_tokens is not None and usage.output_tokens >= max_output_tokens
    )
    outcome = _decide_outcome(text, finish_reason, usage, output_limit_reached, max_output_tokens)
    return NormalizedResponse(
        text=text,
        model=getattr(response, "model", None),
        finish_reason=finish_reason,
        provider_finish_reason=raw_reason,
        usage=usage,
        output_limit_reached=output_limit_reached,
        outcome=outcome,
    )


def read_usage(response: Any) -> Usage:
    """Read input, output and reasoning tokens and litellm's cost from a response."""
    usage = getattr(response, "usage", None)
    input_tokens = _count(getattr(usage, "prompt_tokens", None))
    output_tokens = _count(getattr(usage, "completion_tokens", None))
    details = getattr(usage, "completion_tokens_details", None)
    reasoning_tokens = _count(getattr(details, "reasoning_tokens", None))

    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        cost_usd=float(cost) if isinstance(cost, (int, float)) else None,
    )


def _decide_outcome(
    text: str,
    finish_reason: FinishReason | None,
    usage: Usage,
    output_limit_reached: bool,
    max_output_tokens: int | None,
) -> Outcome:
    if finish_reason == "content_filter":
        return Outcome.failed(
            OutcomeCategory.CONTENT_FILTERED, "the provider's content filter stopped the answer"
        )
    if not output_limit_reached:
        return Outcome.ok()

    limit = "the provider's" if max_output_tokens is None else f"{max_output_tokens} tokens"
    answer = visible_answer(text)
    thought = usage.reasoning_tokens > 0 or answer != text.strip()
    if len(answer) <= NEAR_EMPTY_CHARS and (thought or not answer):
        return Outcome.failed(
            OutcomeCategory.REASONING_EXHAUSTED,
            f"reasoning used the output limit ({limit}; {usage.output_tokens} output "
            f"tokens, {usage.reasoning_tokens} of them reasoning) and left "
            f"{len(answer)} characters of answer",
        )
    return Outcome.failed(
        OutcomeCategory.TRUNCATED,
        f"the output was cut off at the output limit ({limit}; "
        f"{usage.output_tokens} output tokens)",
    )


def _incomplete_reason(response: Any) -> str | None:
    # The Responses API reports cut-off output as status "incomplete" with a reason. The
    # instance dict is read directly because a chat completion has no `status`, and a
    # missing attribute on litellm's pydantic models is slow to look up.
    if getattr(response, "__dict__", {}).get("status") != "incomplete":
        return None
    details = getattr(response, "incomplete_details", None)
    reason = getattr(details, "reason", None)
    return reason if isinstance(reason, str) else "incomplete"


def _without_choices(response: Any) -> NormalizedResponse:
    return NormalizedResponse(
        text="",
        model=getattr(response, "model", None),
        finish_reason=None,
        provider_finish_reason=None,
        usage=read_usage(response),
        output_limit_reached=False,
        outcome=Outcome.failed(
            OutcomeCategory.PROVIDER_ERROR, "the provider returned a response with no choices"
        ),
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0
