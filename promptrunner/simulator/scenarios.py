"""Scenario catalog, the step data model and the model-name grammar.

A model name such as ``sim-hang+sim-latency:0.5+sim-ok`` selects a sequence of steps.
Each step is ``sim-<scenario>``, optionally followed by ``:<seconds>`` for the
scenarios that take an argument. All arguments are seconds.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "MAX_CONNECTION_SECONDS",
    "MAX_DELAY_SECONDS",
    "MODEL_PREFIX",
    "SCENARIOS",
    "TRICKLE_INTERVAL_SECONDS",
    "ArgumentRule",
    "ScenarioKind",
    "ScenarioSpec",
    "Step",
    "UnknownScenarioError",
    "describe_scenarios",
    "parse_model",
    "parse_step_text",
]

MODEL_PREFIX = "sim-"
"""Prefix that every grammar step carries in a model name."""

MAX_DELAY_SECONDS = 120.0
"""Upper bound of a step's ``delay`` and of the ``latency`` argument, in seconds."""

MAX_CONNECTION_SECONDS = 600.0
"""Maximum time a ``hang`` or ``trickle`` keeps its connection open, in seconds."""

TRICKLE_INTERVAL_SECONDS = 0.5
"""Pause between two bytes of a ``trickle`` body, in seconds."""

USAGE_KEYS = frozenset({"prompt_tokens", "completion_tokens", "total_tokens"})


class ScenarioKind(enum.Enum):
    """Kind of response the server sends for a scenario."""

    COMPLETION = "completion"
    ERROR = "error"
    MALFORMED = "malformed"
    TRICKLE = "trickle"
    HANG = "hang"
    RESET = "reset"


