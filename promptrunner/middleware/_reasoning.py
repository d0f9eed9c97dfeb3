"""The reasoning efforts each model accepts, read from litellm's model map and user overrides."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping, Sequence

from promptrunner.errors import ConfigurationError
from promptrunner.request import ReasoningEffort

__all__ = ["EFFORT_ORDER", "EffortTable", "lower_effort", "nearest_accepted_effort"]

logger = logging.getLogger("promptrunner.middleware.reasoning")

EFFORT_ORDER: tuple[ReasoningEffort, ...] = ("none", "minimal", "low", "medium", "high")
"""Reasoning efforts from the weakest to the strongest."""

_FLAGS = {
    "none": "supports_none_reasoning_effort",
    "minimal": "supports_minimal_reasoning_effort",
    "low": "supports_low_reasoning_effort",
}


class EffortTable:
    """Looks up the efforts a model accepts, weakest first.

    `overrides` maps model-name patterns (shell style, such as `openai/o1-pro*`) to the
    efforts the model accepts; an empty sequence means the model takes no reasoning
    option. The first matching pattern wins. Other models are looked up in litellm's
    model map: a model that does not support reasoning accepts none, a model with
    `reasoning_effort_levels` accepts those, and any other reasoning model accepts low,
    medium and high plus none or minimal where its flags say so. A model litellm does not
    know returns None, and its effort is passed through unchanged.
    """

    def __init__(self, overrides: Mapping[str, Sequence[str]] | None = None) -> None:
        checked: dict[str, tuple[ReasoningEffort, ...]] = {}
        for pattern, efforts in (overrides or {}).items():
            unknown = [effort for effort in efforts if effort not in EFFORT_ORDER]
            if unknown:
                raise ConfigurationError(
                    f"Unknown reasoning effort {unknown[0]!r} for model pattern {pattern!r}; "
                    f"use some of {', '.join(EFFORT_ORDER)}, or an empty list for a model "
                    f"without reasoning."
                )
            checked[pattern] = tuple(effort for effort in EFFORT_ORDER if effort in efforts)
        self.overrides = checked
        self._cache: dict[str, tuple[ReasoningEffort, ...] | None] = {}

    def accepted(self, model: str) -> tuple[ReasoningEffort, ...] | None:
        """Return the efforts `model` accepts, () for none at all, or None when unknown."""
        if model not in self._cache:
            self._cache[model] = self._look_up(model)
        return self._cache[model]

    def _look_up(self, model: str) -> tuple[ReasoningEffort, ...] | None:
        for pattern, efforts in self.overrides.items():
            if fnmatch.fnmatchcase(model, pattern):
                return efforts

        from promptrunner.transport._litellm_loader import load_litellm

        litellm = load_litellm()
        try:
            info = litellm.get_model_info(model=model)
        except Exception:
            logger.debug("litellm has no model info for %s", model, exc_info=True)
            return None
        return _efforts_from_model_info(info)


def _efforts_from_model_info(info: Mapping[str, object]) -> tuple[ReasoningEffort, ...]:
    if not info.get("supports_reasoning"):
        return ()

    levels = info.get("reasoning_effort_levels")
    if isinstance(levels, (list, tuple)):
        return tuple(effort for effort in EFFORT_ORDER if effort in levels)

    accepted: set[str] = {"low", "medium", "high"}
    for effort, flag in _FLAGS.items():
        value = info.get(flag)
        if value is True:
            accepted.add(effort)
        elif value is False:
            accepted.discard(effort)
    return tuple(effort for effort in EFFORT_ORDER if effort in accepted)


def nearest_accepted_effort(
    effort: ReasoningEffort, accepted: Sequence[ReasoningEffort]
) -> ReasoningEffort | None:
    """Return `effort` if accepted, else the weakest accepted effort above it, else the
    strongest below it; None when nothing is accepted."""
    if effort in accepted:
        return effort
    rank = EFFORT_ORDER.index(effort)
    stronger = [level for level in accepted if EFFORT_ORDER.index(level) > rank]
    if stronger:
        return stronger[0]
    return accepted[-1] if accepted else None


def lower_effort(
    effort: ReasoningEffort, accepted: Sequence[ReasoningEffort] | None
) -> ReasoningEffort:
    """Return the next weaker effort the model accepts, or `effort` when there is none.

    A model with a restricted set stops there: if it accepts only `high`, lowering `high`
    returns `high`. With `accepted` unknown (None), the next weaker effort is returned.
    """
    rank = EFFORT_ORDER.index(effort)
    candidates = (
        EFFORT_ORDER[:rank]
        if accepted is None
        else tuple(level for level in accepted if EFFORT_ORDER.index(level) < rank)
    )
    return candidates[-1] if candidates else effort
