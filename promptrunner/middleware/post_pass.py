"""PostPass: deterministic post-processors over the final text of every result."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from promptrunner.errors import ConfigurationError
from promptrunner.middleware._base import CallNext
from promptrunner.request import PromptRequest
from promptrunner.result import PromptResult

__all__ = ["PostPass", "PostProcessor"]

PostProcessor = Callable[[str], str]
"""A pure, idempotent function from text to text."""


class PostPass:
    """Runs post-processors, in order, on the text of the result, whatever its outcome.

    The text of a failed or degraded result (a partial answer, a fallback's draft) is
    processed too, so that what reaches the user always went through the same rules.
    Each processor that changed the text is recorded as a `postprocessed` decision. A
    processor that raises is a bug in that processor and is not caught.
    """

    def __init__(self, *, processors: Sequence[PostProcessor]) -> None:
        for position, processor in enumerate(processors):
            if not callable(processor):
                raise ConfigurationError(
                    f"PostPass processor at position {position} is not callable: "
                    f"{processor!r}; pass functions that take and return a str."
                )
        self.processors = tuple(processors)

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        result = await call_next(request)
        if not result.text:
            return result

        text = result.text
        for processor in self.processors:
            processed = processor(text)
            if not isinstance(processed, str):
                raise TypeError(
                    f"Post-processor {_name(processor)} returned {type(processed).__name__}, "
                    f"not str; a post-processor takes and returns text."
                )
            if processed != text:
                result.record(
                    "PostPass",
                    "postprocessed",
                    processor=_name(processor),
                    chars_before=len(text),
                    chars_after=len(processed),
                )
                text = processed

        result.text = text
        return result


def _name(processor: PostProcessor) -> str:
    name = getattr(processor, "__name__", None)
    if name is None:
        inner = getattr(processor, "func", None)
        name = getattr(inner, "__name__", None)
    return name or type(processor).__name__
