"""The runner over in-process transports: composition, deadlines, failures."""

from __future__ import annotations

import asyncio
import time

import pytest

from promptrunner import (
    CallNext,
    ConfigurationError,
    Deadline,
    Decision,
    OutcomeCategory,
    OutcomeStatus,
    PromptRequest,
    PromptResult,
    RateLimitedError,
    RunFailedError,
    Runner,
    RunTimeoutError,
)
from promptrunner.runner import CANCEL_GRACE, DEADLINE_GRACE
from tests.fakes import FakeTransport, HangingTransport, failure


def make_request(**fields: object) -> PromptRequest:
    return PromptRequest.from_prompt("hello", model="openai/sim-ok", **fields)  # type: ignore[arg-type]


class Recorder:
    """Middleware that records the order in which layers see the request."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        self.log.append(f"{self.name} in")
        result = await call_next(request)
        self.log.append(f"{self.name} out")
        result.decisions.append(Decision(middleware=self.name, name="seen"))
        return result


async def test_runner_first_middleware_is_outermost() -> None:
    log: list[str] = []
    runner = Runner(FakeTransport(), [Recorder("outer", log), Recorder("inner", log)])

    result = await runner.run(make_request())

    assert log == ["outer in", "inner in", "inner out", "outer out"]
    assert [decision.middleware for decision in result.decisions] == ["inner", "outer"]


async def test_runner_sets_deadline_on_request() -> None:
    transport = FakeTransport()
    deadline = Deadline(5)
    runner = Runner(transport)

    await runner.run(make_request(), deadline=deadline)

    assert transport.requests[0].deadline is deadline


async def test_runner_budget_number_becomes_deadline() -> None:
    transport = FakeTransport()
    runner = Runner(transport, budget=30)

    await runner.run(make_request(), deadline=2.5)
    await runner.run(make_request())

    assert transport.requests[0].deadline is not None
    assert transport.requests[0].deadline.budget == 2.5
    assert transport.requests[1].deadline is not None
    assert transport.requests[1].deadline.budget == 30


async def test_runner_raises_subclass_of_category() -> None:
    runner = Runner(FakeTransport(lambda request: failure(request, OutcomeCategory.RATE_LIMITED)))

    with pytest.raises(RateLimitedError) as caught:
        await runner.run(make_request())

    assert caught.value.category is OutcomeCategory.RATE_LIMITED
    assert caught.value.result.outcome.status is OutcomeStatus.FAILED
    assert "rate_limited" in str(caught.value)


async def test_runner_returns_failed_result_on_request() -> None:
    runner = Runner(FakeTransport(lambda request: failure(request, OutcomeCategory.NETWORK)))

    result = await runner.run(make_request(), raise_on_failure=False)

    assert result.outcome.status is OutcomeStatus.FAILED
    assert result.outcome.category is OutcomeCategory.NETWORK
    assert len(result.attempts) == 1


async def test_runner_records_duration() -> None:
    result = await Runner(FakeTransport()).run(make_request())

    assert result.duration >= 0
    assert result.duration < 1


async def test_runner_hanging_transport_times_out_in_budget() -> None:
    transport = HangingTransport()
    runner = Runner(transport)

    start = time.monotonic()
    result = await runner.run(make_request(), deadline=0.3, raise_on_failure=False)
    elapsed = time.monotonic() - start

    assert result.outcome.category is OutcomeCategory.TIMEOUT
    assert elapsed < 0.3 + DEADLINE_GRACE + CANCEL_GRACE + 0.05
    assert transport.cancelled.is_set()


async def test_runner_transport_ignoring_cancel_still_bounded() -> None:
    transport = HangingTransport(ignore_cancel=True)
    runner = Runner(transport)

    start = time.monotonic()
    with pytest.raises(RunTimeoutError):
        await runner.run(make_request(), deadline=0.2)
    elapsed = time.monotonic() - start

    assert elapsed < 0.2 + DEADLINE_GRACE + CANCEL_GRACE + 0.05


async def test_runner_caller_cancel_propagates() -> None:
    transport = HangingTransport()
    runner = Runner(transport)
    task = asyncio.ensure_future(runner.run(make_request(), deadline=10))
    await asyncio.sleep(0.05)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert transport.cancelled.is_set()


async def test_runner_inner_cancel_is_cancelled_outcome() -> None:
    async def cancel_inside(request: PromptRequest, call_next: CallNext) -> PromptResult:
        raise asyncio.CancelledError

    runner = Runner(FakeTransport(), [cancel_inside])

    result = await runner.run(make_request(), raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.CANCELLED


async def test_runner_expired_deadline_is_budget_exhausted() -> None:
    transport = FakeTransport()
    deadline = Deadline(0.01)
    await asyncio.sleep(0.02)

    result = await Runner(transport).run(make_request(), deadline=deadline, raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.BUDGET_EXHAUSTED
    assert transport.requests == []


async def test_runner_middleware_may_short_circuit_by_raising() -> None:
    async def refuse(request: PromptRequest, call_next: CallNext) -> PromptResult:
        raise RateLimitedError(failure(request, OutcomeCategory.RATE_LIMITED))

    transport = FakeTransport()
    result = await Runner(transport, [refuse]).run(make_request(), raise_on_failure=False)

    assert result.outcome.category is OutcomeCategory.RATE_LIMITED
    assert transport.requests == []


async def test_runner_serves_concurrent_runs() -> None:
    async def echo_later(request: PromptRequest, call_next: CallNext) -> PromptResult:
        await asyncio.sleep(0.01)
        return await call_next(request)

    transport = FakeTransport(
        lambda request: (
            failure(request, OutcomeCategory.TRUNCATED)
            if request.step == "odd"
            else failure(request, OutcomeCategory.NETWORK)
        )
    )
    runner = Runner(transport, [echo_later])
    requests = [make_request(step="odd" if index % 2 else "even") for index in range(20)]

    results = await asyncio.gather(
        *(runner.run(request, raise_on_failure=False) for request in requests)
    )

    for request, result in zip(requests, results, strict=True):
        assert result.step == request.step
        expected = OutcomeCategory.TRUNCATED if request.step == "odd" else OutcomeCategory.NETWORK
        assert result.outcome.category is expected


def test_runner_run_sync_returns_result() -> None:
    result = Runner(FakeTransport()).run_sync(make_request())

    assert result.text == "fake answer"


async def test_runner_run_sync_inside_loop_rejected() -> None:
    with pytest.raises(ConfigurationError, match=r"await Runner\.run"):
        Runner(FakeTransport()).run_sync(make_request())


def test_runner_rejects_bad_construction() -> None:
    with pytest.raises(ConfigurationError, match="transport"):
        Runner(object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="position 1"):
        Runner(FakeTransport(), [Recorder("a", []), "not middleware"])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="budget"):
        Runner(FakeTransport(), budget=0)


async def test_runner_rejects_bad_run_arguments() -> None:
    runner = Runner(FakeTransport())

    with pytest.raises(ConfigurationError, match="PromptRequest"):
        await runner.run({"model": "x"})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="-1"):
        await runner.run(make_request(), deadline=-1)


def test_run_failed_error_is_root_error() -> None:
    from promptrunner import PromptRunnerError

    assert issubclass(RunFailedError, PromptRunnerError)
    assert issubclass(ConfigurationError, PromptRunnerError)
    assert not issubclass(ConfigurationError, RunFailedError)


async def test_runner_rejects_non_result_from_chain() -> None:
    async def broken(request: PromptRequest, call_next: CallNext) -> PromptResult:
        await call_next(request)
        return "not a result"  # type: ignore[return-value]

    with pytest.raises(ConfigurationError, match="returned str"):
        await Runner(FakeTransport(), [broken]).run(make_request())
