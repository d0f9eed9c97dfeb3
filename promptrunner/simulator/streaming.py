"""Server-sent events for ``"stream": true`` requests, built from a finished completion body."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DONE_EVENT", "stream_events"]

DONE_EVENT = b"data: [DONE]\n\n"
"""Event that ends every OpenAI chat completion stream."""

_WORD = re.compile(r"\s*\S+\s*")


def _event(chunk: Mapping[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def stream_events(body: Mapping[str, Any], *, include_usage: bool) -> list[bytes]:
    """Return the SSE events that stream ``body``, ending with ``DONE_EVENT``.

    The content arrives one word per chunk after a first chunk that carries the role.
    With ``include_usage`` (the request's ``stream_options.include_usage``), every chunk
    has ``"usage": null`` and a last chunk with no choices carries the usage, as OpenAI
    sends it.
    """
    choice = body["choices"][0]
    content = choice["message"]["content"]
    header = {
        "id": body["id"],
        "object": "chat.completion.chunk",
        "created": body["created"],
        "model": body["model"],
        "system_fingerprint": None,
    }

    role_delta = {"role": "assistant", "content": None if content is None else ""}
    deltas: list[dict[str, Any]] = [role_delta]
    deltas.extend({"content": word} for word in _WORD.findall(content or ""))

    chunks: list[dict[str, Any]] = []
    for delta in deltas:
        chunks.append(
            {
                **header,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
            }
        )
    chunks.append(
        {
            **header,
            "choices": [
                {
                    "index": 0,
                    "delta": {},
                    "logprobs": None,
                    "finish_reason": choice["finish_reason"],
                }
            ],
        }
    )

    if include_usage:
        for chunk in chunks:
            chunk["usage"] = None
        chunks.append({**header, "choices": [], "usage": body["usage"]})

    return [*(_event(chunk) for chunk in chunks), DONE_EVENT]
