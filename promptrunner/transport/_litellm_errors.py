"""Map litellm's, the OpenAI SDK's and the HTTP stack's exceptions to outcome categories.

The mapping goes by exception type along the `__cause__`/`__context__` chain, never by
message text. litellm raises `InternalServerError` both for an HTTP 500 and for a reset
connection, so the chain decides: a connection error anywhere in it means `network`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
import openai

from promptrunner.outcome import OutcomeCategory

__all__ = ["ProviderFailure", "classify_exception"]

_MAX_CHAIN_DEPTH = 16
_MAX_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class ProviderFailure:
    """A provider exception, categorized."""

    category: OutcomeCategory
    message: str
    error_type: str
    status_code: int | None = None
    retry_after: float | None = None


_TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (
    openai.APITimeoutError,
    httpx.TimeoutException,
    TimeoutError,
    asyncio.TimeoutError,
)
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIConnectionError,
    httpx.TransportError,
    aiohttp.ClientConnectionError,
    ConnectionError,
)
# With any of these in the chain, no HTTP response was read.
_NO_RESPONSE_ERRORS = (*_TIMEOUT_ERRORS, *_CONNECTION_ERRORS, json.JSONDecodeError)


def classify_exception(error: BaseException) -> ProviderFailure:
    """Categorize an exception raised by a litellm call."""
    chain = list(_exception_chain(error))
    # litellm reports a reset connection or an unreadable body as HTTP 500 that no server
    # sent, so a status code is only kept when a response really arrived.
    status_code = None if _any_instance(chain, _NO_RESPONSE_ERRORS) else _status_code(chain)
    category, summary = _category_and_summary(chain, status_code)
    retry_after = _retry_after(chain)
    provider_message = _provider_message(chain)

    message = summary if status_code is None else f"{summary} (HTTP {status_code})"
    if retry_after is not None:
        message += f", Retry-After {retry_after:g} s"
    if provider_message:
        message += f": {provider_message}"

    return ProviderFailure(
        category=category,
        message=_shorten(message),
        error_type=type(error).__name__,
        status_code=status_code,
        retry_after=retry_after,
    )


def _category_and_summary(
    chain: list[BaseException], status_code: int | None
) -> tuple[OutcomeCategory, str]:
    if _any_instance(chain, _TIMEOUT_ERRORS):
        return OutcomeCategory.TIMEOUT, "the provider did not answer in time"
    # litellm also raises RateLimitError for other statuses when the error text mentions
    # a rate limit, so the status the provider sent decides.
    if _any_instance(chain, (openai.RateLimitError,)) and status_code in (None, 429):
        return OutcomeCategory.RATE_LIMITED, "rate limited by the provider"
    if _any_instance(chain, (_litellm_content_policy_error(),)):
        return (
            OutcomeCategory.CONTENT_FILTERED,
            "the provider's content filter rejected the request",
        )
    if _any_instance(chain, _CONNECTION_ERRORS):
        return OutcomeCategory.NETWORK, "the connection to the provider failed"
    if _any_instance(chain, (json.JSONDecodeError,)):
        return OutcomeCategory.PROVIDER_ERROR, "the provider returned a malformed response body"
    if _any_instance(chain, (openai.AuthenticationError,)):
        return OutcomeCategory.PROVIDER_ERROR, "the provider rejected the API key"
    if _any_instance(chain, (openai.NotFoundError,)):
        return OutcomeCategory.PROVIDER_ERROR, "the provider does not know this model or endpoint"
    if status_code is not None:
        return OutcomeCategory.PROVIDER_ERROR, "the provider returned an error"
    return (
        OutcomeCategory.PROVIDER_ERROR,
        f"the provider call failed with {type(chain[0]).__name__} before any response "
        f"was read: {_first_line(chain[0])}",
    )


def _litellm_content_policy_error() -> type[BaseException]:
    from litellm.exceptions import ContentPolicyViolationError

    return ContentPolicyViolationError


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < _MAX_CHAIN_DEPTH:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _any_instance(chain: list[BaseException], types: tuple[type[BaseException], ...]) -> bool:
    return any(isinstance(error, types) for error in chain)


def _status_code(chain: list[BaseException]) -> int | None:
    # Only a status from the OpenAI SDK or httpx came from the wire. litellm also sets
    # one (500 by default) on errors raised before any request was sent, such as an
    # argument it cannot encode, so litellm's own exception types are not read here.
    for error in reversed(chain):
        if _raised_by_litellm(error):
            continue
        if isinstance(error, openai.APIStatusError):
            return error.status_code
        if isinstance(error, httpx.HTTPStatusError):
            return error.response.status_code
    return None


def _raised_by_litellm(error: BaseException) -> bool:
    return type(error).__module__.split(".", 1)[0] == "litellm"


def _retry_after(chain: list[BaseException]) -> float | None:
    for error in chain:
        for headers in _headers_of(error):
            seconds = parse_retry_after(headers)
            if seconds is not None:
                return seconds
    return None


def _headers_of(error: BaseException) -> Iterator[Mapping[str, str]]:
    litellm_headers = getattr(error, "litellm_response_headers", None)
    if isinstance(litellm_headers, (Mapping, httpx.Headers)):
        yield litellm_headers
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response):
        yield response.headers


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Read `retry-after-ms` or `retry-after` (seconds or an HTTP date) as seconds."""
    lowered = {key.lower(): value for key, value in headers.items()}

    milliseconds = _as_float(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return max(0.0, milliseconds / 1000)

    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _as_float(value)
    if seconds is not None:
        return max(0.0, seconds)

    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _as_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and number != float("inf") else None


def _provider_message(chain: list[BaseException]) -> str | None:
    for error in chain:
        body: Any = getattr(error, "body", None)
        if isinstance(body, Mapping):
            inner = body.get("error", body)
            message = inner.get("message") if isinstance(inner, Mapping) else None
            if isinstance(message, str) and message.strip():
                return message.strip()
    return None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    if len(message) <= _MAX_MESSAGE_CHARS:
        return message
    return message[: _MAX_MESSAGE_CHARS - 3] + "..."
