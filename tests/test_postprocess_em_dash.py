"""replace_em_dashes_with_comma_space: which dashes become a comma, and what stays byte for byte."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptrunner.errors import ConfigurationError
from promptrunner.postprocess import em_dash_replacer, replace_em_dashes_with_comma_space

REPLACED = [
    ("closed", "word\u2014word", "word, word"),
    ("spaced", "word \u2014 word", "word, word"),
    ("runs of spaces and tabs", "word \t \u2014\t  word", "word, word"),
    ("no-break and thin spaces", "word\u00a0\u2014\u2009word", "word, word"),
    ("space before only", "word \u2014, next", "word, next"),
    ("space after only", "word\u2014 word", "word, word"),
    ("double em dash", "word\u2014\u2014word", "word, word"),
    ("dashes separated by a space", "word \u2014 \u2014 word", "word, word"),
    ("comma before", "word,\u2014 next", "word, next"),
    ("comma after", "word \u2014, next", "word, next"),
    ("full stop before", "end.\u2014 Next", "end. Next"),
    ("full stop after", "word \u2014. Next", "word. Next"),
    ("semicolon before", "word;\u2014next", "word; next"),
    ("colon after", "note \u2014: this", "note: this"),
    ("question mark after", "really \u2014? yes", "really? yes"),
    ("ellipsis before", "wait\u2026 \u2014 no", "wait\u2026 no"),
    ("spaced en dash", "word \u2013 word", "word, word"),
    ("en dash with one number", "In 2024 \u2013 a big year", "In 2024, a big year"),
    ("two dashes on a line", "a \u2014 b \u2014 c", "a, b, c"),
    ("closing quote before", '"Hello"\u2014she said', '"Hello", she said'),
    ("curly closing quote before", "\u201cHi\u201d \u2014 she said", "\u201cHi\u201d, she said"),
    (
        "apostrophe before",
        "the students\u2019 \u2014 all of them",
        "the students\u2019, all of them",
    ),
    ("bracket after", "word \u2014 (aside)", "word, (aside)"),
    ("after inline code", "run `make` \u2014 then wait", "run `make`, then wait"),
    ("after a URL", "see https://x.io \u2014 it helps", "see https://x.io, it helps"),
    ("dash right after a URL", "see https://x.io/a\u2014b", "see https://x.io/a, b"),
    ("Markdown link label", "[a \u2014 b](https://x.io)", "[a, b](https://x.io)"),
    ("Markdown link title", '[a](https://x.io "t \u2014 u")', '[a](https://x.io "t, u")'),
    ("indented line", "  word \u2014 word", "  word, word"),
    ("CRLF line endings", "a \u2014 b\r\nc \u2014 d\r\n", "a, b\r\nc, d\r\n"),
    ("CR line endings", "a \u2014 b\rc \u2014 d", "a, b\rc, d"),
    (
        "Unicode words",
        "caf\u00e9 \u2014 na\u00efve \u2014 \u65e5\u672c",
        "caf\u00e9, na\u00efve, \u65e5\u672c",
    ),
    ("emoji", "done \U0001f389 \u2014 next", "done \U0001f389, next"),
    ("after a fence", "```\na \u2014 b\n```\nc \u2014 d", "```\na \u2014 b\n```\nc, d"),
    ("unclosed backtick", "a ` b \u2014 c", "a ` b, c"),
    ("dash inside angle brackets", "<https://x.io/a\u2014b>", "<https://x.io/a, b>"),
    ("blank line ends code span", "`a\n\nb \u2014 c`", "`a\n\nb, c`"),
    ("escaped backtick", "\\`a \u2014 b`", "\\`a, b`"),
    ("tilde fence closed by backticks", "~~~\n```\nx\n~~~\ny \u2014 z", "~~~\n```\nx\n~~~\ny, z"),
    (
        "short closing fence",
        "````\na \u2014 b\n```\n````\nc \u2014 d",
        "````\na \u2014 b\n```\n````\nc, d",
    ),
    ("backtick in info string", "```a`b\nc \u2014 d", "```a`b\nc, d"),
]

UNCHANGED = [
    ("empty string", ""),
    ("no dash", "plain text, nothing to do."),
    ("sign-off", "Thanks,\n\u2014 Sam"),
    ("sign-off without space", "\u2014Sam"),
    ("line ends with dash", "Thanks \u2014\nSam"),
    ("line ends with dash and CRLF", "Thanks \u2014\r\nSam"),
    ("dash at end of text", "Thanks \u2014 "),
    ("dash alone", "\u2014"),
    ("dash alone on a line", "a\n \u2014 \nb"),
    ("blockquote sign-off", "> \u2014 Sam"),
    ("list item", "- \u2014 none"),
    ("ordered list item", "1. \u2014 none"),
    ("heading", "## \u2014 Notes"),
    ("closed numeric en dash", "9\u20135"),
    ("year range", "2024\u20132025"),
    ("spaced numeric en dash", "9 \u2013 5"),
    ("currency range", "$10\u2013$20"),
    ("spaced currency range", "$10 \u2013 $20"),
    ("page range", "pp. 3\u20137"),
    ("spaced page range", "pp. 3 \u2013 7"),
    ("time range", "9am \u2013 5pm"),
    ("closed en dash between words", "Paris\u2013Berlin"),
    ("en dash spaced on one side", "word \u2013word"),
    ("ASCII double hyphen", "word -- word and --flag"),
    ("ASCII hyphen", "well-known - fact"),
    ("flag", "run tool \u2014verbose"),
    ("flag with value", "pass \u2014out=x.txt"),
    ("opening bracket", "(\u2014 aside)"),
    ("closing bracket", "(aside \u2014)"),
    ("table cell", "| a | \u2014 |"),
    ("opening quote", 'the "\u2014" mark'),
    ("curly quotes", "the \u201c\u2014\u201d mark"),
    ("bold", "**bold \u2014**"),
    ("emphasis", "_\u2014 quiet_"),
    ("punctuation on both sides", "word,\u2014, next"),
    ("full stops on both sides", "end.\u2014."),
    ("inline code", "use `a \u2014 b` here"),
    ("double backtick code", "use ``a ` \u2014 b`` here"),
    ("code span across lines", "use `a\n\u2014 b \u2014 c` here"),
    ("fenced code", "```\na \u2014 b\n```"),
    ("fence with info string", "```python title='x'\na \u2014 b\n```"),
    ("tilde fence", "~~~\na \u2014 b\n~~~"),
    ("indented fence", "   ```\n   a \u2014 b\n   ```"),
    ("quoted fence", "> ```\n> a \u2014 b\n> ```"),
    ("unclosed fence", "```\na \u2014 b\nc \u2014 d"),
    ("fence with CRLF", "```\r\na \u2014 b\r\n```\r\n"),
    ("Markdown link target", "[a](https://x.io/a\u2014b)"),
    ("relative link target", "[a](/docs/a\u2014b)"),
    ("angle link target", "[a](<docs/a \u2014 b>)"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in REPLACED],
    ids=[case[0] for case in REPLACED],
)
def test_dash_replaced(text: str, expected: str) -> None:
    assert replace_em_dashes_with_comma_space(text) == expected


@pytest.mark.parametrize(
    "text", [case[1] for case in UNCHANGED], ids=[case[0] for case in UNCHANGED]
)
def test_dash_kept(text: str) -> None:
    assert replace_em_dashes_with_comma_space(text) == text


def test_mixed_document() -> None:
    text = (
        "# Plan \u2014 draft\n"
        "\n"
        "We ship on 3\u20135 May \u2014 see https://x.io/plan\u2014v2 or `make ship \u2014 now`.\n"
        "\n"
        "```bash\n"
        "deploy \u2014force  # a dash in code\n"
        "```\n"
        "- first \u2014 second\n"
        "\u2014 Sam"
    )
    expected = (
        "# Plan, draft\n"
        "\n"
        "We ship on 3\u20135 May, see https://x.io/plan, v2 or `make ship \u2014 now`.\n"
        "\n"
        "```bash\n"
        "deploy \u2014force  # a dash in code\n"
        "```\n"
        "- first, second\n"
        "\u2014 Sam"
    )

    assert replace_em_dashes_with_comma_space(text) == expected


def test_custom_replacement() -> None:
    assert replace_em_dashes_with_comma_space("a \u2014 b", replacement="; ") == "a; b"


def test_custom_replacement_keeps_punctuation_rules() -> None:
    assert replace_em_dashes_with_comma_space("a,\u2014 b", replacement="; ") == "a, b"


def test_spaced_en_dash_switched_off() -> None:
    text = "a \u2013 b \u2014 c"

    assert replace_em_dashes_with_comma_space(text, treat_spaced_en_dash=False) == "a \u2013 b, c"


def test_replacer_binds_options() -> None:
    replace = em_dash_replacer(replacement=" / ")

    assert replace("a \u2014 b") == "a / b"


def test_replacer_has_public_name() -> None:
    assert em_dash_replacer().__name__ == "replace_em_dashes_with_comma_space"


@pytest.mark.parametrize(
    "replacement",
    ["", ",", "x ", ", \n", ", \u2014 ", ", ` ", " ( ", " ] "],
    ids=[
        "empty",
        "no trailing space",
        "letter first",
        "newline",
        "dash",
        "backtick",
        "bracket",
        "closing bracket",
    ],
)
def test_invalid_replacement_rejected(replacement: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(repr(replacement))):
        replace_em_dashes_with_comma_space("a \u2014 b", replacement=replacement)


def test_invalid_replacement_message_names_fix() -> None:
    with pytest.raises(ConfigurationError, match="such as ', '"):
        em_dash_replacer(replacement=",")


def test_replacement_of_wrong_type_rejected() -> None:
    with pytest.raises(ConfigurationError, match="got int 1"):
        em_dash_replacer(replacement=1)  # type: ignore[arg-type]


def test_en_dash_flag_of_wrong_type_rejected() -> None:
    with pytest.raises(ConfigurationError, match="got 'yes'"):
        em_dash_replacer(treat_spaced_en_dash="yes")  # type: ignore[arg-type]


def test_configuration_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="replacement"):
        em_dash_replacer(replacement="")


# Property tests. Token soup finds odd corners, and structured documents check that code
# and links survive.

SOUP_TOKENS = [
    "\u2014", "\u2013", "-", "--", " ", "  ", "\t", "\u00a0", "\n", "\r\n", "\r",
    "word", "Sam", "9", "2024", "$1", ",", ".", ";", ":", "!", "?", "\u2026",
    "(", ")", "[", "]", "](", "<", ">", "`", "``", "```", "~~~", '"', "'", "\u2019",
    "\u201c", "\u201d", "*", "**", "_", "~", "|", "#", "> ", "- ", "1. ", "\\",
    "https://x.io/a", "www.x.io", "http://", "<https://x.io>",
]  # fmt: skip
soup = st.lists(st.sampled_from(SOUP_TOKENS), max_size=40).map("".join)

DASHES_AND_BLANKS = re.compile("[\u2014\u2013 \t\u00a0\u2009\u200a\u202f,]")

words = st.text(alphabet="abcXYZ019\u00e9\u65e5", min_size=1, max_size=6)
separators = st.sampled_from(
    [
        " ",
        " \u2014 ",
        "\u2014",
        " \u2013 ",
        ", ",
        ". ",
        "; ",
        ",\u2014 ",
        " \u2014, ",
        "\n",
        "\r\n",
        "\n\u2014 ",
    ]
)
hosts = st.builds(
    "{}.{}".format,
    st.text(alphabet="abz09", min_size=1, max_size=6),
    st.sampled_from(["io", "com", "co.uk"]),
)
url_paths = st.text(alphabet="abcXYZ019-._~/%=&?#+", max_size=16)
urls = st.builds(
    lambda scheme, host, path, last: f"{scheme}{host}/{path}{last}",
    st.sampled_from(["https://", "http://", "HTTPS://", "www."]),
    hosts,
    url_paths,
    st.sampled_from(["a", "9", "/"]),
)
code_text = st.text(alphabet="ab \u2014\u2013-,.:", min_size=1, max_size=12)
inline_code = st.builds(
    lambda ticks, body: f"{ticks}{body}{ticks}", st.sampled_from(["`", "``"]), code_text
)
fenced_code = st.builds(
    lambda fence, info, body: f"\n{fence}{info}\n{body}\n{fence}\n",
    st.sampled_from(["```", "~~~", "````"]),
    st.sampled_from(["", "python", " js title=x"]),
    code_text,
)
markdown_links = st.builds(lambda label, url: f"[{label}]({url})", words, urls)
autolinks = urls.filter(lambda url: not url.startswith("www.")).map(lambda url: f"<{url}>")
protected = st.one_of(urls, inline_code, fenced_code, markdown_links, autolinks)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Return prose with code and links spliced in, and the spliced pieces."""
    pieces: list[str] = []
    kept: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        pieces.append(draw(words))
        pieces.append(draw(separators))
        if draw(st.booleans()):
            piece = draw(protected)
            kept.append(piece)
            pieces.append(f" {piece} ")
            pieces.append(draw(separators))
    return "".join(pieces), kept


