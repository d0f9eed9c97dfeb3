"""Replace sentence dashes with a comma and a space, leaving code, links and ranges alone."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from promptrunner.errors import ConfigurationError
from promptrunner.postprocess._spans import find_spans, gaps_between

__all__ = ["em_dash_replacer", "replace_em_dashes_with_comma_space"]

_EM_DASH = "\u2014"
_EN_DASH = "\u2013"

# Horizontal whitespace around a dash: space, tab, and the no-break, thin and hair spaces
# that typesetters put around dashes.
_BLANK = "[ \\t\u00a0\u2009\u200a\u202f]"
_BLANKS = frozenset(" \t\u00a0\u2009\u200a\u202f")

# A run of dashes that contains an em dash, or a run of en dashes with blanks on both sides.
_EM_RUN = f"[{_EN_DASH}{_EM_DASH}]*{_EM_DASH}[{_EN_DASH}{_EM_DASH}]*"
_SPACED_EN_RUN = f"(?<={_BLANK}){_EN_DASH}+(?={_BLANK})"
_UNIT_WITH_EN = re.compile(
    f"{_BLANK}*(?:{_EM_RUN}|{_SPACED_EN_RUN})(?:{_BLANK}*(?:{_EM_RUN}|{_SPACED_EN_RUN}))*{_BLANK}*"
)
_UNIT_EM_ONLY = re.compile(f"{_BLANK}*{_EM_RUN}(?:{_BLANK}*{_EM_RUN})*{_BLANK}*")

# Line prefixes after which a dash still opens its line: indentation, blockquote markers,
# and one list bullet, ordered-list number or heading marker.
_LINE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6})[ \t]*)?")

_PUNCTUATION = frozenset(",;:.!?\u2026")
_OPENING = frozenset("([{\u201c\u2018\u00ab\u2039|")
_CLOSING = frozenset(")]}\u201d\u2019\u00bb\u203a|")
# Quotes and emphasis markers, which open or close depending on their neighbours.
_EITHER_WAY = frozenset("\"'*_~")
_LINE_BREAKS = "\r\n"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def replace_em_dashes_with_comma_space(
    text: str, *, replacement: str = ", ", treat_spaced_en_dash: bool = True
) -> str:
    """Replace each em dash that joins two parts of a sentence with `replacement`.

    A dash unit is a run of dashes that contains an em dash (U+2014), together with the
    spaces, tabs, and no-break, thin or hair spaces around it. When
    `treat_spaced_en_dash` is true, an en dash (U+2013) with such a space on both sides
    counts too. Dashes separated only by those spaces form one unit. Line breaks are
    never part of a unit. Let `before` be the character just before the unit and
    `after` the character just after it. The first rule that applies decides:

    1. A unit with only indentation, blockquote `>`, or one list or heading marker
       before it on its line opens the line (`— Sam`) and stays.
    2. A unit with nothing after it on its line closes the line (`Thanks —`) and stays.
    3. A unit made only of en dashes stays when the words on both sides contain a digit,
       because it is a range (`9 – 5`, `$10 – $20`, `pp. 3 – 7`). A word here runs to
       the next space or dash.
    4. A unit that has a space before it, no space after it and an ASCII letter directly
       after it (`run —verbose`) stays, because it is a command-line flag whose `--` an
       editor turned into a dash.
    5. A unit right after an opening bracket, curly opening quote or `|`, or right
       before a closing one, stays, so `(— aside)` and `| — |` keep their dash. A
       straight quote or `*`, `_`, `~` run counts as opening when a space, line start or
       opening bracket precedes it, and as closing when a space, line end, closing
       bracket or punctuation follows it.
    6. With punctuation (`, ; : . ! ?` or `…`) on both sides (`word,—, next`), the unit
       stays, because any replacement would double the punctuation.
    7. With punctuation before it, the unit becomes one space: `end.— Next` becomes
       `end. Next`, and `word,— next` becomes `word, next`.
    8. With punctuation after it, the unit is removed: `word —, next` becomes `word,
       next`.
    9. Otherwise the unit becomes `replacement`: `word — word` and `word—word` become
       `word, word`.

    Closed en dashes (`9–5`, `2024–2025`), ASCII hyphens and `--` never change. Nothing
    inside code (fenced blocks and inline code) or links (bare URLs, Markdown link
    destinations, `<...>` autolinks) changes, because a dash there is literal. A bare
    URL or autolink ends at the first non-ASCII punctuation mark, so in
    `https://x.io/a—b` the dash is outside the URL. The result has the same lines as
    `text`, and applying the function again changes nothing.

    `replacement` must start with a space, tab or one of the punctuation marks above,
    and end with a space or tab. It may not contain a line break, dash, backtick or
    bracket, because it must not create a new dash, line, code span or link.

    Raises:
        ConfigurationError: `replacement` or `treat_spaced_en_dash` is invalid. The
            message names the value and what to pass instead.
    """  # noqa: RUF002 - the en dashes in the examples are the point
    _validate_options(replacement, treat_spaced_en_dash)
    return _replace_dash_units(text, replacement, treat_spaced_en_dash)


def em_dash_replacer(
    *, replacement: str = ", ", treat_spaced_en_dash: bool = True
) -> Callable[[str], str]:
    """Return `replace_em_dashes_with_comma_space` with its options bound, checked once.

    The returned function is named `replace_em_dashes_with_comma_space`, so a
    `PostPass` decision names it the same way as the plain function.

    Raises:
        ConfigurationError: an option is invalid. The message names the value and the fix.
    """
    _validate_options(replacement, treat_spaced_en_dash)

    def replace_em_dashes_with_comma_space_bound(text: str) -> str:
        return _replace_dash_units(text, replacement, treat_spaced_en_dash)

    replace_em_dashes_with_comma_space_bound.__name__ = "replace_em_dashes_with_comma_space"
    replace_em_dashes_with_comma_space_bound.__qualname__ = "replace_em_dashes_with_comma_space"
    return replace_em_dashes_with_comma_space_bound


def _replace_dash_units(text: str, replacement: str, treat_spaced_en_dash: bool) -> str:
    # Only a unit that contains an em dash, or a spaced en dash, is ever rewritten.
    if "\u2014" not in text and not (treat_spaced_en_dash and "\u2013" in text):
        return text

    unit_pattern = _UNIT_WITH_EN if treat_spaced_en_dash else _UNIT_EM_ONLY
    spans = find_spans(text)
    line_starts = [0] + [line_break.end() for line_break in _LINE_BREAK.finditer(text)]

    pieces: list[str] = []
    copied = 0
    for gap_start, gap_end in gaps_between(spans, 0, len(text)):
        for unit in unit_pattern.finditer(text, gap_start, gap_end):
            line_start = line_starts[bisect.bisect_right(line_starts, unit.start()) - 1]
            rewritten = _rewrite_unit(text, line_start, unit.start(), unit.end(), replacement)
            if rewritten is None:
                continue
            pieces.append(text[copied : unit.start()])
            pieces.append(rewritten)
            copied = unit.end()
    pieces.append(text[copied:])
    return "".join(pieces)


def _validate_options(replacement: object, treat_spaced_en_dash: object) -> None:
    if not isinstance(treat_spaced_en_dash, bool):
        raise ConfigurationError(
            f"treat_spaced_en_dash must be True or False, got {treat_spaced_en_dash!r}."
        )
    if not isinstance(replacement, str):
        raise ConfigurationError(
            f"replacement must be a str such as ', ', got {type(replacement).__name__} "
            f"{replacement!r}."
        )

    problem = _replacement_problem(replacement)
    if problem is not None:
        raise ConfigurationError(
            f"Invalid replacement {replacement!r}: {problem}. Pass text that starts with a "
            f"space or punctuation and ends with a space, such as ', ' or '; '."
        )


def _replacement_problem(replacement: str) -> str | None:
    if not replacement:
        return "it is empty"
    if replacement[0] not in " \t" and replacement[0] not in _PUNCTUATION:
        return "it must start with a space, a tab or one of , ; : . ! ? \u2026"
    if replacement[-1] not in " \t":
        return "it must end with a space or a tab"
    forbidden = [character for character in replacement if character in "\r\n`[]()<>"]
    forbidden += [character for character in replacement if character in _EM_DASH + _EN_DASH]
    if forbidden:
        return f"it contains {forbidden[0]!r}, which could start a new line, dash, code or link"
    return None


def _rewrite_unit(text: str, line_start: int, start: int, end: int, replacement: str) -> str | None:
    """Return the text that replaces the dash unit `text[start:end]`, or None to keep it."""
    if _LINE_PREFIX.fullmatch(text, line_start, start):
        return None
    if end == len(text) or text[end] in _LINE_BREAKS:
        return None

    before = text[start - 1]
    after = text[end]
    unit = text[start:end]
    if _EM_DASH not in unit and _is_numeric_range(text, start, end):
        return None
    if unit[0] in _BLANKS and unit[-1] not in _BLANKS and after.isascii() and after.isalpha():
        return None
    if _opens_group(text, start - 1) or _closes_group(text, end):
        return None

    if before in _PUNCTUATION and after in _PUNCTUATION:
        return None
    if before in _PUNCTUATION:
        return " "
    if after in _PUNCTUATION:
        return ""
    return replacement


def _is_numeric_range(text: str, start: int, end: int) -> bool:
    word_start = start
    while word_start > 0 and not _ends_word(text[word_start - 1]):
        word_start -= 1
    word_end = end
    while word_end < len(text) and not _ends_word(text[word_end]):
        word_end += 1

    digit_before = any(character.isdigit() for character in text[word_start:start])
    digit_after = any(character.isdigit() for character in text[end:word_end])
    return digit_before and digit_after


def _ends_word(character: str) -> bool:
    return character.isspace() or character in (_EM_DASH, _EN_DASH)


def _opens_group(text: str, position: int) -> bool:
    """Return whether the character at `position` opens a bracket, quote or emphasis."""
    character = text[position]
    if character in _OPENING:
        return True
    if character not in _EITHER_WAY:
        return False

    while position > 0 and text[position - 1] in _EITHER_WAY:
        position -= 1
    if position == 0:
        return True
    previous = text[position - 1]
    return previous.isspace() or previous in _OPENING


def _closes_group(text: str, position: int) -> bool:
    """Return whether the character at `position` closes a bracket, quote or emphasis."""
    character = text[position]
    if character in _CLOSING:
        return True
    if character not in _EITHER_WAY:
        return False

    while position + 1 < len(text) and text[position + 1] in _EITHER_WAY:
        position += 1
    if position + 1 == len(text):
        return True
    following = text[position + 1]
    return following.isspace() or following in _CLOSING or following in _PUNCTUATION
