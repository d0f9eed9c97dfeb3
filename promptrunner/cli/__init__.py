"""The `promptrunner` command line."""

from __future__ import annotations

import click

from promptrunner import __version__
from promptrunner.cli.demo import demo
from promptrunner.cli.run import run
from promptrunner.cli.simulate import simulate

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="promptrunner")
def cli() -> None:
    """Run LLM calls through promptrunner's runner, bounded in time and tokens."""


cli.add_command(run)
cli.add_command(simulate)
cli.add_command(demo)


def main() -> None:
    """Entry point of the `promptrunner` console script."""
    cli(prog_name="promptrunner")