class ArgumentRule(enum.Enum):
    """Whether a scenario takes a ``:<seconds>`` argument."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class ScenarioSpec:
    """Catalog entry for one scenario."""

    name: str
    kind: ScenarioKind
    argument: ArgumentRule
    summary: str
    max_argument: float | None = None


def _spec(
    name: str,
    kind: ScenarioKind,
    summary: str,
    argument: ArgumentRule = ArgumentRule.NONE,
    max_argument: float | None = None,
) -> tuple[str, ScenarioSpec]:
    return name, ScenarioSpec(name, kind, argument, summary, max_argument)


SCENARIOS: Mapping[str, ScenarioSpec] = MappingProxyType(
    dict(
        [
            _spec("ok", ScenarioKind.COMPLETION, "200 with a deterministic answer"),
            _spec(
                "latency",
                ScenarioKind.COMPLETION,
                "like ok after sleeping <seconds>",
                ArgumentRule.REQUIRED,
                MAX_DELAY_SECONDS,
            ),
            _spec("truncate", ScenarioKind.COMPLETION, "finish_reason length, text cut mid-word"),
            _spec(
                "reasoning-exhausted",
                ScenarioKind.COMPLETION,
                "empty content, every completion token spent on reasoning",
            ),
            _spec(
                "stop-at-limit",
                ScenarioKind.COMPLETION,
                "finish_reason stop but completion tokens at the ceiling",
            ),
            _spec("content-filter", ScenarioKind.COMPLETION, "finish_reason content_filter"),
            _spec("json-fence", ScenarioKind.COMPLETION, "JSON object in a ```json fence"),
            _spec("json-prose", ScenarioKind.COMPLETION, "JSON object between prose"),
            _spec("think", ScenarioKind.COMPLETION, "<think> block before the answer"),
            _spec("trickle", ScenarioKind.TRICKLE, "200 body sent one byte every 0.5 s"),
            _spec("hang", ScenarioKind.HANG, "no response until the client disconnects"),
            _spec("reset", ScenarioKind.RESET, "TCP reset after reading the request"),
            _spec("malformed", ScenarioKind.MALFORMED, "200 application/json, invalid JSON"),
            _spec(
                "rate-limit",
                ScenarioKind.ERROR,
                "429 with Retry-After <seconds> (default 1)",
                ArgumentRule.OPTIONAL,
            ),
            _spec("server-error", ScenarioKind.ERROR, "500 server error"),
            _spec(
                "unavailable",
                ScenarioKind.ERROR,
                "503, with Retry-After when <seconds> is given",
                ArgumentRule.OPTIONAL,
            ),
            _spec("auth-error", ScenarioKind.ERROR, "401 invalid_api_key"),
            _spec("bad-request", ScenarioKind.ERROR, "400 invalid request"),
        ]
    )
)
"""Every scenario by name."""

_CONTENT_KINDS = frozenset({ScenarioKind.COMPLETION, ScenarioKind.TRICKLE})
_SILENT_KINDS = frozenset({ScenarioKind.HANG, ScenarioKind.RESET})


class UnknownScenarioError(ValueError):
    """A model name or step names no known scenario."""

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name
        """The unknown scenario name, or in a model name the unknown ``+``-separated part."""


def describe_scenarios() -> str:
    """Return the scenario names for error messages, with ``:<seconds>`` where allowed."""
    names = []
    for spec in SCENARIOS.values():
        if spec.argument is ArgumentRule.REQUIRED:
            names.append(f"{spec.name}:<seconds>")
        elif spec.argument is ArgumentRule.OPTIONAL:
            names.append(f"{spec.name}[:<seconds>]")
        else:
            names.append(spec.name)

    return ", ".join(names)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Step:
    """One simulated response, with optional overrides.

    Construction validates every field and raises ValueError naming the field.
    """

    scenario: str
    """Scenario name without the ``sim-`` prefix, for example ``"rate-limit"``."""

    seconds: float | None = None
    """Scenario argument: the ``latency`` sleep or the ``Retry-After`` value."""

    content: str | None = None
    """Message content that replaces the scenario's generated text."""

    content_null: bool = False
    """Send ``"content": null`` in place of any text."""

    delay: float = 0.0
    """Seconds to wait before responding, from 0 to ``MAX_DELAY_SECONDS``."""

    status: int | None = None
    """HTTP status that replaces the scenario's own."""

    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra response headers, which win over the scenario's own."""

    finish_reason: str | None = None
    """``finish_reason`` that replaces the scenario's own."""

    usage: Mapping[str, int] = field(default_factory=dict)
    """Overrides of ``prompt_tokens``, ``completion_tokens`` or ``total_tokens``."""

    reasoning_tokens: int | None = None
    """Value of ``usage.completion_tokens_details.reasoning_tokens``."""

    def __post_init__(self) -> None:
        spec = SCENARIOS.get(self.scenario)
        if spec is None:
            raise UnknownScenarioError(
                f"Unknown scenario {self.scenario!r}. Valid scenarios: {describe_scenarios()}.",
                name=self.scenario,
            )

        problem = _argument_problem(spec, self.seconds) or _option_problem(spec, self)
        if problem is not None:
            raise ValueError(f"Invalid step for scenario {self.scenario!r}: {problem}.")

        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        object.__setattr__(self, "usage", MappingProxyType(dict(self.usage)))

    @property
    def kind(self) -> ScenarioKind:
        """Kind of response the server sends for this step."""
        return SCENARIOS[self.scenario].kind

    @property
    def wait_seconds(self) -> float:
        """Seconds the server waits before it responds: ``delay`` plus the latency argument."""
        if self.scenario == "latency" and self.seconds is not None:
            return self.delay + self.seconds

        return self.delay


def _argument_problem(spec: ScenarioSpec, seconds: float | None) -> str | None:
    if seconds is None:
        if spec.argument is ArgumentRule.REQUIRED:
            return f"it requires seconds, for example 'sim-{spec.name}:0.5'"
        return None

    if spec.argument is ArgumentRule.NONE:
        return "it takes no seconds argument"

    if not _is_number(seconds) or not math.isfinite(seconds) or seconds < 0:
        return f"seconds must be a finite number of at least 0, got {seconds!r}"

    if spec.max_argument is not None and seconds > spec.max_argument:
        return f"seconds must be at most {spec.max_argument:g}, got {seconds!r}"

    return None


def _option_problem(spec: ScenarioSpec, step: Step) -> str | None:
    """Return what is wrong with the step's options, or None."""
    type_problem = _option_type_problem(step)
    if type_problem is not None:
        return type_problem

    if step.content is not None and step.content_null:
        return "set either 'content' or 'content_null', not both"

    if spec.name == "latency" and step.delay:
        return "set the wait either as 'latency:<seconds>' or as 'delay', not both"

    content_options = {
        "content": step.content is not None,
        "content_null": step.content_null,
        "finish_reason": step.finish_reason is not None,
        "usage": bool(step.usage),
        "reasoning_tokens": step.reasoning_tokens is not None,
    }
    if spec.kind not in _CONTENT_KINDS:
        for name, is_set in content_options.items():
            if is_set:
                return f"field {name!r} applies only to scenarios that return a completion"

    if spec.kind in _SILENT_KINDS:
        if step.status is not None:
            return "field 'status' does not apply because this scenario sends no response"
        if step.headers:
            return "field 'headers' does not apply because this scenario sends no response"

    return None


