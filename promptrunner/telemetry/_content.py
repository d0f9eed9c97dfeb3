"""Prompt and completion text for spans, recorded only when the user opts in."""

from __future__ import annotations

import json
import os
from typing import Any

from promptrunner.request import Message

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "CUT_MARK",
    "MAX_CONTENT_CHARS",
    "capture_enabled",
    "input_messages",
    "output_messages",
]

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The OpenTelemetry GenAI switch for recording message content; `true` turns it on."""

MAX_CONTENT_CHARS = 65_536
"""Characters of message text kept per span attribute, over all its messages.

Text past the limit is cut off and `CUT_MARK` appended, so the attribute stays valid
JSON a little longer than the limit (the JSON keys and escapes come on top).
"""

CUT_MARK = "[...]"


def capture_enabled() -> bool:
    """Return whether the environment switches on message content in spans."""
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() == "true"


def input_messages(messages: list[Message]) -> str:
    """Serialize the request's messages as JSON in the `gen_ai.input.messages` shape."""
    budget = _Budget()
    serialized = [_message_parts(message.role, message.content, budget) for message in messages]
    return json.dumps(serialized, ensure_ascii=False)


def output_messages(text: str, finish_reason: str | None) -> str:
    """Serialize the response text as JSON in the `gen_ai.output.messages` shape."""
    message = _message_parts("assistant", text, _Budget())
    message["finish_reason"] = finish_reason or "unknown"
    return json.dumps([message], ensure_ascii=False)


class _Budget:
    """The characters of text an attribute may still take."""

    def __init__(self) -> None:
        self.left = MAX_CONTENT_CHARS

    def take(self, text: str) -> str:
        if len(text) <= self.left:
            self.left -= len(text)
            return text
        shortened = text[: self.left] + CUT_MARK
        self.left = 0
        return shortened


def _message_parts(
    role: str, content: str | list[dict[str, Any]] | None, budget: _Budget
) -> dict[str, Any]:
    if content is None:
        parts: list[dict[str, Any]] = []
    elif isinstance(content, str):
        parts = [{"type": "text", "content": budget.take(content)}]
    else:
        parts = [
            {"type": "text", "content": budget.take(str(part.get("text", "")))}
            if part.get("type") == "text"
            else {"type": str(part.get("type", "unknown"))}
            for part in content
        ]
    return {"role": role, "parts": parts}
