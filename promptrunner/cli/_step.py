"""Step settings for `promptrunner run`: a JSON step file, overridden by flags."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from promptrunner._model import StrictModel
from promptrunner.errors import ConfigurationError
from promptrunner.request import ReasoningEffort

__all__ = ["POST_PROCESSORS", "StepSettings", "build_post_processor", "import_schema", "load_step"]


def _em_dashes(**options: Any) -> Callable[[str], str]:
    from promptrunner.postprocess import em_dash_replacer

    return em_dash_replacer(**options)


def _booking_link(**options: Any) -> Callable[[str], str]:
    from promptrunner.postprocess import booking_link_enforcer

    return booking_link_enforcer(**options)


POST_PROCESSORS: dict[str, Callable[..., Callable[[str], str]]] = {
    "em-dashes": _em_dashes,
    "booking-link": _booking_link,
}
"""Post-processors a step file or `--post-process` can name, with their factories."""


class StepSettings(StrictModel):
    """One AI step as a step file describes it; every field is optional there."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    system: str | None = None
    max_output_tokens: PositiveInt | None = None
    reasoning_effort: ReasoningEffort | None = None
    timeout: PositiveFloat | None = None
    budget: PositiveFloat | None = None
    input_budget: PositiveInt | None = None
    schema_path: str | None = Field(default=None, alias="schema")
    fallback_models: list[str] = Field(default_factory=list)
    post_processors: list[str | dict[str, Any]] = Field(default_factory=list)
    json_reask: bool = False


def load_step(path: Path) -> StepSettings:
    """Read a JSON step file, raising `ConfigurationError` that names the file and field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"Could not read the step file {path}: {error}.") from error
    except json.JSONDecodeError as error:
        raise ConfigurationError(
            f"The step file {path} is not valid JSON (line {error.lineno}, column "
            f"{error.colno}: {error.msg})."
        ) from error
    if not isinstance(data, dict):
        raise ConfigurationError(f"The step file {path} must hold a JSON object of settings.")

    try:
        return StepSettings(**data)
    except ConfigurationError as error:
        raise ConfigurationError(f"In the step file {path}: {error}") from error


def build_post_processor(entry: str | dict[str, Any]) -> Callable[[str], str]:
    """Build a post-processor from a name, or from an object with `name` and options."""
    if isinstance(entry, str):
        name, options = entry, {}
    else:
        options = dict(entry)
        name = str(options.pop("name", ""))

    factory = POST_PROCESSORS.get(name)
    if factory is None:
        raise ConfigurationError(
            f"Unknown post-processor {name!r}; use one of {', '.join(sorted(POST_PROCESSORS))}."
        )
    try:
        return factory(**options)
    except TypeError as error:
        raise ConfigurationError(
            f"Invalid options for post-processor {name!r}: {error}."
        ) from error


def import_schema(path: str) -> type[BaseModel]:
    """Import a pydantic model class from `package.module:ClassName`."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"Invalid schema {path!r}: give it as package.module:ClassName.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            f"Could not import the schema module {module_name!r} ({error}); check the "
            f"name and that it is on PYTHONPATH."
        ) from error

    schema = getattr(module, attribute, None)
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise ConfigurationError(
            f"{path!r} is not a pydantic model class; point --schema at a BaseModel subclass."
        )
    return schema
