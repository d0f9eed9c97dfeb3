"""Normalizing litellm responses: finish reasons, usage and the truncation signals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from promptrunner.outcome import OutcomeCategory
from promptrunner.transport._litellm_response import (
    normalize_finish_reason,
    normalize_response,
    visible_answer,
)


def response(
    content: str | None,
    finish_reason: str | None,
    *,
    output_tokens: int = 10,
    reasoning_tokens: int | None = 0,
    **extra: object,
) -> SimpleNamespace:
    details = SimpleNamespace(reasoning_tokens=reasoning_tokens)
    usage = SimpleNamespace(
        prompt_tokens=5, completion_tokens=output_tokens, completion_tokens_details=details
    )
    message = SimpleNamespace(content=content)
    choice = SimpleNamespace(message=message, finish_reason=finish_reason)
    return SimpleNamespace(choices=[choice], usage=usage, model="provider-model", **extra)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("stop", "stop"),
        ("end_turn", "stop"),
        ("STOP", "stop"),
        ("length", "length"),
        ("max_tokens", "length"),
        ("MAX_TOKENS", "length"),
        ("max_output_tokens", "length"),
        ("content_filter", "content_filter"),
        ("SAFETY", "content_filter"),
        ("tool_calls", "tool_calls"),
        ("tool_use", "tool_calls"),
        ("something_new", "other"),
        (None, None),
    ],
)
def test_finish_reason_normalized(raw: str | None, expected: str | None) -> None:
    assert normalize_finish_reason(raw) == expected


def test_normalize_ok_answer() -> None:
    normalized = normalize_response(response("Hello there", "stop"), max_output_tokens=100)

    assert normalized.outcome.is_ok
    assert normalized.text == "Hello there"
    assert normalized.usage.input_tokens == 5
    assert normalized.usage.output_tokens == 10
    assert not normalized.output_limit_reached


def test_normalize_length_is_truncated() -> None:
    normalized = normalize_response(
        response("A long answer that was cut off in the mid", "length"), max_output_tokens=None
    )

    assert normalized.outcome.category is OutcomeCategory.TRUNCATED
    assert normalized.output_limit_reached


def test_normalize_stop_at_ceiling_is_truncated() -> None:
    normalized = normalize_response(
        response("An answer that stopped right at the", "stop", output_tokens=64),
        max_output_tokens=64,
    )

    assert normalized.finish_reason == "stop"
    assert normalized.outcome.category is OutcomeCategory.TRUNCATED


@pytest.mark.parametrize(
    ("content", "reasoning_tokens"),
    [
        ("", 64),
        (None, 64),
        ("  OK ", 60),
        ("<think>weighing the options at great length", 0),
        ("<think>done</think>\n", 0),
        ("", 0),
    ],
)
def test_normalize_reasoning_exhausted(content: str | None, reasoning_tokens: int) -> None:
    normalized = normalize_response(
        response(content, "length", output_tokens=64, reasoning_tokens=reasoning_tokens),
        max_output_tokens=64,
    )

    assert normalized.outcome.category is OutcomeCategory.REASONING_EXHAUSTED


def test_normalize_short_answer_without_reasoning_is_truncated() -> None:
    """A tiny ceiling can cut a real answer short; with no reasoning it is truncation."""
    normalized = normalize_response(
        response("Yes", "length", output_tokens=1, reasoning_tokens=0), max_output_tokens=1
    )

    assert normalized.outcome.category is OutcomeCategory.TRUNCATED


def test_normalize_content_filter() -> None:
    normalized = normalize_response(response("", "content_filter"), max_output_tokens=None)

    assert normalized.outcome.category is OutcomeCategory.CONTENT_FILTERED


def test_normalize_responses_api_incomplete() -> None:
    incomplete = response(
        "A partial answer that goes on",
        "stop",
        status="incomplete",
        incomplete_details=SimpleNamespace(reason="max_output_tokens"),
    )

    normalized = normalize_response(incomplete, max_output_tokens=None)

    assert normalized.finish_reason == "length"
    assert normalized.provider_finish_reason == "max_output_tokens"
    assert normalized.outcome.category is OutcomeCategory.TRUNCATED


def test_normalize_no_choices_is_provider_error() -> None:
    empty = SimpleNamespace(choices=[], usage=None, model="m")

    normalized = normalize_response(empty, max_output_tokens=None)

    assert normalized.outcome.category is OutcomeCategory.PROVIDER_ERROR


def test_normalize_missing_usage_counts_zero() -> None:
    bare = SimpleNamespace(
        choices=[SimpleNamespace(message=SimpleNamespace(content="hi"), finish_reason="stop")],
        model="m",
    )

    normalized = normalize_response(bare, max_output_tokens=None)

    assert normalized.usage.input_tokens == 0
    assert normalized.usage.reasoning_tokens == 0
    assert normalized.usage.cost_usd is None


def test_normalize_reads_litellm_cost() -> None:
    priced = response("hi", "stop", _hidden_params={"response_cost": 0.0021})

    assert normalize_response(priced, max_output_tokens=None).usage.cost_usd == 0.0021


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>plan</think>Answer", "Answer"),
        ("<thinking>plan</thinking> Answer ", "Answer"),
        ("<think>never closed", ""),
        ("No thoughts here", "No thoughts here"),
    ],
)
def test_visible_answer_strips_think(text: str, expected: str) -> None:
    assert visible_answer(text) == expected