def _option_type_problem(step: Step) -> str | None:
    """Return which option has a wrong type or range, or None."""
    if step.content is not None and not isinstance(step.content, str):
        return f"field 'content' must be a string, got {step.content!r}"

    if not isinstance(step.content_null, bool):
        return f"field 'content_null' must be true or false, got {step.content_null!r}"

    if (
        not _is_number(step.delay)
        or not math.isfinite(step.delay)
        or not 0 <= step.delay <= MAX_DELAY_SECONDS
    ):
        return (
            f"field 'delay' must be a number of seconds from 0 to {MAX_DELAY_SECONDS:g}, "
            f"got {step.delay!r}"
        )

    status = step.status
    if status is not None and (not _is_count(status) or not 100 <= status <= 599):
        return f"field 'status' must be an HTTP status from 100 to 599, got {status!r}"

    if not isinstance(step.headers, Mapping):
        return f"field 'headers' must map header names to strings, got {step.headers!r}"
    for name, value in step.headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return f"field 'headers' must map header names to strings, got {name!r}: {value!r}"
        if any(character in name + value for character in "\r\n"):
            return f"field 'headers' must not contain line breaks, got {name!r}: {value!r}"

    if step.finish_reason is not None and (
        not isinstance(step.finish_reason, str) or not step.finish_reason
    ):
        return f"field 'finish_reason' must be a non-empty string, got {step.finish_reason!r}"

    if not isinstance(step.usage, Mapping):
        return f"field 'usage' must be an object of token counts, got {step.usage!r}"
    for key, count in step.usage.items():
        if key not in USAGE_KEYS:
            valid_keys = ", ".join(sorted(USAGE_KEYS))
            return f"field 'usage' has unknown key {key!r}; valid keys: {valid_keys}"
        if not _is_count(count):
            return f"field 'usage' key {key!r} must be an integer of at least 0, got {count!r}"

    if step.reasoning_tokens is not None and not _is_count(step.reasoning_tokens):
        return (
            f"field 'reasoning_tokens' must be an integer of at least 0, "
            f"got {step.reasoning_tokens!r}"
        )

    return None


def parse_step_text(text: str) -> Step:
    """Parse ``<scenario>`` or ``<scenario>:<seconds>`` (no ``sim-`` prefix) into a Step.

    Raises UnknownScenarioError for an unknown name and ValueError for a bad argument.
    """
    name, separator, argument = text.partition(":")

    if name not in SCENARIOS:
        raise UnknownScenarioError(
            f"Unknown scenario {name!r}. Valid scenarios: {describe_scenarios()}.", name=name
        )

    if not separator:
        return Step(name)

    try:
        seconds = float(argument)
    except ValueError:
        raise ValueError(
            f"Invalid step {text!r}: the argument after ':' must be a number of seconds, "
            f"got {argument!r}."
        ) from None

    return Step(name, seconds=seconds)


def parse_model(model: str) -> tuple[Step, ...]:
    """Parse a model name such as ``sim-hang+sim-ok`` into its steps.

    Raises UnknownScenarioError when a part does not start with ``sim-`` or names no
    scenario, and ValueError for a bad argument.
    """
    steps = []
    for part in model.split("+"):
        if not part.startswith(MODEL_PREFIX):
            raise UnknownScenarioError(
                f"Unknown model {model!r}: the simulator serves models named "
                f"'sim-<scenario>' or several such names joined by '+', for example "
                f"'sim-hang+sim-ok'. Valid scenarios: {describe_scenarios()}.",
                name=part,
            )

        text = part.removeprefix(MODEL_PREFIX)
        name = text.partition(":")[0]
        if name not in SCENARIOS:
            raise UnknownScenarioError(
                f"Unknown model {model!r}: no scenario is named {name!r}. "
                f"Valid scenarios: {describe_scenarios()}.",
                name=part,
            )

        steps.append(parse_step_text(text))

    return tuple(steps)
