"""LiteLLMTransport over real HTTP: the real litellm client against the provider simulator."""

from __future__ import annotations

import socket
import time
import types

import pytest

from promptrunner import (
    ConfigurationError,
    LiteLLMTransport,
    OutcomeCategory,
    OutcomeStatus,
    PromptRequest,
    Runner,
)
from promptrunner.runner import CANCEL_GRACE, DEADLINE_GRACE
from promptrunner.simulator import ProviderSimulator

OK = OutcomeStatus.OK
FAILED = OutcomeStatus.FAILED

SCENARIO_OUTCOMES = [
    ("sim-ok", OK, None),
    ("sim-latency:0.2", OK, None),
    ("sim-json-fence", OK, None),
    ("sim-json-prose", OK, None),
    ("sim-think", OK, None),
    ("sim-truncate", FAILED, OutcomeCategory.TRUNCATED),
    ("sim-stop-at-limit", FAILED, OutcomeCategory.TRUNCATED),
    ("sim-reasoning-exhausted", FAILED, OutcomeCategory.REASONING_EXHAUSTED),
    ("sim-content-filter", FAILED, OutcomeCategory.CONTENT_FILTERED),
    ("sim-rate-limit:3", FAILED, OutcomeCategory.RATE_LIMITED),
    ("sim-server-error", FAILED, OutcomeCategory.PROVIDER_ERROR),
    ("sim-unavailable", FAILED, OutcomeCategory.PROVIDER_ERROR),
    ("sim-malformed", FAILED, OutcomeCategory.PROVIDER_ERROR),
    ("sim-auth-error", FAILED, OutcomeCategory.PROVIDER_ERROR),
    ("sim-bad-request", FAILED, OutcomeCategory.PROVIDER_ERROR),
    ("sim-reset", FAILED, OutcomeCategory.NETWORK),
    ("sim-hang", FAILED, OutcomeCategory.TIMEOUT),
    ("sim-trickle", FAILED, OutcomeCategory.TIMEOUT),
]


def scenario_budget(model: str) -> float:
    """A short budget where the scenario never answers, a generous one elsewhere.

    A busy machine can take well over a second for a call, so only the scenarios that
    must time out get a budget that short.
    """
    return 1.0 if model in ("sim-hang", "sim-trickle") else 15.0


def make_runner(simulator: ProviderSimulator, api_key: str) -> Runner:
    return Runner(LiteLLMTransport(api_base=simulator.api_base, api_key=api_key))


def make_request(model: str, **fields: object) -> PromptRequest:
    return PromptRequest.from_prompt(
        "Write one sentence about tea.",
        model=f"openai/{model}",
        max_output_tokens=64,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("model", "status", "category"), SCENARIO_OUTCOMES)
