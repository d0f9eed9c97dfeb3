"""`promptrunner demo`: run a small pipeline against the built-in provider simulator."""

from __future__ import annotations

import time

import click

from promptrunner.result import PromptResult

__all__ = ["demo"]

_COLUMNS = "{step:<10} {status:<9} {category:<20} {seconds:>7} {attempts:>8}  {decisions}"


@click.command()
def demo() -> None:
    """Run a four-step support-reply pipeline against the built-in simulator.

    Needs no API key and no network: the simulator listens on 127.0.0.1 in this process.
    """
    from promptrunner.demo import DEMO_SCRIPT, demo_runner, run_demo
    from promptrunner.simulator import ProviderSimulator

    click.echo("Loading litellm and starting the provider simulator on 127.0.0.1 ...")
    with ProviderSimulator(script=DEMO_SCRIPT) as simulator:
        runner = demo_runner(simulator.api_base)
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
        report = run_demo(runner, on_result=_print_row)
        elapsed = time.monotonic() - start

    click.echo(f"\nPipeline finished in {elapsed:.2f} s. Reply to send:\n")
    click.echo(report.reply)


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
