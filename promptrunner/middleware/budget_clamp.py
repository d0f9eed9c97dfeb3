"""BudgetClamp: fit a request's input into a token budget by shortening clampable messages."""

from __future__ import annotations

import asyncio
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from promptrunner import _tokens
from promptrunner._checks import is_finite_number, is_whole_number
from promptrunner._tokens import TokenEncoding
from promptrunner.errors import ConfigurationError, RunFailedError
from promptrunner.middleware._base import CallNext, seconds_left
from promptrunner.outcome import Outcome, OutcomeCategory
from promptrunner.request import Message, PromptRequest
from promptrunner.result import PromptResult

__all__ = ["DEFAULT_BOUNDARY_WINDOW", "DEFAULT_MARKER", "Boundary", "BudgetClamp", "TokenEncoding"]

DEFAULT_MARKER = "\n[...]"
"""Text appended to every shortened message text; its tokens count against the budget."""

DEFAULT_BOUNDARY_WINDOW = 0.2
"""Default share of the text that fits which a cut may give up to end on a paragraph or sentence."""

Boundary = Literal["paragraph", "sentence", "word", "character", "message"]
"""The kind of boundary a cut ended on, or `message` when only whole texts were removed."""

_THREAD_MIN_CHARS = 50_000
"""Inputs with more characters than this are counted and clamped in a worker thread.

tiktoken releases the GIL while it encodes, so the event loop keeps serving other runs.
Encoding 50,000 characters took 5 to 8 ms on a 2-CPU x86_64 machine (tiktoken 0.14.0),
far more than the hop to a thread.
"""

