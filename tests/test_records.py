"""Interaction records: the model, from_result, summarize, and the background writer."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from promptrunner import _logging
from promptrunner.errors import ConfigurationError
from promptrunner.outcome import Outcome, OutcomeCategory
from promptrunner.records import (
    MAX_ERROR_MESSAGE_CHARS,
    InteractionRecord,
    RecordStore,
    RecordStoreError,
    RecordWriter,
    summarize,
)
from promptrunner.request import PromptRequest
from promptrunner.result import Attempt, PromptResult, Usage
from promptrunner.runner import Runner
from tests.fakes import FakeTransport

NOW = datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def make_record(index: int = 0, **fields: Any) -> InteractionRecord:
    values: dict[str, Any] = {
        "recorded_at": NOW + timedelta(seconds=index),
        "step": f"step-{index}",
        "model": "openai/gpt-4o-mini",
        "status": "ok",
        "latency_ms": 10.0,
    }
    values.update(fields)
    return InteractionRecord(**values)


def make_attempt(effort: str | None, outcome: Outcome | None = None) -> Attempt:
    return Attempt(
        model="openai/gpt-4o-mini",
        provider="openai",
        reasoning_effort=effort,
        started_at=1_700_000_000.0,
        duration=0.4,
        outcome=outcome or Outcome.ok(),
        usage=Usage(input_tokens=100, output_tokens=40, reasoning_tokens=10, cost_usd=0.002),
    )


class MemoryStore:
    """Keeps written batches in memory. It can hold `write` until released, or fail."""

    def __init__(self, *, failures: int = 0) -> None:
        self.batches: list[list[InteractionRecord]] = []
        self.calls: list[tuple[str, ...]] = []
        self.failures = failures
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.closed = False

    def write(self, records: Sequence[InteractionRecord]) -> None:
        self.calls.append(tuple(record.step for record in records))
        self.entered.set()
        self.release.wait(30)
        if self.failures > 0:
            self.failures -= 1
            raise RecordStoreError("the test store is down")
        self.batches.append(list(records))

    def query(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        step: str | None = None,
        limit: int | None = None,
    ) -> list[InteractionRecord]:
        return [record for batch in self.batches for record in batch]

    def close(self) -> None:
        self.closed = True

    @property
    def written_steps(self) -> list[str]:
        return [record.step for batch in self.batches for record in batch]


@pytest.fixture(autouse=True)
def _fresh_log_limiter() -> None:
    """Let each test see its own first warning, whatever earlier tests logged."""
    _logging._limiter.reset()


@pytest.fixture
def writers() -> Iterator[list[RecordWriter]]:
    """Writers made by a test; each is closed afterwards so no thread outlives the test."""
    opened_writers: list[RecordWriter] = []
    yield opened_writers
    for writer in opened_writers:
        if isinstance(writer.store, MemoryStore):
            writer.store.release.set()
        writer.close(timeout=5)


def new_writer(
    writers: list[RecordWriter], store: RecordStore, **options: int | float
) -> RecordWriter:
    writer = RecordWriter(store, **options)  # type: ignore[arg-type]
    writers.append(writer)
    return writer


def wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# --- InteractionRecord -------------------------------------------------------------------


def test_record_has_exactly_the_documented_fields() -> None:
    assert list(InteractionRecord.model_fields) == [
        "recorded_at",
        "step",
        "model",
        "status",
        "category",
        "error_message",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "cost_usd",
        "attempts",
        "requested_effort",
        "effective_effort",
        "trace_id",
    ]


def test_record_is_frozen() -> None:
    record = make_record()

    with pytest.raises(ValidationError):
        record.step = "other"


def test_record_rejects_naive_time() -> None:
    with pytest.raises(ConfigurationError, match="recorded_at"):
        make_record(recorded_at=datetime(2025, 6, 1, 12, 0))


def test_record_converts_time_to_utc() -> None:
    local = datetime(2025, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))

    record = make_record(recorded_at=local)

    assert record.recorded_at.utcoffset() == timedelta(0)
    assert record.recorded_at == local
    assert record.recorded_at.hour == 12


def test_record_rejects_unknown_status() -> None:
    with pytest.raises(ConfigurationError, match="status"):
        make_record(status="broken")


def test_record_rejects_unknown_field() -> None:
    with pytest.raises(ConfigurationError, match="prompt"):
        make_record(prompt="hello")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (TRACE_ID, TRACE_ID),
        (TRACE_ID.upper(), TRACE_ID),
        ("0" * 32, None),
        (None, None),
    ],
)
def test_record_normalizes_trace_id(given: str | None, stored: str | None) -> None:
    assert make_record(trace_id=given).trace_id == stored


@pytest.mark.parametrize("trace_id", ["xyz", TRACE_ID[:31], TRACE_ID + "0", "g" * 32, ""])
def test_record_rejects_invalid_trace_id(trace_id: str) -> None:
    with pytest.raises(ConfigurationError, match="trace_id"):
        make_record(trace_id=trace_id)


def test_record_cuts_long_error_message() -> None:
    record = make_record(status="failed", error_message="x" * (MAX_ERROR_MESSAGE_CHARS * 3))

    assert record.error_message is not None
    assert len(record.error_message) == MAX_ERROR_MESSAGE_CHARS
    assert record.error_message.endswith("\u2026")


def test_record_keeps_message_at_the_limit() -> None:
    message = "y" * MAX_ERROR_MESSAGE_CHARS

    assert make_record(error_message=message).error_message == message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latency_ms", float("nan")),
        ("latency_ms", float("inf")),
        ("latency_ms", -1.0),
        ("input_tokens", -5),
        ("output_tokens", -1),
        ("reasoning_tokens", -1),
        ("attempts", -1),
        ("input_tokens", 2**63),
        ("attempts", 2**31),
        ("cost_usd", float("nan")),
        ("cost_usd", float("-inf")),
        ("cost_usd", -0.01),
    ],
)
def test_record_rejects_invalid_numbers(field: str, value: float) -> None:
    fields: dict[str, Any] = {field: value}

    with pytest.raises(ConfigurationError, match=field):
        make_record(**fields)


def test_record_accepts_zero_and_unknown_cost() -> None:
    record = make_record(latency_ms=0.0, input_tokens=0, cost_usd=None)

    assert record.latency_ms == 0.0
    assert record.cost_usd is None
    assert make_record(cost_usd=0.0).cost_usd == 0.0


# --- from_result -------------------------------------------------------------------------


def test_from_result_ok_run() -> None:
    result = PromptResult(
        step="draft",
        model="openai/gpt-4o-mini",
        outcome=Outcome.ok(),
        text="Hello",
        attempts=[make_attempt("low")],
        usage=Usage(input_tokens=120, output_tokens=45, reasoning_tokens=30, cost_usd=0.0031),
        duration=1.25,
    )

    record = InteractionRecord.from_result(
        result, requested_effort="medium", trace_id=TRACE_ID, recorded_at=NOW
    )

    assert record.recorded_at == NOW
    assert record.step == "draft"
    assert record.model == "openai/gpt-4o-mini"
    assert record.status == "ok"
    assert record.category is None
    assert record.error_message is None
    assert record.latency_ms == pytest.approx(1250.0)
    assert record.input_tokens == 120
    assert record.output_tokens == 45
    assert record.reasoning_tokens == 30
    assert record.cost_usd == pytest.approx(0.0031)
    assert record.attempts == 1
    assert record.requested_effort == "medium"
    assert record.effective_effort == "low"
    assert record.trace_id == TRACE_ID


def test_from_result_failed_run() -> None:
    outcome = Outcome.failed(OutcomeCategory.TIMEOUT, "the call timed out after 30 s")
    result = PromptResult(
        step="verify",
        model="openai/o4-mini",
        outcome=outcome,
        attempts=[make_attempt("high", outcome), make_attempt("low", outcome)],
        duration=30.2,
    )

    record = InteractionRecord.from_result(result, recorded_at=NOW)

    assert record.status == "failed"
    assert record.category == "timeout"
    assert record.error_message == "the call timed out after 30 s"
    assert record.attempts == 2
    assert record.effective_effort == "low"
    assert record.cost_usd is None


def test_from_result_degraded_run_keeps_message() -> None:
    outcome = Outcome.degraded(OutcomeCategory.INVALID_OUTPUT, "the verifier returned prose")
    result = PromptResult(step="verify", model="m", outcome=outcome, attempts=[make_attempt(None)])

    record = InteractionRecord.from_result(result, recorded_at=NOW)

    assert record.status == "degraded"
    assert record.category == "invalid_output"
    assert record.error_message == "the verifier returned prose"
    assert record.effective_effort is None


def test_from_result_without_attempts() -> None:
    outcome = Outcome.failed(OutcomeCategory.BUDGET_EXHAUSTED, "no time left")
    result = PromptResult(step="draft", model="m", outcome=outcome)

    record = InteractionRecord.from_result(result, requested_effort="low", recorded_at=NOW)

    assert record.attempts == 0
    assert record.effective_effort is None
    assert record.requested_effort == "low"
    assert record.latency_ms == 0.0


def test_from_result_defaults_to_now_in_utc() -> None:
    result = PromptResult(step="draft", model="m", outcome=Outcome.ok())
    before = datetime.now(timezone.utc)

    record = InteractionRecord.from_result(result)

    assert before <= record.recorded_at <= datetime.now(timezone.utc)
    assert record.recorded_at.utcoffset() == timedelta(0)


def test_from_result_rejects_invalid_trace_id() -> None:
    result = PromptResult(step="draft", model="m", outcome=Outcome.ok())

    with pytest.raises(ConfigurationError, match="trace_id"):
        InteractionRecord.from_result(result, trace_id="not-a-trace")


def test_from_result_of_a_runner_result() -> None:
    runner = Runner(FakeTransport())
    request = PromptRequest.from_prompt("Hello", model="openai/sim-ok", step="greet")
    result = runner.run_sync(request)

    record = InteractionRecord.from_result(result)

    assert record.step == "greet"
    assert record.model == "openai/sim-ok"
    assert record.status == "ok"
    assert record.attempts == 1
    assert record.latency_ms == pytest.approx(result.duration * 1000)
    assert record.latency_ms > 0


# --- summarize ---------------------------------------------------------------------------


def test_summarize_empty() -> None:
    summary = summarize([])

    assert summary.total == 0
    assert summary.by_status == {"ok": 0, "degraded": 0, "failed": 0}
    assert summary.by_category == {}
    assert summary.latency_p50_ms is None
    assert summary.latency_max_ms is None
    assert summary.cost_usd is None
    assert summary.first_recorded_at is None
    assert summary.last_recorded_at is None


def test_summarize_single_record() -> None:
    summary = summarize([make_record(latency_ms=42.0)])

    assert summary.latency_p50_ms == 42.0
    assert summary.latency_p99_ms == 42.0
    assert summary.latency_max_ms == 42.0


def test_summarize_percentiles_interpolate_linearly() -> None:
    records = [make_record(index, latency_ms=float(index)) for index in range(1, 101)]

    summary = summarize(reversed(records))

    assert summary.latency_p50_ms == pytest.approx(50.5)
    assert summary.latency_p90_ms == pytest.approx(90.1)
    assert summary.latency_p99_ms == pytest.approx(99.01)
    assert summary.latency_max_ms == 100.0


def test_summarize_counts_and_totals() -> None:
    records = [
        make_record(0, input_tokens=10, output_tokens=5, reasoning_tokens=1, cost_usd=0.5),
        make_record(1, status="failed", category="timeout", cost_usd=0.25),
        make_record(2, status="failed", category="timeout"),
        make_record(3, status="degraded", category="invalid_output", input_tokens=7),
        make_record(4, status="failed"),
    ]

    summary = summarize(records)

    assert summary.total == 5
    assert summary.by_status == {"ok": 1, "degraded": 1, "failed": 3}
    assert summary.by_category == {"timeout": 2, "invalid_output": 1, "uncategorized": 1}
    assert next(iter(summary.by_category)) == "timeout"
    assert summary.input_tokens == 17
    assert summary.output_tokens == 5
    assert summary.reasoning_tokens == 1
    assert summary.cost_usd == pytest.approx(0.75)
    assert summary.records_without_cost == 3
    assert summary.first_recorded_at == NOW
    assert summary.last_recorded_at == NOW + timedelta(seconds=4)


def test_summary_serializes_to_json() -> None:
    summary = summarize([make_record()])

    document = json.loads(summary.model_dump_json())

    assert document["first_recorded_at"] == "2025-06-01T12:00:00.123456Z"
    assert document["total"] == 1


# --- RecordWriter ------------------------------------------------------------------------


def test_writer_starts_no_thread_before_submit(writers: list[RecordWriter]) -> None:
    before = sum(thread.name == "promptrunner-records" for thread in threading.enumerate())
    writer = new_writer(writers, MemoryStore())

    after_construction = sum(t.name == "promptrunner-records" for t in threading.enumerate())
    writer.submit(make_record())
    after_submit = sum(t.name == "promptrunner-records" for t in threading.enumerate())

    assert after_construction == before
    assert after_submit == before + 1


def test_writer_writes_in_batches(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    store.release.clear()
    writer = new_writer(writers, store, batch_size=10)

    writer.submit(make_record(0))
    assert store.entered.wait(5)
    for index in range(1, 26):
        writer.submit(make_record(index))
    store.release.set()

    assert writer.flush(5)
    assert [len(batch) for batch in store.batches] == [1, 10, 10, 5]
    assert store.written_steps == [f"step-{index}" for index in range(26)]
    assert writer.written == 26
    assert writer.pending == 0


def test_writer_gathers_one_batch(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    writer = new_writer(writers, store, linger=0.3)

    for index in range(5):
        writer.submit(make_record(index))
    time.sleep(0.1)
    assert store.calls == []

    wait_until(lambda: writer.written == 5)
    assert [len(batch) for batch in store.batches] == [5]


def test_flush_ends_gathering(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    writer = new_writer(writers, store, linger=60)
    writer.submit(make_record(0))

    started = time.monotonic()
    assert writer.flush(5)

    assert time.monotonic() - started < 2
    assert store.written_steps == ["step-0"]


def test_full_batch_written_at_once(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    writer = new_writer(writers, store, linger=60, batch_size=3)

    for index in range(3):
        writer.submit(make_record(index))

    wait_until(lambda: writer.written == 3, timeout=2)


def test_writer_drops_and_counts_when_full(
    writers: list[RecordWriter], caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    store.release.clear()
    writer = new_writer(writers, store, max_pending=5)
    writer.submit(make_record(0))
    assert store.entered.wait(5)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        for index in range(1, 9):
            writer.submit(make_record(index))
    elapsed = time.monotonic() - started

    assert elapsed < 0.5
    assert writer.dropped == 3
    assert writer.pending == 6
    assert "queue is full" in caplog.text
    store.release.set()
    assert writer.flush(5)
    assert writer.written == 6
    assert store.written_steps == [f"step-{index}" for index in range(6)]


def test_writer_counts_and_logs_failed_batches(
    writers: list[RecordWriter], caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore(failures=1_000)
    writer = new_writer(writers, store, write_attempts=3, retry_delay=0.01)

    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        for index in range(4):
            writer.submit(make_record(index))
        assert writer.flush(5)

    assert writer.failed == 4
    assert writer.written == 0
    assert set(Counter(store.calls).values()) == {3}
    assert sum(len(batch) for batch in set(store.calls)) == 4
    warnings = [r for r in caplog.records if r.name == "promptrunner.records"]
    assert warnings
    assert "Could not write" in warnings[0].getMessage()
    assert "the test store is down" in warnings[0].getMessage()


def test_failed_batch_of_one_reads_singular(
    writers: list[RecordWriter], caplog: pytest.LogCaptureFixture
) -> None:
    writer = new_writer(writers, MemoryStore(failures=1_000), write_attempts=1)

    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        writer.submit(make_record(0))
        assert writer.flush(5)

    assert "Could not write 1 interaction record to" in caplog.text
    assert "1 interaction records" not in caplog.text


def test_invalid_record_does_not_lose_its_batch(
    tmp_path: Path, writers: list[RecordWriter], caplog: pytest.LogCaptureFixture
) -> None:
    """A record that skipped validation fails the SQLite insert, but the valid ones are written."""
    from promptrunner.records import open_record_store

    unchecked = InteractionRecord.model_construct(
        **{**make_record(1).model_dump(), "latency_ms": float("nan")}
    )
    writer = new_writer(
        writers, open_record_store(tmp_path / "records.sqlite3"), retry_delay=0.01, linger=60
    )

    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        for record in (make_record(0), unchecked, make_record(2)):
            writer.submit(record)
        assert writer.flush(10)

    assert writer.written == 2
    assert writer.failed == 1
    assert sorted(record.step for record in writer.store.query()) == ["step-0", "step-2"]
    assert "Leaving out 1 interaction record that failed validation" in caplog.text


def test_writer_retries_a_failed_write(writers: list[RecordWriter]) -> None:
    store = MemoryStore(failures=1)
    writer = new_writer(writers, store, write_attempts=2, retry_delay=0.01)

    writer.submit(make_record(0))
    assert writer.flush(5)

    assert writer.written == 1
    assert writer.failed == 0
    assert store.calls == [("step-0",), ("step-0",)]


def test_writer_goes_on_after_a_lost_batch(writers: list[RecordWriter]) -> None:
    store = MemoryStore(failures=2)
    writer = new_writer(writers, store, write_attempts=2, retry_delay=0.01)

    writer.submit(make_record(0))
    assert writer.flush(5)
    writer.submit(make_record(1))
    writer.submit(make_record(2))
    assert writer.flush(5)

    assert writer.failed == 1
    assert writer.written == 2
    assert store.written_steps == ["step-1", "step-2"]


def test_submit_never_raises(writers: list[RecordWriter]) -> None:
    store = MemoryStore(failures=1_000)
    writer = new_writer(writers, store, write_attempts=1)

    writer.submit(make_record(0))
    writer.submit("not a record")  # type: ignore[arg-type]
    writer.close(timeout=5)
    writer.submit(make_record(1))

    assert writer.failed == 1
    assert writer.dropped == 2


def test_flush_returns_false_when_store_hangs(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    store.release.clear()
    writer = new_writer(writers, store)
    writer.submit(make_record(0))

    started = time.monotonic()
    flushed = writer.flush(0.2)
    elapsed = time.monotonic() - started

    assert not flushed
    assert 0.2 <= elapsed < 1.0
    store.release.set()
    assert writer.flush(5)
    assert writer.written == 1


def test_flush_without_records_returns_at_once(writers: list[RecordWriter]) -> None:
    writer = new_writer(writers, MemoryStore())

    assert writer.flush(0)


def test_close_writes_pending_and_closes_store(writers: list[RecordWriter]) -> None:
    store = MemoryStore()
    writer = new_writer(writers, store)
    for index in range(5):
        writer.submit(make_record(index))

    writer.close()

    assert writer.written == 5
    assert store.closed


def test_close_is_bounded_when_store_hangs(
    writers: list[RecordWriter], caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    store.release.clear()
    writer = new_writer(writers, store)
    writer.submit(make_record(0))
    assert store.entered.wait(5)
    writer.submit(make_record(1))
    writer.submit(make_record(2))

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        writer.close(timeout=0.3)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert not store.closed
    assert "dropped 2 interaction records still queued" in caplog.text
    assert "left open because a write of 1 interaction record has not returned" in caplog.text
    assert writer.dropped == 2
    assert writer.pending == 1
    store.release.set()
    wait_until(lambda: writer.pending == 0)
    assert writer.written == 1
    assert writer.dropped == 2


def test_close_twice_is_harmless(writers: list[RecordWriter]) -> None:
    writer = new_writer(writers, MemoryStore())

    writer.close()
    writer.close()


def test_writer_as_context_manager() -> None:
    store = MemoryStore()

    with RecordWriter(store) as writer:
        writer.submit(make_record())

    assert writer.written == 1
    assert store.closed


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"max_pending": 0}, "max_pending"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"write_attempts": 0}, "write_attempts"),
        ({"retry_delay": -1}, "retry_delay"),
        ({"retry_delay": float("nan")}, "retry_delay"),
    ],
)
def test_writer_rejects_invalid_settings(options: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        RecordWriter(MemoryStore(), **options)  # type: ignore[arg-type]


def test_writer_rejects_object_without_store_methods() -> None:
    with pytest.raises(ConfigurationError, match="RecordStore"):
        RecordWriter(object())  # type: ignore[arg-type]


def test_flush_rejects_negative_timeout(writers: list[RecordWriter]) -> None:
    writer = new_writer(writers, MemoryStore())

    with pytest.raises(ConfigurationError, match="timeout"):
        writer.flush(-1)


# --- Process exit ------------------------------------------------------------------------

EXIT_SCRIPT = r"""
import sys, time
from datetime import datetime, timezone
from promptrunner.records import InteractionRecord, RecordWriter, open_record_store
from promptrunner.records import _writer

