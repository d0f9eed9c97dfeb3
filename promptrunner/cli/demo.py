"""`promptrunner demo`: run a small pipeline against the built-in provider simulator."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from promptrunner.result import PromptResult

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

    from promptrunner.records import RecordStore
    from promptrunner.runner import Runner

__all__ = ["DEFAULT_SPANS_FILE", "demo"]

DEFAULT_SPANS_FILE = "promptrunner-demo-spans.jsonl"
"""The default file for the demo's spans, one JSON object per line."""

_CONSOLE = "-"

_COLUMNS = "{step:<10} {status:<9} {category:<20} {seconds:>7} {attempts:>8}  {decisions}"


@click.command()
@click.option(
    "--spans",
    "spans_target",
    default=DEFAULT_SPANS_FILE,
    show_default=True,
    metavar="FILE",
    help="File for the OpenTelemetry spans, one JSON object per line; '-' prints them.",
)
@click.option(
    "--records",
    "records_target",
    default=None,
    metavar="PATH_OR_URL",
    help="Interaction record store: a SQLite file or a postgresql:// URL "
    "[default: $PROMPTRUNNER_RECORD_STORE, else promptrunner-records.sqlite3].",
)
def demo(spans_target: str, records_target: str | None) -> None:
    """Run a four-step support-reply pipeline against the built-in simulator.

    Needs no API key and no network: the simulator listens on 127.0.0.1 in this process.
    Its spans go to a file (or the console) and one record per run to a SQLite file.
    """
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    from promptrunner.demo import DEMO_SCRIPT, demo_runner, run_demo
    from promptrunner.records import DEFAULT_RECORD_STORE, RECORD_STORE_ENV
    from promptrunner.simulator import ProviderSimulator
    from promptrunner.telemetry import Telemetry

    store = records_target or os.environ.get(RECORD_STORE_ENV) or DEFAULT_RECORD_STORE
    records = _open_store(store)
    spans_out = _open_spans_output(spans_target)
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(ConsoleSpanExporter(out=spans_out, formatter=_one_line))
    )

    click.echo("Loading litellm and starting the provider simulator on 127.0.0.1 ...")
    with ProviderSimulator(script=DEMO_SCRIPT) as simulator:
        runner = demo_runner(
            simulator.api_base, telemetry=Telemetry(tracer_provider=provider), records=records
        )
        click.echo(f"Simulator at {simulator.api_base}\n")
        click.echo(
            _COLUMNS.format(
                step="step",
                status="status",
                category="category",
                seconds="seconds",
                attempts="attempts",
                decisions="decisions",
            )
        )
        start = time.monotonic()
        report = run_demo(runner, on_result=_print_row, tracer_provider=provider)
        elapsed = time.monotonic() - start

    runner.close()
    provider.shutdown()
    if spans_target != _CONSOLE:
        spans_out.close()

    click.echo(f"\nPipeline finished in {elapsed:.2f} s. Reply to send:\n")
    click.echo(report.reply)
    click.echo("")
    span_count = 1 + sum(1 + len(result.attempts) for result in report.results)
    where = (
        "printed above"
        if spans_target == _CONSOLE
        else f"appended to {Path(spans_target).resolve()}"
    )
    click.echo(f"Spans: {span_count} in one trace, {where}.")
    _print_records_line(runner, store, from_option=records_target is not None)


def _open_store(target: str) -> RecordStore:
    from promptrunner.errors import ConfigurationError
    from promptrunner.records import open_record_store

    try:
        return open_record_store(target)
    except ConfigurationError as error:
        raise click.BadParameter(str(error), param_hint="'--records'") from error


def _open_spans_output(target: str) -> IO[str]:
    if target == _CONSOLE:
        return sys.stdout
    try:
        return open(target, "a", encoding="utf-8")
    except OSError as error:
        raise click.BadParameter(
            f"cannot write spans to {target!r}: {error.strerror}; pick a writable file or '-'",
            param_hint="'--spans'",
        ) from error


def _one_line(span: ReadableSpan) -> str:
    return f"{span.to_json(indent=None)}\n"


def _print_records_line(runner: Runner, store: str, *, from_option: bool) -> None:
    from promptrunner.records import display_location

    writer = runner.records
    if writer is None:
        return
    location = display_location(store)
    lost = writer.dropped + writer.failed
    if not writer.written:
        click.echo(f"Records: none written to {location} ({lost} could not be written).")
        return
    note = f" ({lost} could not be written)" if lost else ""
    click.echo(f"Records: {writer.written} written to {location}{note}; list them with:")

    if not from_option:
        # `interactions` finds the same store through the same variable or default.
        click.echo("  promptrunner interactions")
        return
    click.echo(f"  promptrunner interactions --store {shlex.quote(location)}")
    if location != store and "://" in store:
        click.echo("  (with the password in place of ***)")


def _print_row(result: PromptResult) -> None:
    outcome = result.outcome
    click.echo(
        _COLUMNS.format(
            step=result.step,
            status=outcome.status.value,
            category=outcome.category.value if outcome.category else "-",
            seconds=f"{result.duration:.2f}",
            attempts=len(result.attempts),
            decisions=", ".join(decision.name for decision in result.decisions) or "-",
        )
    )
    if result.data is not None:
        click.echo(f"{'':<10} data: {result.data!r}")
    if outcome.message:
        click.echo(f"{'':<10} {outcome.message}")
