"""ModelFallback over real HTTP: which failures move on, and how the result reads."""

from __future__ import annotations

import pytest

from promptrunner import ConfigurationError, OutcomeCategory, OutcomeStatus
from promptrunner.middleware.model_fallback import ModelFallback
from promptrunner.middleware.timeout_retry import TimeoutRetry
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner


@pytest.mark.parametrize(
    ("primary", "category"),
    [
        ("sim-server-error", OutcomeCategory.PROVIDER_ERROR),
        ("sim-rate-limit:30", OutcomeCategory.RATE_LIMITED),
        ("sim-reset", OutcomeCategory.NETWORK),
        ("sim-hang", OutcomeCategory.TIMEOUT),
    ],
)
async def test_fallback_answers_degraded(
    provider_simulator: ProviderSimulator, primary: str, category: OutcomeCategory
) -> None:
    runner = sim_runner(provider_simulator, [ModelFallback(models=["openai/sim-ok"])])

    result = await runner.run(sim_request(primary, timeout=0.5), deadline=5)

    assert result.outcome.status is OutcomeStatus.DEGRADED
    assert result.outcome.category is category
    assert "openai/sim-ok" in (result.outcome.message or "")
    assert result.model == "openai/sim-ok"
    assert result.text.startswith("Simulated answer")
    assert [attempt.model for attempt in result.attempts] == [f"openai/{primary}", "openai/sim-ok"]
    assert result.decisions[-1].name == "fallback"


async def test_fallback_not_on_truncation(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [ModelFallback(models=["openai/sim-ok"])])

    result = await runner.run(
        sim_request("sim-truncate", max_output_tokens=32), raise_on_failure=False
    )

    assert result.outcome.category is OutcomeCategory.TRUNCATED
    assert len(provider_simulator.requests) == 1


async def test_fallback_tries_models_in_order(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(
        provider_simulator,
        [ModelFallback(models=["openai/sim-unavailable", "openai/sim-ok", "openai/sim-latency:1"])],
    )

    result = await runner.run(sim_request("sim-server-error"), deadline=5)

    assert [request.model for request in provider_simulator.requests] == [
        "sim-server-error",
        "sim-unavailable",
        "sim-ok",
    ]
    assert result.model == "openai/sim-ok"
    assert result.outcome.category is OutcomeCategory.PROVIDER_ERROR


async def test_fallback_every_model_failing(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(
        provider_simulator, [ModelFallback(models=["openai/sim-reset", "openai/sim-unavailable"])]
    )

    result = await runner.run(sim_request("sim-server-error"), raise_on_failure=False)

    assert result.outcome.status is OutcomeStatus.FAILED
    assert result.outcome.category is OutcomeCategory.PROVIDER_ERROR
    assert len(result.attempts) == 3


async def test_fallback_skipped_without_time(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(
        provider_simulator, [ModelFallback(models=["openai/sim-ok"], min_seconds_left=1.0)]
    )

    result = await runner.run(sim_request("sim-hang"), deadline=1.2, raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.TIMEOUT
    assert len(provider_simulator.requests) == 1
    assert result.decisions[-1].name == "fallback_skipped"


async def test_fallback_each_model_gets_retry(provider_simulator: ProviderSimulator) -> None:
    """Above TimeoutRetry, each model gets its own single retry before the next model."""
    runner = sim_runner(
        provider_simulator,
        [ModelFallback(models=["openai/sim-reset+sim-ok"]), TimeoutRetry(jitter=(0.0, 0.0))],
    )

    result = await runner.run(sim_request("sim-reset"), deadline=5)

    assert [request.model for request in provider_simulator.requests] == [
        "sim-reset",
        "sim-reset",
        "sim-reset+sim-ok",
        "sim-reset+sim-ok",
    ]
    assert result.outcome.status is OutcomeStatus.DEGRADED


@pytest.mark.parametrize(
    "options",
    [
        {"models": "openai/gpt-4o"},
        {"models": ["", "x"]},
        {"models": ["x"], "min_seconds_left": -1},
        {"models": ["x"], "on": ["not-a-category"]},
    ],
)
def test_fallback_rejects_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="ModelFallback"):
        ModelFallback(**options)  # type: ignore[arg-type]
