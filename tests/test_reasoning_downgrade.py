"""ReasoningDowngrade over real HTTP: the effort sent, lowered, fitted or dropped."""

from __future__ import annotations

import pytest

from promptrunner import ConfigurationError
from promptrunner.middleware._reasoning import (
    EFFORT_ORDER,
    EffortTable,
    lower_effort,
    nearest_accepted_effort,
)
from promptrunner.middleware.reasoning_downgrade import ReasoningDowngrade
from promptrunner.request import ReasoningEffort
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner

SIM_REASONS = {"openai/sim-*": ["low", "medium", "high"]}


async def test_downgrade_keeps_effort_with_time(provider_simulator: ProviderSimulator) -> None:
    middleware = ReasoningDowngrade(short_time=2, model_efforts=SIM_REASONS)
    runner = sim_runner(provider_simulator, [middleware])

    result = await runner.run(sim_request("sim-ok", reasoning_effort="high"), deadline=30)

    assert provider_simulator.requests[0].body["reasoning_effort"] == "high"
    assert result.decisions == []


async def test_downgrade_lowers_when_time_short(provider_simulator: ProviderSimulator) -> None:
    middleware = ReasoningDowngrade(short_time=10, model_efforts=SIM_REASONS)
    runner = sim_runner(provider_simulator, [middleware])

    result = await runner.run(sim_request("sim-ok", reasoning_effort="high"), deadline=5)

    assert provider_simulator.requests[0].body["reasoning_effort"] == "medium"
    decision = result.decisions[0]
    assert decision.attributes["requested"] == "high"
    assert decision.attributes["effective"] == "medium"
    assert decision.attributes["reason"] == "short_time"


async def test_downgrade_applies_step_effort(provider_simulator: ProviderSimulator) -> None:
    middleware = ReasoningDowngrade(effort="low", short_time=0, model_efforts=SIM_REASONS)
    runner = sim_runner(provider_simulator, [middleware])

    await runner.run(sim_request("sim-ok"), deadline=5)

    assert provider_simulator.requests[0].body["reasoning_effort"] == "low"


async def test_downgrade_drops_option_without_reasoning(
    provider_simulator: ProviderSimulator,
) -> None:
    middleware = ReasoningDowngrade(model_efforts={"openai/sim-*": []})
    runner = sim_runner(provider_simulator, [middleware])

    result = await runner.run(sim_request("sim-ok", reasoning_effort="low"), deadline=30)

    assert "reasoning_effort" not in provider_simulator.requests[0].body
    assert result.decisions[0].attributes["effective"] == "omitted"
    assert result.decisions[0].attributes["reason"] == "model_has_no_reasoning"


async def test_downgrade_stops_at_only_value(provider_simulator: ProviderSimulator) -> None:
    middleware = ReasoningDowngrade(short_time=60, model_efforts={"openai/sim-*": ["high"]})
    runner = sim_runner(provider_simulator, [middleware])

    result = await runner.run(sim_request("sim-ok", reasoning_effort="high"), deadline=5)

    assert provider_simulator.requests[0].body["reasoning_effort"] == "high"
    assert result.decisions == []


async def test_downgrade_uses_litellm_model_map() -> None:
    """gpt-4o takes no reasoning option; gpt-5 takes minimal but not none."""
    script = {"models": {"gpt-4o": ["ok"], "gpt-5": ["ok"]}}
    with ProviderSimulator(script=script) as simulator:
        runner = sim_runner(simulator, [ReasoningDowngrade(short_time=0)])

        await runner.run(sim_request("gpt-4o", reasoning_effort="low"), deadline=30)
        await runner.run(sim_request("gpt-5", reasoning_effort="none"), deadline=30)

        first, second = simulator.requests
    assert "reasoning_effort" not in first.body
    assert second.body["reasoning_effort"] == "minimal"


@pytest.mark.parametrize(
    ("effort", "accepted", "expected"),
    [
        ("high", ("low", "medium", "high"), "medium"),
        ("low", ("low", "medium", "high"), "low"),
        ("high", ("high",), "high"),
        ("medium", ("medium",), "medium"),
        ("high", None, "medium"),
        ("none", None, "none"),
        ("medium", ("minimal", "medium"), "minimal"),
    ],
)
def test_lower_effort_table(
    effort: ReasoningEffort, accepted: tuple[ReasoningEffort, ...] | None, expected: str
) -> None:
    assert lower_effort(effort, accepted) == expected


@pytest.mark.parametrize(
    ("effort", "accepted", "expected"),
    [
        ("none", ("minimal", "low", "medium", "high"), "minimal"),
        ("low", ("high",), "high"),
        ("high", ("low", "medium"), "medium"),
        ("low", (), None),
    ],
)
def test_nearest_accepted_effort(
    effort: ReasoningEffort, accepted: tuple[ReasoningEffort, ...], expected: str | None
) -> None:
    assert nearest_accepted_effort(effort, accepted) == expected


def test_effort_order_matches_request_type() -> None:
    from typing import get_args

    assert get_args(ReasoningEffort) == EFFORT_ORDER


def test_effort_table_override_wins() -> None:
    table = EffortTable({"openai/gpt-4o*": ["low"]})

    assert table.accepted("openai/gpt-4o-mini") == ("low",)


@pytest.mark.parametrize(
    "options", [{"effort": "extreme"}, {"short_time": -1}, {"model_efforts": {"m": ["x"]}}]
)
def test_downgrade_rejects_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        ReasoningDowngrade(**options)  # type: ignore[arg-type]
