"""Tests of the provider simulator over real HTTP, through litellm and through raw clients."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
from litellm import exceptions as litellm_errors

import promptrunner.simulator
from promptrunner.simulator import (
    ProviderSimulator,
    Script,
    Step,
    UnknownScenarioError,
    handlers,
    load_script,
    parse_model,
    parse_script,
    run_simulator,
    serve_simulator,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

litellm.suppress_debug_info = True

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is the capital of France?"},
]
OK_TEXT = "Simulated answer to: What is the capital of France?"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP client with a 5-second total timeout."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def complete(sim: ProviderSimulator, model: str, **options: Any) -> Any:
    """Call the simulator through litellm with retries off and a 5-second timeout."""
    return await litellm.acompletion(
        model=f"openai/{model}",
        api_base=sim.api_base,
        api_key="sk-test",
        messages=MESSAGES,
        num_retries=0,
        max_retries=0,
        timeout=options.pop("timeout", 5),
        **options,
    )


async def post(
    http: aiohttp.ClientSession, sim: ProviderSimulator, model: str, **body: Any
) -> tuple[int, dict[str, str], bytes]:
    """POST a chat completion request and return status, headers and raw body."""
    payload = {"model": model, "messages": MESSAGES, **body}
    async with http.post(f"{sim.api_base}/chat/completions", json=payload) as response:
        return response.status, dict(response.headers), await response.read()


def raw_request(model: str) -> bytes:
    """Return an HTTP/1.1 chat completion request for ``model``."""
    body = json.dumps({"model": model, "messages": MESSAGES}).encode()
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def wait_for_requests(sim: ProviderSimulator, count: int) -> None:
    """Poll until the simulator has recorded ``count`` requests, for at most 2 seconds."""
    deadline = time.monotonic() + 2
    while len(sim.requests) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the simulator recorded {len(sim.requests)} of {count} requests")
        time.sleep(0.01)


# Scenarios through litellm


async def test_ok_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """sim-ok returns the deterministic content, finish_reason stop and estimated usage."""
    response = await complete(provider_simulator, "sim-ok")

    choice = response.choices[0]
    assert choice.message.content == OK_TEXT
    assert choice.finish_reason == "stop"
    assert response.usage.prompt_tokens == 10
    assert response.usage.completion_tokens == 13
    assert response.usage.total_tokens == 23


async def test_truncate_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """sim-truncate reports finish_reason length and spends the whole max_tokens ceiling."""
    response = await complete(provider_simulator, "sim-truncate", max_tokens=40)

    choice = response.choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content.startswith(OK_TEXT)
    assert choice.message.content.endswith("midd")
    assert response.usage.completion_tokens == 40


async def test_truncate_default_ceiling(provider_simulator: ProviderSimulator) -> None:
    """Without max_tokens, truncate spends the default ceiling of 256 tokens."""
    response = await complete(provider_simulator, "sim-truncate")

    assert response.usage.completion_tokens == 256


async def test_reasoning_exhausted_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """sim-reasoning-exhausted returns empty content with every token spent on reasoning."""
    response = await complete(
        provider_simulator, "sim-reasoning-exhausted", max_completion_tokens=64
    )

    choice = response.choices[0]
    assert choice.message.content == ""
    assert choice.finish_reason == "length"
    assert response.usage.completion_tokens == 64
    assert response.usage.completion_tokens_details.reasoning_tokens == 64


async def test_rate_limit_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """sim-rate-limit:2 raises RateLimitError carrying Retry-After 2."""
    with pytest.raises(litellm_errors.RateLimitError) as caught:
        await complete(provider_simulator, "sim-rate-limit:2")

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "2"


async def test_malformed_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """An invalid JSON body with status 200 reaches the caller as InternalServerError."""
    with pytest.raises(litellm_errors.InternalServerError):
        await complete(provider_simulator, "sim-malformed")


@pytest.mark.parametrize(
    ("model", "exception_type"),
    [
        ("sim-server-error", litellm_errors.InternalServerError),
        ("sim-unavailable", litellm_errors.ServiceUnavailableError),
        ("sim-auth-error", litellm_errors.AuthenticationError),
        ("sim-bad-request", litellm_errors.BadRequestError),
        ("sim-no-such-scenario", litellm_errors.NotFoundError),
        ("gpt-4o", litellm_errors.NotFoundError),
        ("sim-reset", litellm_errors.InternalServerError),
        ("sim-rate-limit+sim-server-error", litellm_errors.RateLimitError),
    ],
)
async def test_error_type_through_litellm(
    provider_simulator: ProviderSimulator, model: str, exception_type: type[Exception]
) -> None:
    """Each error scenario maps to one litellm exception type."""
    with pytest.raises(exception_type):
        await complete(provider_simulator, model)


async def test_sequence_error_after_rate_limit(provider_simulator: ProviderSimulator) -> None:
    """The second step of sim-rate-limit+sim-server-error is not misread as a rate limit."""
    with pytest.raises(litellm_errors.RateLimitError):
        await complete(provider_simulator, "sim-rate-limit+sim-server-error")

    with pytest.raises(litellm_errors.InternalServerError) as caught:
        await complete(provider_simulator, "sim-rate-limit+sim-server-error")

    assert not isinstance(caught.value, litellm_errors.RateLimitError)


async def test_hang_through_litellm_times_out(provider_simulator: ProviderSimulator) -> None:
    """sim-hang sends no response, so litellm's timeout fires."""
    started = time.monotonic()

    with pytest.raises(litellm_errors.Timeout):
        await complete(provider_simulator, "sim-hang", timeout=0.3)

    assert time.monotonic() - started < 2