_MAX_FIT_ROUNDS = 4
"""Cuts tried per text before the text is replaced by the marker alone."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
# A sentence ends at . ! ? or an ellipsis followed by whitespace, or at the CJK full stop,
# exclamation or question mark; closing quotes and brackets stay with the sentence.
_SENTENCE_END = re.compile(
    r"[.!?\u2026]+[\"'\u2019\u201d\u00bb)\]]*(?=\s)"
    r"|[\u3002\uff01\uff1f]+[\u300d\u300f\u2019\u201d\uff09]*"
)
_LAST_WHITESPACE = re.compile(r"(?s:.*)\s")
_ZERO_WIDTH_JOINER = "\u200d"
_NEVER_CLAMPED_ROLES = ("system", "developer")


class BudgetClamp:
    """Shortens the messages marked `clampable` until the input fits `input_budget` tokens.

    The input is counted with tiktoken: every text of every message (a string content,
    the text parts of a list content, and the name), plus `per_message_overhead` tokens
    per message for the role and the chat format's framing. The encoding follows the
    model (see `promptrunner._tokens.choose_encoding`). For a model that is not OpenAI's
    the count is an estimate made with o200k_base, and the decision records `estimate=True`.
    `encoding` overrides the choice, by tiktoken name or as an encoding object.

    Only messages with `clampable=True` are shortened, from the end of the last one
    backwards. System and developer messages are never shortened, and a run in which one
    is marked clampable raises `ConfigurationError`. A cut ends on a paragraph break or a
    sentence end when one lies within the last `boundary_window` share of the text that
    fits, else at the last whitespace, and only else between two characters. `marker` is
    appended to each shortened text, and a text removed entirely is replaced by the marker
    without its leading whitespace.

    When the input is still over budget with every clampable text removed, the request
    is sent anyway and the decision `input_over_budget` is recorded: the provider decides.
    A call is not started when the deadline has less than `min_seconds_left` seconds left,
    and the run then fails with `budget_exhausted`.
    """

    def __init__(
        self,
        *,
        input_budget: int,
        min_seconds_left: float = 1.0,
        encoding: str | TokenEncoding | None = None,
        per_message_overhead: int = 4,
        marker: str = DEFAULT_MARKER,
        boundary_window: float = DEFAULT_BOUNDARY_WINDOW,
    ) -> None:
        if not is_whole_number(input_budget) or input_budget <= 0:
            raise ConfigurationError(
                f"BudgetClamp input_budget must be a whole number of tokens above 0, "
                f"got {input_budget!r}."
            )
        if not is_finite_number(min_seconds_left) or min_seconds_left < 0:
            raise ConfigurationError(
                f"BudgetClamp min_seconds_left must be a finite number of seconds of 0 or "
                f"more, got {min_seconds_left!r}."
            )
        if not is_whole_number(per_message_overhead) or per_message_overhead < 0:
            raise ConfigurationError(
                f"BudgetClamp per_message_overhead must be a whole number of tokens of 0 or "
                f"more, got {per_message_overhead!r}."
            )
        if not isinstance(marker, str):
            raise ConfigurationError(
                f"BudgetClamp marker must be a string (use '' for no marker), got {marker!r}."
            )
        if not is_finite_number(boundary_window) or not 0 <= boundary_window <= 1:
            raise ConfigurationError(
                f"BudgetClamp boundary_window must be a share of the text between 0 and 1, "
                f"got {boundary_window!r}."
            )

        self.input_budget = input_budget
        self.min_seconds_left = float(min_seconds_left)
        self.per_message_overhead = per_message_overhead
        self.marker = marker
        self.boundary_window = float(boundary_window)
        self._override = _resolve_override(encoding)
        if self._override is None:
            self._encodings = {
                name: _tokens.load_encoding(name) for name in (_tokens.O200K, _tokens.CL100K)
            }
        else:
            self._encodings = {self._override.name: self._override}

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        _check_no_clampable_instructions(request.messages)

        remaining = seconds_left(request)
        if remaining < self.min_seconds_left:
            return self._rejected(request, remaining)

        if _token_upper_bound(request.messages, self.per_message_overhead) <= self.input_budget:
            return await call_next(request)

        encoding, estimate = self._encoding_for(request.model)
        if _total_chars(request.messages) > _THREAD_MIN_CHARS:
            clamp = await asyncio.to_thread(self._clamp, request.messages, encoding)
        else:
            clamp = self._clamp(request.messages, encoding)
        if clamp is None:
            return await call_next(request)

        clamped_request = request.model_copy(update={"messages": clamp.messages})
        try:
            result = await call_next(clamped_request)
        except RunFailedError as error:
            self._record(error.result, clamp, encoding.name, estimate)
            raise

        self._record(result, clamp, encoding.name, estimate)
        return result

    def _encoding_for(self, model: str) -> tuple[TokenEncoding, bool]:
        """Return the encoding for `model` and whether its counts are an estimate."""
        choice = _tokens.choose_encoding(model)
        if self._override is None:
            return self._encodings[choice.name], choice.estimate

        exact = not choice.estimate and choice.name == self._override.name
        return self._override, not exact

    def _clamp(self, messages: list[Message], encoding: TokenEncoding) -> _Clamp | None:
        """Shorten the clampable texts so the input fits, or return None when it fits already.

        Each text is encoded once to count it. Each text that is cut then costs one decode
        of the tokens that fit and one encode of the shortened text. A cut whose shortened
        text encodes to more tokens than planned is made again, up to `_MAX_FIT_ROUNDS` times.
        """
        tokens_before, segments = _count_tokens(messages, encoding, self.per_message_overhead)
        if tokens_before <= self.input_budget:
            return None

        marker_tokens = len(encoding.encode_ordinary(self.marker)) if self.marker else 0
        emptied_text = self.marker.lstrip()
        emptied = _Cut(emptied_text, len(encoding.encode_ordinary(emptied_text)), "message")

        excess = tokens_before - self.input_budget
        cuts: dict[tuple[int, int | None], str] = {}
        boundary: Boundary = "message"
        for segment in reversed(segments):
            if excess <= 0:
                break
            allowed = len(segment.tokens) - excess
            cut = self._shorten(segment, allowed, encoding, marker_tokens, emptied)
            if cut.tokens >= len(segment.tokens):
                # Only the marker could replace this text, and it is no shorter.
                continue
            excess -= len(segment.tokens) - cut.tokens
            cuts[segment.message_index, segment.part_index] = cut.text
            boundary = cut.boundary

        return _Clamp(
            messages=_replace_texts(messages, cuts),
            tokens_before=tokens_before,
            tokens_after=self.input_budget + excess,
            messages_clamped=len({message_index for message_index, _ in cuts}),
            boundary=boundary,
        )

    def _shorten(
        self,
        segment: _Segment,
        allowed: int,
        encoding: TokenEncoding,
        marker_tokens: int,
        emptied: _Cut,
    ) -> _Cut:
        """Cut a text so that it and the marker take at most `allowed` tokens."""
        target = allowed - marker_tokens
        for _ in range(_MAX_FIT_ROUNDS):
            if target <= 0:
                break

            end = _decoded_length(encoding, segment.tokens[:target])
            kept, boundary = _cut_text(segment.text, end, self.boundary_window)
            if not kept:
                break

            text = kept + self.marker
            tokens = len(encoding.encode_ordinary(text))
            if tokens <= allowed:
                return _Cut(text, tokens, boundary)
            target -= tokens - allowed
        return emptied

    def _record(self, result: PromptResult, clamp: _Clamp, encoding: str, estimate: bool) -> None:
        numbers: dict[str, str | int | float | bool] = {
            "tokens_before": clamp.tokens_before,
            "tokens_after": clamp.tokens_after,
            "input_budget": self.input_budget,
            "messages_clamped": clamp.messages_clamped,
            "encoding": encoding,
            "estimate": estimate,
        }
        if clamp.messages_clamped:
            result.record("BudgetClamp", "clamped", **numbers, boundary=clamp.boundary)
        if clamp.tokens_after > self.input_budget:
            result.record("BudgetClamp", "input_over_budget", **numbers)

    def _rejected(self, request: PromptRequest, remaining: float) -> PromptResult:
        message = (
            f"{remaining:.3f} s left before the deadline, less than the "
            f"{self.min_seconds_left:g} s that BudgetClamp(min_seconds_left=...) requires "
            f"to start a call"
        )
        result = PromptResult(
            step=request.step,
            model=request.model,
            outcome=Outcome.failed(OutcomeCategory.BUDGET_EXHAUSTED, message),
        )
        result.record(
            "BudgetClamp",
            "rejected",
            reason="deadline",
            remaining_ms=round(remaining * 1000),
            min_seconds_left=self.min_seconds_left,
        )
        return result


@dataclass(frozen=True)
class _Segment:
    """One text of a clampable message: its string content or one text part of a list."""

    message_index: int
    part_index: int | None
    text: str
    tokens: list[int]


@dataclass(frozen=True)
class _Cut:
    text: str
    tokens: int
    boundary: Boundary


@dataclass(frozen=True)
class _Clamp:
    messages: list[Message]
    tokens_before: int
    tokens_after: int
    messages_clamped: int
    boundary: Boundary


def _count_tokens(
    messages: list[Message], encoding: TokenEncoding, per_message_overhead: int
) -> tuple[int, list[_Segment]]:
    """Count the input's tokens and return them with the texts that may be clamped."""
    total = 0
    segments: list[_Segment] = []
    for message_index, message in enumerate(messages):
        total += per_message_overhead
        if message.name:
            total += len(encoding.encode_ordinary(message.name))

        for part_index, text in _tokens.text_parts(message.content):
            tokens = encoding.encode_ordinary(text)
            total += len(tokens)
            if message.clampable and tokens:
                segments.append(_Segment(message_index, part_index, text, tokens))
    return total, segments


