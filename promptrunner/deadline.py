"""The time budget of a run, on a monotonic clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from promptrunner._checks import is_finite_number
from promptrunner.errors import ConfigurationError

__all__ = ["Deadline", "check_budget"]


class Deadline:
    """A point in monotonic time by which a run must be over.

    A deadline is created from a budget in seconds when a run starts, or created by the
    caller (a web request, a cron tick) and handed to several runs so that they share
    one budget. It never moves: every attempt's timeout is clipped to what is left.
    """

    __slots__ = ("_clock", "_expires_at", "_started_at", "budget")

    def __init__(self, budget: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = check_budget(budget)
        self._clock = clock
        self._started_at = clock()
        self._expires_at = self._started_at + self.budget

    @property
    def remaining(self) -> float:
        """Seconds left, never below 0."""
        return max(0.0, self._expires_at - self._clock())

    @property
    def elapsed(self) -> float:
        """Seconds since the deadline was created."""
        return self._clock() - self._started_at

    @property
    def expired(self) -> bool:
        return self._clock() >= self._expires_at

    def clip(self, timeout: float | None) -> float:
        """Return the smaller of `timeout` and the time left (the time left when it is None)."""
        remaining = self.remaining
        if timeout is None:
            return remaining
        return min(timeout, remaining)

    def covers(self, seconds: float) -> bool:
        """Tell whether `seconds` of work can still finish before the deadline."""
        return self.remaining >= seconds

    def __repr__(self) -> str:
        return f"Deadline(budget={self.budget:g}, remaining={self.remaining:.3f})"


def check_budget(budget: object) -> float:
    """Return `budget` as seconds, or raise `ConfigurationError` if it is not a valid budget."""
    if isinstance(budget, bool) or not isinstance(budget, (int, float)):
        raise ConfigurationError(f"A time budget is a number of seconds, got {budget!r}.")
    if not is_finite_number(budget) or budget <= 0:
        raise ConfigurationError(
            f"A time budget must be a finite number of seconds above 0, got {budget!r}."
        )
    return float(budget)
