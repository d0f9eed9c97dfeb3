"""Spans and metrics of runs over real HTTP, read back through the SDK's in-memory exporters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from promptrunner import (
    CallNext,
    ConfigurationError,
    LiteLLMTransport,
    Middleware,
    PromptRequest,
    PromptResult,
    Runner,
    Usage,
)
from promptrunner.middleware import (
    BudgetClamp,
    ModelFallback,
    PostPass,
    ReasoningDowngrade,
    TimeoutRetry,
    standard_middleware,
)
from promptrunner.records import SqlRecordStore
from promptrunner.request import Message
from promptrunner.simulator import ProviderSimulator
from promptrunner.telemetry import CAPTURE_CONTENT_ENV, MAX_CONTENT_CHARS, Telemetry
from promptrunner.telemetry._content import input_messages, output_messages
from tests.fakes import FakeTransport, answer
from tests.middleware_helpers import API_KEY, sim_request

PROMPT = "Write one sentence about green tea harvests."


class Answer(BaseModel):
    answer: str


@dataclass
class Sink:
    provider: TracerProvider
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    meters: MeterProvider

    def telemetry(self, *, capture_content: bool | None = None) -> Telemetry:
        return Telemetry(
            tracer_provider=self.provider,
            meter_provider=self.meters,
            capture_content=capture_content,
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def run_span(self) -> ReadableSpan:
        (span,) = [span for span in self.spans() if span.name.startswith("run ")]
        return span

    def attempt_spans(self) -> list[ReadableSpan]:
        attempts = [span for span in self.spans() if span.name.startswith("chat ")]
        return sorted(attempts, key=lambda span: span.attributes["promptrunner.attempt.index"])

    def metric_points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        points: list[Any] = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        points.extend(metric.data.data_points)
        return points


@pytest.fixture
def sink() -> Iterator[Sink]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    yield Sink(provider, exporter, reader, meters)
    provider.shutdown()
    meters.shutdown()


def traced_runner(
    simulator: ProviderSimulator,
    sink: Sink,
    middleware: Sequence[Middleware] = (),
    *,
    capture_content: bool | None = None,
) -> Runner:
    transport = LiteLLMTransport(api_base=simulator.api_base, api_key=API_KEY)
    return Runner(transport, middleware, telemetry=sink.telemetry(capture_content=capture_content))


def all_attribute_text(spans: Sequence[ReadableSpan]) -> str:
    """Every attribute value, event attribute and status message of the spans, as one text."""
    parts: list[str] = []
    for span in spans:
        parts.extend(str(value) for value in (span.attributes or {}).values())
        parts.append(str(span.status.description))
        for event in span.events:
            parts.append(event.name)
            parts.extend(str(value) for value in (event.attributes or {}).values())
    return "\n".join(parts)


async def test_ok_run_spans(provider_simulator: ProviderSimulator, sink: Sink) -> None:
    runner = traced_runner(provider_simulator, sink)

    result = await runner.run(sim_request("sim-ok", PROMPT, max_output_tokens=64, step="draft"))

    run = sink.run_span()
    (attempt,) = sink.attempt_spans()
    assert run.name == "run draft"
    assert run.kind is SpanKind.INTERNAL
    assert run.parent is None
    assert attempt.name == "chat sim-ok"
    assert attempt.kind is SpanKind.CLIENT
    assert attempt.parent is not None
    assert attempt.parent.span_id == run.context.span_id
    assert attempt.context.trace_id == run.context.trace_id

    assert attempt.attributes["gen_ai.operation.name"] == "chat"
    assert attempt.attributes["gen_ai.provider.name"] == "openai"
    assert attempt.attributes["gen_ai.request.model"] == "sim-ok"
    assert attempt.attributes["gen_ai.request.max_tokens"] == 64
    assert attempt.attributes["gen_ai.response.model"] == result.attempts[0].response_model
    assert attempt.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attempt.attributes["gen_ai.usage.input_tokens"] == result.usage.input_tokens > 0
    assert attempt.attributes["gen_ai.usage.output_tokens"] == result.usage.output_tokens > 0
    assert attempt.attributes["promptrunner.attempt.index"] == 0
    assert "error.type" not in attempt.attributes
    assert attempt.status.status_code is StatusCode.UNSET

    assert run.attributes["promptrunner.step"] == "draft"
    assert run.attributes["promptrunner.outcome.status"] == "ok"
    assert "promptrunner.outcome.category" not in run.attributes
    assert run.attributes["promptrunner.attempts"] == 1
    assert run.status.status_code is StatusCode.UNSET


async def test_usage_counted_once(provider_simulator: ProviderSimulator, sink: Sink) -> None:
    runner = traced_runner(provider_simulator, sink, [TimeoutRetry(jitter=(0.0, 0.0))])

    result = await runner.run(sim_request("sim-rate-limit:0.1+sim-ok", PROMPT), deadline=5)

    run = sink.run_span()
    attempts = sink.attempt_spans()
    assert not [key for key in run.attributes if key.startswith("gen_ai.usage.")]
    input_sum = sum(span.attributes.get("gen_ai.usage.input_tokens", 0) for span in attempts)
    output_sum = sum(span.attributes.get("gen_ai.usage.output_tokens", 0) for span in attempts)
    assert run.attributes["promptrunner.usage.input_tokens"] == input_sum
    assert run.attributes["promptrunner.usage.output_tokens"] == output_sum
    assert input_sum == result.usage.input_tokens > 0


async def test_retried_run_spans(provider_simulator: ProviderSimulator, sink: Sink) -> None:
    runner = traced_runner(provider_simulator, sink, [TimeoutRetry(jitter=(0.05, 0.05))])

    await runner.run(sim_request("sim-rate-limit:0.1+sim-ok", PROMPT), deadline=5)

    first, second = sink.attempt_spans()
    assert first.attributes["promptrunner.attempt.index"] == 0
    assert second.attributes["promptrunner.attempt.index"] == 1
    assert first.attributes["error.type"] == "RateLimitError"
    assert first.attributes["promptrunner.attempt.category"] == "rate_limited"
    assert first.status.status_code is StatusCode.ERROR
    assert second.status.status_code is StatusCode.UNSET
    assert first.end_time <= second.start_time

    run = sink.run_span()
    (event,) = run.events
    assert event.name == "TimeoutRetry.retried"
    assert event.attributes["wait_ms"] == 150
    assert event.attributes["after_category"] == "rate_limited"
    assert first.end_time <= event.timestamp <= run.end_time
    assert run.attributes["promptrunner.outcome.status"] == "ok"


async def test_degraded_run_is_visible_on_the_run_span(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    middleware = [ModelFallback(models=["openai/sim-ok"])]
    runner = traced_runner(provider_simulator, sink, middleware)

    result = await runner.run(sim_request("sim-server-error", PROMPT))

    run = sink.run_span()
    assert result.outcome.status.value == "degraded"
    assert run.attributes["promptrunner.outcome.status"] == "degraded"
    assert run.attributes["promptrunner.outcome.category"] == "provider_error"
    assert run.attributes["promptrunner.model"] == "openai/sim-ok"
    assert run.status.status_code is StatusCode.UNSET
    assert "error.type" not in run.attributes
    assert [event.name for event in run.events] == ["ModelFallback.fallback"]
    assert run.events[0].attributes["model"] == "openai/sim-ok"
    assert [span.name for span in sink.attempt_spans()] == ["chat sim-server-error", "chat sim-ok"]


async def test_failed_run_sets_error_status_and_type(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink)

    result = await runner.run(sim_request("sim-auth-error", PROMPT), raise_on_failure=False)

    run = sink.run_span()
    (attempt,) = sink.attempt_spans()
    assert run.status.status_code is StatusCode.ERROR
    assert run.status.description == result.outcome.message
    assert run.attributes["promptrunner.outcome.status"] == "failed"
    assert run.attributes["promptrunner.outcome.category"] == "provider_error"
    assert run.attributes["error.type"] == "AuthenticationError"
    assert attempt.attributes["error.type"] == "AuthenticationError"
    assert attempt.status.status_code is StatusCode.ERROR


async def test_timed_out_run_leaves_no_span_open(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink)

    result = await runner.run(sim_request("sim-hang", PROMPT), deadline=0.5, raise_on_failure=False)

    assert result.outcome.category.value == "timeout"
    run = sink.run_span()
    (attempt,) = sink.attempt_spans()
    assert run.attributes["promptrunner.outcome.category"] == "timeout"
    assert attempt.attributes["error.type"] == "TimeoutError"
    assert attempt.end_time <= run.end_time


async def test_cancelled_run_ends_every_span(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink)

    task = asyncio.ensure_future(runner.run(sim_request("sim-hang", PROMPT), deadline=30))
    for _ in range(100):
        if provider_simulator.requests:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    run = sink.run_span()
    (attempt,) = sink.attempt_spans()
    assert run.attributes["promptrunner.outcome.category"] == "cancelled"
    assert run.status.status_code is StatusCode.ERROR
    assert attempt.name == "chat sim-hang"
    assert attempt.attributes["gen_ai.provider.name"] == "openai"
    assert attempt.attributes["gen_ai.request.model"] == "sim-hang"
    assert attempt.attributes["error.type"] == "CancelledError"
    assert "gen_ai.usage.input_tokens" not in attempt.attributes
    assert attempt.status.status_code is StatusCode.ERROR

    (duration,) = sink.metric_points("gen_ai.client.operation.duration")
    assert duration.attributes["gen_ai.request.model"] == "sim-hang"
    assert duration.attributes["gen_ai.provider.name"] == "openai"


async def test_cancelled_run_keeps_attempts_made(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink, [TimeoutRetry(jitter=(0.0, 0.0))])
    request = sim_request("sim-rate-limit:0.1+sim-hang", PROMPT)

    task = asyncio.ensure_future(runner.run(request, deadline=30))
    for _ in range(200):
        if len(provider_simulator.requests) == 2:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    run = sink.run_span()
    assert run.attributes["promptrunner.outcome.category"] == "cancelled"
    assert run.attributes["promptrunner.attempts"] == 2
    first, second = sink.attempt_spans()
    assert first.attributes["error.type"] == "RateLimitError"
    assert second.attributes["error.type"] == "CancelledError"


async def test_timed_out_run_keeps_attempts_made(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    async def dawdle(request: PromptRequest, call_next: CallNext) -> PromptResult:
        result = await call_next(request)
        await asyncio.sleep(30)
        return result

    runner = traced_runner(provider_simulator, sink, [dawdle])

    result = await runner.run(sim_request("sim-ok", PROMPT), deadline=0.5, raise_on_failure=False)

    assert result.outcome.category.value == "timeout"
    assert len(result.attempts) == 1
    assert result.usage.output_tokens > 0
    run = sink.run_span()
    assert run.attributes["promptrunner.attempts"] == 1
    assert run.attributes["promptrunner.usage.output_tokens"] == result.usage.output_tokens


async def test_decisions_become_events_with_their_numbers(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    middleware = [
        PostPass(processors=[str.upper]),
        BudgetClamp(input_budget=60),
        ReasoningDowngrade(effort="high", short_time=60),
    ]
    runner = traced_runner(provider_simulator, sink, middleware)
    request = PromptRequest(
        model="openai/sim-ok",
        messages=[
            Message(role="system", content="Answer briefly."),
            Message(role="user", content="Some words about tea. " * 200, clampable=True),
        ],
    )

    await runner.run(request, deadline=5)

    events = {event.name: event for event in sink.run_span().events}
    assert set(events) == {
        "BudgetClamp.clamped",
        "ReasoningDowngrade.effort",
        "PostPass.postprocessed",
    }
    clamped = events["BudgetClamp.clamped"].attributes
    assert clamped["tokens_before"] > clamped["tokens_after"]
    assert clamped["promptrunner.middleware"] == "BudgetClamp"
    effort = events["ReasoningDowngrade.effort"].attributes
    assert (effort["requested"], effort["reason"]) == ("high", "short_time")
    assert events["PostPass.postprocessed"].attributes["processor"] == "upper"

    run = sink.run_span()
    assert run.attributes["promptrunner.reasoning_effort.requested"] == "high"
    (attempt,) = sink.attempt_spans()
    assert (
        run.attributes["promptrunner.reasoning_effort.effective"]
        == attempt.attributes["promptrunner.reasoning_effort"]
    )


async def test_json_extraction_is_an_event(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink, standard_middleware())

    await runner.run(sim_request("sim-json-fence", PROMPT, output_schema=Answer), deadline=5)

    assert "JsonOnly.json_extracted" in [event.name for event in sink.run_span().events]


@pytest.mark.parametrize("model", ["sim-ok", "sim-auth-error", "sim-rate-limit:0.1+sim-ok"])
async def test_no_key_and_no_prompt_text_by_default(
    provider_simulator: ProviderSimulator,
    sink: Sink,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
) -> None:
    monkeypatch.delenv(CAPTURE_CONTENT_ENV, raising=False)
    runner = traced_runner(provider_simulator, sink, [TimeoutRetry(jitter=(0.0, 0.0))])

    result = await runner.run(sim_request(model, PROMPT), deadline=5, raise_on_failure=False)

    text = all_attribute_text(sink.spans())
    assert API_KEY not in text
    assert API_KEY[-8:] not in text
    assert "green tea harvests" not in text
    if result.text:
        assert result.text not in text


async def test_content_is_captured_when_the_environment_asks(
    provider_simulator: ProviderSimulator, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "true")
    runner = traced_runner(provider_simulator, sink)

    result = await runner.run(sim_request("sim-ok", PROMPT))

    (attempt,) = sink.attempt_spans()
    assert "green tea harvests" in attempt.attributes["gen_ai.input.messages"]
    assert '"role": "user"' in attempt.attributes["gen_ai.input.messages"]
    assert result.text[:20] in attempt.attributes["gen_ai.output.messages"]
    assert API_KEY not in all_attribute_text(sink.spans())


async def test_metrics_follow_the_conventions(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink, [TimeoutRetry(jitter=(0.0, 0.0))])

    await runner.run(sim_request("sim-ok", PROMPT, step="draft"))
    await runner.run(sim_request("sim-rate-limit:0.1+sim-ok", PROMPT, step="draft"), deadline=5)
    await runner.run(sim_request("sim-bad-request", PROMPT, step="check"), raise_on_failure=False)

    durations = sink.metric_points("gen_ai.client.operation.duration")
    assert sum(point.count for point in durations) == 4
    failed = [point for point in durations if "error.type" in point.attributes]
    assert {point.attributes["error.type"] for point in failed} == {
        "RateLimitError",
        "BadRequestError",
    }
    assert all(point.attributes["gen_ai.operation.name"] == "chat" for point in durations)
    assert all(point.attributes["gen_ai.provider.name"] == "openai" for point in durations)

    tokens = sink.metric_points("gen_ai.client.token.usage")
    assert {point.attributes["gen_ai.token.type"] for point in tokens} == {"input", "output"}
    for token_type in ("input", "output"):
        typed = [point for point in tokens if point.attributes["gen_ai.token.type"] == token_type]
        assert sum(point.count for point in typed) == 2

    runs = {
        (
            point.attributes["promptrunner.step"],
            point.attributes["promptrunner.outcome.status"],
            point.attributes.get("promptrunner.outcome.category"),
        ): point.value
        for point in sink.metric_points("promptrunner.runs")
    }
    assert runs == {("draft", "ok", None): 2, ("check", "failed", "provider_error"): 1}


async def test_run_without_sdk(provider_simulator: ProviderSimulator, tmp_path: Path) -> None:
    transport = LiteLLMTransport(api_base=provider_simulator.api_base, api_key=API_KEY)
    runner = Runner(transport, [TimeoutRetry()], records=tmp_path / "records.sqlite3")

    result = await runner.run(sim_request("sim-ok", PROMPT))
    runner.close()

    assert result.ok
    (record,) = SqlRecordStore(tmp_path / "records.sqlite3").query()
    assert record.trace_id is None


async def test_no_secrets_in_failed_runs(
    provider_simulator: ProviderSimulator, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CAPTURE_CONTENT_ENV, raising=False)
    runner = traced_runner(provider_simulator, sink, [ModelFallback(models=["openai/sim-ok"])])

    degraded = await runner.run(sim_request("sim-server-error", PROMPT))
    await runner.run(sim_request("sim-hang", PROMPT), deadline=0.3, raise_on_failure=False)
    task = asyncio.ensure_future(runner.run(sim_request("sim-hang", PROMPT), deadline=30))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    spans = sink.spans()
    statuses = [
        span.attributes["promptrunner.outcome.status"] for span in spans if span.parent is None
    ]
    assert statuses == ["degraded", "failed", "failed"]
    text = all_attribute_text(spans)
    assert API_KEY not in text
    assert "green tea harvests" not in text
    assert degraded.text not in text


async def test_raising_middleware_ends_run_span(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink, [PostPass(processors=[len])])  # type: ignore[list-item]

    with pytest.raises(TypeError, match="returned int"):
        await runner.run(sim_request("sim-ok", PROMPT))

    run = sink.run_span()
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes["error.type"] == "TypeError"
    assert len(sink.attempt_spans()) == 1


def test_captured_content_stays_valid_json() -> None:
    long_text = "tea " * 20_000
    messages = [
        Message(role="system", content="Answer briefly."),
        Message(role="user", content=long_text),
        Message(role="user", content=[{"type": "image_url", "image_url": {"url": "x"}}]),
    ]

    captured = json.loads(input_messages(messages))

    assert captured[0]["parts"][0]["content"] == "Answer briefly."
    cut = captured[1]["parts"][0]["content"]
    assert cut.endswith("[...]")
    assert len(cut) == MAX_CONTENT_CHARS - len("Answer briefly.") + len("[...]")
    assert captured[2]["parts"] == [{"type": "image_url"}]
    assert json.loads(output_messages(long_text, "length"))[0]["finish_reason"] == "length"


def test_runner_rejects_a_bare_provider(sink: Sink) -> None:
    with pytest.raises(ConfigurationError, match=r"Telemetry\(tracer_provider=\.\.\."):
        Runner(FakeTransport(), telemetry=sink.provider)  # type: ignore[arg-type]


async def test_call_in_flight_counts_as_attempt(
    provider_simulator: ProviderSimulator, sink: Sink
) -> None:
    runner = traced_runner(provider_simulator, sink)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(runner.run(sim_request("sim-hang", PROMPT), deadline=30), 0.5)

    run = sink.run_span()
    assert run.attributes["promptrunner.attempts"] == 1
    assert run.attributes["promptrunner.outcome.category"] == "cancelled"


async def test_transport_without_attempts_gets_one(sink: Sink) -> None:
    def bare(request: PromptRequest) -> PromptResult:
        result = answer(request, "plain")
        result.attempts = []
        result.usage = Usage(input_tokens=5, output_tokens=7)
        return result

    runner = Runner(FakeTransport(bare), telemetry=sink.telemetry())

    result = await runner.run(PromptRequest.from_prompt("Hello", model="custom-model"))

    (attempt,) = result.attempts
    assert attempt.model == "custom-model"
    assert attempt.usage.output_tokens == 7
    assert sink.run_span().attributes["promptrunner.attempts"] == 1
    (span,) = sink.attempt_spans()
    assert span.attributes["gen_ai.provider.name"] == "unknown"
