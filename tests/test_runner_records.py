"""A runner with records: one record per run, in SQLite and PostgreSQL, never failing a run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from promptrunner import (
    ConfigurationError,
    LiteLLMTransport,
    Middleware,
    PromptRequest,
    PromptResult,
    Runner,
    Usage,
)
from promptrunner.middleware import ModelFallback, ReasoningDowngrade, TimeoutRetry
from promptrunner.records import InteractionRecord, RecordWriter, SqlRecordStore
from promptrunner.simulator import ProviderSimulator
from promptrunner.telemetry import Telemetry
from tests.fakes import FakeTransport, answer
from tests.middleware_helpers import API_KEY, sim_request


class BrokenStore:
    """A store whose every write raises, as a database that went away would."""

    def __init__(self) -> None:
        self.calls = 0

    def write(self, records: Sequence[InteractionRecord]) -> None:
        self.calls += 1
        raise OSError("disk I/O error")

    def query(self, **_: object) -> list[InteractionRecord]:
        return []

    def close(self) -> None:
        pass


def records_runner(
    simulator: ProviderSimulator,
    records: object,
    middleware: Sequence[Middleware] = (),
    telemetry: Telemetry | None = None,
) -> Runner:
    transport = LiteLLMTransport(api_base=simulator.api_base, api_key=API_KEY)
    return Runner(transport, middleware, records=records, telemetry=telemetry)  # type: ignore[arg-type]


async def run_mixed_steps(runner: Runner) -> None:
    await runner.run(sim_request("sim-ok", step="classify", max_output_tokens=64))
    await runner.run(sim_request("sim-server-error", step="draft"))
    await runner.run(sim_request("sim-hang", step="verify"), deadline=0.5, raise_on_failure=False)


def check_mixed_records(records: list[InteractionRecord]) -> None:
    by_step = {record.step: record for record in records}
    assert set(by_step) == {"classify", "draft", "verify"}

    classify = by_step["classify"]
    assert (classify.status, classify.category, classify.error_message) == ("ok", None, None)
    assert classify.input_tokens > 0
    assert classify.output_tokens > 0
    assert classify.attempts == 1
    assert classify.model == "openai/sim-ok"
    assert 0 < classify.latency_ms < 5000

    draft = by_step["draft"]
    assert (draft.status, draft.category) == ("degraded", "provider_error")
    assert draft.model == "openai/sim-ok"
    assert draft.attempts == 2

    verify = by_step["verify"]
    assert (verify.status, verify.category) == ("failed", "timeout")
    assert verify.error_message
    assert 400 <= verify.latency_ms < 1500


async def test_records_land_in_sqlite(
    provider_simulator: ProviderSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "records.sqlite3"
    middleware = [ModelFallback(models=["openai/sim-ok"])]
    runner = records_runner(provider_simulator, str(path), middleware)

    await run_mixed_steps(runner)
    runner.close()

    store = SqlRecordStore(path)
    check_mixed_records(store.query())
    store.close()


@pytest.mark.postgres
async def test_records_land_in_postgresql(
    provider_simulator: ProviderSimulator, postgres_url: str
) -> None:
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = f"pr_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    # A schema of its own, first on the search path, keeps parallel test runs apart.
    scoped = sa.create_engine(engine.url, connect_args={"options": f"-c search_path={schema}"})
    try:
        middleware = [ModelFallback(models=["openai/sim-ok"])]
        runner = records_runner(provider_simulator, SqlRecordStore(scoped), middleware)

        await run_mixed_steps(runner)
        runner.close()

        check_mixed_records(SqlRecordStore(scoped).query())
    finally:
        scoped.dispose()
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


async def test_record_carries_trace_id_and_efforts(
    provider_simulator: ProviderSimulator, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    middleware = [ReasoningDowngrade(effort="high", short_time=60)]
    runner = records_runner(
        provider_simulator,
        tmp_path / "records.sqlite3",
        middleware,
        telemetry=Telemetry(tracer_provider=provider),
    )

    await runner.run(sim_request("sim-ok"), deadline=5)
    runner.close()

    (record,) = SqlRecordStore(tmp_path / "records.sqlite3").query()
    (run_span,) = [span for span in exporter.get_finished_spans() if span.name.startswith("run ")]
    assert record.trace_id == format(run_span.context.trace_id, "032x")
    assert record.requested_effort == "high"
    assert record.effective_effort in ("low", "medium", None)
    assert record.effective_effort != "high"


async def test_broken_store_never_fails_a_run(
    provider_simulator: ProviderSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    store = BrokenStore()
    writer = RecordWriter(store, write_attempts=1, retry_delay=0)
    runner = records_runner(provider_simulator, writer, [TimeoutRetry()])

    results = [await runner.run(sim_request("sim-ok")) for _ in range(3)]

    assert all(result.ok for result in results)
    assert writer.flush(5)
    assert writer.failed == 3
    assert store.calls >= 1
    assert "disk I/O error" in caplog.text
    runner.close()


async def test_record_of_a_cancelled_run(
    provider_simulator: ProviderSimulator, tmp_path: Path
) -> None:
    runner = records_runner(provider_simulator, tmp_path / "records.sqlite3")

    task = asyncio.ensure_future(runner.run(sim_request("sim-hang", step="slow"), deadline=30))
    for _ in range(100):
        if provider_simulator.requests:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    runner.close()

    (record,) = SqlRecordStore(tmp_path / "records.sqlite3").query()
    assert (record.step, record.status, record.category) == ("slow", "failed", "cancelled")


def test_runner_rejects_an_unknown_records_target(provider_simulator: ProviderSimulator) -> None:
    with pytest.raises(ConfigurationError, match="Runner records must be"):
        records_runner(provider_simulator, 42)


async def test_unbuildable_record_never_fails_a_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def negative_usage(request: PromptRequest) -> PromptResult:
        result = answer(request)
        result.usage = Usage(input_tokens=-1)
        return result

    runner = Runner(FakeTransport(negative_usage), records=tmp_path / "records.sqlite3")

    result = await runner.run(PromptRequest.from_prompt("Hello", model="openai/fake"))
    runner.close()

    assert result.ok
    assert "Could not build the record of step prompt" in caplog.text
    assert runner.records is not None
    assert runner.records.written == 0
