"""enforce_canonical_booking_link: which links become canonical, and what stays byte for byte."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptrunner.errors import ConfigurationError
from promptrunner.postprocess import booking_link_enforcer, enforce_canonical_booking_link

CANONICAL = "https://cal.com/acme/demo"

REWRITTEN = [
    ("bare https", "Book: https://cal.com/acme/intro", f"Book: {CANONICAL}"),
    ("bare http", "Book: http://cal.com/acme/demo", f"Book: {CANONICAL}"),
    ("www", "Book: https://www.cal.com/acme/demo", f"Book: {CANONICAL}"),
    ("www without scheme", "Book: www.cal.com/acme/demo", f"Book: {CANONICAL}"),
    ("no scheme", "Book: cal.com/acme/demo", f"Book: {CANONICAL}"),
    ("protocol-relative link target", "[b](//cal.com/acme)", f"[b]({CANONICAL})"),
    ("host case", "Book: HTTPS://CAL.COM/acme/demo", f"Book: {CANONICAL}"),
    ("tracking parameters", "https://cal.com/acme/demo?utm_source=x&gclid=1", CANONICAL),
    ("other query", "https://cal.com/acme/demo?month=2025-05", CANONICAL),
    ("trailing slash", "https://cal.com/acme/demo/", CANONICAL),
    ("fragment", "https://cal.com/acme/demo#slots", CANONICAL),
    ("host only", "https://cal.com", CANONICAL),
    ("explicit default port", "https://cal.com:443/acme", CANONICAL),
    ("trailing dot in host", "https://cal.com./acme", CANONICAL),
    ("user name", "https://bob@cal.com/acme", CANONICAL),
    ("full stop after", "Book at https://cal.com/acme/x.", f"Book at {CANONICAL}."),
    ("comma after", "https://cal.com/x, then", f"{CANONICAL}, then"),
    ("exclamation mark after", "https://cal.com/x!", f"{CANONICAL}!"),
    ("question mark after", "https://cal.com/x?", f"{CANONICAL}?"),
    ("semicolon after", "https://cal.com/x;", f"{CANONICAL};"),
    ("colon after", "https://cal.com/x:", f"{CANONICAL}:"),
    ("in parentheses", "(https://cal.com/x)", f"({CANONICAL})"),
    ("parenthesis and comma after", "(see https://cal.com/x), then", f"(see {CANONICAL}), then"),
    ("balanced parentheses kept in URL", "https://cal.com/a_(b)", CANONICAL),
    ("in quotes", '"https://cal.com/x"', f'"{CANONICAL}"'),
    ("in single quotes", "'https://cal.com/x'", f"'{CANONICAL}'"),
    ("in curly quotes", "\u201chttps://cal.com/x\u201d", f"\u201c{CANONICAL}\u201d"),
    ("in bold", "**https://cal.com/x**", f"**{CANONICAL}**"),
    ("before an em dash", "https://cal.com/x\u2014or call", f"{CANONICAL}\u2014or call"),
    ("Markdown link", "[Book a call](https://cal.com/x)", f"[Book a call]({CANONICAL})"),
    (
        "Markdown link with title",
        '[Book](https://cal.com/x "Pick a time")',
        f'[Book]({CANONICAL} "Pick a time")',
    ),
    ("Markdown link with angle target", "[Book](<https://cal.com/x>)", f"[Book](<{CANONICAL}>)"),
    ("Markdown link target ending in a dot", "[Book](https://cal.com/x.)", f"[Book]({CANONICAL})"),
    ("Markdown link without scheme", "[Book](cal.com/x)", f"[Book]({CANONICAL})"),
    ("Markdown image", "![qr](https://cal.com/x)", f"![qr]({CANONICAL})"),
    ("reference definition", "[book]: https://cal.com/x", f"[book]: {CANONICAL}"),
    ("autolink", "<https://cal.com/x>", f"<{CANONICAL}>"),
    ("angle brackets around www", "<www.cal.com/x>", f"<{CANONICAL}>"),
    ("angle brackets without scheme", "<cal.com/x?a=1.>", f"<{CANONICAL}>"),
    ("www with port", "www.cal.com:443/x", CANONICAL),
    ("link completed by the rewrite", "[a](https://cal.com/a(b. )", f"[a]({CANONICAL} )"),
    (
        "two links on a line",
        "https://cal.com/a or https://cal.com/b",
        f"{CANONICAL} or {CANONICAL}",
    ),
    (
        "links at line edges",
        "https://cal.com/a\nbook\nhttps://cal.com/b",
        f"{CANONICAL}\nbook\n{CANONICAL}",
    ),
    ("CRLF", "Book:\r\nhttps://cal.com/a\r\n", f"Book:\r\n{CANONICAL}\r\n"),
    (
        "Unicode text",
        "R\u00e9servez ici\u00a0: https://cal.com/x \U0001f4c5",
        f"R\u00e9servez ici\u00a0: {CANONICAL} \U0001f4c5",
    ),
    (
        "after a fence",
        "```\nhttps://cal.com/a\n```\nhttps://cal.com/b",
        f"```\nhttps://cal.com/a\n```\n{CANONICAL}",
    ),
    (
        "next to other hosts",
        "https://x.io/a https://cal.com/b https://y.io",
        f"https://x.io/a {CANONICAL} https://y.io",
    ),
]

UNCHANGED = [
    ("empty string", ""),
    ("no link", "Reply to this e-mail to book."),
    ("canonical", f"Book: {CANONICAL}."),
    ("canonical in Markdown", f"[Book]({CANONICAL}) or <{CANONICAL}>"),
    ("other host", "See https://example.com/acme/demo?utm_source=x."),
    ("lookalike suffix", "https://cal.com.evil.io/acme"),
    ("lookalike prefix", "https://notcal.com/acme"),
    ("lookalike with hyphen", "https://evil-cal.com/acme"),
    ("other subdomain", "https://app.cal.com/acme"),
    ("user name trick", "https://cal.com@evil.io/acme"),
    ("other port", "https://cal.com:8443/acme"),
    ("other scheme", "ftp://cal.com/acme"),
    ("mailto", "<mailto:bob@cal.com>"),
    ("e-mail address", "bob@cal.com/x"),
    ("host without path", "We use cal.com for scheduling."),
    ("scheme-less lookalike", "notcal.com/acme and cal.com.evil.io/acme"),
    ("inside another URL", "https://evil.io/r?to=https://cal.com/x"),
    ("scheme-less inside another URL", "https://evil.io/r?to=cal.com/x"),
    ("inline code", "Run `curl https://cal.com/x` first."),
    ("double backtick code", "``echo ` https://cal.com/x``"),
    ("fenced code", "```bash\ncurl https://cal.com/x\n```"),
    ("tilde fence", "~~~\n[b](https://cal.com/x)\n~~~"),
    ("unclosed fence", "```\nhttps://cal.com/x"),
    ("relative link", "[docs](/cal.com/x)"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in REWRITTEN],
    ids=[case[0] for case in REWRITTEN],
)
def test_link_rewritten(text: str, expected: str) -> None:
    assert enforce_canonical_booking_link(text, CANONICAL) == expected


@pytest.mark.parametrize(
    "text", [case[1] for case in UNCHANGED], ids=[case[0] for case in UNCHANGED]
)
def test_link_kept(text: str) -> None:
    assert enforce_canonical_booking_link(text, CANONICAL) == text


def test_mixed_document() -> None:
    text = (
        "Hi Ana,\n"
        "\n"
        "Pick a slot at [my calendar](http://www.cal.com/acme/demo/?utm_campaign=x) or\n"
        "https://cal.com/acme/intro. Docs: https://docs.example.com/cal.com/setup\n"
        "\n"
        "```\n"
        "curl https://cal.com/api/v2\n"
        "```\n"
        "Use `cal.com/acme` in the form."
    )
    expected = (
        "Hi Ana,\n"
        "\n"
        f"Pick a slot at [my calendar]({CANONICAL}) or\n"
        f"{CANONICAL}. Docs: https://docs.example.com/cal.com/setup\n"
        "\n"
        "```\n"
        "curl https://cal.com/api/v2\n"
        "```\n"
        "Use `cal.com/acme` in the form."
    )

    assert enforce_canonical_booking_link(text, CANONICAL) == expected


def test_default_hosts_come_from_canonical_www() -> None:
    text = "https://cal.com/x"

    assert (
        enforce_canonical_booking_link(text, "https://www.cal.com/acme")
        == "https://www.cal.com/acme"
    )


def test_several_booking_hosts() -> None:
    text = "https://calendly.com/acme and https://cal.com/acme"
    output = enforce_canonical_booking_link(
        text, CANONICAL, booking_hosts=["cal.com", "calendly.com"]
    )

    assert output == f"{CANONICAL} and {CANONICAL}"


def test_booking_hosts_replace_default() -> None:
    text = "https://cal.com/x and https://calendly.com/acme"
    output = enforce_canonical_booking_link(text, CANONICAL, booking_hosts=["calendly.com"])

    assert output == f"https://cal.com/x and {CANONICAL}"


@pytest.mark.parametrize(
    ("link", "rewritten"),
    [
        ("https://calendly.com/acme", True),
        ("https://calendly.com/acme/", True),
        ("https://calendly.com/acme/30min?utm_source=x", True),
        ("https://calendly.com/ACME/30min", True),
        ("calendly.com/acme/30min", True),
        ("https://calendly.com/acme-sales", False),
        ("https://calendly.com/bob/acme", False),
        ("https://calendly.com", False),
    ],
)
def test_path_prefix(link: str, rewritten: bool) -> None:
    output = enforce_canonical_booking_link(link, CANONICAL, booking_hosts=["calendly.com/acme"])

    assert (output == CANONICAL) is rewritten


@pytest.mark.parametrize(
    "entry", ["CALENDLY.com/acme/", "https://www.calendly.com/acme", "www.Calendly.com/Acme"]
)
def test_booking_host_spellings(entry: str) -> None:
    output = enforce_canonical_booking_link(
        "https://calendly.com/acme/x", CANONICAL, booking_hosts=[entry]
    )

    assert output == CANONICAL


def test_enforcer_binds_options() -> None:
    enforce = booking_link_enforcer(CANONICAL, booking_hosts=["calendly.com"])

    assert enforce("https://calendly.com/x") == CANONICAL


def test_enforcer_has_public_name() -> None:
    assert booking_link_enforcer(CANONICAL).__name__ == "enforce_canonical_booking_link"


def test_partial_binds_canonical_url() -> None:
    enforce = functools.partial(enforce_canonical_booking_link, canonical_url=CANONICAL)

    assert enforce("https://cal.com/x") == CANONICAL


@pytest.mark.parametrize(
    "canonical_url",
    [
        "",
        "cal.com/acme",
        "mailto:bob@cal.com",
        "ftp://cal.com/acme",
        "https:///acme",
        "https://cal.com/acme.",
        "https://cal.com/acme demo",
        "https://cal.com/(acme)",
        "https://cal.com/a`b",
        "https://cal.com/a\u2014b",
    ],
)
def test_invalid_canonical_url_rejected(canonical_url: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(repr(canonical_url))):
        booking_link_enforcer(canonical_url)


def test_canonical_url_of_wrong_type_rejected() -> None:
    with pytest.raises(ConfigurationError, match="got NoneType None"):
        booking_link_enforcer(None)  # type: ignore[arg-type]


def test_invalid_canonical_url_message_names_fix() -> None:
    with pytest.raises(ConfigurationError, match=re.escape("such as 'https://cal.com/acme/demo'")):
        enforce_canonical_booking_link("text", "cal.com/acme")


@pytest.mark.parametrize(
    "entry",
    [
        "",
        "https://",
        "cal.com:443",
        "bob@cal.com",
        "cal com",
        "cal.com/acme?x=1",
        "cal.com/#x",
        "cal.com.",
    ],
)
def test_invalid_booking_host_rejected(entry: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(repr(entry))):
        booking_link_enforcer(CANONICAL, booking_hosts=[entry])


def test_booking_host_of_wrong_type_rejected() -> None:
    with pytest.raises(ConfigurationError, match="it is a int"):
        booking_link_enforcer(CANONICAL, booking_hosts=[1])  # type: ignore[list-item]


def test_single_string_booking_hosts_rejected() -> None:
    with pytest.raises(ConfigurationError, match=re.escape("pass ['cal.com']")):
        booking_link_enforcer(CANONICAL, booking_hosts="cal.com")


def test_empty_booking_hosts_rejected() -> None:
    with pytest.raises(ConfigurationError, match="booking_hosts is empty"):
        booking_link_enforcer(CANONICAL, booking_hosts=[])


def test_booking_hosts_from_generator() -> None:
    enforce = booking_link_enforcer(CANONICAL, booking_hosts=(host for host in ["calendly.com"]))

    assert enforce("https://calendly.com/x") == CANONICAL


# Property tests: documents built from booking links in many spellings, links to other
# hosts (lookalikes included), code that contains booking links, and prose.

PATHS = [
    "/",
    "/acme",
    "/acme/demo/",
    "/Acme/30min",
    "/a-b_c.d~e",
    "/x/%20y",
    "/a_(b)",
    "/q=1&r=2+3",
]
QUERIES = ["", "?utm_source=mail", "?utm_medium=a&utm_campaign=b", "?gclid=1&ref=x", "?month=5"]
OTHER_HOSTS = [
    "cal.com.evil.io", "notcal.com", "evil-cal.com", "app.cal.com", "example.org", "calendly.com",
]  # fmt: skip
WORDS = ["Book", "a call", "\u00e9t\u00e9 \u2014 ok", "9", "see:", "x\u2014"]

booking_links = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["https://", "http://", "HTTPS://", ""]),
        st.sampled_from(["", "www.", "WWW."]),
        st.sampled_from(["cal.com", "CAL.COM", "Cal.Com"]),
        st.sampled_from(PATHS),
        st.sampled_from(QUERIES),
        st.sampled_from(["", "#slots", "#"]),
    ),
)
other_links = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["https://", "http://"]),
        st.sampled_from(OTHER_HOSTS),
        st.sampled_from(PATHS),
        st.sampled_from(QUERIES),
    ),
)
code_forms = st.sampled_from(["`{}`", "``x {}``", "\n```text\n{}\n```\n", "\n~~~\n[a]({})\n~~~\n"])
link_forms = st.sampled_from(
    [
        "{}",
        "({})",
        "{}.",
        "{},",
        "{}!",
        "{}?",
        "{};",
        "{}:",
        "[a call]({})",
        '[Book]({} "title")',
        "<{}>",
    ]
)


def wrap_link(draw: st.DrawFn, link: str) -> str:
    """Return the link bare, followed by punctuation, as a Markdown link or as an autolink."""
    form = draw(link_forms)
    if form == "<{}>" and "://" not in link:
        form = "{}"
    return form.format(link)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """Return a document, the other-host links in it, and its code pieces."""
    pieces: list[str] = []
    others: list[str] = []
    codes: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        pieces.append(draw(st.sampled_from(WORDS)) + " ")
        kind = draw(st.sampled_from(["booking", "other", "code", "canonical"]))
        if kind == "booking":
            pieces.append(wrap_link(draw, draw(booking_links)))
        elif kind == "other":
            link = draw(other_links)
            others.append(link)
            pieces.append(wrap_link(draw, link))
        elif kind == "code":
            piece = draw(code_forms).format(draw(booking_links))
            codes.append(piece)
            pieces.append(piece)
        else:
            pieces.append(wrap_link(draw, CANONICAL))
        pieces.append(draw(st.sampled_from([" ", "\n", "\r\n", "\n\n"])))
    return "".join(pieces), others, codes


SOUP_TOKENS = [
    "https://cal.com/a", "cal.com/b", "www.cal.com/c", "http://CAL.com", CANONICAL,
    "https://x.io/", "notcal.com/d", "](", "[", "]", "(", ")", "<", ">", "`", "```",
    "\n", "\r\n", " ", '"', "'", ".", ",", "?", "#", "\u2014", "x", "\\", "@",
]  # fmt: skip
soup = st.lists(st.sampled_from(SOUP_TOKENS), max_size=30).map("".join)

enforce = booking_link_enforcer(CANONICAL)


@settings(max_examples=200)
@given(soup)
def test_idempotent_on_token_soup(text: str) -> None:
    once = enforce(text)

    assert enforce(once) == once


@settings(max_examples=100)
@given(documents())
def test_idempotent_on_documents(document: tuple[str, list[str], list[str]]) -> None:
    once = enforce(document[0])

    assert enforce(once) == once


@settings(max_examples=100)
@given(documents())
def test_other_hosts_survive(document: tuple[str, list[str], list[str]]) -> None:
    text, others, _ = document
    output = enforce(text)

    for link in others:
        assert link in output


@settings(max_examples=100)
@given(documents())
def test_code_survives(document: tuple[str, list[str], list[str]]) -> None:
    text, _, codes = document
    output = enforce(text)

    for piece in codes:
        assert piece in output


@settings(max_examples=100)
@given(documents())
def test_only_canonical_booking_links_remain(document: tuple[str, list[str], list[str]]) -> None:
    text, others, codes = document
    output = enforce(text)

    for piece in [*codes, CANONICAL, *others]:
        output = output.replace(piece, " ")
    assert "cal.com" not in output.lower()


@settings(max_examples=100)
@given(documents())
def test_text_outside_links_kept(document: tuple[str, list[str], list[str]]) -> None:
    text, _, _ = document
    output = enforce(text)

    link_runs = re.compile(r"\S*cal\.com\S*", re.IGNORECASE)
    assert link_runs.sub("", output) == link_runs.sub("", text)
