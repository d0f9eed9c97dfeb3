"""The standard chain: its order, and the bound on transport calls per run."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from promptrunner import OutcomeStatus
from promptrunner.middleware import (
    JsonOnly,
    ModelFallback,
    PostPass,
    ReasoningDowngrade,
    TimeoutRetry,
    TruncationGuard,
    standard_middleware,
)
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner


class Answer(BaseModel):
    answer: str


def max_transport_calls(fallback_models: int, reask: bool) -> int:
    """The documented bound: 2 x (1 + F) x 2 x (1 + R)."""
    return 2 * (1 + fallback_models) * 2 * (2 if reask else 1)


def test_standard_chain_order() -> None:
    chain = standard_middleware(post_processors=[str.strip], fallback_models=["openai/x"])

    assert [type(layer) for layer in chain] == [
        PostPass,
        ReasoningDowngrade,
        JsonOnly,
        TruncationGuard,
        ModelFallback,
        TimeoutRetry,
    ]


def test_standard_chain_minimal() -> None:
    chain = standard_middleware()

    assert [type(layer) for layer in chain] == [
        ReasoningDowngrade,
        JsonOnly,
        TruncationGuard,
        TimeoutRetry,
    ]


@pytest.mark.parametrize(
    ("model", "schema", "expected_calls"),
    [
        ("sim-reset", None, 4),
        ("sim-unavailable", None, 4),
        ("sim-truncate", None, 2),
        ("sim-reasoning-exhausted", None, 2),
        ("sim-ok", Answer, 2),
        ("sim-server-error", None, 2),
        ("sim-bad-request", None, 2),
    ],
)
async def test_standard_chain_call_bound(
    provider_simulator: ProviderSimulator,
    model: str,
    schema: type[BaseModel] | None,
    expected_calls: int,
) -> None:
    """Against a provider that always fails, calls stay within the documented bound."""
    chain = standard_middleware(
        fallback_models=[f"openai/{model}+{model}"],
        json_reask=True,
        jitter=(0.0, 0.0),
        min_seconds_left=0.1,
        timeout=0.5,
    )
    runner = sim_runner(provider_simulator, chain)
    request = sim_request(model, max_output_tokens=32, output_schema=schema)

    result = await runner.run(request, deadline=8, raise_on_failure=False)

    calls = len(provider_simulator.requests)
    assert result.outcome.status is OutcomeStatus.FAILED
    assert calls <= max_transport_calls(fallback_models=1, reask=True)
    assert calls == expected_calls
    assert len(result.attempts) == calls
