"""PromptRequest, Deadline and Outcome: validation and behaviour."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from promptrunner import (
    ConfigurationError,
    Deadline,
    Message,
    Outcome,
    PromptRequest,
    PromptResult,
    Usage,
)
from promptrunner.outcome import OutcomeCategory, OutcomeStatus


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deadline_remaining_and_clip() -> None:
    clock = FakeClock()
    deadline = Deadline(10, clock=clock)

    clock.now += 4

    assert deadline.remaining == 6
    assert deadline.elapsed == 4
    assert deadline.clip(2) == 2
    assert deadline.clip(30) == 6
    assert deadline.clip(None) == 6
    assert deadline.covers(6)
    assert not deadline.covers(6.5)


def test_deadline_never_negative() -> None:
    clock = FakeClock()
    deadline = Deadline(1, clock=clock)

    clock.now += 5

    assert deadline.remaining == 0
    assert deadline.expired


@pytest.mark.parametrize("budget", [0, -1, float("nan"), float("inf"), "5", True, None])
def test_deadline_rejects_bad_budget(budget: object) -> None:
    with pytest.raises(ConfigurationError, match=repr(budget).replace("(", r"\(")):
        Deadline(budget)  # type: ignore[arg-type]


def test_request_from_prompt_messages() -> None:
    request = PromptRequest.from_prompt("hi", model="openai/gpt-4o-mini", system="be brief")

    assert [message.role for message in request.messages] == ["system", "user"]
    assert request.step == "prompt"


def test_request_accepts_message_dicts() -> None:
    request = PromptRequest(
        model="openai/gpt-4o-mini",
        messages=[{"role": "user", "content": "long text", "clampable": True}],
    )

    assert request.messages[0].clampable
    assert request.messages[0].to_provider() == {"role": "user", "content": "long text"}


def test_message_keeps_provider_keys() -> None:
    message = Message(role="tool", content="42", tool_call_id="call_1")  # type: ignore[call-arg]

    assert message.to_provider() == {"role": "tool", "content": "42", "tool_call_id": "call_1"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"model": "", "messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "openai/x", "messages": []}, "messages"),
        ({"model": "openai/x", "messages": [{"role": "robot", "content": "x"}]}, "role"),
        (
            {
                "model": "openai/x",
                "messages": [{"role": "user", "content": "x"}],
                "max_output_tokens": 0,
            },
            "max_output_tokens",
        ),
        (
            {
                "model": "openai/x",
                "messages": [{"role": "user", "content": "x"}],
                "reasoning_effort": "extreme",
            },
            "reasoning_effort",
        ),
        (
            {"model": "openai/x", "messages": [{"role": "user", "content": "x"}], "timeout": -1},
            "timeout",
        ),
        (
            {"model": "openai/x", "messages": [{"role": "user", "content": "x"}], "colour": "red"},
            "colour",
        ),
        (
            {
                "model": "openai/x",
                "messages": [{"role": "user", "content": "x"}],
                "provider_options": {"max_tokens": 5},
            },
            "set max_output_tokens",
        ),
        (
            {
                "model": "openai/x",
                "messages": [{"role": "user", "content": "x"}],
                "provider_options": {"num_retries": 2},
            },
            "retries belong to the middleware chain",
        ),
    ],
)
def test_request_rejects_bad_fields(fields: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigurationError, match="Invalid PromptRequest") as caught:
        PromptRequest(**fields)  # type: ignore[arg-type]

    assert expected in str(caught.value)


def test_request_output_schema_must_be_model_class() -> None:
    class Answer(BaseModel):
        value: int

    PromptRequest.from_prompt("x", model="openai/x", output_schema=Answer)
    with pytest.raises(ConfigurationError, match="output_schema"):
        PromptRequest.from_prompt("x", model="openai/x", output_schema=dict)  # type: ignore[arg-type]


def test_request_is_frozen() -> None:
    request = PromptRequest.from_prompt("x", model="openai/x")

    with pytest.raises(Exception, match="frozen"):
        request.model = "openai/y"  # type: ignore[misc]


def test_request_deadline_not_serialized() -> None:
    request = PromptRequest.from_prompt("x", model="openai/x").model_copy(
        update={"deadline": Deadline(5)}
    )

    assert "deadline" not in request.model_dump()


def test_outcome_constructors() -> None:
    failed = Outcome.failed(OutcomeCategory.TIMEOUT, "slow", error_type="TimeoutError")
    degraded = Outcome.degraded(OutcomeCategory.TRUNCATED, "cut")

    assert Outcome.ok().status is OutcomeStatus.OK
    assert Outcome.ok().category is None
    assert failed.is_failed
    assert failed.error_type == "TimeoutError"
    assert degraded.status is OutcomeStatus.DEGRADED
    assert not degraded.is_failed


def test_usage_sums_cost_when_known() -> None:
    total = Usage(input_tokens=1, output_tokens=2, cost_usd=0.5) + Usage(reasoning_tokens=3)

    assert total == Usage(input_tokens=1, output_tokens=2, reasoning_tokens=3, cost_usd=0.5)
    assert (Usage() + Usage()).cost_usd is None


def test_result_following_folds_earlier() -> None:
    from promptrunner import Attempt, PromptResult

    first_attempt = Attempt(model="a", started_at=0, duration=1, outcome=Outcome.ok())
    second_attempt = Attempt(model="b", started_at=1, duration=1, outcome=Outcome.ok())
    earlier = PromptResult(
        step="s",
        model="a",
        outcome=Outcome.ok(),
        usage=Usage(input_tokens=3),
        attempts=[first_attempt],
    )
    earlier.record("Retry", "retried", wait_ms=100)
    later = PromptResult(
        step="s",
        model="b",
        outcome=Outcome.ok(),
        usage=Usage(input_tokens=4),
        attempts=[second_attempt],
    )
    later.record("Fallback", "used", model="b")

    merged = later.following(earlier)

    assert merged is later
    assert [attempt.model for attempt in merged.attempts] == ["a", "b"]
    assert [decision.name for decision in merged.decisions] == ["retried", "used"]
    assert merged.decisions[0].attributes == {"wait_ms": 100}
    assert merged.usage.input_tokens == 7


def test_message_copy_sends_new_content() -> None:
    message = Message(role="user", content="first", clampable=True)
    message.to_provider()

    changed = message.model_copy(update={"content": "second"})

    assert changed.to_provider() == {"role": "user", "content": "second"}


def test_record_keeps_any_attribute_value() -> None:
    result = PromptResult(step="s", model="a", outcome=Outcome.ok())

    result.record("Audit", "checked", missing=None, tags=["a", "b"], count=2, ok=True)

    assert result.decisions[0].attributes == {"tags": "['a', 'b']", "count": 2, "ok": True}
