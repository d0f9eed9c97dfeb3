"""InteractionRecord: one row per finished run, built from its PromptResult."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from promptrunner._model import StrictModel

if TYPE_CHECKING:
    from promptrunner.result import PromptResult

__all__ = ["MAX_ERROR_MESSAGE_CHARS", "InteractionRecord"]

MAX_ERROR_MESSAGE_CHARS = 2_000
"""Maximum length of `error_message`. A longer message is cut and ends with an ellipsis."""

_TraceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]

# The upper bounds are the maximums of the columns, BIGINT for tokens and INTEGER for
# attempts.
_Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
_SmallCount = Annotated[int, Field(ge=0, le=2**31 - 1)]

# NaN and infinity are rejected because SQLite stores NaN as NULL, which fails the
# NOT NULL column and with it the whole batch.
_Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]

_INVALID_TRACE_ID = "0" * 32
"""The all-zero trace id, which OpenTelemetry uses for a span that is not recorded."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _truncate_message(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_ERROR_MESSAGE_CHARS:
        return value[: MAX_ERROR_MESSAGE_CHARS - 1] + "\u2026"
    return value


def _normalize_trace_id(value: object) -> object:
    if isinstance(value, str):
        value = value.lower()
        if value == _INVALID_TRACE_ID:
            return None
    return value


class InteractionRecord(StrictModel):
    """The facts of one finished run that operators query later: one row in a store.

    Invalid fields raise `ConfigurationError`, among them a latency or cost that is
    negative, NaN or infinite, and a count that is negative or does not fit its column.
    A `recorded_at` in another time zone is converted to UTC, and a time without a time
    zone is rejected. An uppercase `trace_id` is stored in lowercase, and the all-zero id
    of an unrecorded OpenTelemetry span is stored as None.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    recorded_at: Annotated[AwareDatetime, AfterValidator(_to_utc)]
    """When the run ended, in UTC."""

    step: str
    """The step name of the request."""

    model: str
    """The model that produced the result, or was tried last."""

    status: Literal["ok", "degraded", "failed"]
    """The outcome status of the run."""

    category: str | None = None
    """The outcome category (such as `timeout`), None for an ok run."""

    error_message: Annotated[str | None, BeforeValidator(_truncate_message)] = None
    """The outcome message of a degraded or failed run, at most `MAX_ERROR_MESSAGE_CHARS`."""

    latency_ms: _Amount
    """The run's wall time in milliseconds."""

    input_tokens: _Count = 0
    output_tokens: _Count = 0
    """Output tokens, reasoning tokens included."""

    reasoning_tokens: _Count = 0
    cost_usd: _Amount | None = None
    """Cost in US dollars summed over the attempts, None when litellm did not know it."""

    attempts: _SmallCount = 0
    """The number of transport calls the run made."""

    requested_effort: str | None = None
    """The reasoning effort the caller requested, before any middleware lowered it."""

    effective_effort: str | None = None
    """The reasoning effort sent with the last attempt, None when none was sent."""

    trace_id: Annotated[_TraceId | None, BeforeValidator(_normalize_trace_id)] = None
    """The OpenTelemetry trace id of the run as 32 lowercase hex digits."""

    @classmethod
    def from_result(
        cls,
        result: PromptResult,
        *,
        requested_effort: str | None = None,
        trace_id: str | None = None,
        recorded_at: datetime | None = None,
    ) -> InteractionRecord:
        """Build the record of a finished run. `recorded_at` defaults to the current time.

        Raises `ConfigurationError` for a `trace_id` that is not 32 hex digits, a
        `recorded_at` without a time zone, or usage figures that are negative, not
        finite, or too large for their column.
        """
        outcome = result.outcome
        last_attempt = result.attempts[-1] if result.attempts else None

        return cls(
            recorded_at=recorded_at if recorded_at is not None else datetime.now(timezone.utc),
            step=result.step,
            model=result.model,
            status=outcome.status.value,
            category=outcome.category.value if outcome.category is not None else None,
            error_message=None if outcome.is_ok else outcome.message,
            latency_ms=result.duration * 1000,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            reasoning_tokens=result.usage.reasoning_tokens,
            cost_usd=result.usage.cost_usd,
            attempts=len(result.attempts),
            requested_effort=requested_effort,
            effective_effort=last_attempt.reasoning_effort if last_attempt else None,
            trace_id=trace_id,
        )
