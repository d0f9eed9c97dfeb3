"""The runner: a transport and a middleware chain, composed once, with a hard deadline."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Union

from promptrunner._logging import log_rate_limited, log_slow_path
from promptrunner.deadline import Deadline, check_budget
from promptrunner.errors import ConfigurationError, RunFailedError, run_error_for
from promptrunner.middleware import CallNext, Middleware
from promptrunner.outcome import Outcome, OutcomeCategory
from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult, Usage
from promptrunner.telemetry import RunTrace, Telemetry
from promptrunner.transport import Transport

if TYPE_CHECKING:
    from promptrunner.records import RecordStore, RecordWriter

__all__ = ["DEADLINE_GRACE", "RecordsTarget", "Runner"]

RecordsTarget = Union["RecordStore", "RecordWriter", str, "os.PathLike[str]"]
"""The destination of a runner's interaction records: a store, a writer, a path or a URL."""

logger = logging.getLogger("promptrunner.runner")

DEADLINE_GRACE = 0.1
"""Seconds the runner waits past the deadline for the chain to return its own result.

Layers below (the transport's own timeout) normally end an attempt at the deadline and
return a categorized result; this grace lets that result through. After it, the runner
cancels the chain and waits at most `CANCEL_GRACE` more, so `run` returns within the
budget plus `DEADLINE_GRACE + CANCEL_GRACE` (0.15 s) whatever the provider does, as long
as the event loop is not blocked by other work.
"""

CANCEL_GRACE = 0.05
"""Seconds the runner waits for a cancelled chain to unwind before it stops waiting."""

DEFAULT_BUDGET = 60.0


