"""Scripts that map arbitrary model names to sequences of steps.

A script file is JSON of this form::

    {"models": {"my-model": [{"scenario": "hang"}, {"scenario": "ok", "content": "Hello"}]}}

A step is an object with ``scenario`` (a name, or ``name:<seconds>`` such as
``"rate-limit:2"``) and any of the options of ``Step``, or just the scenario string.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from promptrunner.simulator.scenarios import Step, parse_model, parse_step_text

if TYPE_CHECKING:
    import os

__all__ = ["Script", "load_script", "parse_script", "steps_for_model"]

STEP_OPTIONS = tuple(
    step_field.name for step_field in dataclasses.fields(Step) if step_field.name != "seconds"
)
"""Keys that a script step object may carry, ``scenario`` included."""


@dataclass(frozen=True)
class Script:
    """Steps by model name. A scripted model name wins over the ``sim-`` grammar."""

    models: Mapping[str, tuple[Step, ...]]

    def __post_init__(self) -> None:
        for name, steps in self.models.items():
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"Invalid simulator script: model name {name!r} is not a non-empty string."
                )
            if not steps or not all(isinstance(step, Step) for step in steps):
                raise ValueError(
                    f"Invalid simulator script: model {name!r} needs a non-empty sequence "
                    "of Step objects."
                )

        frozen = {name: tuple(steps) for name, steps in self.models.items()}
        object.__setattr__(self, "models", MappingProxyType(frozen))


def parse_script(data: object, *, source: str = "") -> Script:
    """Build a Script from parsed JSON, raising ValueError that names the model and field.

    ``source`` (such as the file path) is added to error messages.
    """
    where = f"Invalid simulator script{f' {source}' if source else ''}"

    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a JSON object with a 'models' key, got {data!r}.")

    unknown_keys = sorted(str(key) for key in data if key != "models")
    if unknown_keys:
        raise ValueError(
            f"{where}: unknown top-level key {unknown_keys[0]!r}. The only valid key is 'models'."
        )

    models = data.get("models")
    if not isinstance(models, Mapping):
        raise ValueError(f"{where}: 'models' must be an object mapping model names to step lists.")

    parsed = {}
    for name, raw_steps in models.items():
        if not isinstance(raw_steps, list) or not raw_steps:
            raise ValueError(f"{where}: model {name!r} must map to a non-empty list of steps.")

        steps = []
        for number, raw_step in enumerate(raw_steps, start=1):
            try:
                steps.append(_parse_step(raw_step))
            except ValueError as exc:
                raise ValueError(f"{where}: model {name!r}, step {number}: {exc}") from None
        parsed[name] = tuple(steps)

    return Script(parsed)


def _parse_step(raw_step: object) -> Step:
    if isinstance(raw_step, str):
        return parse_step_text(raw_step)

    if not isinstance(raw_step, Mapping):
        raise ValueError(f"a step must be a scenario string or an object, got {raw_step!r}.")

    for key in raw_step:
        if key not in STEP_OPTIONS:
            raise ValueError(f"unknown field {key!r}. Valid fields: {', '.join(STEP_OPTIONS)}.")

    scenario = raw_step.get("scenario")
    if not isinstance(scenario, str):
        raise ValueError(f"field 'scenario' must be a scenario name string, got {scenario!r}.")

    base = parse_step_text(scenario)
    options = {key: value for key, value in raw_step.items() if key != "scenario"}
    return dataclasses.replace(base, **options)


def load_script(path: str | os.PathLike[str]) -> Script:
    """Read and validate a script file.

    Raises ValueError for a missing or unreadable file, invalid JSON or a bad field.
    """
    script_path = Path(path)

    try:
        text = script_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"Simulator script not found: {script_path}. Check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot read simulator script {script_path}: {exc}.") from exc

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"Invalid simulator script {script_path}: not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None

    return parse_script(data, source=str(script_path))


def steps_for_model(model: str, script: Script | None) -> tuple[Step, ...]:
    """Return the steps for ``model``: the script's entry if any, else the ``sim-`` grammar.

    Raises UnknownScenarioError or ValueError as ``parse_model`` does.
    """
    if script is not None:
        scripted = script.models.get(model)
        if scripted is not None:
            return scripted

    return parse_model(model)
