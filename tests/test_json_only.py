"""JsonOnly over real HTTP: the instruction, JSON modes, extraction and validation."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from promptrunner import ConfigurationError, OutcomeCategory, OutcomeStatus
from promptrunner.middleware.json_only import JsonOnly
from promptrunner.simulator import ProviderSimulator
from tests.middleware_helpers import sim_request, sim_runner


class Answer(BaseModel):
    answer: str
    confidence: float


GOOD = json.dumps({"answer": "Tea is calming.", "confidence": 0.7})
SCRIPT = {
    "models": {
        "think-json": [{"scenario": "ok", "content": f"<think>use {{braces}} here</think>{GOOD}"}],
        "wrong-types": [{"scenario": "ok", "content": '{"answer": 1}'}],
        "cut-json": [{"scenario": "ok", "content": '{"answer": "Tea is calm", "confi'}],
        "trailing-comma": [{"scenario": "ok", "content": '{"answer": "x", "confidence": 1,}'}],
        "bad-then-good": [
            {"scenario": "ok", "content": "I think tea is calming."},
            {"scenario": "ok", "content": GOOD},
        ],
        "gpt-4o-mini": [{"scenario": "ok", "content": GOOD}],
    }
}


@pytest.fixture(scope="module")
def scripted() -> ProviderSimulator:
    with ProviderSimulator(script=SCRIPT) as simulator:
        yield simulator  # type: ignore[misc]


@pytest.fixture
def simulator(scripted: ProviderSimulator) -> ProviderSimulator:
    scripted.reset()
    return scripted


@pytest.mark.parametrize(
    "model", ["sim-json-fence", "sim-json-prose", "think-json", "trailing-comma"]
)
async def test_json_only_extracts_and_validates(simulator: ProviderSimulator, model: str) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(sim_request(model, output_schema=Answer))

    assert result.outcome.status is OutcomeStatus.OK
    assert isinstance(result.data, Answer)
    assert result.data.answer


async def test_json_only_records_extraction(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(sim_request("sim-json-fence", output_schema=Answer))

    assert [decision.name for decision in result.decisions] == ["json_extracted"]


async def test_json_only_adds_instruction_and_mode(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    await runner.run(sim_request("sim-json-fence", output_schema=Answer))

    body = simulator.requests[0].body
    instruction = body["messages"][-1]
    assert instruction["role"] == "system"
    assert "minimal JSON" in instruction["content"]
    assert '"confidence"' in instruction["content"]
    assert body["response_format"] == {"type": "json_object"}


async def test_json_only_schema_mode_for_capable_model(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(sim_request("gpt-4o-mini", output_schema=Answer))

    assert result.ok
    response_format = simulator.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"


async def test_json_only_leaves_plain_requests(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(sim_request("sim-ok"))

    body = simulator.requests[0].body
    assert len(body["messages"]) == 1
    assert "response_format" not in body
    assert result.data is None


@pytest.mark.parametrize(
    ("model", "category", "fragment"),
    [
        ("sim-ok", OutcomeCategory.INVALID_OUTPUT, "no_json"),
        ("wrong-types", OutcomeCategory.INVALID_OUTPUT, "does not match Answer"),
        ("cut-json", OutcomeCategory.TRUNCATED, "truncated"),
    ],
)
async def test_json_only_rejects_bad_output(
    simulator: ProviderSimulator, model: str, category: OutcomeCategory, fragment: str
) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(sim_request(model, output_schema=Answer), raise_on_failure=False)

    assert result.outcome.category is category
    assert fragment in (result.outcome.message or "")
    assert result.data is None
    assert len(simulator.requests) == 1


async def test_json_only_never_parses_cut_off_output(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(
        sim_request("sim-truncate", output_schema=Answer, max_output_tokens=32),
        raise_on_failure=False,
    )

    assert result.outcome.category is OutcomeCategory.TRUNCATED
    assert result.data is None


async def test_json_only_reask_once(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly(reask=True)])

    result = await runner.run(sim_request("bad-then-good", output_schema=Answer), deadline=10)

    assert result.ok
    assert len(result.attempts) == 2
    assert result.decisions[-1].name == "reasked"
    feedback = simulator.requests[1].body["messages"]
    assert feedback[-2]["role"] == "assistant"
    assert feedback[-1]["role"] == "user"
    assert "not valid" in feedback[-1]["content"]


async def test_json_only_reask_off_by_default(simulator: ProviderSimulator) -> None:
    runner = sim_runner(simulator, [JsonOnly()])

    result = await runner.run(
        sim_request("bad-then-good", output_schema=Answer), raise_on_failure=False
    )

    assert result.outcome.category is OutcomeCategory.INVALID_OUTPUT
    assert len(simulator.requests) == 1


def test_json_only_rejects_instruction_without_schema() -> None:
    with pytest.raises(ConfigurationError, match="schema"):
        JsonOnly(instruction="Return JSON.")
