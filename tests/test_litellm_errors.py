"""Exception mapping: categories by type along the cause chain, status codes, Retry-After."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import openai
import pytest

from promptrunner import LiteLLMTransport, OutcomeCategory
from promptrunner.transport._litellm_errors import classify_exception, parse_retry_after

REQUEST = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")


def status_error(
    error_type: type[openai.APIStatusError], status: int, headers: dict[str, str] | None = None
) -> openai.APIStatusError:
    response = httpx.Response(status, request=REQUEST, headers=headers or {})
    return error_type(f"HTTP {status}", response=response, body={"message": "details here"})


def chained(outer: BaseException, inner: BaseException) -> BaseException:
    """Raise `outer` from `inner` and return it, so the chain is what Python builds."""
    try:
        try:
            raise inner
        except BaseException as caught:
            raise outer from caught
    except BaseException as raised:
        return raised


@pytest.fixture(scope="module")
def litellm_module() -> object:
    return LiteLLMTransport()._litellm


def test_classify_connection_under_server_error(litellm_module: object) -> None:
    litellm = litellm_module
    outer = litellm.InternalServerError(  # type: ignore[attr-defined]
        message="Connection error.", llm_provider="openai", model="gpt-4o-mini"
    )
    error = chained(outer, openai.APIConnectionError(request=REQUEST))

    failure = classify_exception(error)

    assert failure.category is OutcomeCategory.NETWORK
    assert failure.status_code is None
    assert failure.error_type == "InternalServerError"


def test_classify_malformed_body_has_no_status(litellm_module: object) -> None:
    litellm = litellm_module
    outer = litellm.InternalServerError(  # type: ignore[attr-defined]
        message="Expecting value", llm_provider="openai", model="gpt-4o-mini"
    )
    error = chained(outer, json.JSONDecodeError("Expecting value", "{", 1))

    failure = classify_exception(error)

    assert failure.category is OutcomeCategory.PROVIDER_ERROR
    assert failure.status_code is None
    assert "malformed" in failure.message


def test_classify_rate_limit_with_other_status(litellm_module: object) -> None:
    """litellm calls some 404s a RateLimitError from their text; the wire status wins."""
    litellm = litellm_module
    outer = litellm.RateLimitError(  # type: ignore[attr-defined]
        message="rate limit", llm_provider="openai", model="gpt-4o-mini"
    )
    error = chained(outer, status_error(openai.NotFoundError, 404))

    failure = classify_exception(error)

    assert failure.category is OutcomeCategory.PROVIDER_ERROR
    assert failure.status_code == 404


def test_classify_rate_limit_reads_retry_after() -> None:
    error = status_error(openai.RateLimitError, 429, {"Retry-After": "7"})

    failure = classify_exception(error)

    assert failure.category is OutcomeCategory.RATE_LIMITED
    assert failure.retry_after == 7
    assert (
        failure.message == "rate limited by the provider (HTTP 429), Retry-After 7 s: details here"
    )


def test_classify_timeout_types() -> None:
    for error in (
        openai.APITimeoutError(request=REQUEST),
        httpx.ReadTimeout("slow", request=REQUEST),
        TimeoutError(),
    ):
        assert classify_exception(error).category is OutcomeCategory.TIMEOUT


def test_classify_unknown_exception_is_provider_error() -> None:
    failure = classify_exception(KeyError("choices"))

    assert failure.category is OutcomeCategory.PROVIDER_ERROR
    assert "KeyError" in failure.message


def test_classify_survives_cyclic_chain() -> None:
    first = ValueError("a")
    second = ValueError("b")
    first.__context__ = second
    second.__context__ = first

    assert classify_exception(first).category is OutcomeCategory.PROVIDER_ERROR


def test_classify_shortens_long_messages() -> None:
    response = httpx.Response(500, request=REQUEST)
    error = openai.InternalServerError("x", response=response, body={"message": "y" * 5000})

    assert len(classify_exception(error).message) <= 300


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    moment = email.utils.formatdate(time.time() + 30, usegmt=True)

    seconds = parse_retry_after({"retry-after": moment})

    assert seconds is not None
    assert 25 <= seconds <= 31