async def test_transport_scenario_outcome(
    provider_simulator: ProviderSimulator,
    api_key: str,
    model: str,
    status: OutcomeStatus,
    category: OutcomeCategory | None,
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(
        make_request(model), deadline=scenario_budget(model), raise_on_failure=False
    )

    assert result.outcome.status is status, result.outcome
    assert result.outcome.category is category, result.outcome
    assert len(result.attempts) == 1
    assert len(provider_simulator.requests) == 1


async def test_transport_normal_answer_fields(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    result = await make_runner(provider_simulator, api_key).run(make_request("sim-ok"))

    assert result.text.startswith("Simulated answer to: Write one sentence about tea.")
    assert result.finish_reason == "stop"
    assert result.usage.input_tokens > 0
    assert result.usage.output_tokens > 0
    assert result.usage.reasoning_tokens == 0
    assert result.attempts[0].usage == result.usage
    assert result.attempts[0].duration > 0


async def test_transport_truncation_keeps_partial_text(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-truncate"), raise_on_failure=False)

    assert result.text
    assert result.finish_reason == "length"
    assert result.attempts[0].output_limit_reached
    assert result.usage.output_tokens == 64


async def test_transport_reasoning_exhaustion_usage(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-reasoning-exhausted"), raise_on_failure=False)

    assert result.text == ""
    assert result.usage.reasoning_tokens == 64
    assert result.usage.output_tokens == 64


async def test_transport_stop_at_limit_reports_stop(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-stop-at-limit"), raise_on_failure=False)

    assert result.finish_reason == "stop"
    assert result.attempts[0].output_limit_reached


async def test_transport_rate_limit_retry_after(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-rate-limit:3"), raise_on_failure=False)

    attempt = result.attempts[0]
    assert attempt.status_code == 429
    assert attempt.retry_after == 3
    assert result.outcome.error_type == "RateLimitError"


async def test_transport_unavailable_retry_after(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-unavailable:2"), raise_on_failure=False)

    assert result.attempts[0].status_code == 503
    assert result.attempts[0].retry_after == 2


async def test_transport_reset_has_no_status_code(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    result = await runner.run(make_request("sim-reset"), raise_on_failure=False)

    assert result.attempts[0].status_code is None


@pytest.mark.parametrize(
    "model", ["sim-server-error", "sim-rate-limit", "sim-reset", "sim-malformed"]
)
async def test_transport_litellm_retries_off(
    provider_simulator: ProviderSimulator, api_key: str, model: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    await runner.run(make_request(model), raise_on_failure=False)

    assert len(provider_simulator.requests) == 1


@pytest.mark.parametrize("model", ["sim-hang", "sim-trickle"])
async def test_transport_hang_returns_within_budget(
    provider_simulator: ProviderSimulator, api_key: str, model: str
) -> None:
    runner = make_runner(provider_simulator, api_key)
    budget = 0.8

    start = time.monotonic()
    result = await runner.run(make_request(model), deadline=budget, raise_on_failure=False)
    elapsed = time.monotonic() - start

    assert result.outcome.category is OutcomeCategory.TIMEOUT
    assert elapsed < budget + DEADLINE_GRACE + CANCEL_GRACE
    assert len(result.attempts) == 1


async def test_transport_per_call_timeout_clipped(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    start = time.monotonic()
    result = await runner.run(
        make_request("sim-hang", timeout=0.3), deadline=5, raise_on_failure=False
    )
    elapsed = time.monotonic() - start

    assert result.outcome.category is OutcomeCategory.TIMEOUT
    assert elapsed < 1.0


async def test_transport_sends_request_fields(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)
    request = make_request(
        "sim-ok",
        reasoning_effort="low",
        provider_options={"temperature": 0.25},
    )

    await runner.run(request)

    sent = provider_simulator.requests[0]
    assert sent.body["max_tokens"] == 64
    assert sent.body["reasoning_effort"] == "low"
    assert sent.body["temperature"] == 0.25
    assert sent.body["messages"] == [{"role": "user", "content": "Write one sentence about tea."}]
    assert sent.headers["authorization"] == "<redacted>"


async def test_transport_never_puts_key_in_result(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    runner = make_runner(provider_simulator, api_key)

    for model in ("sim-auth-error", "sim-bad-request", "sim-reset", "sim-malformed"):
        result = await runner.run(make_request(model), raise_on_failure=False)
        assert api_key not in result.model_dump_json()


async def test_transport_unreachable_api_base_is_network(api_key: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    transport = LiteLLMTransport(api_base=f"http://127.0.0.1:{closed_port}/v1", api_key=api_key)

    result = await Runner(transport).run(make_request("sim-ok"), deadline=5, raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.NETWORK
    assert "connection" in (result.outcome.message or "")


async def test_transport_no_console_output(
    provider_simulator: ProviderSimulator, api_key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    runner = make_runner(provider_simulator, api_key)

    for model in ("sim-server-error", "sim-auth-error", "sim-reset", "sim-malformed"):
        await runner.run(make_request(model), raise_on_failure=False)

    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


async def test_transport_unknown_provider_is_configuration_error(api_key: str) -> None:
    runner = Runner(LiteLLMTransport(api_key=api_key))

    with pytest.raises(ConfigurationError, match="prefix the provider"):
        await runner.run(PromptRequest.from_prompt("hi", model="no-such-model-xyz"))


async def test_transport_missing_key_is_configuration_error() -> None:
    runner = Runner(LiteLLMTransport(api_base="http://127.0.0.1:9/v1"))

    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        await runner.run(make_request("sim-ok"))


def test_transport_rejects_bad_settings() -> None:
    with pytest.raises(ConfigurationError, match="api_base"):
        LiteLLMTransport(api_base="127.0.0.1:8000")
    with pytest.raises(ConfigurationError, match="max_output_tokens"):
        LiteLLMTransport(provider_options={"max_tokens": 5})
    with pytest.raises(ConfigurationError, match="api_key"):
        LiteLLMTransport(provider_options={"api_key": "sk"})
    with pytest.raises(ConfigurationError, match="empty"):
        LiteLLMTransport(api_key=" ")
    with pytest.raises(ConfigurationError, match=r"time budget"):
        LiteLLMTransport(timeout=0)


def test_transport_repr_hides_key(api_key: str) -> None:
    transport = LiteLLMTransport(api_base="http://127.0.0.1:1/v1", api_key=api_key)

    assert api_key not in repr(transport)
    assert api_key not in str(vars(transport))


async def test_transport_passes_litellm_stable_timeout(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    """litellm caches HTTP clients by timeout, so it gets the configured value, not the clip."""
    transport = LiteLLMTransport(api_base=provider_simulator.api_base, api_key=api_key, timeout=7)
    litellm = transport._litellm
    timeouts: list[object] = []

    async def recording_completion(**arguments: object) -> object:
        timeouts.append(arguments["timeout"])
        return await litellm.acompletion(**arguments)

    transport._litellm = types.SimpleNamespace(
        acompletion=recording_completion,
        get_llm_provider=litellm.get_llm_provider,
        validate_environment=litellm.validate_environment,
    )
    runner = Runner(transport)

    await runner.run(make_request("sim-ok"), deadline=3)
    await runner.run(make_request("sim-ok", timeout=2), deadline=30)

    assert timeouts == [7, 2]


async def test_transport_records_response_model(
    provider_simulator: ProviderSimulator, api_key: str
) -> None:
    result = await make_runner(provider_simulator, api_key).run(make_request("sim-ok"))

    assert result.attempts[0].response_model is not None
    assert "sim-ok" in result.attempts[0].response_model


async def test_transport_short_placeholder_key_not_redacted(
    provider_simulator: ProviderSimulator,
) -> None:
    """A one-letter placeholder key is not a secret; replacing it would garble messages."""
    runner = Runner(LiteLLMTransport(api_base=provider_simulator.api_base, api_key="k"))

    result = await runner.run(make_request("sim-bad-request"), raise_on_failure=False)

    assert "<redacted>" not in (result.outcome.message or "")


async def test_transport_reports_litellm_cost(api_key: str) -> None:
    """For a model in litellm's local cost map, the usage carries litellm's cost."""
    with ProviderSimulator(script={"models": {"gpt-4o-mini": ["ok"]}}) as simulator:
        runner = make_runner(simulator, api_key)

        result = await runner.run(PromptRequest.from_prompt("Hi", model="openai/gpt-4o-mini"))

    assert result.usage.cost_usd is not None
    assert result.usage.cost_usd > 0
