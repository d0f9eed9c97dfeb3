"""Traces and metrics of runs through the OpenTelemetry API: a span per run, one per attempt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from opentelemetry import metrics, trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from opentelemetry.util.types import AttributeValue

from promptrunner.outcome import Outcome, OutcomeCategory, OutcomeStatus
from promptrunner.result import Attempt
from promptrunner.telemetry import _names as names
from promptrunner.telemetry._content import capture_enabled, input_messages, output_messages
from promptrunner.telemetry._metrics import Instruments

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from promptrunner.deadline import Deadline
    from promptrunner.middleware import CallNext
    from promptrunner.request import PromptRequest
    from promptrunner.result import PromptResult

__all__ = ["INSTRUMENTATION_SCOPE", "RunTrace", "Telemetry"]

INSTRUMENTATION_SCOPE = "promptrunner"


class _RunState:
    """The state the attempts of one run share: the next attempt index, the attempts made."""

    __slots__ = ("attempts", "next_index")

    def __init__(self) -> None:
        self.next_index = 0
        self.attempts: list[Attempt] = []


_run_state: ContextVar[_RunState | None] = ContextVar("promptrunner_run_state", default=None)


class Telemetry:
    """The destination of a runner's traces and metrics, and whether spans carry message text.

    With no providers given, the global ones are used, so an application that configures
    the OpenTelemetry SDK gets promptrunner's spans and metrics with no wiring. Without an
    SDK, the API's no-op providers make tracing cost next to nothing. `capture_content`
    records prompt and completion text on attempt spans; None follows the
    `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` environment variable.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        capture_content: bool | None = None,
    ) -> None:
        from promptrunner import __version__

        self._tracer = trace.get_tracer(INSTRUMENTATION_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(INSTRUMENTATION_SCOPE, __version__, meter_provider)
        self._instruments = Instruments(meter)
        self.capture_content = capture_enabled() if capture_content is None else capture_content

    def start_run(self, request: PromptRequest, deadline: Deadline) -> RunTrace:
        """Open the span of one run; the caller must finish the returned trace."""
        span = self._tracer.start_span(f"run {request.step}", kind=SpanKind.INTERNAL)
        if span.is_recording():
            span.set_attributes(
                {
                    names.STEP: request.step,
                    names.RUN_REQUEST_MODEL: request.model,
                    names.BUDGET: deadline.budget,
                }
            )
        return RunTrace(span, self._instruments, request.step)

    def trace_attempts(self, complete: CallNext) -> CallNext:
        """Wrap a transport's `complete` so each call gets a `chat {model}` client span."""
        tracer = self._tracer
        instruments = self._instruments
        capture_content = self.capture_content

        async def traced_complete(request: PromptRequest) -> PromptResult:
            state = _run_state.get()
            index = _next_attempt_index(state)
            started_at = time.time()
            started = time.monotonic()
            with tracer.start_as_current_span(
                f"{names.CHAT_OPERATION} {names.provider_model(request.model, None)}",
                kind=SpanKind.CLIENT,
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                try:
                    result = await complete(request)
                except BaseException as error:
                    failure = type(error).__qualname__
                    duration = time.monotonic() - started
                    _end_attempt_with_error(span, request, index, failure)
                    instruments.operation_duration.record(
                        duration, _metric_attributes(request.model, None, None, failure)
                    )
                    if state is not None and isinstance(error, asyncio.CancelledError):
                        state.attempts.append(_cancelled_attempt(request, started_at, duration))
                    raise

                attempts = result.attempts or [
                    _attempt_from_result(request, result, started_at, started)
                ]
                if state is not None:
                    state.attempts.extend(attempts)
                _annotate_attempt(span, request, result, attempts[-1], index, capture_content)
                _record_attempt_metrics(instruments, request, attempts[-1])
            return result

        return traced_complete


class RunTrace:
    """The span of one run in progress, with what the runner needs to finish it."""

    def __init__(self, span: Span, instruments: Instruments, step: str) -> None:
        self.span = span
        self._instruments = instruments
        self._step = step
        self._state = _RunState()

    @property
    def attempts(self) -> list[Attempt]:
        """The attempts the transport returned so far in this run, in order."""
        return self._state.attempts

    @contextmanager
    def activate(self) -> Iterator[None]:
        """Make the run span current, so tasks started inside it parent their spans to it."""
        token = _run_state.set(self._state)
        try:
            with trace.use_span(
                self.span, end_on_exit=False, record_exception=False, set_status_on_exception=False
            ):
                yield
        finally:
            _run_state.reset(token)

    def finish(
        self, result: PromptResult, requested_effort: str | None, effective_effort: str | None
    ) -> str | None:
        """Record the outcome on the span and in metrics, end the span, return the trace id."""
        outcome = result.outcome
        category = outcome.category.value if outcome.category is not None else None
        span = self.span

        if span.is_recording():
            attributes: dict[str, AttributeValue] = {
                names.OUTCOME_STATUS: outcome.status.value,
                names.RUN_MODEL: result.model,
                names.RUN_ATTEMPTS: len(result.attempts),
                names.RUN_INPUT_TOKENS: result.usage.input_tokens,
                names.RUN_OUTPUT_TOKENS: result.usage.output_tokens,
                names.RUN_REASONING_TOKENS: result.usage.reasoning_tokens,
            }
            _put(attributes, names.OUTCOME_CATEGORY, category)
            _put(attributes, names.OUTCOME_MESSAGE, outcome.message)
            _put(attributes, names.RUN_COST, result.usage.cost_usd)
            _put(attributes, names.REQUESTED_EFFORT, requested_effort)
            _put(attributes, names.EFFECTIVE_EFFORT, effective_effort)
            if outcome.status is OutcomeStatus.FAILED:
                attributes[names.ERROR_TYPE] = outcome.error_type or category or "unknown"
            span.set_attributes(attributes)

            for decision in result.decisions:
                span.add_event(
                    f"{decision.middleware}.{decision.name}",
                    {names.DECISION_MIDDLEWARE: decision.middleware, **decision.attributes},
                    timestamp=int(decision.at * 1e9),
                )
            if outcome.status is OutcomeStatus.FAILED:
                span.set_status(StatusCode.ERROR, outcome.message)

        run_attributes: dict[str, AttributeValue] = {
            names.STEP: self._step,
            names.OUTCOME_STATUS: outcome.status.value,
        }
        _put(run_attributes, names.OUTCOME_CATEGORY, category)
        self._instruments.runs.add(1, run_attributes)
        span.end()

        context = span.get_span_context()
        return format(context.trace_id, "032x") if context.is_valid else None

    def abandon(self, error: BaseException) -> None:
        """End the span of a run that raised instead of returning a result."""
        if self.span.is_recording():
            self.span.set_attribute(names.ERROR_TYPE, type(error).__qualname__)
            self.span.set_status(StatusCode.ERROR, f"the run raised {type(error).__qualname__}")
        self.span.end()


def _cancelled_attempt(request: PromptRequest, started_at: float, duration: float) -> Attempt:
    outcome = Outcome.failed(
        OutcomeCategory.CANCELLED, "the call was cancelled", error_type="CancelledError"
    )
    return Attempt(
        model=request.model,
        started_at=started_at,
        duration=duration,
        outcome=outcome,
        reasoning_effort=request.reasoning_effort,
        max_output_tokens=request.max_output_tokens,
    )


def _attempt_from_result(
    request: PromptRequest, result: PromptResult, started_at: float, started: float
) -> Attempt:
    """Describe a call whose transport returned a result without its attempt."""
    return Attempt(
        model=request.model,
        started_at=started_at,
        duration=time.monotonic() - started,
        outcome=result.outcome,
        reasoning_effort=request.reasoning_effort,
        finish_reason=result.finish_reason,
        usage=result.usage,
        max_output_tokens=request.max_output_tokens,
    )


def _next_attempt_index(state: _RunState | None) -> int:
    if state is None:
        return 0
    index = state.next_index
    state.next_index = index + 1
    return index


def _annotate_attempt(
    span: Span,
    request: PromptRequest,
    result: PromptResult,
    attempt: Attempt,
    index: int,
    capture_content: bool,
) -> None:
    provider = attempt.provider
    model = names.provider_model(request.model, provider)
    if model != request.model:
        span.update_name(f"{names.CHAT_OPERATION} {model}")
    if not span.is_recording():
        return

    attributes = _request_attributes(request, provider, index)
    usage = attempt.usage
    if usage.input_tokens or usage.output_tokens:
        # A call that ended without a response reported no usage, which is not zero usage.
        attributes[names.USAGE_INPUT_TOKENS] = usage.input_tokens
        attributes[names.USAGE_OUTPUT_TOKENS] = usage.output_tokens
    if usage.reasoning_tokens:
        attributes[names.USAGE_REASONING_TOKENS] = usage.reasoning_tokens
    _put(attributes, names.ATTEMPT_COST, usage.cost_usd)

    finish_reason = attempt.provider_finish_reason or attempt.finish_reason
    if finish_reason is not None:
        attributes[names.RESPONSE_FINISH_REASONS] = (finish_reason,)
    _put(attributes, names.RESPONSE_MODEL, attempt.response_model)

    outcome = attempt.outcome
    if outcome.category is not None:
        attributes[names.ATTEMPT_CATEGORY] = outcome.category.value
    failed = outcome.status is OutcomeStatus.FAILED
    if failed:
        attributes[names.ERROR_TYPE] = _error_type(outcome.error_type, outcome.category)

    if capture_content:
        attributes[names.INPUT_MESSAGES] = input_messages(request.messages)
        if result.text:
            attributes[names.OUTPUT_MESSAGES] = output_messages(result.text, finish_reason)

    span.set_attributes(attributes)
    if failed:
        span.set_status(StatusCode.ERROR, outcome.message)


def _end_attempt_with_error(span: Span, request: PromptRequest, index: int, failure: str) -> None:
    if not span.is_recording():
        return
    attributes = _request_attributes(request, None, index)
    attributes[names.ERROR_TYPE] = failure
    span.set_attributes(attributes)
    span.set_status(StatusCode.ERROR, f"the call ended with {failure}")


def _model_attributes(request_model: str, provider: str | None) -> dict[str, AttributeValue]:
    """Return the operation, provider and model attributes that spans and metrics share."""
    known = provider or names.routing_prefix(request_model)
    return {
        names.OPERATION_NAME: names.CHAT_OPERATION,
        names.PROVIDER_NAME: names.provider_name(known),
        names.REQUEST_MODEL: names.provider_model(request_model, known),
    }


def _request_attributes(
    request: PromptRequest, provider: str | None, index: int
) -> dict[str, AttributeValue]:
    attributes = _model_attributes(request.model, provider)
    attributes[names.ATTEMPT_INDEX] = index
    _put(attributes, names.REQUEST_MAX_TOKENS, request.max_output_tokens)
    _put(attributes, names.ATTEMPT_EFFORT, request.reasoning_effort)
    for option, attribute in _REQUEST_OPTIONS.items():
        value = request.provider_options.get(option)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes[attribute] = value
    return attributes


_REQUEST_OPTIONS = {"temperature": names.REQUEST_TEMPERATURE, "top_p": names.REQUEST_TOP_P}


def _record_attempt_metrics(
    instruments: Instruments, request: PromptRequest, attempt: Attempt
) -> None:
    outcome = attempt.outcome
    failure = (
        _error_type(outcome.error_type, outcome.category)
        if outcome.status is OutcomeStatus.FAILED
        else None
    )
    attributes = _metric_attributes(
        request.model, attempt.provider, attempt.response_model, failure
    )
    instruments.operation_duration.record(attempt.duration, attributes)

    usage = attempt.usage
    if usage.input_tokens or usage.output_tokens:
        instruments.token_usage.record(
            usage.input_tokens, {**attributes, names.TOKEN_TYPE: "input"}
        )
        instruments.token_usage.record(
            usage.output_tokens, {**attributes, names.TOKEN_TYPE: "output"}
        )


def _metric_attributes(
    request_model: str, provider: str | None, response_model: str | None, failure: str | None
) -> dict[str, AttributeValue]:
    attributes = _model_attributes(request_model, provider)
    _put(attributes, names.RESPONSE_MODEL, response_model)
    _put(attributes, names.ERROR_TYPE, failure)
    return attributes


def _error_type(error_type: str | None, category: object) -> str:
    if error_type:
        return error_type
    value = getattr(category, "value", None)
    return str(value) if value else "unknown"


def _put(attributes: dict[str, AttributeValue], key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attributes[key] = value
