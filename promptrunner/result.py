"""The result of a run: text, parsed data, usage, the attempts made and the outcome."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptrunner.outcome import Outcome

__all__ = ["Attempt", "Decision", "FinishReason", "PromptResult", "Usage"]

FinishReason = Literal["stop", "length", "content_filter", "tool_calls", "other"]
"""A provider's finish reason, normalized: `length` covers every "cut off by the output limit"."""


class Usage(BaseModel):
    """Token counts and cost; reasoning tokens are part of the output tokens."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = None

    def __add__(self, other: Usage) -> Usage:
        if self.cost_usd is None and other.cost_usd is None:
            cost = None
        else:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cost_usd=cost,
        )


class Attempt(BaseModel):
    """One transport call: its timing, what the provider returned, and how it ended.

    `model` is the model requested and `response_model` the one the provider reported;
    `provider` is the provider that served it, as litellm names it (such as `openai`), and
    `reasoning_effort` the effort sent with the call (None when none was sent).
    `started_at` is the wall-clock start (seconds since the epoch); `duration` is in seconds.
    `output_limit_reached` is true when the provider stopped at the output ceiling, whatever
    finish reason it reported. `retry_after` is the provider's Retry-After in seconds.
    """

    model_config = ConfigDict(frozen=True)

    model: str
    started_at: float
    duration: float
    outcome: Outcome
    provider: str | None = None
    reasoning_effort: str | None = None
    response_model: str | None = None
    finish_reason: FinishReason | None = None
    provider_finish_reason: str | None = None
    usage: Usage = Usage()
    max_output_tokens: int | None = None
    output_limit_reached: bool = False
    status_code: int | None = None
    retry_after: float | None = None


class Decision(BaseModel):
    """A choice a middleware made during a run, such as clamping input or retrying.

    `at` is the wall-clock time it was made (seconds since the epoch); traces show the
    decision as an event at that time.
    """

    model_config = ConfigDict(frozen=True)

    middleware: str
    name: str
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    at: float = Field(default_factory=time.time)


class PromptResult(BaseModel):
    """The result of a run, ok or not.

    `usage` is the sum over `attempts`. `model` is the model that produced `text` (or was
    tried last). `duration` is the run's wall time in seconds, set by the runner.
    """

    step: str
    model: str
    outcome: Outcome
    text: str = ""
    data: Any = None
    finish_reason: FinishReason | None = None
    usage: Usage = Usage()
    attempts: list[Attempt] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome.is_ok

    def record(self, middleware: str, name: str, **attributes: object) -> None:
        """Append a decision, such as `record("TimeoutRetry", "retried", wait_ms=250)`.

        Attribute values are strings, numbers or booleans, as span event attributes are.
        A None value is left out and any other value is stored as its `str()`, so
        recording a decision cannot raise on its values.
        """
        values = {
            key: _attribute_value(value) for key, value in attributes.items() if value is not None
        }
        self.decisions.append(Decision(middleware=middleware, name=name, attributes=values))

    def following(self, earlier: PromptResult) -> PromptResult:
        """Fold an earlier result of the same run into this one and return this one.

        A middleware that calls the chain again uses it so that the final result keeps
        every attempt and decision in order, and usage summed over all of them.
        """
        self.attempts[:0] = earlier.attempts
        self.decisions[:0] = earlier.decisions
        self.usage = earlier.usage + self.usage
        return self


def _attribute_value(value: object) -> str | int | float | bool:
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
