"""`promptrunner run`: send one prompt through the runner and print the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import get_args

import click

from promptrunner.cli._hints import hint_for
from promptrunner.errors import ConfigurationError
from promptrunner.outcome import OutcomeStatus
from promptrunner.request import PromptRequest, ReasoningEffort
from promptrunner.result import PromptResult

__all__ = ["run"]

DEFAULT_BUDGET = 120.0


@click.command()
@click.argument("prompt", required=False)
@click.option(
    "-f",
    "--file",
    "prompt_file",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help="Read the prompt from this UTF-8 file instead of the PROMPT argument.",
)
@click.option(
    "-m",
    "--model",
    envvar="PROMPTRUNNER_MODEL",
    required=True,
    help="litellm model string, e.g. openai/gpt-4o-mini [env PROMPTRUNNER_MODEL].",
)
@click.option("--api-base", help="Base URL of an OpenAI-compatible or provider endpoint.")
@click.option(
    "--api-key",
    help="API key for the provider; by default litellm reads the provider's variable "
    "such as OPENAI_API_KEY.",
)
@click.option("--system", help="System prompt sent before the prompt.")
@click.option(
    "--max-output-tokens",
    type=click.IntRange(min=1),
    help="Ceiling on output tokens, reasoning included.",
)
@click.option(
    "--reasoning-effort",
    type=click.Choice(get_args(ReasoningEffort)),
    help="Reasoning effort to ask the model for.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Per-call timeout in seconds [default: 60, clipped to the budget].",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Time budget of the whole run in seconds; the run ends by then.",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print the response text, or the whole result as JSON.",
)
def run(
    prompt: str | None,
    prompt_file: Path | None,
    model: str,
    api_base: str | None,
    api_key: str | None,
    system: str | None,
    max_output_tokens: int | None,
    reasoning_effort: ReasoningEffort | None,
    timeout: float | None,
    budget: float,
    output: str,
) -> None:
    """Send PROMPT (or a file, or standard input) through the runner.

    Exit status: 0 when the run is ok or degraded, 1 when it failed, 2 for bad usage.
    """
    text = _read_prompt(prompt, prompt_file)
    try:
        request = PromptRequest.from_prompt(
            text,
            model=model,
            system=system,
            max_output_tokens=max_output_tokens,
            reasoning_effort=reasoning_effort,
            timeout=timeout,
            step="cli",
        )
        result = _run_request(request, api_base=api_base, api_key=api_key, budget=budget)
    except ConfigurationError as error:
        raise click.UsageError(str(error)) from error

    _print_result(result, output)
    if result.outcome.status is OutcomeStatus.FAILED:
        sys.exit(1)


def _run_request(
    request: PromptRequest, *, api_base: str | None, api_key: str | None, budget: float
) -> PromptResult:
    # Imported here: loading litellm takes seconds, and `--help` should not wait for it.
    from promptrunner.runner import Runner
    from promptrunner.transport import LiteLLMTransport

    transport = LiteLLMTransport(api_base=api_base, api_key=api_key)
    runner = Runner(transport, budget=budget)
    return runner.run_sync(request, raise_on_failure=False)


def _read_prompt(prompt: str | None, prompt_file: Path | None) -> str:
    if prompt is not None and prompt_file is not None:
        raise click.UsageError("Give the prompt as an argument or with --file, not both.")

    if prompt_file is not None:
        try:
            text = prompt_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise click.BadParameter(
                f"{prompt_file} is not UTF-8 text ({error.reason}).", param_hint="'--file'"
            ) from error
    elif prompt is not None:
        text = prompt
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        raise click.UsageError("Missing prompt: pass PROMPT, --file FILE, or pipe it on stdin.")

    if not text.strip():
        raise click.UsageError("The prompt is empty; give some text to send.")
    return text


def _print_result(result: PromptResult, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif result.text:
        click.echo(result.text)

    if result.outcome.is_ok:
        return
    label = "error" if result.outcome.is_failed else "warning"
    category = result.outcome.category.value if result.outcome.category else "unknown"
    message = result.outcome.message or ""
    hint = hint_for(result)
    line = f"{label}: {result.outcome.status.value} ({category}): {message}"
    click.echo(f"{line}; {hint}" if hint else line, err=True)
