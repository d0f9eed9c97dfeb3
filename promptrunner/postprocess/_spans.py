"""Locate the parts of Markdown text that a post-processor must not rewrite as prose.

These are code (fenced blocks and inline code spans, as CommonMark delimits them) and
links (bare URLs, Markdown link destinations and angle-bracket autolinks). The scan is a
close approximation of CommonMark and GitHub Flavored Markdown, not a full parser. It
ignores container blocks, so a fence counts wherever it is indented or quoted, and it
does not recognize indented code blocks or HTML. A bare URL or autolink also ends at
non-ASCII punctuation such as an em dash, which GitHub would keep inside the link.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Span", "SpanKind", "find_spans", "gaps_between", "schemeless_url_start"]

SpanKind = Literal["code", "url", "destination", "autolink"]
"""The kind of text a span covers.

`code` is a fenced block or an inline code span, delimiters included. `url` is a bare
URL (`https://...`, `http://...`, `www....` or a match of `extra_url_start`) without its
trailing punctuation.
`destination` is the target of a Markdown link `[label](target)`, and `autolink` is the
URL inside `<...>` (`<https://...>`, `<mailto:...>`, `<www....>`), both without their
brackets.
"""


@dataclass(frozen=True)
class Span:
    """A half-open range `[start, end)` of the text and what it contains."""

    start: int
    end: int
    kind: SpanKind


# A fence line may be indented or quoted with `>`, because container blocks are ignored.
_FENCE_OPEN = re.compile(r"[ \t]*(?:>[ \t]*)*(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)")
_FENCE_CLOSE = re.compile(r"[ \t]*(?:>[ \t]*)*(?P<fence>`{3,}|~{3,})[ \t\r]*")
_BLANK_LINE = re.compile(r"\n[ \t\r]*(?:\n|$)")
_BACKTICKS = re.compile(r"`+")

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]{1,31}"
_NOT_INSIDE_WORD = r"(?<![^\W_])(?<![.+\-@/\\])"
_START = re.compile(
    rf"(?P<backticks>`+)"
    rf"|(?P<autolink><(?:{_SCHEME}:|www\.)[^\s<>`]*>)"
    rf"|(?P<destination>\]\()"
    rf"|(?P<url>{_NOT_INSIDE_WORD}(?:https?://|www\.))",
    re.IGNORECASE,
)

# Trailing characters that end a sentence or close emphasis rather than belong to a URL.
_ALWAYS_TRIMMED = frozenset("?!.,:;*_~\"'")
_CLOSING_BRACKETS = {")": "(", "]": "[", "}": "{"}
_TITLE_DELIMITERS = {'"': '"', "'": "'", "(": ")"}
# Deeper nesting ends a link destination, as in the cmark reference parser, so that text
# full of `](` and `(` takes linear time.
_MAX_PAREN_DEPTH = 32


def find_spans(text: str, *, extra_url_start: re.Pattern[str] | None = None) -> list[Span]:
    """Return the code and link spans of `text`, sorted and not overlapping.

    Fenced blocks are found first. Between them, one left-to-right scan takes whichever
    of an inline code span, an autolink, a link destination or a bare URL starts first,
    so a URL inside inline code is part of the code span. A match of `extra_url_start`
    also starts a bare URL, such as a known host written without a scheme.
    """
    spans: list[Span] = []
    position = 0
    for fence_start, fence_end in _find_fences(text):
        spans.extend(_scan_inline(text, position, fence_start, extra_url_start))
        spans.append(Span(fence_start, fence_end, "code"))
        position = fence_end
    spans.extend(_scan_inline(text, position, len(text), extra_url_start))
    return spans


def schemeless_url_start(hosts: Iterable[str]) -> re.Pattern[str]:
    """Return an `extra_url_start` pattern for these hosts written with a path but no scheme.

    It matches `cal.com` in `cal.com/acme` in any case, but not inside a longer host or
    word (`notcal.com/acme`, `bob@cal.com/x`) and not without a `/` after it.
    """
    longest_first = sorted(set(hosts), key=len, reverse=True)
    alternatives = "|".join(re.escape(host) for host in longest_first)
    return re.compile(f"{_NOT_INSIDE_WORD}(?:{alternatives})(?=/)", re.IGNORECASE)


def gaps_between(spans: list[Span], start: int, end: int) -> list[tuple[int, int]]:
    """Return the ranges of `[start, end)` that no span covers, empty ranges left out."""
    gaps: list[tuple[int, int]] = []
    position = start
    for span in spans:
        if span.start > position:
            gaps.append((position, span.start))
        position = max(position, span.end)
    if end > position:
        gaps.append((position, end))
    return gaps


def _find_url_end(text: str, start: int, limit: int) -> int:
    """Return where the URL that starts at `start` ends, trailing punctuation left out.

    The URL runs to the first whitespace, control character, `<`, `>`, backtick or
    non-ASCII punctuation mark (such as an em dash or a curly quote), or to `limit`.
    Then trailing `? ! . , : * _ ~` are dropped, as GitHub Flavored Markdown drops them
    from its autolinks. So are a trailing `;`, straight quote, or closing bracket that has
    no opening partner inside the URL.
    """
    end = start
    while end < limit and not _ends_url(text[end]):
        end += 1

    while end > start:
        last = text[end - 1]
        if last in _ALWAYS_TRIMMED:
            end -= 1
            continue
        opening = _CLOSING_BRACKETS.get(last)
        if opening is not None and text.count(last, start, end) > text.count(opening, start, end):
            end -= 1
            continue
        break
    return end


def _ends_url(character: str) -> bool:
    if character.isspace() or character in "<>`" or ord(character) < 0x20:
        return True
    return ord(character) > 0x7F and unicodedata.category(character).startswith("P")


def _find_fences(text: str) -> list[tuple[int, int]]:
    """Return the ranges of fenced code blocks. An unclosed fence runs to the end of the text."""
    fences: list[tuple[int, int]] = []
    opening: re.Match[str] | None = None
    block_start = 0
    line_start = 0
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        if line_end == -1:
            line_end = len(text)

        if opening is None:
            match = _FENCE_OPEN.fullmatch(text, line_start, line_end)
            is_fence = match is not None and not (match["fence"][0] == "`" and "`" in match["info"])
            if match is not None and is_fence:
                opening = match
                block_start = line_start
        else:
            match = _FENCE_CLOSE.fullmatch(text, line_start, line_end)
            fence = opening["fence"]
            closes = match is not None and match["fence"][0] == fence[0]
            if match is not None and closes and len(match["fence"]) >= len(fence):
                fences.append((block_start, line_end))
                opening = None

        line_start = line_end + 1

    if opening is not None:
        fences.append((block_start, len(text)))
    return fences


def _scan_inline(
    text: str, start: int, end: int, extra_url_start: re.Pattern[str] | None
) -> list[Span]:
    spans: list[Span] = []
    backtick_runs = _BacktickRuns(text, start, end)
    position = start
    extra: re.Match[str] | None = None
    extra_exhausted = extra_url_start is None
    while True:
        match = _START.search(text, position, end)
        stale = extra is None or extra.start() < position
        if extra_url_start is not None and not extra_exhausted and stale:
            extra = extra_url_start.search(text, position, end)
            extra_exhausted = extra is None
        if extra is not None and (match is None or extra.start() < match.start()):
            match = extra
        if match is None:
            return spans

        span: Span | None
        if match is extra:
            span = _parse_extra_url(text, match.start(), end)
        elif match["url"] is not None:
            span = _parse_url(text, match.start(), match.end(), end)
        elif match["backticks"] is not None:
            span = backtick_runs.code_span_at(match.start())
        elif match["autolink"] is not None:
            span = _parse_autolink(text, match.start(), match.end())
        else:
            span = _parse_destination(text, match.end(), end)

        if span is not None:
            if span.end > span.start:
                spans.append(span)
            position = max(span.end, match.end())
        elif match is not extra and match["backticks"] is not None:
            position = match.end()  # A backtick run without a closer is literal as a whole.
        else:
            position = match.start() + 1  # What follows may still start a span.


class _BacktickRuns:
    """The backtick runs of one stretch of text, to pair code span openers with closers."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.end = end
        blank_lines = _BLANK_LINE.finditer(text, start, end)
        self.blank_line_starts = [match.start() for match in blank_lines]
        matches = _BACKTICKS.finditer(text, start, end)
        self.runs = [(match.start(), match.end()) for match in matches]
        self.starts = [run_start for run_start, _ in self.runs]
        self.by_length: dict[int, list[int]] = {}
        for run_start, run_end in self.runs:
            self.by_length.setdefault(run_end - run_start, []).append(run_start)

    def code_span_at(self, opener_start: int) -> Span | None:
        """Return the code span that the run at `opener_start` opens, or None if it is literal.

        A closer is the next run of exactly the same length before a blank line. A
        backslash before the run escapes its first backtick, and the rest may still open.
        """
        index = bisect.bisect_right(self.starts, opener_start) - 1
        run_end = self.runs[index][1]
        if _is_escaped(self.text, opener_start):
            opener_start += 1
        length = run_end - opener_start
        if length == 0:
            return None

        next_blank_line = bisect.bisect_left(self.blank_line_starts, run_end)
        limit = self.end
        if next_blank_line < len(self.blank_line_starts):
            limit = self.blank_line_starts[next_blank_line]
        closers = self.by_length.get(length, [])
        position = bisect.bisect_left(closers, run_end)
        if position < len(closers) and closers[position] < limit:
            return Span(opener_start, closers[position] + length, "code")
        return None