class Runner:
    """Runs requests through an ordered middleware chain and a transport.

    The first middleware in `middleware` is the outermost. The chain is composed once,
    here; the runner keeps no per-run state, so one runner can serve concurrent runs.
    `budget` is the default time budget of a run in seconds, used when `run` gets no
    deadline.

    `telemetry` says where spans and metrics go (by default the global OpenTelemetry
    providers). `records` turns on one interaction record per run: a `RecordStore`, a
    `RecordWriter`, a SQLite file path or a database URL. Records are written on a
    background thread, so writing them never blocks or fails a run; call `close()` before
    the process ends to wait for the last ones.
    """

    def __init__(
        self,
        transport: Transport,
        middleware: Sequence[Middleware] = (),
        *,
        budget: float = DEFAULT_BUDGET,
        telemetry: Telemetry | None = None,
        records: RecordsTarget | None = None,
    ) -> None:
        if not callable(getattr(transport, "complete", None)):
            raise ConfigurationError(
                f"Runner needs a transport with an async complete(request) method, "
                f"got {transport!r}; pass LiteLLMTransport() or your own Transport."
            )
        for position, layer in enumerate(middleware):
            if not callable(layer):
                raise ConfigurationError(
                    f"Middleware at position {position} is not callable: {layer!r}; each "
                    f"middleware is an async callable (request, call_next) -> result."
                )
        if telemetry is not None and not isinstance(telemetry, Telemetry):
            raise ConfigurationError(
                f"Runner telemetry must be a promptrunner Telemetry, got "
                f"{type(telemetry).__name__}; wrap providers as "
                f"Telemetry(tracer_provider=..., meter_provider=...)."
            )
        self.transport = transport
        self.middleware = tuple(middleware)
        self.budget = check_budget(budget)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.records = _record_writer(records)
        self._chain = _compose(self.telemetry.trace_attempts(transport.complete), self.middleware)

    async def run(
        self,
        request: PromptRequest,
        *,
        deadline: Deadline | float | None = None,
        raise_on_failure: bool = True,
    ) -> PromptResult:
        """Run one request through the chain within its deadline.

        `deadline` is a shared `Deadline`, a budget in seconds, or None for the runner's
        default budget. A failed run raises the `RunFailedError` subclass of its category,
        unless `raise_on_failure` is false; then the failed result is returned.
        """
        if not isinstance(request, PromptRequest):
            raise ConfigurationError(
                f"Runner.run takes a PromptRequest, got {type(request).__name__}; build one "
                f"with PromptRequest(model=..., messages=[...])."
            )
        started = time.monotonic()
        run_deadline = self._resolve_deadline(deadline)
        request = request.model_copy(update={"deadline": run_deadline})
        run_trace = self.telemetry.start_run(request, run_deadline)

        try:
            with run_trace.activate():
                result = await self._run_within_deadline(request, run_deadline)
        except asyncio.CancelledError:
            cancelled = _failed(request, OutcomeCategory.CANCELLED, "the caller cancelled the run")
            cancelled.duration = time.monotonic() - started
            self._finish(run_trace, _with_attempts_made(cancelled, run_trace), request)
            raise
        except BaseException as error:
            # A bug in a middleware or transport: no result to record, but the span ends.
            run_trace.abandon(error)
            raise
        result.duration = time.monotonic() - started
        self._finish(run_trace, _with_attempts_made(result, run_trace), request)

        if raise_on_failure and result.outcome.is_failed:
            raise run_error_for(result)
        return result

    def run_sync(
        self,
        request: PromptRequest,
        *,
        deadline: Deadline | float | None = None,
        raise_on_failure: bool = True,
    ) -> PromptResult:
        """Run `run` on a new event loop, for callers without one."""
        return _run_blocking(
            self.run(request, deadline=deadline, raise_on_failure=raise_on_failure)
        )

    def close(self, timeout: float | None = None) -> None:
        """Write the interaction records still queued, waiting at most `timeout` seconds.

        Without a timeout the writer's own bound applies. A runner without records has
        nothing to do here.
        """
        if self.records is None:
            return
        if timeout is None:
            self.records.close()
        else:
            self.records.close(timeout)

    def _finish(self, run_trace: RunTrace, result: PromptResult, request: PromptRequest) -> None:
        requested_effort = _requested_effort(request, result)
        effective_effort = result.attempts[-1].reasoning_effort if result.attempts else None
        trace_id = run_trace.finish(result, requested_effort, effective_effort)

        if not result.outcome.is_ok:
            log_slow_path(
                logger,
                "Step %s ended %s (%s): %s",
                result.step,
                result.outcome.status.value,
                result.outcome.category.value if result.outcome.category else "unknown",
                result.outcome.message,
            )
        if self.records is not None:
            _submit_record(self.records, result, requested_effort, trace_id)

    def _resolve_deadline(self, deadline: Deadline | float | None) -> Deadline:
        if deadline is None:
            return Deadline(self.budget)
        if isinstance(deadline, Deadline):
            return deadline
        return Deadline(deadline)

    async def _run_within_deadline(
        self, request: PromptRequest, deadline: Deadline
    ) -> PromptResult:
        if deadline.expired:
            return _failed(
                request,
                OutcomeCategory.BUDGET_EXHAUSTED,
                "the deadline had passed before the run started",
            )

        chain_task = asyncio.ensure_future(self._call_chain(request))
        try:
            await _wait_until_done(chain_task, deadline.remaining + DEADLINE_GRACE)
        except asyncio.CancelledError:
            await _cancel_and_wait(chain_task)
            raise

        if not chain_task.done():
            await _cancel_and_wait(chain_task)
            return _failed(
                request,
                OutcomeCategory.TIMEOUT,
                f"the run did not finish within its {deadline.budget:g} s budget",
            )
        if chain_task.cancelled():
            return _failed(request, OutcomeCategory.CANCELLED, "the run was cancelled")
        return chain_task.result()

    async def _call_chain(self, request: PromptRequest) -> PromptResult:
        try:
            result = await self._chain(request)
        except RunFailedError as error:
            # A middleware may short-circuit by raising; its result is the run's result.
            return error.result

        if not isinstance(result, PromptResult):
            raise ConfigurationError(
                f"The chain returned {type(result).__name__}, not a PromptResult; every "
                f"middleware must return what call_next returned, or a PromptResult."
            )
        return result


