"""The outcome of a run or an attempt: a status and, unless it is ok, the category of the cause."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

__all__ = ["Outcome", "OutcomeCategory", "OutcomeStatus"]


class OutcomeStatus(str, Enum):
    """Whether a run produced a usable result."""

    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


class OutcomeCategory(str, Enum):
    """The cause of a failed or degraded outcome."""

    TIMEOUT = "timeout"
    NETWORK = "network"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"
    TRUNCATED = "truncated"
    REASONING_EXHAUSTED = "reasoning_exhausted"
    INVALID_OUTPUT = "invalid_output"
    CONTENT_FILTERED = "content_filtered"
    BUDGET_EXHAUSTED = "budget_exhausted"
    CANCELLED = "cancelled"


class Outcome(BaseModel):
    """Status, cause category and a one-line message for a run or an attempt.

    `error_type` is the name of the exception class behind a failure (for example
    `RateLimitError`), in the sense of OpenTelemetry's `error.type`.
    """

    model_config = ConfigDict(frozen=True, use_enum_values=False)

    status: OutcomeStatus
    category: OutcomeCategory | None = None
    message: str | None = None
    error_type: str | None = None

    @classmethod
    def ok(cls) -> Outcome:
        return _OK

    @classmethod
    def failed(
        cls, category: OutcomeCategory, message: str, *, error_type: str | None = None
    ) -> Outcome:
        return cls(
            status=OutcomeStatus.FAILED, category=category, message=message, error_type=error_type
        )

    @classmethod
    def degraded(
        cls, category: OutcomeCategory, message: str, *, error_type: str | None = None
    ) -> Outcome:
        return cls(
            status=OutcomeStatus.DEGRADED,
            category=category,
            message=message,
            error_type=error_type,
        )

    @property
    def is_ok(self) -> bool:
        return self.status is OutcomeStatus.OK

    @property
    def is_failed(self) -> bool:
        return self.status is OutcomeStatus.FAILED


_OK = Outcome(status=OutcomeStatus.OK)