def _is_escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes > 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _parse_autolink(text: str, start: int, end: int) -> Span | None:
    """Return the URL inside `<...>`, unless a character in it would end a bare URL.

    With this rule a link ends at the same place with or without its brackets, so
    rewriting the URL in `<www.x.io/a—b>` cannot turn it into a longer autolink.
    """
    if any(_ends_url(character) for character in text[start + 1 : end - 1]):
        return None
    return Span(start + 1, end - 1, "autolink")


def _parse_extra_url(text: str, start: int, limit: int) -> Span:
    """Return the link at a match of `extra_url_start`, as an autolink if it is in `<...>`."""
    raw_end = start
    while raw_end < limit and not _ends_url(text[raw_end]):
        raw_end += 1
    in_brackets = start > 0 and text[start - 1] == "<" and raw_end < limit
    if in_brackets and text[raw_end] == ">":
        return Span(start, raw_end, "autolink")
    return Span(start, _find_url_end(text, start, limit), "url")


def _parse_url(text: str, start: int, prefix_end: int, limit: int) -> Span | None:
    end = _find_url_end(text, start, limit)
    if end <= prefix_end:
        return None
    first = text[prefix_end]
    if not (first.isalnum() or first == "["):
        return None
    return Span(start, end, "url")


def _parse_destination(text: str, start: int, limit: int) -> Span | None:
    """Return the destination of the Markdown link whose `](` ends at `start`, if any.

    The destination is either `<...>` on one line, or a run without spaces, control
    characters, `<`, `>` or backticks, with balanced parentheses. An optional title in
    quotes or parentheses may follow, then `)`.
    """
    position = _skip_blanks(text, start, limit)
    if position < limit and text[position] == "<":
        closing = _find_any(text, "<>\n", position + 1, limit)
        if closing == -1 or text[closing] != ">":
            return None
        destination = Span(position + 1, closing, "destination")
        position = closing + 1
    else:
        destination_end = _scan_bare_destination(text, position, limit)
        if destination_end is None:
            return None
        destination = Span(position, destination_end, "destination")
        position = destination_end

    position = _skip_blanks(text, position, limit)
    if position < limit and text[position] in _TITLE_DELIMITERS:
        title_end = text.find(_TITLE_DELIMITERS[text[position]], position + 1, limit)
        if title_end == -1 or _BLANK_LINE.search(text, position, title_end):
            return None
        position = _skip_blanks(text, title_end + 1, limit)

    if position < limit and text[position] == ")":
        return destination
    return None


def _scan_bare_destination(text: str, start: int, limit: int) -> int | None:
    depth = 0
    position = start
    while position < limit:
        character = text[position]
        if character == "\\" and position + 1 < limit:
            position += 2
            continue
        if character.isspace() or ord(character) < 0x20 or character in "<>`":
            break
        if character == "(":
            depth += 1
            if depth > _MAX_PAREN_DEPTH:
                return None
        elif character == ")":
            if depth == 0:
                break
            depth -= 1
        position += 1
    return position if depth == 0 else None


def _skip_blanks(text: str, position: int, limit: int) -> int:
    while position < limit and text[position] in " \t":
        position += 1
    return position


def _find_any(text: str, characters: str, start: int, limit: int) -> int:
    for position in range(start, limit):
        if text[position] in characters:
            return position
    return -1
