"""TimeoutRetry over real HTTP: what is retried, after how long, and what is not."""

from __future__ import annotations

import random
import time

import pytest

from promptrunner import ConfigurationError, OutcomeCategory, OutcomeStatus
from promptrunner.middleware.timeout_retry import TimeoutRetry
from promptrunner.simulator import ProviderSimulator
from tests.fakes import FakeTransport, failure
from tests.middleware_helpers import sim_request, sim_runner


@pytest.mark.parametrize(
    ("model", "category"),
    [
        ("sim-hang+sim-ok", OutcomeCategory.TIMEOUT),
        ("sim-trickle+sim-ok", OutcomeCategory.TIMEOUT),
        ("sim-reset+sim-ok", OutcomeCategory.NETWORK),
        ("sim-rate-limit:0.2+sim-ok", OutcomeCategory.RATE_LIMITED),
        ("sim-unavailable:0.2+sim-ok", OutcomeCategory.PROVIDER_ERROR),
    ],
)
async def test_retry_recovers_once(
    provider_simulator: ProviderSimulator, model: str, category: OutcomeCategory
) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry(timeout=0.4, jitter=(0.0, 0.05))])

    result = await runner.run(sim_request(model), deadline=5)

    assert result.outcome.status is OutcomeStatus.OK
    assert len(result.attempts) == 2
    assert result.attempts[0].outcome.category is category
    assert len(provider_simulator.requests) == 2
    assert [decision.name for decision in result.decisions] == ["retried"]
    assert result.decisions[0].attributes["after_category"] == category.value


async def test_retry_waits_for_retry_after(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry(jitter=(0.0, 0.0))])

    await runner.run(sim_request("sim-rate-limit:0.5+sim-ok"), deadline=5)

    first, second = provider_simulator.requests
    assert second.received_at - first.received_at >= 0.5


@pytest.mark.parametrize(
    "model",
    ["sim-server-error", "sim-bad-request", "sim-auth-error", "sim-truncate", "sim-malformed"],
)
async def test_retry_never_on_these(provider_simulator: ProviderSimulator, model: str) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry(jitter=(0.0, 0.0))])

    result = await runner.run(sim_request(model, max_output_tokens=64), raise_on_failure=False)

    assert result.outcome.status is OutcomeStatus.FAILED
    assert len(provider_simulator.requests) == 1
    assert len(result.attempts) == 1


async def test_retry_skipped_when_retry_after_too_long(
    provider_simulator: ProviderSimulator,
) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry()])

    result = await runner.run(sim_request("sim-rate-limit:30"), deadline=3, raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.RATE_LIMITED
    assert len(provider_simulator.requests) == 1
    assert result.decisions[0].name == "retry_skipped"
    assert result.decisions[0].attributes["reason"] == "deadline"


async def test_retry_at_most_once(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry(jitter=(0.0, 0.0))])

    result = await runner.run(sim_request("sim-reset"), deadline=5, raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.NETWORK
    assert len(provider_simulator.requests) == 2
    assert len(result.attempts) == 2


async def test_retry_hanging_provider_keeps_budget(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TimeoutRetry(timeout=0.5, jitter=(0.0, 0.0))])

    start = time.monotonic()
    result = await runner.run(sim_request("sim-hang"), deadline=1.6, raise_on_failure=False)
    elapsed = time.monotonic() - start

    assert result.outcome.category is OutcomeCategory.TIMEOUT
    assert len(result.attempts) == 2
    assert elapsed < 1.6 + 0.15


async def test_retry_sets_timeout_only_when_unset() -> None:
    transport = FakeTransport()
    middleware = TimeoutRetry(timeout=3)
    from promptrunner import Runner

    await Runner(transport, [middleware]).run(sim_request("x"))
    await Runner(transport, [middleware]).run(sim_request("x", timeout=1.5))

    assert transport.requests[0].timeout == 3
    assert transport.requests[1].timeout == 1.5


async def test_retry_jitter_stays_in_range() -> None:
    from promptrunner import Runner

    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    middleware = TimeoutRetry(jitter=(0.2, 0.7), sleep=record_sleep, rng=random.Random(7))
    runner = Runner(
        FakeTransport(lambda request: failure(request, OutcomeCategory.TIMEOUT)), [middleware]
    )

    for _ in range(300):
        await runner.run(sim_request("x"), deadline=30, raise_on_failure=False)

    assert len(waits) == 300
    assert min(waits) >= 0.2
    assert max(waits) <= 0.7
    assert max(waits) - min(waits) > 0.4


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": float("nan")},
        {"jitter": (0.5, 0.1)},
        {"jitter": (-1.0, 0.1)},
        {"jitter": (0.0, 60.0)},
        {"jitter": [0.1, 0.2]},
        {"min_attempt_seconds": -1},
    ],
)
def test_retry_rejects_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="TimeoutRetry"):
        TimeoutRetry(**options)  # type: ignore[arg-type]