def _check_no_clampable_instructions(messages: list[Message]) -> None:
    for index, message in enumerate(messages):
        if message.clampable and message.role in _NEVER_CLAMPED_ROLES:
            raise ConfigurationError(
                f"Message {index} is a {message.role} message marked clampable=True, but "
                f"BudgetClamp never shortens system or developer instructions; move the "
                f"clampable text to a user message or remove clampable=True."
            )


def _decoded_length(encoding: TokenEncoding, tokens: list[int]) -> int:
    """Return how many characters of a text its first tokens cover, whole characters only."""
    # The tokens are a prefix of the text's tokens, so their bytes are a prefix of its UTF-8
    # bytes. Only a character split between two tokens, at the very end, can be invalid,
    # and "ignore" drops exactly that character.
    return len(encoding.decode_bytes(tokens).decode("utf-8", errors="ignore"))


def _cut_text(text: str, end: int, window: float) -> tuple[str, Boundary]:
    """Return the longest prefix of `text[:end]` that ends on the best boundary, and the boundary.

    A paragraph break or sentence end counts only within the last `window` share of the
    `end` characters. A word boundary (whitespace) counts anywhere. Without any, the cut
    falls between two characters, never inside a combining sequence or an emoji sequence.
    """
    lowest = end - math.floor(end * window)
    # Two characters past `end` let a boundary right at the cut be seen: the blank line or
    # the whitespace that follows a sentence end.
    region = text[lowest : end + 2]

    paragraph = _last_cut(_PARAGRAPH_BREAK, region, end - lowest, at_start=True)
    if paragraph is not None:
        kept = text[: lowest + paragraph].rstrip()
        if kept:
            return kept, "paragraph"

    sentence = _last_cut(_SENTENCE_END, region, end - lowest, at_start=False)
    if sentence is not None:
        kept = text[: lowest + sentence]
        if kept.strip():
            return kept, "sentence"

    whitespace = _LAST_WHITESPACE.match(text, 0, end + 1)
    if whitespace is not None:
        kept = text[: whitespace.end() - 1].rstrip()
        if kept:
            return kept, "word"

    return text[: _character_boundary(text, end)], "character"


