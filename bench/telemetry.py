"""Per-call cost of tracing, metrics and interaction records on the standard chain.

The standard chain runs against the provider simulator (a separate process on
127.0.0.1) four ways, in interleaved blocks so machine noise hits them alike. The first
has telemetry off: the OpenTelemetry API without an SDK. The second has the SDK record
spans through a batch processor to an in-memory exporter, and metrics to an in-memory
reader. The third writes records to a SQLite file, and the fourth does both. The figures
that matter are the ratios to the chain with telemetry off. Two more clients in the
same run, a bare litellm call with and without one SDK span around it, show what the SDK
alone costs per span.

    python bench/telemetry.py --calls 600
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from overhead import (
    API_KEY,
    MAX_TOKENS,
    PROMPT,
    TIMEOUT,
    Call,
    bare_litellm_call,
    full_chain,
    measure,
    simulator_process,
)

from promptrunner import LiteLLMTransport, PromptRequest, Runner
from promptrunner.records import RecordWriter, open_record_store
from promptrunner.telemetry import Telemetry

BASELINE = "telemetry off"
BARE = "bare litellm"
IN_SPAN = "bare litellm in one SDK span"


def sdk_telemetry() -> Telemetry:
    """Telemetry into the OpenTelemetry SDK, with in-memory exporters."""
    tracer_provider = TracerProvider()
    # A queue larger than the default 2,048 spans, so that no span is dropped between
    # two exports, which come every 5 s.
    processor = BatchSpanProcessor(InMemorySpanExporter(), max_queue_size=50_000)
    tracer_provider.add_span_processor(processor)
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)


def variants(folder: Path) -> dict[str, dict[str, Any]]:
    """Runner options for each way of running the chain; records go to files in `folder`."""
    return {
        BASELINE: {},
        "tracing and metrics (SDK)": {"telemetry": sdk_telemetry()},
        "records (SQLite)": {"records": RecordWriter(open_record_store(folder / "only.sqlite3"))},
        "tracing, metrics and records": {
            "telemetry": sdk_telemetry(),
            "records": RecordWriter(open_record_store(folder / "both.sqlite3")),
        },
    }


def build_calls(api_base: str, folder: Path) -> tuple[dict[str, Call], list[Runner]]:
    transport = LiteLLMTransport(api_base=api_base, api_key=API_KEY, timeout=TIMEOUT)
    request = PromptRequest.from_prompt(PROMPT, model="openai/sim-ok", max_output_tokens=MAX_TOKENS)
    calls: dict[str, Call] = {}
    runners: list[Runner] = []
    for name, options in variants(folder).items():
        runner = Runner(transport, full_chain(), **options)
        runners.append(runner)

        async def call(runner: Runner = runner) -> object:
            return await runner.run(request)

        calls[name] = call

    calls.update(sdk_floor_calls(api_base))
    return calls, runners


def sdk_floor_calls(api_base: str) -> dict[str, Call]:
    """Bare litellm calls with and without one SDK span around them, for the SDK's own cost."""
    tracer = TracerProvider().get_tracer("bench")
    bare_litellm = bare_litellm_call(api_base)

    async def in_one_span() -> object:
        with tracer.start_as_current_span("bench"):
            return await bare_litellm()

    return {BARE: bare_litellm, IN_SPAN: in_one_span}


def paired_ratio(samples: list[float], baseline: list[float]) -> float:
    # Calls are paired by position: the same round, one block after the other. The
    # median of the pairs' ratios cancels the drift of a shared, noisy machine.
    return statistics.median(sample / base for sample, base in zip(samples, baseline, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per variant (default 300)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed calls per variant first")
    parser.add_argument("--block", type=int, default=10, help="timed calls per variant in a row")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, simulator_process() as api_base:
        calls, runners = build_calls(api_base, Path(folder))
        timings = asyncio.run(measure(calls, arguments.calls, arguments.warm_up, arguments.block))
        for runner in runners:
            runner.close()

    machine = f"Python {platform.python_version()} on {platform.machine()}"
    print(f"{machine}, {arguments.calls} calls each\n")
    print("| standard chain with | median ms/call | ratio to telemetry off |")
    print("|---|---|---|")
    for name, samples in timings.items():
        if name in (BARE, IN_SPAN):
            continue
        ratio = paired_ratio(samples, timings[BASELINE])
        print(f"| {name} | {statistics.median(samples) * 1000:.2f} | {ratio:.3f} |")

    ratio = paired_ratio(timings[IN_SPAN], timings[BARE])
    print(f"\nThe SDK alone: one span around a bare litellm call costs {ratio:.3f} of the call.")


if __name__ == "__main__":
    main()
