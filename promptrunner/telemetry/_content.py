"""Prompt and completion text for spans, recorded only when the user opts in."""

from __future__ import annotations

import json
import os
from typing import Any

from promptrunner.request import Message

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "MAX_CONTENT_CHARS",
    "capture_enabled",
    "input_messages",
    "output_messages",
]

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The OpenTelemetry GenAI switch for recording message content; `true` turns it on."""

MAX_CONTENT_CHARS = 65_536
"""Characters of serialized messages kept per span attribute; the rest is cut off."""


def capture_enabled() -> bool:
    """Return whether the environment switches on message content in spans."""
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() == "true"


def input_messages(messages: list[Message]) -> str:
    """Serialize the request's messages as JSON in the `gen_ai.input.messages` shape."""
    return _bounded([_message_parts(message.role, message.content) for message in messages])


def output_messages(text: str, finish_reason: str | None) -> str:
    """Serialize the response text as JSON in the `gen_ai.output.messages` shape."""
    message = _message_parts("assistant", text)
    message["finish_reason"] = finish_reason or "unknown"
    return _bounded([message])


def _message_parts(role: str, content: str | list[dict[str, Any]] | None) -> dict[str, Any]:
    if content is None:
        parts: list[dict[str, Any]] = []
    elif isinstance(content, str):
        parts = [{"type": "text", "content": content}]
    else:
        parts = [
            {"type": "text", "content": part.get("text", "")}
            if part.get("type") == "text"
            else {"type": str(part.get("type", "unknown"))}
            for part in content
        ]
    return {"role": role, "parts": parts}


def _bounded(value: list[dict[str, Any]]) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > MAX_CONTENT_CHARS:
        return text[:MAX_CONTENT_CHARS]
    return text
