"""Per-call cost of tracing, metrics and interaction records on the standard chain.

The standard chain runs against the provider simulator (a separate process on
127.0.0.1) four ways, in interleaved blocks so machine noise hits them alike. The four
are: telemetry off (the OpenTelemetry API without an SDK); the SDK recording spans to an
in-memory exporter through a batch processor and metrics to an in-memory reader; records
to a SQLite file only; and both. The figures that matter are the ratios to
the chain with telemetry off. The same four are then timed over a stub litellm that
answers at once, which isolates promptrunner's own cost per run in microseconds.

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
    full_chain,
    measure,
    runner_cost_us,
    simulator_process,
)

from promptrunner import LiteLLMTransport, PromptRequest, Runner
from promptrunner.records import RecordWriter, open_record_store
from promptrunner.telemetry import Telemetry

BASELINE = "telemetry off"


def sdk_telemetry() -> Telemetry:
    """Telemetry into the OpenTelemetry SDK, with in-memory exporters."""
    tracer_provider = TracerProvider()
    # The queue holds every span of a stub run, which ends spans faster than the
    # processor's default queue of 2,048 drains.
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
    return calls, runners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per variant (default 300)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed calls per variant first")
    parser.add_argument("--block", type=int, default=10, help="timed calls per variant in a row")
    parser.add_argument("--stub-runs", type=int, default=5000, help="runs per stub figure")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, simulator_process() as api_base:
        calls, runners = build_calls(api_base, Path(folder))
        timings = asyncio.run(measure(calls, arguments.calls, arguments.warm_up, arguments.block))
        stub_us = {
            name: asyncio.run(
                runner_cost_us(api_base, arguments.stub_runs, full_chain(), **options)
            )
            for name, options in variants(Path(folder)).items()
        }
        written = [runner.records.written for runner in runners if runner.records is not None]
        for runner in runners:
            runner.close()

    baseline = timings[BASELINE]
    machine = f"Python {platform.python_version()} on {platform.machine()}"
    print(f"{machine}, {arguments.calls} calls each\n")
    print(
        "| standard chain with | median ms/call | ratio to telemetry off "
        "| stub us/run | added us/run |"
    )
    print("|---|---|---|---|---|")
    for name, samples in timings.items():
        # Calls are paired by position: the same round, one block after the other. The
        # median of the pairs' ratios cancels the drift of a shared, noisy machine.
        paired = statistics.median(
            sample / base for sample, base in zip(samples, baseline, strict=True)
        )
        print(
            f"| {name} | {statistics.median(samples) * 1000:.2f} | {paired:.3f} "
            f"| {stub_us[name]:.0f} | {stub_us[name] - stub_us[BASELINE]:.0f} |"
        )
    print(f"\nRecords written during the timed runs (before close): {written}")


if __name__ == "__main__":
    main()
