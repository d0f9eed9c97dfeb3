"""TruncationGuard over real HTTP: one bounded second attempt after a cut-off answer."""

from __future__ import annotations

import pytest

from promptrunner import ConfigurationError, OutcomeCategory, OutcomeStatus
from promptrunner.middleware.truncation_guard import TruncationGuard
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner

REASONING_SIM = {"openai/sim-*": ["low", "medium", "high"]}


@pytest.mark.parametrize("first", ["sim-truncate", "sim-reasoning-exhausted", "sim-stop-at-limit"])
async def test_guard_second_attempt_recovers(
    provider_simulator: ProviderSimulator, first: str
) -> None:
    runner = sim_runner(provider_simulator, [TruncationGuard(model_efforts=REASONING_SIM)])

    result = await runner.run(
        sim_request(f"{first}+sim-ok", max_output_tokens=64, reasoning_effort="high"), deadline=5
    )

    assert result.outcome.status is OutcomeStatus.OK
    assert len(result.attempts) == 2
    second_body = provider_simulator.requests[1].body
    assert second_body["max_tokens"] == 80
    assert second_body["reasoning_effort"] == "medium"
    assert result.decisions[-1].name == "second_attempt"
    assert result.decisions[-1].attributes["effort_to"] == "medium"


async def test_guard_ceiling_capped(provider_simulator: ProviderSimulator) -> None:
    guard = TruncationGuard(output_factor=2.0, max_output_tokens=100)
    runner = sim_runner(provider_simulator, [guard])

    await runner.run(sim_request("sim-truncate+sim-ok", max_output_tokens=64), deadline=5)

    assert provider_simulator.requests[1].body["max_tokens"] == 100


async def test_guard_unknown_model_keeps_no_effort(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TruncationGuard()])

    await runner.run(sim_request("sim-truncate+sim-ok", max_output_tokens=64), deadline=5)

    assert "reasoning_effort" not in provider_simulator.requests[1].body


async def test_guard_both_cut_off_keeps_partial(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TruncationGuard()])

    result = await runner.run(
        sim_request("sim-truncate", max_output_tokens=64), deadline=5, raise_on_failure=False
    )

    assert result.outcome.category is OutcomeCategory.TRUNCATED
    assert "both attempts" in (result.outcome.message or "")
    assert result.text
    assert len(result.attempts) == 2
    assert len(provider_simulator.requests) == 2


async def test_guard_at_most_one_second_attempt(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TruncationGuard(model_efforts=REASONING_SIM)])

    result = await runner.run(
        sim_request("sim-reasoning-exhausted", max_output_tokens=64, reasoning_effort="high"),
        deadline=5,
        raise_on_failure=False,
    )

    assert result.outcome.category is OutcomeCategory.REASONING_EXHAUSTED
    assert len(provider_simulator.requests) == 2


async def test_guard_skips_when_nothing_changes(provider_simulator: ProviderSimulator) -> None:
    guard = TruncationGuard(max_output_tokens=64, model_efforts={"openai/sim-*": ["high"]})
    runner = sim_runner(provider_simulator, [guard])

    result = await runner.run(
        sim_request("sim-truncate", max_output_tokens=64, reasoning_effort="high"),
        raise_on_failure=False,
    )

    assert len(provider_simulator.requests) == 1
    assert result.decisions[-1].name == "second_attempt_skipped"
    assert result.decisions[-1].attributes["reason"] == "nothing_to_change"


async def test_guard_skips_without_time() -> None:
    """The first attempt took 0.6 s and 0.4 s are left, so no second attempt starts."""
    script = {"models": {"slow-cut": [{"scenario": "truncate", "delay": 0.6}]}}
    with ProviderSimulator(script=script) as simulator:
        runner = sim_runner(simulator, [TruncationGuard()])

        result = await runner.run(
            sim_request("slow-cut", max_output_tokens=64), deadline=1.0, raise_on_failure=False
        )

        assert len(simulator.requests) == 1
    assert result.outcome.category is OutcomeCategory.TRUNCATED
    assert result.decisions[-1].name == "second_attempt_skipped"
    assert result.decisions[-1].attributes["reason"] == "deadline"


async def test_guard_ignores_other_failures(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [TruncationGuard()])

    result = await runner.run(sim_request("sim-server-error"), raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.PROVIDER_ERROR
    assert len(provider_simulator.requests) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"output_factor": 0.5},
        {"output_factor": 10},
        {"max_output_tokens": 0},
        {"model_efforts": {"x": ["huge"]}},
    ],
)
def test_guard_rejects_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        TruncationGuard(**options)  # type: ignore[arg-type]
