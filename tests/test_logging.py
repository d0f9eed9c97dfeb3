"""Quiet logging: slow-path warnings only when switched on, repeated warnings rate-limited."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from promptrunner import _logging
from promptrunner._logging import (
    SLOW_PATHS_ENV,
    log_rate_limited,
    log_slow_path,
    set_slow_path_logging,
    slow_path_logging_enabled,
)
from promptrunner.middleware import ModelFallback
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner

logger = logging.getLogger("promptrunner.test")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """A fake monotonic clock for the rate limiter, and a fresh switch and limiter."""
    monkeypatch.delenv(SLOW_PATHS_ENV, raising=False)
    clock = Clock()
    monkeypatch.setattr(_logging.time, "monotonic", clock)
    _logging._limiter.reset()
    set_slow_path_logging(None)
    yield clock
    set_slow_path_logging(None)
    _logging._limiter.reset()


class Unprintable:
    def __str__(self) -> str:
        raise AssertionError("the message was formatted although nothing was logged")


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_slow_paths_are_quiet_by_default(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="promptrunner")

    log_slow_path(logger, "slow: %s", Unprintable())

    assert not slow_path_logging_enabled()
    assert caplog.records == []


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_environment_switches_slow_paths_on(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(SLOW_PATHS_ENV, value)
    caplog.set_level(logging.WARNING, logger="promptrunner")

    log_slow_path(logger, "slow step %s", "draft")

    assert messages(caplog) == ["slow step draft"]
    assert caplog.records[0].levelno == logging.WARNING


@pytest.mark.parametrize("value", ["0", "false", "", "no"])
def test_other_values_keep_slow_paths_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(SLOW_PATHS_ENV, value)

    assert not slow_path_logging_enabled()


def test_setting_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOW_PATHS_ENV, "1")
    set_slow_path_logging(False)
    assert not slow_path_logging_enabled()

    monkeypatch.delenv(SLOW_PATHS_ENV)
    set_slow_path_logging(True)
    assert slow_path_logging_enabled()


def test_repeated_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture, clock: Clock) -> None:
    caplog.set_level(logging.WARNING, logger="promptrunner")

    for attempt in range(5):
        log_rate_limited(logger, logging.WARNING, "store failed: %s", attempt)
    log_rate_limited(logger, logging.WARNING, "another message")
    clock.now += _logging.REPEAT_INTERVAL
    log_rate_limited(logger, logging.WARNING, "store failed: %s", 5)

    assert messages(caplog) == [
        "store failed: 0",
        "another message",
        "store failed: 5 (4 more like this were left out)",
    ]


def test_different_text_is_not_rate_limited(caplog: pytest.LogCaptureFixture, clock: Clock) -> None:
    caplog.set_level(logging.WARNING, logger="promptrunner")

    for step in ("draft", "verify", "draft", "draft"):
        log_rate_limited(logger, logging.WARNING, "step %s failed after %d ms", step, 12)
    clock.now += _logging.REPEAT_INTERVAL
    log_rate_limited(logger, logging.WARNING, "step %s failed after %d ms", "draft", 40)

    assert messages(caplog) == [
        "step draft failed after 12 ms",
        "step verify failed after 12 ms",
        "step draft failed after 40 ms (2 more like this were left out)",
    ]


def test_numbers_inside_text_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="promptrunner")

    for seconds in ("0.30", "0.31", "0.38"):
        log_rate_limited(logger, logging.WARNING, "failed: %s", f"no answer within {seconds} s")

    assert messages(caplog) == ["failed: no answer within 0.30 s"]


def test_disabled_level_costs_no_formatting(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="promptrunner")

    log_rate_limited(logger, logging.WARNING, "%s", Unprintable())

    assert caplog.records == []


async def test_degraded_run_is_logged_only_when_switched_on(
    provider_simulator: ProviderSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="promptrunner")
    runner = sim_runner(provider_simulator, [ModelFallback(models=["openai/sim-ok"])])

    await runner.run(sim_request("sim-server-error", step="draft"))
    assert not [record for record in caplog.records if record.name == "promptrunner.runner"]

    set_slow_path_logging(True)
    await runner.run(sim_request("sim-server-error", step="draft"))
    (record,) = [record for record in caplog.records if record.name == "promptrunner.runner"]
    assert record.getMessage().startswith("Step draft ended degraded (provider_error)")