def _last_cut(pattern: re.Pattern[str], region: str, limit: int, *, at_start: bool) -> int | None:
    """Return the last position in `region`, at most `limit`, where `pattern` allows a cut."""
    best = None
    for match in pattern.finditer(region):
        position = match.start() if at_start else match.end()
        if position > limit:
            break
        best = position
    return best


def _character_boundary(text: str, end: int) -> int:
    """Move `end` back until the text after it does not continue the character before it."""
    position = end
    while 0 < position < len(text) and _continues_character(text, position):
        position -= 1
    return position


def _continues_character(text: str, position: int) -> bool:
    """Tell whether `text[position]` extends the user-perceived character before it."""
    following = text[position]
    if text[position - 1] == _ZERO_WIDTH_JOINER or following == _ZERO_WIDTH_JOINER:
        return True
    if unicodedata.category(following) in ("Mn", "Mc", "Me"):
        return True

    code_point = ord(following)
    return (
        0xFE00 <= code_point <= 0xFE0F  # variation selectors, such as the emoji style
        or 0x1F3FB <= code_point <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code_point <= 0xE007F  # tag characters of subdivision flags
        or 0xE0100 <= code_point <= 0xE01EF  # supplementary variation selectors
    )


def _replace_texts(
    messages: list[Message], cuts: dict[tuple[int, int | None], str]
) -> list[Message]:
    """Return the messages with the texts in `cuts` replaced, as new `Message` objects."""
    replaced = list(messages)
    for message_index in {message_index for message_index, _ in cuts}:
        message = messages[message_index]
        content: str | list[dict[str, Any]] | None
        if isinstance(message.content, list):
            content = [
                {**part, "text": cuts[message_index, part_index]}
                if (message_index, part_index) in cuts
                else part
                for part_index, part in enumerate(message.content)
            ]
        else:
            content = cuts[message_index, None]

        # A new Message, not model_copy: a copy would keep the cached provider fields.
        fields = message.model_dump()
        fields["content"] = content
        replaced[message_index] = Message.model_validate(fields)
    return replaced


def _token_upper_bound(messages: list[Message], per_message_overhead: int) -> int:
    # Every BPE token stands for at least one byte, so the UTF-8 size bounds the count
    # from above: an input that fits in bytes fits in tokens, and needs no encode.
    total = 0
    for message in messages:
        total += per_message_overhead + len((message.name or "").encode())
        total += sum(len(text.encode()) for _, text in _tokens.text_parts(message.content))
    return total


def _total_chars(messages: list[Message]) -> int:
    return sum(len(text) for message in messages for _, text in _tokens.text_parts(message.content))


def _resolve_override(encoding: str | TokenEncoding | None) -> TokenEncoding | None:
    if encoding is None:
        return None
    if isinstance(encoding, str):
        return _tokens.load_encoding(encoding)

    methods = ("encode_ordinary", "decode_bytes")
    if not all(callable(getattr(encoding, method, None)) for method in methods) or not isinstance(
        getattr(encoding, "name", None), str
    ):
        raise ConfigurationError(
            f"BudgetClamp encoding must be a tiktoken encoding name, an object with a name "
            f"and encode_ordinary and decode_bytes methods (such as tiktoken.Encoding), or "
            f"None to choose by model, got {encoding!r}."
        )
    return encoding
