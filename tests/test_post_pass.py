"""PostPass over real HTTP: processors run on every result's text, changes are recorded."""

from __future__ import annotations

import pytest

from promptrunner import ConfigurationError, OutcomeCategory
from promptrunner.middleware.model_fallback import ModelFallback
from promptrunner.middleware.post_pass import PostPass
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner


def shout(text: str) -> str:
    return text.upper()


def unchanged(text: str) -> str:
    return text


async def test_post_pass_changes_and_records(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [PostPass(processors=[unchanged, shout])])

    result = await runner.run(sim_request("sim-ok"))

    assert result.text.startswith("SIMULATED ANSWER")
    assert [decision.attributes["processor"] for decision in result.decisions] == ["shout"]


async def test_post_pass_runs_on_failed_text(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [PostPass(processors=[shout])])

    result = await runner.run(
        sim_request("sim-truncate", max_output_tokens=32), raise_on_failure=False
    )

    assert result.outcome.category is OutcomeCategory.TRUNCATED
    assert result.text
    assert result.text == result.text.upper()


async def test_post_pass_runs_on_fallback_text(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(
        provider_simulator,
        [PostPass(processors=[shout]), ModelFallback(models=["openai/sim-ok"])],
    )

    result = await runner.run(sim_request("sim-server-error"))

    assert result.outcome.status.value == "degraded"
    assert result.text.startswith("SIMULATED")


def test_post_pass_rejects_non_callable() -> None:
    with pytest.raises(ConfigurationError, match="position 1"):
        PostPass(processors=[shout, "upper"])  # type: ignore[list-item]


async def test_post_pass_rejects_non_text_return(provider_simulator: ProviderSimulator) -> None:
    runner = sim_runner(provider_simulator, [PostPass(processors=[lambda text: None])])  # type: ignore[list-item, return-value]

    with pytest.raises(TypeError, match="not str"):
        await runner.run(sim_request("sim-ok"))
