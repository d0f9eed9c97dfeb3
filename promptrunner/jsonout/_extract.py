"""Find the JSON object or array in a model's output, after its reasoning, in fences or in prose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import Any

from promptrunner.errors import PromptRunnerError
from promptrunner.jsonout._repair import (
    VALUE_START_PATTERN,
    Failed,
    Parsed,
    end_of_broken_value,
    find_value_start,
    parse_value_at,
    value_starts_at,
)

__all__ = ["JsonExtractionError", "JsonFailureReason", "extract_json"]

_BOM = "\ufeff"

_REASONING_OPEN = re.compile(r"[ \t\r\n]*<think(?:ing)?>", re.IGNORECASE)

_REASONING_CLOSE = re.compile(r"</think(?:ing)?>", re.IGNORECASE)

# A closing tag at the start of a line, where it cannot sit inside a JSON string.
_ORPHAN_REASONING_CLOSE = re.compile(r"^[ \t]*</think(?:ing)?>", re.IGNORECASE | re.MULTILINE)

_FENCE_OPEN = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})(.*)$", re.MULTILINE)

_FENCED_VALUE_START = re.compile(r"[ \t\n\r]*[{\[]")

# Where the answer may start after an unclosed reasoning block: at the start of a line that
# follows a blank line or a fence's opening line.
_ANSWER_START = re.compile(
    rf"""
    (?: ^ [ \t]* \r?\n | ^ [ ]{{0,3}} (?: `{{3,}} | ~{{3,}} ) [^\n]* \n )
    [ \t]* (?= {VALUE_START_PATTERN} )
    """,
    re.VERBOSE | re.MULTILINE,
)

# What may follow the answer after an unclosed reasoning block: white space and a closing fence.
_ANSWER_TAIL = re.compile(r"[ \t\r\n]*(?:(?<=\n)[ ]{0,3}(?:`{3,}|~{3,})[ \t\r\n]*)?\Z")

_EXCERPT_MAX_CHARS = 80


class JsonFailureReason(str, Enum):
    """Why `extract_json` found no usable JSON value in a model's output."""

    NO_JSON = "no_json"
    """The output contains nothing that starts like a JSON object or array."""

    TRUNCATED = "truncated"
    """The output ends inside a JSON value, or inside a reasoning block with no answer after it."""

    INVALID = "invalid"
    """A JSON object or array starts in the output but breaks the JSON grammar."""


_ADVICE = {
    JsonFailureReason.NO_JSON: (
        "Ask the model to answer with one JSON object or array, for example in a ```json fence."
    ),
    JsonFailureReason.TRUNCATED: (
        "The output probably hit its token limit: raise max_output_tokens or ask for a shorter "
        "answer."
    ),
    JsonFailureReason.INVALID: (
        "Ask the model for strict JSON: double-quoted keys and strings, no comments and no "
        "missing values."
    ),
}


