"""`promptrunner run`: send one prompt through the runner and print the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, get_args

import click

from promptrunner.cli._hints import hint_for
from promptrunner.cli._step import (
    POST_PROCESSORS,
    StepSettings,
    build_post_processor,
    import_schema,
    load_step,
)
from promptrunner.deadline import check_budget
from promptrunner.errors import ConfigurationError
from promptrunner.middleware import Middleware
from promptrunner.outcome import OutcomeStatus
from promptrunner.request import Message, PromptRequest, ReasoningEffort
from promptrunner.result import PromptResult

__all__ = ["run"]

DEFAULT_BUDGET = 120.0


@click.command()
@click.argument("prompt", required=False)
@click.option(
    "-f",
    "--file",
    "prompt_file",
    type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True, path_type=Path),
    help="Read the prompt from this UTF-8 file (- for standard input) instead of PROMPT.",
)
@click.option(
    "--step",
    "step_file",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    help="JSON step file with any of the settings below; flags override it.",
)
@click.option(
    "-m",
    "--model",
    envvar="PROMPTRUNNER_MODEL",
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
    help="Time budget of the run in seconds, from the first provider call; loading litellm "
    f"at start-up is not counted [default: {DEFAULT_BUDGET:g}].",
)
@click.option(
    "--input-budget",
    type=click.IntRange(min=1),
    help="Input token budget; the prompt (never the system prompt) is clamped to fit.",
)
@click.option(
    "--fallback-model",
    "fallback_models",
    multiple=True,
    help="Model to try when the model fails with a provider, rate-limit, network or "
    "timeout error; repeat for more, in order.",
)
@click.option(
    "--schema",
    "schema_path",
    help="Pydantic model the response must match, as package.module:ClassName; the "
    "validated JSON is printed as data.",
)
@click.option(
    "--post-process",
    "post_processors",
    multiple=True,
    type=click.Choice(sorted(POST_PROCESSORS)),
    help="Post-processor to run on the response text; repeat for more, in order.",
)
@click.option(
    "--booking-url",
    help="Canonical booking URL: links to its host in the response are rewritten to it.",
)
@click.option(
    "--chain",
    type=click.Choice(["standard", "none"]),
    default="standard",
    show_default=True,
    help="Run through the standard middleware chain, or straight to the provider.",
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
    step_file: Path | None,
    model: str | None,
    api_base: str | None,
    api_key: str | None,
    system: str | None,
    max_output_tokens: int | None,
    reasoning_effort: ReasoningEffort | None,
    timeout: float | None,
    budget: float | None,
    input_budget: int | None,
    fallback_models: tuple[str, ...],
    schema_path: str | None,
    post_processors: tuple[str, ...],
    booking_url: str | None,
    chain: str,
    output: str,
) -> None:
    """Send PROMPT (or a file, or standard input) through the runner.

    Exit status: 0 when the run is ok or degraded, 1 when it failed, 2 for bad usage.
    """
    text = _read_prompt(prompt, prompt_file)
    try:
        if budget is not None:
            check_budget(budget)
        flags = {
            "model": model,
            "system": system,
            "max_output_tokens": max_output_tokens,
            "reasoning_effort": reasoning_effort,
            "timeout": timeout,
            "budget": budget,
            "input_budget": input_budget,
            "schema_path": schema_path,
        }
        processors: list[str | dict[str, Any]] = list(post_processors)
        if booking_url is not None:
            processors.append({"name": "booking-link", "canonical_url": booking_url})
        settings = _merge_settings(step_file, flags, list(fallback_models), processors)

        request = _build_request(text, settings)
        middleware = _build_chain(settings) if chain == "standard" else []
        result = _run_request(
            request,
            middleware,
            api_base=api_base,
            api_key=api_key,
            budget=settings.budget or DEFAULT_BUDGET,
        )
    except ConfigurationError as error:
        raise click.UsageError(str(error)) from error

    _print_result(result, output)
    if result.outcome.status is OutcomeStatus.FAILED:
        sys.exit(1)


def _merge_settings(
    step_file: Path | None,
    flags: dict[str, Any],
    fallback_models: list[str],
    post_processors: list[str | dict[str, Any]],
) -> StepSettings:
    """Read the step file, if any, and let every flag that was given override it."""
    settings = load_step(step_file) if step_file is not None else StepSettings()
    overrides = {key: value for key, value in flags.items() if value is not None}
    if fallback_models:
        overrides["fallback_models"] = fallback_models
    if post_processors:
        overrides["post_processors"] = post_processors
    return settings.model_copy(update=overrides)


def _build_request(text: str, settings: StepSettings) -> PromptRequest:
    if not settings.model:
        raise ConfigurationError(
            "Missing model: pass --model, set PROMPTRUNNER_MODEL, or give model in the step file."
        )

    messages = [] if settings.system is None else [Message(role="system", content=settings.system)]
    messages.append(Message(role="user", content=text, clampable=True))
    schema = import_schema(settings.schema_path) if settings.schema_path else None
    return PromptRequest(
        model=settings.model,
        messages=messages,
        max_output_tokens=settings.max_output_tokens,
        reasoning_effort=settings.reasoning_effort,
        timeout=settings.timeout,
        output_schema=schema,
        step="cli",
    )


def _build_chain(settings: StepSettings) -> list[Middleware]:
    from promptrunner.middleware import standard_middleware

    return standard_middleware(
        post_processors=[build_post_processor(entry) for entry in settings.post_processors],
        input_budget=settings.input_budget,
        fallback_models=settings.fallback_models,
        json_reask=settings.json_reask,
    )


def _run_request(
    request: PromptRequest,
    middleware: list[Middleware],
    *,
    api_base: str | None,
    api_key: str | None,
    budget: float,
) -> PromptResult:
    # Imported here: loading litellm takes seconds, and `--help` should not wait for it.
    from promptrunner.runner import Runner
    from promptrunner.transport import LiteLLMTransport

    transport = LiteLLMTransport(api_base=api_base, api_key=api_key)
    runner = Runner(transport, middleware, budget=budget)
    return runner.run_sync(request, raise_on_failure=False)


def _read_prompt(prompt: str | None, prompt_file: Path | None) -> str:
    if prompt is not None and prompt_file is not None:
        raise click.UsageError("Give the prompt as an argument or with --file, not both.")

    if prompt_file is not None and str(prompt_file) != "-":
        text = _decode(prompt_file.read_bytes(), str(prompt_file))
    elif prompt is not None:
        text = prompt
    elif prompt_file is not None or not sys.stdin.isatty():
        text = _decode(sys.stdin.buffer.read(), "standard input")
    else:
        raise click.UsageError("Missing prompt: pass PROMPT, --file FILE, or pipe it on stdin.")

    if not text.strip():
        raise click.UsageError("The prompt is empty; give some text to send.")
    return text


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.UsageError(
            f"The prompt in {source} is not UTF-8 text ({error.reason} at byte "
            f"{error.start}); convert it to UTF-8."
        ) from error


def _print_result(result: PromptResult, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif result.text:
        click.echo(result.text)

    if result.outcome.is_ok:
        return
    label = "error" if result.outcome.is_failed else "warning"
    category = result.outcome.category.value if result.outcome.category else "unknown"
    message = (result.outcome.message or "").rstrip(".")
    hint = hint_for(result)
    line = f"{label}: {result.outcome.status.value} ({category}): {message}"
    click.echo(f"{line}; {hint}" if hint else line, err=True)
