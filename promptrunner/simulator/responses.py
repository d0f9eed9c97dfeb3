"""Deterministic response bodies in the OpenAI Chat Completions wire format.

Token counts are estimates: one token per 4 characters of text, rounded up.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from promptrunner.simulator.scenarios import Step

__all__ = [
    "CREATED",
    "DEFAULT_COMPLETION_CEILING",
    "ErrorResponse",
    "completion_body",
    "error_body",
    "error_response",
    "estimate_tokens",
    "format_seconds",
    "malformed_body",
]

CREATED = 1_700_000_000
"""Fixed ``created`` timestamp of every simulated response."""

DEFAULT_COMPLETION_CEILING = 256
"""Completion token ceiling when a request sets neither max_completion_tokens nor max_tokens."""

SNIPPET_LENGTH = 80

TRUNCATED_TAIL = (
    " The full answer goes on to explain the reasoning step by step,"
    " but the output stops in the midd"
)
"""Text that ``truncate`` and ``stop-at-limit`` append to the ok content. It ends mid-word."""


@dataclass(frozen=True)
class _Message:
    content: str | None
    finish_reason: str
    completion_tokens: int | None
    """Fixed completion token count, or None to estimate it from the final content."""
    reasoning_tokens: int


@dataclass(frozen=True)
class _Choice:
    content: str | None
    finish_reason: str
    completion_tokens: int
    reasoning_tokens: int


@dataclass(frozen=True)
class ErrorResponse:
    """Status, OpenAI error body and extra headers of an error scenario."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]


def estimate_tokens(text: str) -> int:
    """Return the token estimate of ``text``: its length divided by 4, rounded up."""
    return math.ceil(len(text) / 4)


def _content_text(content: object) -> str:
    """Return the text of a message content: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content

    if isinstance(content, list):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return "".join(texts)

    return ""


def _prompt_tokens(messages: Sequence[object]) -> int:
    text = "".join(
        _content_text(message.get("content")) for message in messages if isinstance(message, dict)
    )
    return estimate_tokens(text)


def _last_user_text(messages: Sequence[object]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))

    return ""


def _completion_ceiling(body: Mapping[str, Any]) -> int:
    """Return max_completion_tokens, else max_tokens, else the default ceiling."""
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value

    return DEFAULT_COMPLETION_CEILING


def _scenario_message(
    scenario: str, body: Mapping[str, Any], messages: Sequence[object]
) -> _Message:
    """Return the content, finish reason and token counts a scenario produces."""
    snippet = _last_user_text(messages)[:SNIPPET_LENGTH]
    answer = f"Simulated answer to: {snippet}"
    ceiling = _completion_ceiling(body)
    document = {"answer": answer, "confidence": 0.9}

    if scenario == "truncate":
        return _Message(answer + TRUNCATED_TAIL, "length", ceiling, 0)

    if scenario == "stop-at-limit":
        return _Message(answer + TRUNCATED_TAIL, "stop", ceiling, 0)

    if scenario == "reasoning-exhausted":
        return _Message("", "length", ceiling, ceiling)

    if scenario == "content-filter":
        return _Message("", "content_filter", 0, 0)

    if scenario == "json-fence":
        text = f"Here is the result as JSON:\n```json\n{json.dumps(document, indent=2)}\n```"
    elif scenario == "json-prose":
        text = (
            f"Sure, here is the result: {json.dumps(document)} "
            "Let me know if you need anything else."
        )
    elif scenario == "think":
        reasoning = f"The user wrote: {snippet}\nA short, direct answer fits."
        text = f"<think>\n{reasoning}\n</think>\n\n{answer}"
    else:
        text = answer

    return _Message(text, "stop", None, 0)


def _apply_overrides(message: _Message, step: Step) -> _Choice:
    content = message.content
    if step.content is not None:
        content = step.content
    if step.content_null:
        content = None

    completion_tokens = message.completion_tokens
    if completion_tokens is None:
        completion_tokens = estimate_tokens(content or "")

    return _Choice(
        content=content,
        finish_reason=step.finish_reason or message.finish_reason,
        completion_tokens=completion_tokens,
        reasoning_tokens=(
            message.reasoning_tokens if step.reasoning_tokens is None else step.reasoning_tokens
        ),
    )


def completion_body(
    step: Step, request_body: Mapping[str, Any], *, response_id: str, model: str
) -> dict[str, Any]:
    """Return the ``chat.completion`` body that ``step`` produces for ``request_body``."""
    messages = request_body.get("messages")
    if not isinstance(messages, list):
        messages = []

    scenario = "ok" if step.scenario in ("latency", "trickle") else step.scenario
    choice = _apply_overrides(_scenario_message(scenario, request_body, messages), step)

    prompt_tokens = step.usage.get("prompt_tokens", _prompt_tokens(messages))
    completion_tokens = step.usage.get("completion_tokens", choice.completion_tokens)
    total_tokens = step.usage.get("total_tokens", prompt_tokens + completion_tokens)

    return {
        "id": response_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": choice.content},
                "logprobs": None,
                "finish_reason": choice.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": total_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": choice.reasoning_tokens},
        },
    }


def error_body(message: str, error_type: str, code: str | None) -> dict[str, Any]:
    """Return an OpenAI error body."""
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def format_seconds(seconds: float) -> str:
    """Return seconds for a Retry-After header: ``"2"`` for 2.0, ``"0.5"`` for 0.5."""
    if float(seconds).is_integer():
        return str(int(seconds))

    return repr(float(seconds))


def error_response(step: Step) -> ErrorResponse:
    """Return the status, body and headers of an error scenario.

    Only the rate-limit message may contain the words "rate limit" or the number 429,
    because litellm (1.110) classifies an error as RateLimitError when its body text
    matches them, whatever the HTTP status. For the same reason no message repeats the
    model name, which could name the rate-limit scenario.
    """
    scenario = step.scenario
    headers: dict[str, str] = {}

    if scenario == "rate-limit":
        seconds = 1.0 if step.seconds is None else step.seconds
        headers["Retry-After"] = format_seconds(seconds)
        status = 429
        body = error_body(
            f"Rate limit reached (simulated). Retry after {format_seconds(seconds)} seconds.",
            "rate_limit_exceeded",
            "rate_limit_exceeded",
        )
    elif scenario == "unavailable":
        if step.seconds is not None:
            headers["Retry-After"] = format_seconds(step.seconds)
        status = 503
        body = error_body(
            "The engine is currently overloaded (simulated). Retry later.",
            "server_error",
            "service_unavailable",
        )
    elif scenario == "server-error":
        status = 500
        body = error_body(
            "The server had an error while processing the request (simulated).",
            "server_error",
            "server_error",
        )
    elif scenario == "auth-error":
        status = 401
        body = error_body(
            "Incorrect API key provided (simulated).", "invalid_request_error", "invalid_api_key"
        )
    elif scenario == "bad-request":
        status = 400
        body = error_body(
            "Invalid request (simulated bad-request scenario).",
            "invalid_request_error",
            "invalid_request",
        )
    else:
        raise ValueError(f"Scenario {scenario!r} is not an error scenario.")

    headers.update(step.headers)
    return ErrorResponse(step.status or status, body, headers)


def malformed_body(response_id: str, model: str) -> bytes:
    """Return a chat.completion body cut off mid-object, so it is not valid JSON."""
    body = json.dumps(
        {
            "id": response_id,
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Simulated"}}],
        }
    )
    return body[: len(body) - 40].encode()
