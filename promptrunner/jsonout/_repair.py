"""Decode the JSON object or array that starts at an index, with repairs that keep the data.

The standard library's decoder reads the value first. When it fails, a scanner walks the
value token by token. The scanner distinguishes a value cut off by the end of the text
from an invalid one, and it accepts two mistakes whose repair cannot change the data: a trailing
comma before `}` or `]`, and typographic quotes used as string delimiters. Typographic
quotes inside a string delimited by ASCII quotes are content and stay as they are. The
scanner never completes a value, never guesses at ASCII single quotes, and rejects
comments, because a comment such as `// ... more items` often stands for data the model
left out. The decoder then builds the value from the repaired text.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

__all__ = [
    "VALUE_START_PATTERN",
    "Failed",
    "Parsed",
    "end_of_broken_value",
    "find_value_start",
    "parse_value_at",
    "value_starts_at",
]

_CHARS = r'[^"\\\x00-\x1f]*'

_ESCAPE = r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})'

# Typographic quotes accepted as string delimiters, as (opening characters, closing characters):
# curly double quotes with the low-9 form, curly single quotes with the low-9 form, guillemets.
_TYPOGRAPHIC_DELIMITERS = (
    ("\u201c\u201d\u201e", "\u201c\u201d"),
    ("\u2018\u2019\u201a", "\u2018\u2019"),
    ("\u00ab", "\u00bb"),
)

_TYPOGRAPHIC_OPENERS = "".join(openers for openers, _ in _TYPOGRAPHIC_DELIMITERS)

# Verbose regular expression for a `{` that may start an object or a `[` that may start an
# array. An ASCII single quote, NaN and Infinity count so that Python-style output is reported
# as invalid JSON, and the end of the text counts so that a value cut off there is reported.
VALUE_START_PATTERN = rf"""
    \{{ [ \t\n\r]* (?: ["'}}{_TYPOGRAPHIC_OPENERS}] | \Z )
    | \[ [ \t\n\r]* (?: ["'\]\[{{0-9{_TYPOGRAPHIC_OPENERS}-] | true | false | null | NaN | Infinity
                      | (?: t | tr | tru | f | fa | fal | fals | n | nu | nul ) \Z | \Z )
"""

_VALUE_START = re.compile(VALUE_START_PATTERN, re.VERBOSE)

# Token kinds, numbered as the groups of _TOKEN.
_END, _OPEN, _CLOSE, _COMMA, _COLON, _STRING, _NUMBER, _NUMBER_AT_END = range(1, 9)
_LITERAL, _LITERAL_AT_END, _STRING_AT_END, _TYPOGRAPHIC, _OTHER = range(9, 14)

_TOKEN = re.compile(
    rf"""
    [ \t\n\r]*
    (?: (\Z)
      | ([{{\[]) | ([}}\]]) | (,) | (:)
      | ("{_CHARS}(?:{_ESCAPE}{_CHARS})*")
      | (-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![0-9.eE+-]))
      | (-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:(?<=[0-9])[eE][+-]?[0-9]*)?)?\Z)
      | (true|false|null)
      | ((?:t|tr|tru|f|fa|fal|fals|n|nu|nul)\Z)
      | ("{_CHARS}(?:{_ESCAPE}{_CHARS})*(?:\\(?:u[0-9a-fA-F]{{0,3}})?)?\Z)
      | ([{_TYPOGRAPHIC_OPENERS}])
      | (.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

# Scanner states: what the value accepts next.
_VALUE, _VALUE_OR_CLOSE, _VALUE_AFTER_COMMA = 0, 1, 2
_KEY_OR_CLOSE, _KEY_AFTER_COMMA, _COLON_AFTER_KEY, _COMMA_OR_CLOSE = 3, 4, 5, 6

_EXPECTED = (
    "a value",
    "a value or ']'",
    "a value or ']' after ','",
    "a string key or '}'",
    "a string key or '}' after ','",
    "':' after a key",
)


def _string_body(closers: str) -> re.Pattern[str]:
    plain = f"[^{closers}\\\\\\x00-\\x1f]*"
    return re.compile(f"{plain}(?:{_ESCAPE}{plain})*")


_ASCII_BODY = _string_body('"')

# Opening character -> (closing characters, pattern of the string's content). The content
# may not contain an ASCII double quote, so that a string opened with a typographic quote
# and closed with an ASCII one is reported where it breaks.
_TYPOGRAPHIC_STRINGS = {
    opener: (closers, _string_body(closers + '"'))
    for openers, closers in _TYPOGRAPHIC_DELIMITERS
    for opener in openers
}

_ESCAPE_AT_END = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?\Z")

_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[{}\[\]]')


class _NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonStandardConstant(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class Parsed(NamedTuple):
    """A JSON object or array decoded from the text up to `end`."""

    value: Any
    end: int


class Failed(NamedTuple):
    """A value that starts at `start` and could not be decoded.

    `truncated` is true when the text ends inside the value. `position` is where the
    problem was found (the end of the text when truncated), and `problem` names it.
    """

    start: int
    truncated: bool
    position: int
    problem: str


class _ScanError(Exception):
    def __init__(self, position: int, problem: str, *, truncated: bool = False) -> None:
        super().__init__(problem)
        self.position = position
        self.problem = problem
        self.truncated = truncated


def value_starts_at(text: str, index: int) -> bool:
    """Tell whether a JSON object or array could start at `text[index]`.

    `{` must be followed by a quote or `}`, and `[` by a value or `]`, so a placeholder
    such as `{name}` or a link text such as `[here]` in prose is not taken for JSON.
    """
    return _VALUE_START.match(text, index) is not None


def find_value_start(text: str, index: int) -> int | None:
    """Return the first index from `index` on where `value_starts_at` holds, or None."""
    match = _VALUE_START.search(text, index)
    return None if match is None else match.start()


def parse_value_at(text: str, start: int, *, try_decoder: bool = True) -> Parsed | Failed:
    """Decode the object or array that starts at `text[start]` (a `{` or `[`).

    With `try_decoder`, the standard library's decoder reads the text first and the
    scanner runs only if it fails. Callers pass False once a candidate has failed to
    decode, because each `JSONDecodeError` counts the line breaks from the start of the
    whole text to its index, so many failures would cost quadratic time.
    """
    if try_decoder:
        try:
            value, end = _DECODER.raw_decode(text, start)
        except (ValueError, RecursionError):
            pass
        else:
            return Parsed(value, end)

    try:
        end, edits = _scan(text, start)
    except _ScanError as error:
        return Failed(start, error.truncated, error.position, error.problem)

    checked = _apply_edits(text, start, end, edits)
    try:
        value = json.loads(checked)
    except RecursionError:
        return Failed(start, False, start, "the value is nested too deeply to decode")
    except ValueError as error:
        return Failed(start, False, start, str(error))
    return Parsed(value, end)


def _scan(text: str, start: int) -> tuple[int, list[tuple[int, int, str]]]:
    """Check the value at `start` and list its repairs as (start, end, replacement), in order.

    Returns the end of the value. Raises `_ScanError` where the value breaks the JSON
    grammar, with `truncated` set when the text ends before the value does.
    """
    closers: list[str] = []
    edits: list[tuple[int, int, str]] = []
    last_comma = -1
    state = _VALUE
    index = start
    match_token = _TOKEN.match

    while True:
        token = match_token(text, index)
        if token is None:  # pragma: no cover - the alternatives `\Z` and `.` match anywhere
            raise _ScanError(index, "no JSON token matches here")
        kind = token.lastindex
        position = token.start(kind or 0)
        index = token.end()

        if kind in (_STRING, _TYPOGRAPHIC):
            if state > _KEY_AFTER_COMMA:
                raise _unexpected(text, position, state, closers)
            if kind == _TYPOGRAPHIC:
                index = _scan_typographic_string(text, position, edits)
            is_key = state in (_KEY_OR_CLOSE, _KEY_AFTER_COMMA)
            state = _COLON_AFTER_KEY if is_key else _COMMA_OR_CLOSE
        elif kind in (_NUMBER, _LITERAL):
            if state > _VALUE_AFTER_COMMA:
                raise _unexpected(text, position, state, closers)
            state = _COMMA_OR_CLOSE
        elif kind == _COMMA:
            if state != _COMMA_OR_CLOSE:
                raise _unexpected(text, position, state, closers)
            last_comma = position
            state = _KEY_AFTER_COMMA if closers[-1] == "}" else _VALUE_AFTER_COMMA
        elif kind == _COLON:
            if state != _COLON_AFTER_KEY:
                raise _unexpected(text, position, state, closers)
            state = _VALUE
        elif kind == _OPEN:
            if state > _VALUE_AFTER_COMMA:
                raise _unexpected(text, position, state, closers)
            is_object = text[position] == "{"
            closers.append("}" if is_object else "]")
            state = _KEY_OR_CLOSE if is_object else _VALUE_OR_CLOSE
        elif kind == _CLOSE:
            closable = state not in (_VALUE, _COLON_AFTER_KEY)
            if not closable or text[position] != closers[-1]:
                raise _unexpected(text, position, state, closers)
            if state in (_VALUE_AFTER_COMMA, _KEY_AFTER_COMMA):
                edits.append((last_comma, last_comma + 1, ""))
            closers.pop()
            if not closers:
                return index, edits
            state = _COMMA_OR_CLOSE
        elif kind == _END:
            raise _ScanError(len(text), "the text ends inside the value", truncated=True)
        elif kind == _STRING_AT_END:
            if state > _KEY_AFTER_COMMA:
                raise _unexpected(text, position, state, closers)
            raise _ScanError(len(text), "the text ends inside a string", truncated=True)
        elif kind in (_NUMBER_AT_END, _LITERAL_AT_END):
            if state > _VALUE_AFTER_COMMA:
                raise _unexpected(text, position, state, closers)
            raise _ScanError(len(text), "the text ends inside a number or literal", truncated=True)
        else:
            raise _unexpected(text, position, state, closers)


def _unexpected(text: str, position: int, state: int, closers: list[str]) -> _ScanError:
    """Describe the token at `position`, which the scanner's state does not accept."""
    char = text[position]
    accepts_value = state <= _VALUE_AFTER_COMMA
    accepts_key = state in (_KEY_OR_CLOSE, _KEY_AFTER_COMMA)

    if char == '"' and (accepts_value or accepts_key):
        body_end = _match_end(_ASCII_BODY, text, position + 1)
        found = text[body_end : body_end + 2]
        if found.startswith("\\"):
            return _ScanError(body_end, f"invalid escape {found!r} in a string")
        return _ScanError(body_end, f"control character {found[:1]!r} inside a string")
    if accepts_value and char in "-0123456789":
        return _ScanError(position, f"invalid number starting {text[position : position + 12]!r}")

    expected = f"',' or {closers[-1]!r}" if state == _COMMA_OR_CLOSE else _EXPECTED[state]
    return _ScanError(position, f"expected {expected}, found {char!r}")


def _scan_typographic_string(text: str, index: int, edits: list[tuple[int, int, str]]) -> int:
    """Return the index after the typographic string at `index`, recording its repair."""
    closers, body = _TYPOGRAPHIC_STRINGS[text[index]]
    body_end = _match_end(body, text, index + 1)

    if body_end >= len(text) or _ESCAPE_AT_END.match(text, body_end):
        raise _ScanError(len(text), "the text ends inside a string", truncated=True)
    char = text[body_end]
    if char == "\\":
        found = text[body_end : body_end + 2]
        raise _ScanError(body_end, f"invalid escape {found!r} in a string")
    if char == '"':
        raise _ScanError(body_end, "ASCII quote inside a string opened by a typographic quote")
    if char not in closers:
        raise _ScanError(body_end, f"control character {char!r} inside a string")

    edits.append((index, index + 1, '"'))
    edits.append((body_end, body_end + 1, '"'))
    return body_end + 1


def end_of_broken_value(text: str, failed: Failed) -> int:
    """Return the index after the bracket that closes a value that failed to decode.

    Counts brackets outside ASCII-quoted strings from the value's start, and lets a line
    break end an unclosed string, because JSON strings cannot contain one. Returns the
    length of the text if the brackets never balance, and never less than
    `failed.position + 1`, so a search for the next value always moves forward.
    """
    if failed.truncated:
        return len(text)

    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text, failed.start):
        token = match.group()
        if token[0] == '"':
            continue
        depth += 1 if token in "{[" else -1
        if depth == 0:
            return max(match.end(), failed.position + 1)
    return len(text)


def _match_end(pattern: re.Pattern[str], text: str, index: int) -> int:
    match = pattern.match(text, index)
    return index if match is None else match.end()


def _apply_edits(text: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
    pieces: list[str] = []
    cursor = start
    for edit_start, edit_end, replacement in edits:
        pieces.append(text[cursor:edit_start])
        pieces.append(replacement)
        cursor = edit_end
    pieces.append(text[cursor:end])
    return "".join(pieces)
