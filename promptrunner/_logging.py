"""Quiet logging: slow-path warnings behind a switch, and repeated warnings rate-limited.

Everything promptrunner logs goes to the `promptrunner` logger hierarchy with lazy `%`
arguments. Warnings about slow paths and degraded best-effort work are logged only when
`PROMPTRUNNER_LOG_SLOW_PATHS=1` is set or `set_slow_path_logging(True)` was called. Errors
reach traces and records either way. An identical warning is logged at most once per
`REPEAT_INTERVAL` seconds, and the next one that gets through reports how many were
left out. Warnings count as identical when they come from the same logger and message
template with the same text arguments, numbers aside: counts and times may differ, as
arguments or as digits inside a text argument.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time

__all__ = [
    "REPEAT_INTERVAL",
    "SLOW_PATHS_ENV",
    "log_rate_limited",
    "log_slow_path",
    "set_slow_path_logging",
    "slow_path_logging_enabled",
]

SLOW_PATHS_ENV = "PROMPTRUNNER_LOG_SLOW_PATHS"

REPEAT_INTERVAL = 60.0
"""Seconds during which an identical warning is logged only once."""

_MAX_TRACKED_MESSAGES = 1024
"""Distinct message templates remembered for rate limiting; the oldest are forgotten first."""

_TRUE_VALUES = frozenset({"1", "true", "yes", "on"})

_override: bool | None = None


def set_slow_path_logging(enabled: bool | None) -> None:
    """Switch slow-path warnings on or off for this process; None defers to the environment."""
    global _override
    _override = enabled


def slow_path_logging_enabled() -> bool:
    """Return whether slow-path warnings are logged: the setting, else the environment."""
    if _override is not None:
        return _override
    return os.environ.get(SLOW_PATHS_ENV, "").strip().lower() in _TRUE_VALUES


def log_slow_path(logger: logging.Logger, message: str, *args: object) -> None:
    """Log a warning about a slow path or degraded work, if slow-path logging is on."""
    if slow_path_logging_enabled():
        log_rate_limited(logger, logging.WARNING, message, *args)


def log_rate_limited(logger: logging.Logger, level: int, message: str, *args: object) -> None:
    """Log `message % args` unless the same template was logged within `REPEAT_INTERVAL`."""
    if not logger.isEnabledFor(level):
        return

    key = (logger.name, message, *(_DIGITS.sub("#", str(arg)) for arg in args if _is_text(arg)))
    left_out = _limiter.admit(key)
    if left_out is None:
        return
    if left_out:
        logger.log(level, message + " (%d more like this were left out)", *args, left_out)
    else:
        logger.log(level, message, *args)


_DIGITS = re.compile(r"\d+")


def _is_text(arg: object) -> bool:
    return not isinstance(arg, (int, float))


class _RateLimiter:
    """Admits one message per key and interval, counting the ones it turns away."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}

    def admit(self, key: tuple[object, ...]) -> int | None:
        """Return None to drop the message, else how many were dropped since the last one."""
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last[0] < REPEAT_INTERVAL:
                self._seen[key] = (last[0], last[1] + 1)
                return None

            if last is None and len(self._seen) >= _MAX_TRACKED_MESSAGES:
                del self._seen[next(iter(self._seen))]
            self._seen[key] = (now, 0)
            return 0 if last is None else last[1]

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


_limiter = _RateLimiter()