class JsonExtractionError(PromptRunnerError, ValueError):
    """No complete, valid JSON object or array could be taken from a model's output.

    `reason` is the cause. `position` is an index into the text: the first invalid
    character for `invalid`, the start of the cut-off value (or of the unclosed
    reasoning tag) for `truncated`, and None for `no_json`.
    """

    def __init__(self, reason: JsonFailureReason, message: str, *, position: int | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.position = position


def extract_json(text: str) -> Any:
    """Return the JSON object or array in a model's output, as a dict or a list.

    Only an object or an array counts as the answer, so an output that contains only
    a bare number or string raises `no_json`. A byte order mark at the start is skipped.

    Reasoning comes first. `<think>` or `<thinking>` blocks at the start of the output
    are skipped. So is everything before a closing tag that begins a line with no opening
    tag before it, as when the chat template put the opening tag in the prompt. Braces
    in a skipped block are never taken for the answer. When the last block is never
    closed, the answer must be an object or array that starts a line after a blank line
    or a fence's opening line, and ends the output (a closing fence may follow). If there
    is none, the output counts as cut off in its reasoning and the error is `truncated`.

    After the reasoning, Markdown code fences (``` or ~~~, any info string) are tried
    first: the answer is the value in the first fence whose content starts with an
    object or array that decodes. When some fences' content starts like JSON but none
    of it decodes, their error is raised and the prose around the fences is not searched.
    Without such a fence, the answer is the first object or array in the text that
    decodes. A `{` or `[` that cannot start JSON, as in `{name}`, is skipped, and so is
    the whole bracketed extent of a value that breaks the grammar.

    Repairs that cannot change the data are applied: trailing commas before `}` or `]`
    are dropped, and typographic quotes used as string delimiters (curly double and single
    quotes, their low-9 forms, and guillemets) become ASCII quotes. Typographic quotes
    inside a string are kept.

    Raises `JsonExtractionError` with reason `truncated` when the output ends inside the
    value (a cut-off value is never completed), `invalid` when the value breaks the JSON
    grammar (comments, single quotes, NaN and missing values included), and `no_json`
    when nothing in the output starts like a JSON object or array. If several candidates
    fail, the error is `truncated` when the output ends inside one, else that of the first.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_json expects the model output as str, got {type(text).__name__}")

    start = 1 if text.startswith(_BOM) else 0
    answer_start, open_reasoning = _skip_reasoning(text, start)

    if open_reasoning is not None:
        answer = _find_after_open_reasoning(text, answer_start)
        if answer is None:
            raise _open_reasoning_error(text, open_reasoning)
        return answer.value

    outcome = _find_in_fences(text, answer_start)
    if outcome is None:
        outcome = _find_in_prose(text, answer_start)

    if outcome is None:
        raise _no_json_error(text, answer_start, after_reasoning=answer_start != start)
    if isinstance(outcome, Failed):
        raise _failure_error(text, outcome)
    return outcome.value


def _skip_reasoning(text: str, start: int) -> tuple[int, int | None]:
    """Return where the answer starts, and the index of a reasoning tag that is never closed."""
    index = start
    opening = _REASONING_OPEN.match(text, index)
    if opening is None:
        orphan = _ORPHAN_REASONING_CLOSE.search(text, index)
        if orphan is None:
            return index, None
        index = orphan.end()
        opening = _REASONING_OPEN.match(text, index)

    while opening is not None:
        closing = _REASONING_CLOSE.search(text, opening.end())
        if closing is None:
            return opening.end(), text.index("<", opening.start())
        index = closing.end()
        opening = _REASONING_OPEN.match(text, index)
    return index, None


def _find_after_open_reasoning(text: str, start: int) -> Parsed | None:
    """Find an object or array that starts a line after a blank line and ends the text.

    NOTE: a cut-off draft in the reasoning whose outer bracket does not start like JSON,
    as in `{ items: [`, can still end in a complete inner value after a blank line, and
    that value is then taken for the answer.
    """
    if not _ends_with_bracket(text):
        return None

    try_decoder = True
    candidate = _ANSWER_START.search(text, start)
    while candidate is not None:
        index = candidate.end()
        outcome = parse_value_at(text, index, try_decoder=try_decoder)
        if isinstance(outcome, Parsed):
            if _ANSWER_TAIL.match(text, outcome.end):
                return outcome
            next_index = outcome.end
        elif outcome.truncated:
            return None
        else:
            next_index = max(index + 1, outcome.position)
        try_decoder = False
        candidate = _ANSWER_START.search(text, next_index)
    return None


def _ends_with_bracket(text: str) -> bool:
    """Tell whether the text ends with `}` or `]`, ignoring a closing fence and white space."""
    tail = text.rstrip()
    if tail.endswith(("```", "~~~")):
        tail = tail.rstrip("`~").rstrip()
    return tail.endswith(("}", "]"))


def _find_in_fences(text: str, start: int) -> Parsed | Failed | None:
    """Decode the first fenced value; None when no fence's content starts like JSON."""
    failure: Failed | None = None
    for content_start, content_end in _fenced_blocks(text, start):
        bracket = _FENCED_VALUE_START.match(text, content_start)
        if bracket is None or bracket.end() > content_end:
            continue
        value_start = bracket.end() - 1
        if not value_starts_at(text, value_start):
            continue

        outcome = parse_value_at(text, value_start, try_decoder=failure is None)
        if isinstance(outcome, Parsed):
            return outcome
        failure = _pick_failure(failure, outcome)
    return failure


def _fenced_blocks(text: str, start: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each fenced block's content; an unclosed fence runs to the end."""
    index = start
    while (opening := _FENCE_OPEN.search(text, index)) is not None:
        marker, info = opening.group(1), opening.group(2)
        if marker[0] == "`" and "`" in info:
            index = opening.end() + 1
            continue

        content_start = min(opening.end() + 1, len(text))
        closing_pattern = rf"^[ ]{{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t\r]*$"
        closing = re.compile(closing_pattern, re.MULTILINE).search(text, content_start)
        if closing is None:
            yield content_start, len(text)
            return
        yield content_start, closing.start()
        index = closing.end()


def _find_in_prose(text: str, start: int) -> Parsed | Failed | None:
    """Decode the first object or array in the text; None when nothing starts like JSON."""
    failure: Failed | None = None
    index = find_value_start(text, start)
    while index is not None:
        outcome = parse_value_at(text, index, try_decoder=failure is None)
        if isinstance(outcome, Parsed):
            return outcome
        failure = _pick_failure(failure, outcome)
        index = find_value_start(text, end_of_broken_value(text, outcome))
    return failure


def _pick_failure(current: Failed | None, new: Failed) -> Failed:
    """Keep the first failure, unless the new one is a value cut off by the end of the text."""
    if current is None or new.truncated:
        return new
    return current


def _failure_error(text: str, failed: Failed) -> JsonExtractionError:
    kind = "object" if text[failed.start] == "{" else "array"
    if failed.truncated:
        excerpt = _excerpt(text, len(text), before=60, after=0)
        message = (
            f"The JSON {kind} that starts at character {failed.start} of the model output is "
            f"cut off: the output ends inside it ({excerpt}). "
            f"{_ADVICE[JsonFailureReason.TRUNCATED]}"
        )
        return JsonExtractionError(JsonFailureReason.TRUNCATED, message, position=failed.start)

    excerpt = _excerpt(text, failed.position, before=40, after=20)
    message = (
        f"The JSON {kind} that starts at character {failed.start} of the model output is "
        f"invalid at character {failed.position}: {failed.problem} (near {excerpt}). "
        f"{_ADVICE[JsonFailureReason.INVALID]}"
    )
    return JsonExtractionError(JsonFailureReason.INVALID, message, position=failed.position)


def _open_reasoning_error(text: str, tag_start: int) -> JsonExtractionError:
    excerpt = _excerpt(text, len(text), before=60, after=0)
    message = (
        f"The reasoning block that opens at character {tag_start} of the model output is "
        f"never closed, and the output does not end with a JSON object or array that starts "
        f"a line after a blank line ({excerpt}). The output probably hit its token limit "
        f"during reasoning: raise max_output_tokens or lower the reasoning effort."
    )
    return JsonExtractionError(JsonFailureReason.TRUNCATED, message, position=tag_start)


def _no_json_error(text: str, answer_start: int, *, after_reasoning: bool) -> JsonExtractionError:
    if not text[answer_start:].strip():
        where = "has nothing after its reasoning" if after_reasoning else "is empty"
        message = f"The model output {where}, so it contains no JSON object or array."
    else:
        excerpt = _excerpt(text, answer_start, before=0, after=60)
        message = f"The model output contains no JSON object or array ({excerpt})."
    return JsonExtractionError(
        JsonFailureReason.NO_JSON, f"{message} {_ADVICE[JsonFailureReason.NO_JSON]}", position=None
    )


def _excerpt(text: str, position: int, *, before: int, after: int) -> str:
    """Quote the text around `position` in at most `_EXCERPT_MAX_CHARS` characters."""
    while True:
        left = max(0, position - before)
        right = min(len(text), position + after)
        excerpt = text[left:right]
        if left > 0:
            excerpt = "…" + excerpt
        if right < len(text):
            excerpt += "…"
        quoted = repr(excerpt)
        if len(quoted) <= _EXCERPT_MAX_CHARS or before + after <= 8:
            return quoted
        before, after = before * 2 // 3, after * 2 // 3