async def test_stream_through_litellm(provider_simulator: ProviderSimulator) -> None:
    """A streamed sim-ok delivers the whole content, the finish reason and the usage."""
    stream = await complete(
        provider_simulator, "sim-ok", stream=True, stream_options={"include_usage": True}
    )

    pieces = []
    finish_reasons = []
    usage = None
    async for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish_reasons.append(chunk.choices[0].finish_reason)
        usage = getattr(chunk, "usage", None) or usage

    assert "".join(pieces) == OK_TEXT
    assert "stop" in finish_reasons
    assert usage is not None
    assert usage.completion_tokens == 13


async def test_litellm_request_is_recorded(provider_simulator: ProviderSimulator) -> None:
    """The recorded request shows what litellm sent, with the API key redacted."""
    await complete(provider_simulator, "sim-ok", max_tokens=32, reasoning_effort="low", timeout=3.5)

    [request] = provider_simulator.requests
    assert request.model == "sim-ok"
    assert request.body["max_tokens"] == 32
    assert request.body["reasoning_effort"] == "low"
    assert request.body["messages"] == MESSAGES
    assert request.headers["authorization"] == "<redacted>"
    assert request.headers["x-stainless-read-timeout"] == "3.5"


# Completion scenarios over raw HTTP


async def test_response_envelope(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A completion carries the OpenAI envelope fields with a deterministic id."""
    status, _, raw = await post(http, provider_simulator, "sim-ok")

    body = json.loads(raw)
    assert status == 200
    assert body["id"] == "chatcmpl-sim-1"
    assert body["object"] == "chat.completion"
    assert body["created"] == 1_700_000_000
    assert body["model"] == "sim-ok"
    assert body["system_fingerprint"] is None
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["usage"]["completion_tokens_details"] == {"reasoning_tokens": 0}


async def test_response_ids_count_up(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """Each response gets the next id."""
    await post(http, provider_simulator, "sim-ok")
    _, _, raw = await post(http, provider_simulator, "sim-ok")

    assert json.loads(raw)["id"] == "chatcmpl-sim-2"


async def test_stop_at_limit(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-stop-at-limit reports stop while spending the whole ceiling on cut-off text."""
    _, _, raw = await post(http, provider_simulator, "sim-stop-at-limit", max_tokens=30)

    body = json.loads(raw)
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 30
    assert body["choices"][0]["message"]["content"].endswith("midd")


async def test_content_filter(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-content-filter returns empty content with finish_reason content_filter."""
    _, _, raw = await post(http, provider_simulator, "sim-content-filter")

    choice = json.loads(raw)["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == ""


async def test_json_fence(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-json-fence puts a JSON object in a ```json fence after a line of prose."""
    _, _, raw = await post(http, provider_simulator, "sim-json-fence")

    content = json.loads(raw)["choices"][0]["message"]["content"]
    prose, _, fenced = content.partition("\n```json\n")
    assert prose == "Here is the result as JSON:"
    assert fenced.endswith("\n```")
    assert json.loads(fenced.removesuffix("\n```"))["answer"] == OK_TEXT


async def test_json_prose(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-json-prose puts a JSON object between two pieces of prose."""
    _, _, raw = await post(http, provider_simulator, "sim-json-prose")

    content = json.loads(raw)["choices"][0]["message"]["content"]
    start = content.index("{")
    end = content.rindex("}") + 1
    assert content[:start].strip() != ""
    assert content[end:].strip() != ""
    assert json.loads(content[start:end])["answer"] == OK_TEXT


async def test_think(http: aiohttp.ClientSession, provider_simulator: ProviderSimulator) -> None:
    """sim-think puts a <think> block before the ok content."""
    _, _, raw = await post(http, provider_simulator, "sim-think")

    content = json.loads(raw)["choices"][0]["message"]["content"]
    assert content.startswith("<think>")
    assert content.endswith(f"</think>\n\n{OK_TEXT}")


async def test_latency_waits(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-latency:0.3 responds after at least 0.3 seconds."""
    started = time.monotonic()
    status, _, _ = await post(http, provider_simulator, "sim-latency:0.3")

    assert status == 200
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    "model", ["sim-latency:121", "sim-latency", "sim-latency:soon", "sim-ok:1"]
)
async def test_bad_argument_rejected(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator, model: str
) -> None:
    """A bad or missing scenario argument gets a 400 OpenAI error."""
    status, _, raw = await post(http, provider_simulator, model)

    assert status == 400
    assert json.loads(raw)["error"]["code"] == "invalid_scenario_argument"


# Error scenarios over raw HTTP


@pytest.mark.parametrize(
    ("model", "status", "code"),
    [
        ("sim-rate-limit", 429, "rate_limit_exceeded"),
        ("sim-server-error", 500, "server_error"),
        ("sim-unavailable", 503, "service_unavailable"),
        ("sim-auth-error", 401, "invalid_api_key"),
        ("sim-bad-request", 400, "invalid_request"),
        ("sim-unknown", 404, "model_not_found"),
    ],
)
async def test_error_status_and_code(
    http: aiohttp.ClientSession,
    provider_simulator: ProviderSimulator,
    model: str,
    status: int,
    code: str,
) -> None:
    """Each error scenario returns its status and an OpenAI error body with its code."""
    received_status, _, raw = await post(http, provider_simulator, model)

    error = json.loads(raw)["error"]
    assert received_status == status
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert isinstance(error["type"], str)


async def test_rate_limit_default_retry_after(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-rate-limit sends Retry-After 1 by default."""
    _, headers, _ = await post(http, provider_simulator, "sim-rate-limit")

    assert headers["Retry-After"] == "1"


async def test_rate_limit_fractional_retry_after(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-rate-limit:0.5 sends Retry-After 0.5."""
    _, headers, _ = await post(http, provider_simulator, "sim-rate-limit:0.5")

    assert headers["Retry-After"] == "0.5"


async def test_unavailable_retry_after(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-unavailable:3 sends Retry-After 3 and plain sim-unavailable sends none."""
    _, with_seconds, _ = await post(http, provider_simulator, "sim-unavailable:3")
    _, without_seconds, _ = await post(http, provider_simulator, "sim-unavailable")

    assert with_seconds["Retry-After"] == "3"
    assert "Retry-After" not in without_seconds


async def test_unknown_model_message(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """The 404 for an unknown model names it and points to the model list."""
    _, _, raw = await post(http, provider_simulator, "sim-nope")

    message = json.loads(raw)["error"]["message"]
    assert "'sim-nope'" in message
    assert "GET /v1/models" in message


async def test_malformed_body(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-malformed sends status 200 and a JSON content type with a body that is not JSON."""
    status, headers, raw = await post(http, provider_simulator, "sim-malformed")

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)


# Request validation and routing


async def test_invalid_json_body(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A body that is not JSON gets a 400 OpenAI error."""
    async with http.post(
        f"{provider_simulator.api_base}/chat/completions",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    ) as response:
        body = await response.json()

    assert response.status == 400
    assert body["error"]["type"] == "invalid_request_error"


async def test_missing_messages(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A body without a messages list gets a 400 OpenAI error."""
    async with http.post(
        f"{provider_simulator.api_base}/chat/completions", json={"model": "sim-ok"}
    ) as response:
        body = await response.json()

    assert response.status == 400
    assert body["error"]["code"] == "invalid_messages"


async def test_unknown_path(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """An unknown path gets a 404 OpenAI error."""
    async with http.get(f"{provider_simulator.api_base}/embeddings") as response:
        body = await response.json()

    assert response.status == 404
    assert body["error"]["code"] == "unknown_url"


async def test_wrong_method(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """GET on the chat completions path gets a 405 OpenAI error."""
    async with http.get(f"{provider_simulator.api_base}/chat/completions") as response:
        body = await response.json()

    assert response.status == 405
    assert body["error"]["code"] == "method_not_allowed"


async def test_models_list(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """GET /v1/models lists every scenario as a sim- model."""
    async with http.get(f"{provider_simulator.api_base}/models") as response:
        body = await response.json()

    names = [model["id"] for model in body["data"]]
    assert names == [f"sim-{name}" for name in promptrunner.simulator.SCENARIOS]


# Connection-level scenarios


async def test_hang_times_out_client(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """sim-hang sends nothing, so a short client timeout fires."""
    timeout = aiohttp.ClientTimeout(total=0.3)

    with pytest.raises(asyncio.TimeoutError):
        async with http.post(
            f"{provider_simulator.api_base}/chat/completions",
            json={"model": "sim-hang", "messages": MESSAGES},
            timeout=timeout,
        ):
            pass


async def test_server_serves_after_hang(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A client that gave up on a hang leaves the server able to respond."""
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(post(http, provider_simulator, "sim-hang"), timeout=0.2)

    status, _, _ = await post(http, provider_simulator, "sim-ok")

    assert status == 200


def test_incomplete_body_times_out(
    provider_simulator: ProviderSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body shorter than its Content-Length gets a 408 after the body read timeout."""
    monkeypatch.setattr(handlers, "BODY_READ_TIMEOUT_SECONDS", 0.2)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n"
    )

    with socket.create_connection(("127.0.0.1", provider_simulator.port), timeout=2) as client:
        client.sendall(head.encode() + b'{"model": ')
        status_line = client.recv(1024).split(b"\r\n")[0]

    assert status_line == b"HTTP/1.1 408 Request Timeout"


def test_reset_sends_tcp_reset(provider_simulator: ProviderSimulator) -> None:
    """sim-reset reads the request, then resets the connection without a response."""
    with socket.create_connection(("127.0.0.1", provider_simulator.port), timeout=2) as client:
        client.sendall(raw_request("sim-reset"))

        with pytest.raises(ConnectionResetError):
            client.recv(1024)

    assert provider_simulator.requests[0].model == "sim-reset"


async def test_trickle_defeats_read_timeout(provider_simulator: ProviderSimulator) -> None:
    """sim-trickle sends the full Content-Length, then single bytes inside a 0.7 s read timeout."""
    timeout = aiohttp.ClientTimeout(total=3, sock_read=0.7)
    payload = {"model": "sim-trickle", "messages": MESSAGES}

    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.monotonic()
        async with session.post(
            f"{provider_simulator.api_base}/chat/completions", json=payload
        ) as response:
            received = b""
            while len(received) < 3:
                received += await response.content.read(1)
            elapsed = time.monotonic() - started

    assert response.status == 200
    assert int(response.headers["Content-Length"]) > 100
    assert received == b'{"i'
    assert elapsed > 0.9


# Streaming over raw HTTP


async def test_stream_wire_format(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A streamed response is SSE that ends with data: [DONE] and carries the usage chunk."""
    status, headers, raw = await post(
        http,
        provider_simulator,
        "sim-truncate",
        stream=True,
        stream_options={"include_usage": True},
        max_tokens=20,
    )

    events = [event for event in raw.decode().split("\n\n") if event]
    chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-1]]
    assert status == 200
    assert headers["Content-Type"].startswith("text/event-stream")
    assert events[-1] == "data: [DONE]"
    assert chunks[0]["object"] == "chat.completion.chunk"
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 20


async def test_stream_without_usage(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """Without stream_options.include_usage, no chunk carries usage."""
    _, _, raw = await post(http, provider_simulator, "sim-ok", stream=True)

    events = [event for event in raw.decode().split("\n\n") if event]
    chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-1]]
    assert all("usage" not in chunk for chunk in chunks)


# Sequences and scripts


async def test_sequence_plays_in_order(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """A sequence plays one step per request and then repeats its last step."""
    statuses = [
        (await post(http, provider_simulator, "sim-server-error+sim-rate-limit+sim-ok"))[0]
        for _ in range(4)
    ]

    assert statuses == [500, 429, 200, 200]


async def test_sequence_position_per_model(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """Two different model strings keep separate positions."""
    await post(http, provider_simulator, "sim-server-error+sim-ok")
    other_status, _, _ = await post(http, provider_simulator, "sim-bad-request+sim-ok")

    assert other_status == 400


async def test_reset_restarts_sequences(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """reset() puts every sequence back at its first step and clears the records."""
    await post(http, provider_simulator, "sim-server-error+sim-ok")
    provider_simulator.reset()
    status, _, _ = await post(http, provider_simulator, "sim-server-error+sim-ok")

    assert status == 500
    assert len(provider_simulator.requests) == 1


def test_parse_model_steps() -> None:
    """parse_model reads names, arguments and '+' sequences."""
    steps = parse_model("sim-hang+sim-latency:0.5+sim-ok")

    assert steps == (Step("hang"), Step("latency", seconds=0.5), Step("ok"))


@pytest.mark.parametrize("model", ["gpt-4o", "sim-nope", "sim-ok+other", "sim-"])
def test_parse_model_unknown(model: str) -> None:
    """parse_model raises UnknownScenarioError for a name outside the grammar."""
    with pytest.raises(UnknownScenarioError):
        parse_model(model)


async def test_script_overrides(http: aiohttp.ClientSession) -> None:
    """A scripted model plays its steps with content, status and header overrides."""
    script = {
        "models": {
            "my-model": [
                {"scenario": "rate-limit:3", "headers": {"X-Extra": "yes"}},
                {"scenario": "ok", "content": "Hello", "usage": {"prompt_tokens": 7}},
            ]
        }
    }

    with ProviderSimulator(script=script) as sim:
        first_status, first_headers, _ = await post(http, sim, "my-model")
        second_status, _, raw = await post(http, sim, "my-model")

    body = json.loads(raw)
    assert first_status == 429
    assert first_headers["Retry-After"] == "3"
    assert first_headers["X-Extra"] == "yes"
    assert second_status == 200
    assert body["choices"][0]["message"]["content"] == "Hello"
    assert body["usage"]["prompt_tokens"] == 7
    assert body["usage"]["total_tokens"] == 7 + 2


async def test_script_wins_over_grammar(http: aiohttp.ClientSession) -> None:
    """A scripted name that also fits the grammar plays the script."""
    script = Script({"sim-ok": (Step("server-error"),)})

    with ProviderSimulator(script=script) as sim:
        status, _, _ = await post(http, sim, "sim-ok")

    assert status == 500


async def test_script_content_null(http: aiohttp.ClientSession) -> None:
    """content_null sends "content": null."""
    script = {"models": {"empty": [{"scenario": "reasoning-exhausted", "content_null": True}]}}

    with ProviderSimulator(script=script) as sim:
        _, _, raw = await post(http, sim, "empty", max_tokens=9)

    body = json.loads(raw)
    assert body["choices"][0]["message"]["content"] is None
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 9


async def test_script_lists_models(http: aiohttp.ClientSession) -> None:
    """GET /v1/models lists scripted names after the scenarios."""
    with ProviderSimulator(script={"models": {"my-model": ["ok"]}}) as sim:
        async with http.get(f"{sim.api_base}/models") as response:
            body = await response.json()

    assert body["data"][-1]["id"] == "my-model"


def test_load_script_file(tmp_path: Path) -> None:
    """load_script reads steps, with string shorthand and options."""
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"models": {"m": ["hang", {"scenario": "ok", "content": "Hi"}]}}))

    script = load_script(path)

    assert script.models["m"] == (Step("hang"), Step("ok", content="Hi"))


def test_load_script_missing_file(tmp_path: Path) -> None:
    """A missing script file raises ValueError naming the path."""
    path = tmp_path / "absent.json"

    with pytest.raises(ValueError, match="not found"):
        load_script(path)


def test_load_script_invalid_json(tmp_path: Path) -> None:
    """A script file that is not JSON raises ValueError with the line."""
    path = tmp_path / "script.json"
    path.write_text('{"models": ')

    with pytest.raises(ValueError, match="not valid JSON"):
        load_script(path)


@pytest.mark.parametrize(
    ("step", "match"),
    [
        ({"scenario": "ok", "contnet": "x"}, "model 'm', step 1: unknown field 'contnet'"),
        ({"scenario": "ok", "delay": 500}, "model 'm', step 1: .*'delay'"),
        ({"scenario": "nope"}, "model 'm', step 1: Unknown scenario 'nope'"),
        ({"scenario": "rate-limit", "content": "x"}, "model 'm', step 1: .*'content'"),
        ({"scenario": "hang", "status": 200}, "model 'm', step 1: .*'status'"),
        ({"scenario": "latency:1", "delay": 1}, "model 'm', step 1: .*not both"),
        ({"scenario": "ok", "usage": {"tokens": 1}}, "model 'm', step 1: .*unknown key 'tokens'"),
        ({"content": "x"}, "model 'm', step 1: field 'scenario'"),
    ],
)
def test_parse_script_bad_step(step: dict[str, Any], match: str) -> None:
    """A bad step raises ValueError naming the model, the step and the field."""
    with pytest.raises(ValueError, match=match):
        parse_script({"models": {"m": [step]}})


def test_parse_script_empty_steps() -> None:
    """A model with no steps raises ValueError naming the model."""
    with pytest.raises(ValueError, match="model 'm' must map to a non-empty list"):
        parse_script({"models": {"m": []}})


def test_simulator_rejects_bad_script() -> None:
    """ProviderSimulator raises ValueError for a bad script at construction."""
    with pytest.raises(ValueError, match="model 'm'"):
        ProviderSimulator(script={"models": {"m": [{"scenario": "ok", "delay": -1}]}})


# Lifecycle, addresses and recording


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_host_rejected(host: str) -> None:
    """A host that is not a loopback address raises ValueError."""
    with pytest.raises(ValueError, match="loopback"):
        ProviderSimulator(host=host)


def test_localhost_binds_ipv4_loopback() -> None:
    """'localhost' binds 127.0.0.1."""
    with ProviderSimulator(host="localhost") as sim:
        assert sim.base_url == f"http://127.0.0.1:{sim.port}"


def test_api_base_adds_v1() -> None:
    """api_base is base_url followed by /v1."""
    with ProviderSimulator() as sim:
        assert sim.api_base == f"{sim.base_url}/v1"


def test_port_before_start() -> None:
    """Reading the port before start() raises RuntimeError."""
    with pytest.raises(RuntimeError, match="start"):
        _ = ProviderSimulator().port


def test_start_twice_rejected() -> None:
    """A second start() raises RuntimeError."""
    with ProviderSimulator() as sim, pytest.raises(RuntimeError, match="already"):
        sim.start()


def test_port_in_use(provider_simulator: ProviderSimulator) -> None:
    """Binding a port in use raises OSError from start()."""
    with pytest.raises(OSError, match="address"):
        ProviderSimulator(port=provider_simulator.port).start()


def test_stop_with_hanging_connection() -> None:
    """stop() closes a hanging connection and returns within a second."""
    sim = ProviderSimulator().start()

    with socket.create_connection(("127.0.0.1", sim.port), timeout=2) as client:
        client.sendall(raw_request("sim-hang"))
        wait_for_requests(sim, 1)

        started = time.monotonic()
        sim.stop()
        elapsed = time.monotonic() - started

        assert client.recv(1024) == b""
    assert elapsed < 1


def test_stop_with_trickling_connection() -> None:
    """stop() closes a trickling connection and returns within a second."""
    sim = ProviderSimulator().start()

    with socket.create_connection(("127.0.0.1", sim.port), timeout=2) as client:
        client.sendall(raw_request("sim-trickle"))
        wait_for_requests(sim, 1)

        started = time.monotonic()
        sim.stop()
        elapsed = time.monotonic() - started

    assert elapsed < 1


def test_stop_is_idempotent() -> None:
    """stop() on a stopped or never started simulator does nothing."""
    sim = ProviderSimulator()
    sim.stop()
    sim.start()
    sim.stop()
    sim.stop()

    assert sim.requests == ()


async def test_headers_redacted(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """Recorded requests replace Authorization and api-key values, and keep other headers."""
    async with http.post(
        f"{provider_simulator.api_base}/chat/completions",
        json={"model": "sim-ok", "messages": MESSAGES},
        headers={"Authorization": "Bearer sk-secret", "api-key": "secret", "X-Trace": "t1"},
    ):
        pass

    headers = provider_simulator.requests[0].headers
    assert headers["authorization"] == "<redacted>"
    assert headers["api-key"] == "<redacted>"
    assert headers["x-trace"] == "t1"


async def test_recording_is_bounded(http: aiohttp.ClientSession) -> None:
    """Only the most recent max_recorded_requests are kept."""
    with ProviderSimulator(max_recorded_requests=2) as sim:
        for index in range(3):
            await post(http, sim, "sim-ok", user=f"u{index}")

        users = [request.body["user"] for request in sim.requests]

    assert users == ["u1", "u2"]


async def test_received_at_is_monotonic(
    http: aiohttp.ClientSession, provider_simulator: ProviderSimulator
) -> None:
    """received_at is a time.monotonic() reading taken during the request."""
    before = time.monotonic()
    await post(http, provider_simulator, "sim-ok")
    after = time.monotonic()

    assert before <= provider_simulator.requests[0].received_at <= after


async def test_serve_simulator_until_cancelled(http: aiohttp.ClientSession) -> None:
    """serve_simulator reports its URL, serves requests and stops on cancellation."""
    ready: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(serve_simulator(on_ready=ready.put_nowait))
    base_url = await asyncio.wait_for(ready.get(), timeout=5)

    async with http.get(f"{base_url}/v1/models") as response:
        status = response.status

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)

    assert status == 200
    assert task.cancelled()


def test_run_simulator_missing_script(tmp_path: Path) -> None:
    """run_simulator raises ValueError for a missing script before it serves."""
    with pytest.raises(ValueError, match="not found"):
        run_simulator(0, script_path=tmp_path / "absent.json")


# Package surface


def test_all_names_resolve() -> None:
    """Every name in promptrunner.simulator.__all__ exists."""
    missing = [
        name for name in promptrunner.simulator.__all__ if not hasattr(promptrunner.simulator, name)
    ]

    assert missing == []


@pytest.mark.parametrize(
    "module", ["promptrunner.simulator", "promptrunner.simulator.pytest_plugin"]
)
def test_import_skips_aiohttp(module: str) -> None:
    """Importing the package or its pytest plugin does not import aiohttp."""
    code = f"import sys, {module}; print('aiohttp' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )

    assert result.stdout.strip() == "False"