def _record_writer(records: RecordsTarget | None) -> RecordWriter | None:
    if records is None:
        return None
    from promptrunner.records import RecordStore, RecordWriter, open_record_store

    if isinstance(records, RecordWriter):
        return records
    if isinstance(records, (str, os.PathLike)):
        return RecordWriter(open_record_store(records))
    if isinstance(records, RecordStore):
        return RecordWriter(records)
    raise ConfigurationError(
        f"Runner records must be a RecordStore, a RecordWriter, a SQLite file path or a "
        f"database URL, got {type(records).__name__}."
    )


def _with_attempts_made(result: PromptResult, run_trace: RunTrace) -> PromptResult:
    """Give a result the runner built itself (timeout, cancel) the attempts made before it."""
    if result.attempts or not run_trace.attempts:
        return result
    result.attempts = list(run_trace.attempts)
    result.usage = sum((attempt.usage for attempt in result.attempts), Usage())
    return result


def _submit_record(
    writer: RecordWriter, result: PromptResult, requested_effort: str | None, trace_id: str | None
) -> None:
    from promptrunner.records import InteractionRecord

    try:
        record = InteractionRecord.from_result(
            result, requested_effort=requested_effort, trace_id=trace_id
        )
    except Exception as error:  # A record never fails the run it describes.
        log_rate_limited(
            logger, logging.WARNING, "Could not build the record of step %s: %s", result.step, error
        )
        return
    writer.submit(record)


def _requested_effort(request: PromptRequest, result: PromptResult) -> str | None:
    # A step's own effort, set by ReasoningDowngrade, is what the step asked for.
    for decision in result.decisions:
        if decision.middleware == "ReasoningDowngrade" and decision.name == "effort":
            requested = decision.attributes.get("requested")
            return str(requested) if requested is not None else None
    return request.reasoning_effort


def _compose(complete: CallNext, middleware: Sequence[Middleware]) -> CallNext:
    call_next: CallNext = complete
    for layer in reversed(middleware):
        call_next = _bind(layer, call_next)
    return call_next


def _bind(layer: Middleware, call_next: CallNext) -> CallNext:
    # call_next is passed by position, so a middleware may name its parameter as it likes.
    async def call(request: PromptRequest) -> PromptResult:
        return await layer(request, call_next)

    return call


async def _wait_until_done(task: asyncio.Future[PromptResult], timeout: float) -> None:
    """Wait until `task` is done or `timeout` seconds have passed, without raising."""
    # The same as asyncio.wait({task}, timeout=timeout), in half the time per run.
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    task.add_done_callback(wake)
    timer = loop.call_later(timeout, wake)
    try:
        await waiter
    finally:
        timer.cancel()
        task.remove_done_callback(wake)


async def _cancel_and_wait(task: asyncio.Future[PromptResult]) -> None:
    task.cancel()
    await _wait_until_done(task, CANCEL_GRACE)
    if not task.done():
        log_slow_path(
            logger,
            "A cancelled run did not unwind within %.2f s; it is left to finish in the background.",
            CANCEL_GRACE,
        )
    task.add_done_callback(_consume_outcome)


def _consume_outcome(task: asyncio.Future[PromptResult]) -> None:
    # Read the exception so that asyncio does not report it as never retrieved.
    if not task.cancelled():
        task.exception()


def _failed(request: PromptRequest, category: OutcomeCategory, message: str) -> PromptResult:
    return PromptResult(
        step=request.step, model=request.model, outcome=Outcome.failed(category, message)
    )


def _run_blocking(coroutine: Coroutine[Any, Any, PromptResult]) -> PromptResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop_running = False
    else:
        loop_running = True

    if loop_running:
        coroutine.close()
        raise ConfigurationError(
            "Runner.run_sync was called from a running event loop; await Runner.run instead."
        )
    # asyncio.run is called outside the except block above: inside it, every exception
    # the run raises would carry the RuntimeError as context, hiding litellm's real cause.
    return asyncio.run(coroutine)
