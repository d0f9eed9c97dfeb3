"""A small support-reply pipeline run against the provider simulator, for `promptrunner demo`.

Four AI steps share one pipeline deadline and the standard middleware chain. The
simulator plays a realistic mix: a classifier that answers in JSON, a writer whose first
call hangs (the chain retries it), a verifier whose provider hangs for good (the
pipeline goes on with the unverified draft), and a summarizer whose reasoning uses up
the output limit once (the chain's second attempt, with lower effort, recovers). The
post-pass fixes the draft's em dashes and booking link whatever happens.

All four runs share one trace: the pipeline has a span of its own, and each run's span is
its child.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.trace import TracerProvider
from pydantic import BaseModel

from promptrunner.deadline import Deadline
from promptrunner.middleware.standard import standard_middleware
from promptrunner.postprocess import booking_link_enforcer, em_dash_replacer
from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult
from promptrunner.runner import RecordsTarget, Runner
from promptrunner.telemetry import Telemetry
from promptrunner.transport import LiteLLMTransport

__all__ = [
    "BOOKING_URL",
    "DEMO_SCRIPT",
    "PIPELINE_BUDGET",
    "VERIFIER_BUDGET",
    "DemoReport",
    "demo_runner",
    "run_demo",
]

PIPELINE_BUDGET = 20.0
"""Seconds the whole demo pipeline may take."""

VERIFIER_BUDGET = 1.5
"""Seconds of the pipeline budget that the best-effort verifier may use."""

CALL_TIMEOUT = 1.0
"""Per-call timeout of the demo's steps, in seconds."""

BOOKING_URL = "https://cal.example.com/acme/support"
"""The one booking link the demo's replies may contain."""

CUSTOMER_EMAIL = (
    "Hi, I was charged twice for my March invoice (INV-2291). Could you refund the "
    "duplicate charge and tell me when it will show up? Thanks, Dana"
)

DRAFT = (
    "Hi Dana, thanks for flagging this\u2014I can see two charges for INV-2291 and have "
    "refunded the duplicate today; it should reach your card within 5\u20137 business days. "
    "If you would like to go through your billing together, book a call at "
    "https://www.cal.example.com/acme/support/?utm_source=email. Best, Sam"
)

DEMO_SCRIPT = {
    "models": {
        "demo-classifier": [{"scenario": "ok", "content": '```json\n{"category": "billing"}\n```'}],
        "demo-writer": [{"scenario": "hang"}, {"scenario": "latency:0.2", "content": DRAFT}],
        "demo-verifier": [{"scenario": "hang"}],
        "demo-summarizer": [
            {"scenario": "reasoning-exhausted"},
            {"scenario": "ok", "content": "Charged twice for INV-2291; duplicate refunded."},
        ],
    }
}


class Classification(BaseModel):
    """The classifier step's verdict."""

    category: str


@dataclass(frozen=True)
class DemoReport:
    """The results of the demo's steps, in order, and the reply it would send."""

    results: list[PromptResult]
    reply: str


def demo_runner(
    api_base: str,
    *,
    telemetry: Telemetry | None = None,
    records: RecordsTarget | None = None,
) -> Runner:
    """Build the demo's runner for a simulator at `api_base`; this loads litellm."""
    middleware = standard_middleware(
        post_processors=[em_dash_replacer(), booking_link_enforcer(BOOKING_URL)],
        timeout=CALL_TIMEOUT,
        model_efforts={"openai/demo-*": ["low", "medium", "high"]},
    )
    transport = LiteLLMTransport(api_base=api_base, api_key="sk-simulator")
    return Runner(transport, middleware, telemetry=telemetry, records=records)


def run_demo(
    runner: Runner,
    *,
    on_result: Callable[[PromptResult], None] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> DemoReport:
    """Run the demo pipeline with a runner whose simulator serves `DEMO_SCRIPT`."""
    tracer = trace.get_tracer("promptrunner.demo", tracer_provider=tracer_provider)
    with tracer.start_as_current_span("pipeline support-reply"):
        return _run_pipeline(runner, on_result)


def _run_pipeline(runner: Runner, on_result: Callable[[PromptResult], None] | None) -> DemoReport:
    pipeline = Deadline(PIPELINE_BUDGET)
    results: list[PromptResult] = []

    def step(request: PromptRequest, deadline: Deadline) -> PromptResult:
        result = runner.run_sync(request, deadline=deadline, raise_on_failure=False)
        results.append(result)
        if on_result is not None:
            on_result(result)
        return result

    classify = _request(
        "classify",
        "demo-classifier",
        "Classify this email as billing, technical or other.",
        output_schema=Classification,
    )
    step(classify, pipeline)
    draft = step(_request("draft", "demo-writer", "Write a short, friendly reply."), pipeline)

    # The verifier is best-effort: it gets its own slice of the pipeline budget, and the
    # draft goes out unverified when it fails.
    verifier_deadline = Deadline(min(VERIFIER_BUDGET, max(pipeline.remaining, 0.01)))
    step(
        _request("verify", "demo-verifier", f"Check this reply for errors:\n{draft.text}"),
        verifier_deadline,
    )
    summarize = _request(
        "summarize",
        "demo-summarizer",
        "Summarize the ticket in one line.",
        max_output_tokens=256,
        reasoning_effort="high",
    )
    step(summarize, pipeline)

    return DemoReport(results=results, reply=draft.text)


def _request(step: str, model: str, instruction: str, **fields: object) -> PromptRequest:
    return PromptRequest.from_prompt(
        f"{instruction}\n\nCustomer email:\n{CUSTOMER_EMAIL}",
        model=f"openai/{model}",
        system="You are a support agent for a billing product.",
        step=step,
        **fields,
    )
