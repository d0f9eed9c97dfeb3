"""Requests the simulator received, kept for tests to inspect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["REDACTED", "REDACTED_HEADERS", "RecordedRequest", "redact_headers"]

REDACTED = "<redacted>"
"""Value that replaces the value of every header in ``REDACTED_HEADERS``."""

REDACTED_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization"})
"""Lower-case names of the headers whose values carry credentials."""


@dataclass(frozen=True)
class RecordedRequest:
    """One chat completion request whose body was a JSON object."""

    model: str
    """The body's ``model``, or ``""`` when it is missing or not a string."""

    body: dict[str, Any]
    """The parsed JSON body."""

    headers: dict[str, str]
    """Request headers by lower-case name, credentials replaced by ``REDACTED``."""

    received_at: float
    """``time.monotonic()`` when the body was read."""


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return headers by lower-case name with credential values replaced by ``REDACTED``.

    When a header repeats, the last value wins.
    """
    redacted = {}
    for name, value in headers:
        key = name.lower()
        redacted[key] = REDACTED if key in REDACTED_HEADERS else value

    return redacted