class SlowStore:
    def __init__(self, inner, delay):
        self.inner, self.delay = inner, delay
    def write(self, records):
        time.sleep(self.delay)
        self.inner.write(records)
    def query(self, **bounds):
        return self.inner.query(**bounds)
    def close(self):
        self.inner.close()

path, delay, exit_timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
_writer.ATEXIT_FLUSH_TIMEOUT = exit_timeout
writer = RecordWriter(SlowStore(open_record_store(path), delay), batch_size=10)
for index in range(50):
    writer.submit(InteractionRecord(
        recorded_at=datetime.now(timezone.utc), step=f"step-{index}", model="m",
        status="ok", latency_ms=1.0,
    ))
"""


def run_exit_script(tmp_path: Path, delay: float, exit_timeout: float) -> tuple[float, str]:
    started = time.monotonic()
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            EXIT_SCRIPT,
            str(tmp_path / "records.sqlite3"),
            str(delay),
            str(exit_timeout),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return time.monotonic() - started, completed.stderr


def count_rows(path: Path) -> int:
    from promptrunner.records import open_record_store

    store = open_record_store(path)
    try:
        return len(store.query())
    finally:
        store.close()


def test_exit_flushes_pending_records(tmp_path: Path) -> None:
    """A script that never closes its writer still gets all its records written."""
    run_exit_script(tmp_path, delay=0.1, exit_timeout=30)

    assert count_rows(tmp_path / "records.sqlite3") == 50


def test_exit_flush_is_bounded(tmp_path: Path) -> None:
    """A store that hangs delays the exit by the flush bound only, and the loss is logged."""
    elapsed, stderr = run_exit_script(tmp_path, delay=3600, exit_timeout=0.5)

    assert elapsed < 10
    assert "dropped 40 interaction records still queued" in stderr
    assert "a write of 10 interaction records has not returned" in stderr


# --- Package ------------------------------------------------------------------------------


def test_import_records_does_not_load_sqlalchemy() -> None:
    code = "import sys, promptrunner.records; print('sqlalchemy' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert completed.stdout.strip() == "False"