@settings(max_examples=200)
@given(soup)
def test_idempotent_on_token_soup(text: str) -> None:
    once = replace_em_dashes_with_comma_space(text)

    assert replace_em_dashes_with_comma_space(once) == once


@settings(max_examples=100)
@given(documents())
def test_idempotent_on_documents(document: tuple[str, list[str]]) -> None:
    once = replace_em_dashes_with_comma_space(document[0])

    assert replace_em_dashes_with_comma_space(once) == once


@settings(max_examples=100)
@given(documents())
def test_code_and_links_survive(document: tuple[str, list[str]]) -> None:
    text, kept = document
    output = replace_em_dashes_with_comma_space(text)

    for piece in kept:
        assert piece in output


@settings(max_examples=200)
@given(soup)
def test_only_dashes_blanks_and_commas_change(text: str) -> None:
    output = replace_em_dashes_with_comma_space(text)

    assert DASHES_AND_BLANKS.sub("", output) == DASHES_AND_BLANKS.sub("", text)


@settings(max_examples=200)
@given(soup)
def test_lines_are_kept(text: str) -> None:
    output = replace_em_dashes_with_comma_space(text)

    assert re.findall(r"\r\n|\r|\n", output) == re.findall(r"\r\n|\r|\n", text)


@settings(max_examples=200)
@given(st.one_of(soup, documents().map(lambda document: document[0])))
def test_no_doubled_punctuation_added(text: str) -> None:
    output = replace_em_dashes_with_comma_space(text)

    for doubled in (",,", ", ,", ",.", ", .", ".,", ";,", ",;"):
        assert output.count(doubled) <= text.count(doubled), doubled


@settings(max_examples=200)
@given(st.one_of(soup, documents().map(lambda document: document[0])))
def test_no_comma_added_at_line_edges(text: str) -> None:
    output = replace_em_dashes_with_comma_space(text)

    line_break = re.compile(r"\r\n|\r|\n")
    for before, after in zip(line_break.split(text), line_break.split(output), strict=True):
        added_at_start = after.strip().startswith(",") and not before.strip().startswith(",")
        added_at_end = after.strip().endswith(",") and not before.strip().endswith(",")
        assert not added_at_start, (before, after)
        assert not added_at_end, (before, after)


@settings(max_examples=100)
@given(documents())
def test_no_em_dash_left_between_words(document: tuple[str, list[str]]) -> None:
    text, kept = document
    output = replace_em_dashes_with_comma_space(text)

    for piece in kept:
        output = output.replace(piece, " ")
    assert not re.search(r"[a-zA-Z0-9\u00e9\u65e5][ ]?\u2014[ ]?[a-zA-Z0-9\u00e9\u65e5]", output)
