"""Rewrite every link to a booking page as one canonical URL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from promptrunner.errors import ConfigurationError
from promptrunner.postprocess._spans import Span, find_spans, schemeless_url_start

__all__ = ["booking_link_enforcer", "enforce_canonical_booking_link"]

_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Characters a canonical URL may not contain, because the link scanner counts brackets and
# a backtick could open a code span.
_UNSAFE_IN_CANONICAL = "()[]{}`"
# Replacing a link can complete a Markdown link `[label](...)` that unbalanced brackets in
# the old URL had broken, and the next pass then reads the new link differently. So the
# rewrite repeats until the text stops changing. The randomized idempotence tests have
# needed at most two rewriting passes.
# NOTE: if this limit is ever reached, rewriting the result again may still change it.
_MAX_PASSES = 4


@dataclass(frozen=True)
class _BookingTarget:
    """A booking host, without `www.` and in lower case, and an optional path prefix."""

    host: str
    path_prefix: str

    def matches(self, host: str, path: str) -> bool:
        if host != self.host:
            return False
        if not self.path_prefix:
            return True
        path = path.lower()
        return path == self.path_prefix or path.startswith(self.path_prefix + "/")


def enforce_canonical_booking_link(
    text: str, canonical_url: str, *, booking_hosts: Iterable[str] | None = None
) -> str:
    """Replace every link to a booking host in `text` with exactly `canonical_url`.

    A link is a bare URL (`https://...`, `http://...`, `www....`), a scheme-less
    mention of a booking host followed by a path (`cal.com/acme`), the target of a
    Markdown link `[label](target "title")`, or the URL of an autolink `<...>`. Only the
    URL changes: a label, a title, the angle brackets and the punctuation after a bare
    URL stay. Links inside code, and links to other hosts, are left byte for byte.

    A link matches when its scheme is http or https (or absent), its port is absent, 80
    or 443, and its host equals a booking host after both are lower-cased and one
    leading `www.` is dropped. Other subdomains (`app.cal.com`) and lookalikes
    (`cal.com.evil.io`, `notcal.com`) do not match. A booking host given with a path
    prefix (`calendly.com/acme`) also requires the link's path to be that prefix or to
    continue it after a `/`, ignoring case. The query string and the `#` fragment never
    matter, so links with tracking parameters (`utm_source`, `gclid`, ...) match, and
    the rewritten link drops them together with any trailing slash.

    `booking_hosts` contains hosts (`cal.com`) or hosts with a path prefix
    (`calendly.com/acme`); an `http://` or `https://` in front is ignored. By default it
    is the host of `canonical_url` alone, so every link to that host becomes canonical.

    Raises:
        ConfigurationError: `canonical_url` or an entry of `booking_hosts` is invalid.
            The message names the value and what to pass instead.
    """
    return booking_link_enforcer(canonical_url, booking_hosts=booking_hosts)(text)


def booking_link_enforcer(
    canonical_url: str, *, booking_hosts: Iterable[str] | None = None
) -> Callable[[str], str]:
    """Return `enforce_canonical_booking_link` with its options bound, checked once.

    The returned function is named `enforce_canonical_booking_link`, so a `PostPass`
    decision names it the same way as the plain function.

    Raises:
        ConfigurationError: an option is invalid. The message names the value and the fix.
    """
    canonical_host = _validate_canonical_url(canonical_url)
    if booking_hosts is None:
        targets: tuple[_BookingTarget, ...] = (_BookingTarget(canonical_host, ""),)
    else:
        targets = _parse_booking_hosts(booking_hosts)
    schemeless = schemeless_url_start(target.host for target in targets)

    def enforce_canonical_booking_link_bound(text: str) -> str:
        # A link can only match when its host, lower-cased, occurs in the lower-cased text.
        lowered = text.lower()
        if not any(target.host in lowered for target in targets):
            return text

        for _ in range(_MAX_PASSES):
            rewritten = _rewrite_links(text, canonical_url, targets, schemeless)
            if rewritten == text:
                break
            text = rewritten
        return text

    enforce_canonical_booking_link_bound.__name__ = "enforce_canonical_booking_link"
    enforce_canonical_booking_link_bound.__qualname__ = "enforce_canonical_booking_link"
    return enforce_canonical_booking_link_bound


def _rewrite_links(
    text: str,
    canonical_url: str,
    targets: tuple[_BookingTarget, ...],
    schemeless: re.Pattern[str],
) -> str:
    spans = find_spans(text, extra_url_start=schemeless)
    links = [span for span in spans if span.kind != "code"]

    pieces: list[str] = []
    copied = 0
    for link in links:
        if not _is_booking_link(text[link.start : link.end], targets):
            continue
        pieces.append(text[copied : link.start])
        pieces.append(canonical_url)
        copied = link.end
    pieces.append(text[copied:])
    return "".join(pieces)


def _is_booking_link(url: str, targets: tuple[_BookingTarget, ...]) -> bool:
    parts = _split_link(url)
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    if port not in (None, 80, 443) or not parts.hostname:
        return False

    host = _normalize_host(parts.hostname)
    return any(target.matches(host, parts.path) for target in targets)


def _split_link(url: str) -> SplitResult | None:
    """Split a link, reading one without a scheme (`www.cal.com/x`) as http."""
    if url.startswith("//"):
        url = "http:" + url
    else:
        scheme = _SCHEME.match(url)
        if scheme is None or "." in scheme.group():
            url = "http://" + url  # No scheme, or a host and port such as `cal.com:443`.
        elif not url.startswith("//", scheme.end()):
            return None
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _normalize_host(host: str) -> str:
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def _validate_canonical_url(canonical_url: object) -> str:
    """Return the normalized host of `canonical_url`, or raise if it is unusable."""
    example = "such as 'https://cal.com/acme/demo'"
    if not isinstance(canonical_url, str):
        raise ConfigurationError(
            f"canonical_url must be a str {example}, got {type(canonical_url).__name__} "
            f"{canonical_url!r}."
        )

    parts = _split_link(canonical_url) if "://" in canonical_url else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"Invalid canonical_url {canonical_url!r}: it must be an http or https URL with "
            f"a host, {example}."
        )

    unsafe = [character for character in canonical_url if character in _UNSAFE_IN_CANONICAL]
    if unsafe:
        raise ConfigurationError(
            f"Invalid canonical_url {canonical_url!r}: it contains {unsafe[0]!r}. "
            f"Percent-encode brackets (%28 %29 %5B %5D %7B %7D) and backticks (%60)."
        )
    if find_spans(canonical_url) != [Span(0, len(canonical_url), "url")]:
        raise ConfigurationError(
            f"Invalid canonical_url {canonical_url!r}: in running text it would not be read "
            f"as one whole URL, because it contains a space, '<', '>' or non-ASCII "
            f"punctuation, or ends with punctuation such as '.' or ','. Percent-encode those "
            f"characters or drop the trailing punctuation."
        )
    return _normalize_host(parts.hostname)


def _parse_booking_hosts(booking_hosts: Iterable[str]) -> tuple[_BookingTarget, ...]:
    if isinstance(booking_hosts, str):
        raise ConfigurationError(
            f"booking_hosts must be a collection of hosts, got the single string "
            f"{booking_hosts!r}; pass [{booking_hosts!r}]."
        )

    targets = tuple(_parse_booking_host(entry) for entry in booking_hosts)
    if not targets:
        raise ConfigurationError(
            "booking_hosts is empty, so no link would ever be rewritten. Pass at least one "
            "host such as 'cal.com', or leave it out to use the host of canonical_url."
        )
    return targets


def _parse_booking_host(entry: object) -> _BookingTarget:
    example = "Pass a host such as 'cal.com' or a host and path prefix such as 'calendly.com/acme'."
    if not isinstance(entry, str):
        raise ConfigurationError(
            f"Invalid booking host {entry!r}: it is a {type(entry).__name__}, not a str. {example}"
        )

    without_scheme = re.sub(r"^https?://", "", entry, flags=re.IGNORECASE)
    host, slash, path = without_scheme.partition("/")
    if not _HOST.fullmatch(host):
        raise ConfigurationError(
            f"Invalid booking host {entry!r}: {host!r} is not a host name; ports, user names "
            f"and spaces are not accepted. {example}"
        )
    if any(character in path for character in "?# \t\r\n"):
        raise ConfigurationError(
            f"Invalid booking host {entry!r}: the path prefix may not contain a query, a "
            f"fragment or spaces, because links match on host and path only. {example}"
        )

    path_prefix = (slash + path).rstrip("/").lower()
    return _BookingTarget(_normalize_host(host), path_prefix)
