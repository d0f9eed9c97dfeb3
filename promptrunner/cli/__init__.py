"""The `promptrunner` command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from promptrunner import __version__
from promptrunner.cli.demo import demo
from promptrunner.cli.interactions import interactions
from promptrunner.cli.run import run
from promptrunner.cli.simulate import simulate

__all__ = ["cli", "main"]


class _OneLineErrors(click.Group):
    """A group that prints usage errors as one `error:` line instead of click's block."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        try:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx is not None else "promptrunner"
            click.echo(f"error: {error.format_message()} (see '{command} --help')", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="promptrunner")
def cli() -> None:
    """Run LLM calls through promptrunner's runner, bounded in time and tokens."""


cli.add_command(run)
cli.add_command(simulate)
cli.add_command(demo)
cli.add_command(interactions)


def main() -> None:
    """Entry point of the `promptrunner` console script."""
    cli(prog_name="promptrunner")
