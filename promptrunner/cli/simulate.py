"""`promptrunner simulate`: serve the provider simulator in the foreground."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["simulate"]


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="TCP port to listen on; 0 picks a free one.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to listen on; other addresses are rejected.",
)
@click.option(
    "--script",
    "script_path",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help='JSON file mapping model names to steps, e.g. {"models": {"m": ["hang", "ok"]}}.',
)
def simulate(port: int, host: str, script_path: Path | None) -> None:
    """Serve an OpenAI-compatible provider simulator until Ctrl-C.

    The model name picks the scenario: openai/sim-ok, openai/sim-truncate,
    openai/sim-hang+sim-ok (a sequence, one step per request), and so on.
    """
    from promptrunner.simulator import run_simulator
    from promptrunner.simulator.scenarios import describe_scenarios

    def announce(base_url: str) -> None:
        click.echo(f"Provider simulator listening on {base_url}/v1 (Ctrl-C to stop)")
        click.echo(f"Scenarios: {describe_scenarios()}")
        click.echo(
            f"Try: promptrunner run --api-base {base_url}/v1 --api-key sk-sim "
            f"--model openai/sim-truncate 'Hello'"
        )

    try:
        run_simulator(port, host, script_path, on_ready=announce)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    except OSError as error:
        raise click.ClickException(
            f"Could not listen on {host}:{port} ({error.strerror or error}); choose another --port."
        ) from error
