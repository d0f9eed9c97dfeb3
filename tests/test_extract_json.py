"""extract_json: finding, repairing and rejecting the JSON value in a model's output."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promptrunner.jsonout
from promptrunner.errors import PromptRunnerError
from promptrunner.jsonout import (
    JsonExtractionError,
    JsonFailureReason,
    _extract,
    _repair,
    extract_json,
)

FENCE = "```"

VALUE_CASES: list[tuple[str, str, Any]] = [
    # Plain JSON.
    ("plain object", '{"a": 1}', {"a": 1}),
    ("surrounding whitespace", ' \n\t {"a": 1} \n\n', {"a": 1}),
    ("top-level array", "[1, 2, 3]", [1, 2, 3]),
    ("empty object", "{}", {}),
    ("empty array", "[ ]", []),
    ("byte order mark", '\ufeff{"a": 1}', {"a": 1}),
    ("pretty printed", '{\n  "a": [\n    1,\n    {"b": null}\n  ]\n}', {"a": [1, {"b": None}]}),
    (
        "unicode text",
        '{"name": "Zoë", "city": "東京", "emoji": "🎉"}',
        {"name": "Zoë", "city": "東京", "emoji": "🎉"},
    ),
    ("unicode escapes", '{"a": "\\u00e9\\ud83c\\udf89"}', {"a": "é🎉"}),
    ("escaped quotes", '{"a": "say \\"hi\\" {not json}"}', {"a": 'say "hi" {not json}'}),
    ("escaped backslash before quote", '{"a": "C:\\\\", "b": 2}', {"a": "C:\\", "b": 2}),
    ("braces inside strings", '{"a": "}{][", "b": "{\\"x\\": 1}"}', {"a": "}{][", "b": '{"x": 1}'}),
    (
        "backticks inside strings",
        '{"code": "```python\\nprint(1)\\n```"}',
        {"code": "```python\nprint(1)\n```"},
    ),
    (
        "numbers",
        "[0, -1, 2.5, -0.0, 1e3, 1E-2, 12345678901234567890]",
        [0, -1, 2.5, -0.0, 1000.0, 0.01, 12345678901234567890],
    ),
    ("literals", '{"t": true, "f": false, "n": null}', {"t": True, "f": False, "n": None}),
    # Code fences.
    ("json fence", f'{FENCE}json\n{{"a": 1}}\n{FENCE}', {"a": 1}),
    ("bare fence", f'{FENCE}\n{{"a": 1}}\n{FENCE}', {"a": 1}),
    ("tilde fence", '~~~\n{"a": 1}\n~~~', {"a": 1}),
    ("uppercase info string", f"{FENCE}JSON\n[1]\n{FENCE}", [1]),
    (
        "fence with prose around",
        f'Here you go:\n\n{FENCE}json\n{{"a": 1}}\n{FENCE}\n\nAnything else?',
        {"a": 1},
    ),
    ("indented fence", f'  {FENCE}json\n  {{"a": 1}}\n  {FENCE}', {"a": 1}),
    (
        "fence beats earlier prose value",
        f'For input [1, 2] the answer is:\n{FENCE}json\n{{"a": 1}}\n{FENCE}',
        {"a": 1},
    ),
    (
        "first parsing fence wins",
        f'{FENCE}json\n{{"a": 1}}\n{FENCE}\n{FENCE}json\n{{"b": 2}}\n{FENCE}',
        {"a": 1},
    ),
    (
        "fence without json skipped",
        f'{FENCE}python\nprint(1)\n{FENCE}\n{FENCE}json\n{{"b": 2}}\n{FENCE}',
        {"b": 2},
    ),
    (
        "broken fence then good fence",
        f'{FENCE}json\n{{"a": oops}}\n{FENCE}\n{FENCE}json\n{{"b": 2}}\n{FENCE}',
        {"b": 2},
    ),
    ("nested fences", f'````markdown\nExample:\n{FENCE}json\n{{"a": 1}}\n{FENCE}\n````', {"a": 1}),
    ("fence closed by longer marker", f'{FENCE}json\n{{"a": 1}}\n`````', {"a": 1}),
    ("unclosed fence with complete value", f'{FENCE}json\n{{"a": 1}}\n', {"a": 1}),
    ("inline triple backticks", f'Result: {FENCE}json {{"a": 1}}{FENCE}', {"a": 1}),
    ("fence marker inside string", f'{{"a": "{FENCE}"}}', {"a": FENCE}),
    ("windows line endings", f'{FENCE}json\r\n{{"a": 1}}\r\n{FENCE}\r\n', {"a": 1}),
    # Prose.
    (
        "prose around object",
        'Sure! Here is the result: {"a": 1} Let me know if you need more.',
        {"a": 1},
    ),
    ("prose around array", "The list is [1, 2] as requested.", [1, 2]),
    (
        "placeholder braces before json",
        'Use {name} as a placeholder, like so: {"name": "Ada"}',
        {"name": "Ada"},
    ),
    ("template braces before json", 'Fill {{field}} and [see docs] first. {"a": 1}', {"a": 1}),
    ("first of two values", 'First {"a": 1} then {"b": 2}', {"a": 1}),
    ("array before object", 'Scores [1, 2] and {"b": 2}', [1, 2]),
    ("broken value skipped whole", 'Bad: {"a": oops, "b": {"c": 1}}. Good: {"d": 2}', {"d": 2}),
    ("extra closing brace ignored", '{"a": 1}}', {"a": 1}),
    ("value followed by comment", '{"a": 1} // done', {"a": 1}),
    ("nested brackets in prose", 'Answer ([{"a": [1]}]) done', [{"a": [1]}]),
    # Reasoning blocks.
    ("closed think", '<think>The user wants {"x": 0}.</think>\n{"a": 1}', {"a": 1}),
    ("closed thinking", '<thinking>Maybe [0]?</thinking>{"a": 1}', {"a": 1}),
    ("uppercase think tags", '<THINK>{"x": 0}</THINK>\n{"a": 1}', {"a": 1}),
    (
        "think with valid json inside",
        '<think>\n{"draft": true}\n</think>\n\n{"final": true}',
        {"final": True},
    ),
    ("two think blocks", '<think>{"x": 1}</think>\n<think>{"y": 2}</think>\n{"a": 1}', {"a": 1}),
    ("think then fence", f'<think>[0]</think>\n{FENCE}json\n{{"a": 1}}\n{FENCE}', {"a": 1}),
    ("think with broken json inside", '<think>{"x": oops, [</think>\n{"a": 1}', {"a": 1}),
    ("orphan closing tag", 'The user wants {"x": 0}.\n</think>\n\n{"a": 1}', {"a": 1}),
    ("orphan closing thinking tag", "[draft]\n  </thinking>\n[1]", [1]),
    ("unclosed think with answer", '<think>Reasoning with {"x": 0} in it.\n\n{"a": 1}\n', {"a": 1}),
    (
        "unclosed think with fenced answer",
        f'<think>I will answer [0]\n{FENCE}json\n{{"a": 1}}\n{FENCE}\n',
        {"a": 1},
    ),
    (
        "unclosed think with pretty answer",
        '<think>draft {"x": 0}\n\n{\n  "a": [\n    1\n  ]\n}',
        {"a": [1]},
    ),
    ("unclosed think broken draft", '<think>\n\n[1, x\n\n{"a": 1}', {"a": 1}),
    ("unclosed think value draft", '<think>\n\n{"x": 0}\nthen\n\n{"a": 1}', {"a": 1}),
    ("unclosed think repaired draft", '<think>\n\n[1,]\n\n{"a": 1,}', {"a": 1}),
    ("think tag after prose", 'Okay.\n<think>I think {"a": 1}', {"a": 1}),
    ("think tag inside string", '{"a": "<think>no</think>"}', {"a": "<think>no</think>"}),
    ("closing tag inside string", '{"a": "x </think> y"}', {"a": "x </think> y"}),
    # Repairs that cannot change the data.
    ("trailing comma in object", '{"a": 1,}', {"a": 1}),
    ("trailing comma in array", "[1, 2, ]", [1, 2]),
    (
        "trailing commas nested",
        '{"a": [1, {"b": 2,},\n], "c": {},\n}',
        {"a": [1, {"b": 2}], "c": {}},
    ),
    ("comma inside string kept", '{"a": "1,}", "b": ",]"}', {"a": "1,}", "b": ",]"}),
    ("curly double quotes", "{\u201ca\u201d: \u201cb\u201d}", {"a": "b"}),
    ("curly single quotes", "{\u2018a\u2019: [\u2018b\u2019]}", {"a": ["b"]}),
    ("low-9 quotes", "{\u201ea\u201c: 1}", {"a": 1}),
    ("guillemets", "{\u00aba\u00bb: \u00abb\u00bb}", {"a": "b"}),
    (
        "mixed ascii and curly strings",
        '{\u201ca\u201d: "b", "c": \u201cd\u201d}',
        {"a": "b", "c": "d"},
    ),
    (
        "curly string with escape",
        '{\u201ca\u201d: \u201cline\\nbreak \\" q\u201d}',
        {"a": 'line\nbreak " q'},
    ),
    (
        "curly quotes inside value kept",
        '{"quote": "He said \u201chi\u201d and \u2018bye\u2019"}',
        {"quote": "He said \u201chi\u201d and \u2018bye\u2019"},
    ),
    ("guillemets inside value kept", '{"q": "\u00abPrivet\u00bb"}', {"q": "\u00abPrivet\u00bb"}),
    ("curly quotes inside key kept", '{"\u201ckey\u201d": 1}', {"\u201ckey\u201d": 1}),
    ("curly delimiters in prose", "Result: {\u201cok\u201d: true,} thanks", {"ok": True}),
]

ERROR_CASES: list[tuple[str, str, JsonFailureReason]] = [
    # Nothing that looks like JSON.
    ("empty", "", JsonFailureReason.NO_JSON),
    ("whitespace only", " \n\t ", JsonFailureReason.NO_JSON),
    ("bom only", "\ufeff", JsonFailureReason.NO_JSON),
    ("prose only", "I cannot help with that.", JsonFailureReason.NO_JSON),
    ("bare number", "42", JsonFailureReason.NO_JSON),
    ("bare string", '"hello"', JsonFailureReason.NO_JSON),
    ("bare literal", "true", JsonFailureReason.NO_JSON),
    ("placeholders only", "Use {name} and [link] here.", JsonFailureReason.NO_JSON),
    ("unquoted keys", "{a: 1}", JsonFailureReason.NO_JSON),
    ("only reasoning", '<think>{"a": 1}</think>', JsonFailureReason.NO_JSON),
    ("reasoning then prose", "<think>[1]</think>Sorry, no.", JsonFailureReason.NO_JSON),
    ("fence without json", f"{FENCE}python\nprint(1)\n{FENCE}", JsonFailureReason.NO_JSON),
    # Cut off at the end of the output.
    ("open object", "{", JsonFailureReason.TRUNCATED),
    ("open array", "[", JsonFailureReason.TRUNCATED),
    ("after key", '{"a"', JsonFailureReason.TRUNCATED),
    ("after colon", '{"a":', JsonFailureReason.TRUNCATED),
    ("inside key", '{"ke', JsonFailureReason.TRUNCATED),
    ("inside string value", '{"a": "hello wor', JsonFailureReason.TRUNCATED),
    ("inside nested array", '{"a": 1, "b": [1, 2', JsonFailureReason.TRUNCATED),
    ("after comma", '{"a": 1,', JsonFailureReason.TRUNCATED),
    ("after trailing comma space", "[1, ", JsonFailureReason.TRUNCATED),
    ("inside number", "[1.", JsonFailureReason.TRUNCATED),
    ("inside exponent", "[1e", JsonFailureReason.TRUNCATED),
    ("minus sign", "[-", JsonFailureReason.TRUNCATED),
    ("inside true", "[tr", JsonFailureReason.TRUNCATED),
    ("inside null", '{"a": nu', JsonFailureReason.TRUNCATED),
    ("inside escape", '{"a": "x\\', JsonFailureReason.TRUNCATED),
    ("inside unicode escape", '{"a": "\\u00', JsonFailureReason.TRUNCATED),
    ("inside curly string", "{\u201ca\u201d: \u201cbo", JsonFailureReason.TRUNCATED),
    ("nearly closed", '{"a": {"b": 1}', JsonFailureReason.TRUNCATED),
    ("prose then cut value", 'Here it is: {"a": [1, 2, 3', JsonFailureReason.TRUNCATED),
    ("unclosed fence cut value", f'{FENCE}json\n{{"a": 1, "b": "te', JsonFailureReason.TRUNCATED),
    (
        "unclosed fence pretty cut",
        f'{FENCE}json\n{{\n  "a": [\n    1,\n',
        JsonFailureReason.TRUNCATED,
    ),
    ("think then cut value", '<think>ok</think>\n{"a": [1', JsonFailureReason.TRUNCATED),
    ("unclosed think only", '<think>Let me consider {"x": 1} and', JsonFailureReason.TRUNCATED),
    ("unclosed think ends in draft", '<think>Draft: {"x": 1}', JsonFailureReason.TRUNCATED),
    ("unclosed think cut answer", '<think>hmm\n{"a": [1, 2', JsonFailureReason.TRUNCATED),
    ("unclosed think nested draft", "<think>\n[\n  oops,\n  [1]", JsonFailureReason.TRUNCATED),
    (
        "unclosed think answer without blank line",
        '<think>so\n{"a": 1}',
        JsonFailureReason.TRUNCATED,
    ),
    (
        "unclosed think answer then prose",
        '<think>so\n\n{"a": 1}\nDone.',
        JsonFailureReason.TRUNCATED,
    ),
    ("unclosed think broken answer", '<think>so\n\n{"a": oops}', JsonFailureReason.TRUNCATED),
    ("invalid then cut", 'Bad {"a": oops} then {"b": [', JsonFailureReason.TRUNCATED),
    # Invalid JSON.
    ("missing value", '{"a": }', JsonFailureReason.INVALID),
    ("double comma", '{"a": 1,, "b": 2}', JsonFailureReason.INVALID),
    ("leading comma", "[, 1]", JsonFailureReason.NO_JSON),
    ("comma only", "[,]", JsonFailureReason.NO_JSON),
    ("missing comma", '{"a": 1 "b": 2}', JsonFailureReason.INVALID),
    ("missing colon", '{"a" 1}', JsonFailureReason.INVALID),
    ("unquoted value", '{"a": yes}', JsonFailureReason.INVALID),
    ("single quotes", "{'a': 'b'}", JsonFailureReason.INVALID),
    ("single quotes in array", "['a', 'b']", JsonFailureReason.INVALID),
    ("python literals", '{"a": True}', JsonFailureReason.INVALID),
    ("nan", "[NaN]", JsonFailureReason.INVALID),
    ("infinity", '{"a": Infinity}', JsonFailureReason.INVALID),
    ("negative infinity", "[-Infinity]", JsonFailureReason.INVALID),
    ("leading zero", "[01]", JsonFailureReason.INVALID),
    ("leading plus", '{"a": +1}', JsonFailureReason.INVALID),
    ("bare decimal point", '{"a": .5}', JsonFailureReason.INVALID),
    ("line comment", '{"a": 1, // the rest\n "b": 2}', JsonFailureReason.INVALID),
    ("elided items comment", "[1, 2, // ... more items\n]", JsonFailureReason.INVALID),
    ("block comment", '{"a": /* one */ 1}', JsonFailureReason.INVALID),
    ("mismatched brackets", '{"a": [1, 2}', JsonFailureReason.INVALID),
    ("raw newline in string", '{"a": "line\nbreak"}', JsonFailureReason.INVALID),
    ("raw tab in string", '{"a": "x\ty"}', JsonFailureReason.INVALID),
    ("invalid escape", '{"a": "\\x41"}', JsonFailureReason.INVALID),
    ("short unicode escape", '{"a": "\\u12"}', JsonFailureReason.INVALID),
    ("curly quote closed by ascii", '{\u201ca": 1}', JsonFailureReason.INVALID),
    (
        "curly quotes nested in curly string",
        "{\u201ca\u201d: \u201che said \u201chi\u201d\u201d}",
        JsonFailureReason.INVALID,
    ),
    (
        "apostrophe in curly single string",
        "{\u2018a\u2019: \u2018it\u2019s\u2019}",
        JsonFailureReason.INVALID,
    ),
    ("non-breaking space", '{"a":\u00a01}', JsonFailureReason.INVALID),
    ("broken closed fence", f'{FENCE}json\n{{"a": 1,, }}\n{FENCE}', JsonFailureReason.INVALID),
    (
        "incomplete value in closed fence",
        f'{FENCE}json\n{{"a": 1\n{FENCE}',
        JsonFailureReason.INVALID,
    ),
    (
        "broken fence hides prose value",
        f'{FENCE}json\n{{"a": oops}}\n{FENCE}\nOr: {{"b": 1}}',
        JsonFailureReason.INVALID,
    ),
    ("nested value of broken object", '{"a": oops, "b": {"c": 1}}', JsonFailureReason.INVALID),
    (
        "unclosed broken object hides later",
        '{"a": oops, and then {"b": 1}',
        JsonFailureReason.INVALID,
    ),
    ("think then broken", "<think>x</think>{'a': 1}", JsonFailureReason.INVALID),
    ("too deep", "[" * 50_000 + "]" * 50_000, JsonFailureReason.INVALID),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in VALUE_CASES],
    ids=[case[0] for case in VALUE_CASES],
)
def test_extract_value(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_extract_error_reason(text: str, reason: JsonFailureReason) -> None:
    with pytest.raises(JsonExtractionError) as raised:
        extract_json(text)

    assert raised.value.reason is reason


def test_exports_are_complete() -> None:
    assert set(promptrunner.jsonout.__all__) == {
        "JsonExtractionError",
        "JsonFailureReason",
        "extract_json",
    }
    for name in promptrunner.jsonout.__all__:
        assert getattr(promptrunner.jsonout, name) is not None


def test_error_is_library_and_value_error() -> None:
    with pytest.raises(JsonExtractionError) as raised:
        extract_json("nothing")

    assert isinstance(raised.value, PromptRunnerError)
    assert isinstance(raised.value, ValueError)


def test_reasons_are_strings() -> None:
    assert [reason.value for reason in JsonFailureReason] == ["no_json", "truncated", "invalid"]
    assert all(isinstance(reason, str) for reason in JsonFailureReason)


def test_non_string_input_raises_type_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        extract_json(b'{"a": 1}')  # type: ignore[arg-type]


def test_curly_quotes_in_value_are_not_rewritten() -> None:
    """A string delimited by ASCII quotes keeps every typographic quote it contains."""
    content = "\u201cquoted\u201d, \u2018single\u2019, \u00abguillemets\u00bb, \u201elow\u201c"
    text = "{\u201cnote\u201d: " + json.dumps(content, ensure_ascii=False) + ",}"

    assert extract_json(text) == {"note": content}


def test_invalid_error_names_position_and_problem() -> None:
    text = 'Answer: {"a": 1, "b": oops}'

    with pytest.raises(JsonExtractionError) as raised:
        extract_json(text)

    error = raised.value
    assert error.position == text.index("oops")
    assert f"invalid at character {text.index('oops')}" in str(error)
    assert "expected a value, found 'o'" in str(error)
    assert "strict JSON" in str(error)


def test_truncated_error_points_at_value_start() -> None:
    text = 'Here: {"a": [1, 2'

    with pytest.raises(JsonExtractionError) as raised:
        extract_json(text)

    error = raised.value
    assert error.position == text.index("{")
    assert "cut off" in str(error)
    assert "max_output_tokens" in str(error)


def test_open_reasoning_error_points_at_tag() -> None:
    with pytest.raises(JsonExtractionError) as raised:
        extract_json('  <think>still thinking about {"a": 1}')

    assert raised.value.position == 2
    assert "never closed" in str(raised.value)


def test_no_json_error_has_no_position() -> None:
    with pytest.raises(JsonExtractionError) as raised:
        extract_json("Sorry, I can't do that.")

    assert raised.value.position is None
    assert "contains no JSON object or array" in str(raised.value)
    assert "Sorry, I can't do that." in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000 + '{"a": oops}' + "y" * 5000,
        '{"a": "' + "z" * 5000,
        "w" * 5000,
        '{"a": "' + "\x01" * 500 + '"}',
    ],
    ids=["invalid", "truncated", "no json", "control characters"],
)
def test_error_excerpt_is_short(text: str) -> None:
    with pytest.raises(JsonExtractionError) as raised:
        extract_json(text)

    excerpt = re.search(r"\((?:near )?('.*')\)", str(raised.value))
    assert excerpt is not None
    assert len(excerpt.group(1)) <= 80
    assert len(str(raised.value)) < 400


# Hypothesis strategies: any JSON value, and the objects and arrays that can be an answer.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
json_containers = st.lists(json_values, max_size=5) | st.dictionaries(
    st.text(max_size=10), json_values, max_size=5
)
dump_options = st.sampled_from(
    [
        {},
        {"ensure_ascii": False},
        {"indent": 2},
        {"indent": 2, "ensure_ascii": False},
        {"separators": (",", ":")},
    ]
)
# Prose that cannot start a value, a fence or a reasoning tag.
prose = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="{[<`~\ufeff"),
    max_size=40,
)
# Text after the answer: anything but a fence or a reasoning tag.
trailing_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="<`~"),
    max_size=40,
)
# Reasoning that may contain anything but a reasoning tag.
reasoning = st.text(max_size=60).map(lambda text: text.replace("<", "("))

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(value=json_containers, options=dump_options)
def test_round_trip(value: Any, options: dict[str, Any]) -> None:
    assert extract_json(json.dumps(value, **options)) == value


@PROPERTY_SETTINGS
@given(value=json_containers, options=dump_options, before=prose, after=trailing_text)
def test_round_trip_in_prose(value: Any, options: dict[str, Any], before: str, after: str) -> None:
    text = f"{before} {json.dumps(value, **options)} {after}"

    assert extract_json(text) == value


@PROPERTY_SETTINGS
@given(
    value=json_containers,
    options=dump_options,
    info=st.sampled_from(["json", "", "JSON", "jsonc"]),
    marker=st.sampled_from(["```", "~~~", "````"]),
    before=prose,
    after=st.text(max_size=40),
)
def test_round_trip_in_fence(
    value: Any, options: dict[str, Any], info: str, marker: str, before: str, after: str
) -> None:
    text = f"{before}\n{marker}{info}\n{json.dumps(value, **options)}\n{marker}\n{after}"

    assert extract_json(text) == value


@PROPERTY_SETTINGS
@given(
    value=json_containers,
    draft=json_values,
    options=dump_options,
    thoughts=reasoning,
    tag=st.sampled_from(["think", "thinking", "THINK"]),
)
def test_round_trip_after_reasoning(
    value: Any, draft: Any, options: dict[str, Any], thoughts: str, tag: str
) -> None:
    """Values inside a closed reasoning block are never taken, whatever they contain."""
    draft_text = json.dumps(draft).replace("<", "(")
    answer = json.dumps(value, **options)
    text = f"<{tag}>{thoughts} {draft_text}\n{thoughts}</{tag}>\n{answer}"

    assert extract_json(text) == value


@PROPERTY_SETTINGS
@given(value=json_containers, draft=json_values, options=dump_options, thoughts=prose)
def test_round_trip_after_open_reasoning(
    value: Any, draft: Any, options: dict[str, Any], thoughts: str
) -> None:
    draft_text = json.dumps(draft).replace("<", "(")
    answer = json.dumps(value, **options)
    text = f"<think>{thoughts} {draft_text}\n{thoughts}\n\n{answer}\n"

    assert extract_json(text) == value


@PROPERTY_SETTINGS
@given(
    value=json_containers.filter(lambda value: len(value) > 0),
    options=dump_options,
    cut=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    before=st.sampled_from(["", "Here it is: ", "```json\n", "<think>[0]</think>\n"]),
)
def test_strict_prefix_is_truncated(
    value: Any, options: dict[str, Any], cut: float, before: str
) -> None:
    """A cut-off value is never completed into one that decodes."""
    dumped = json.dumps(value, **options)
    prefix = dumped[: 1 + int(cut * (len(dumped) - 1))]

    with pytest.raises(JsonExtractionError) as raised:
        extract_json(before + prefix)

    assert raised.value.reason is JsonFailureReason.TRUNCATED


def dumps_with_trailing_commas(value: Any) -> str:
    """Serialize like `json.dumps`, with a comma after the last item of every container."""
    if isinstance(value, list) and value:
        items = [dumps_with_trailing_commas(item) for item in value]
        return "[" + ", ".join(items) + ",]"
    if isinstance(value, dict) and value:
        items = [
            f"{json.dumps(key)}: {dumps_with_trailing_commas(item)}" for key, item in value.items()
        ]
        return "{" + ", ".join(items) + ",\n}"
    return json.dumps(value)


@PROPERTY_SETTINGS
@given(value=json_containers)
def test_trailing_commas_keep_data(value: Any) -> None:
    assert extract_json(dumps_with_trailing_commas(value)) == value


@PROPERTY_SETTINGS
@given(value=json_containers)
def test_curly_delimiters_keep_data(value: Any) -> None:
    """Curly quotes around keys and strings give the value that ASCII quotes give."""
    dumped = json.dumps(value, ensure_ascii=True)
    curly = re.sub(r'"((?:[^"\\]|\\.)*)"', "\u201c\\1\u201d", dumped)

    assert extract_json(curly) == value


# The scanner must read each character a bounded number of times, whatever the input.
ADVERSARIAL_INPUTS = {
    "many broken values": '{"a": x} ' * 5_000 + '{"a": 1}',
    "many unclosed values": "[1, x " * 5_000 + "end",
    "many placeholders": "{name} [x] " * 5_000 + '{"a": 1}',
    "many open objects": '{"' * 20_000,
    "many open arrays": "[" * 20_000,
    "many fences": f"{FENCE}\n{{x}}\n{FENCE}\n" * 3_000 + f'{FENCE}json\n{{"a": 1}}\n{FENCE}',
    "open reasoning drafts": "<think>" + "\n\n[1, x" * 5_000 + '\n\n{"a": 1}',
    "open reasoning values": "<think>" + '\n\n{"a": 1}' * 5_000 + "\n\n[2]",
    "open reasoning repaired values": "<think>" + "\n\n[1,]" * 5_000 + "\n\n[2]",
    "open reasoning drafts no answer": "<think>" + "\n\n[1, x" * 5_000 + "\n\n[2",
}


class CountingDecoder:
    """Wraps the standard decoder and counts the calls to `raw_decode` that raise."""

    def __init__(self) -> None:
        self.decoder = _repair._DECODER
        self.failures = 0

    def raw_decode(self, text: str, index: int) -> tuple[Any, int]:
        try:
            return self.decoder.raw_decode(text, index)
        except (ValueError, RecursionError):
            self.failures += 1
            raise


class CountingPattern:
    """Wraps a compiled pattern and counts the matches it returns."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.matches = 0

    def match(self, text: str, index: int) -> re.Match[str] | None:
        self.matches += 1
        return self.pattern.match(text, index)

    def finditer(self, text: str, index: int) -> Iterator[re.Match[str]]:
        for match in self.pattern.finditer(text, index):
            self.matches += 1
            yield match


@pytest.mark.parametrize("name", list(ADVERSARIAL_INPUTS))
def test_scan_work_is_linear(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens scanned and failed decoder calls stay proportional to the input size."""
    text = ADVERSARIAL_INPUTS[name]
    decoder = CountingDecoder()
    tokens = CountingPattern(_repair._TOKEN)
    brackets = CountingPattern(_repair._STRING_OR_BRACKET)
    monkeypatch.setattr(_repair, "_DECODER", decoder)
    monkeypatch.setattr(_repair, "_TOKEN", tokens)
    monkeypatch.setattr(_repair, "_STRING_OR_BRACKET", brackets)

    with contextlib.suppress(JsonExtractionError):
        extract_json(text)

    assert decoder.failures <= 2
    assert tokens.matches <= len(text) + 10
    assert brackets.matches <= len(text)


@pytest.mark.parametrize("name", list(ADVERSARIAL_INPUTS))
def test_candidates_never_overlap(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each candidate value starts after the part of the text the previous one used."""
    text = ADVERSARIAL_INPUTS[name]
    spans: list[tuple[int, int]] = []
    parse = _repair.parse_value_at

    def recording_parse(text: str, start: int, *, try_decoder: bool = True) -> Any:
        outcome = parse(text, start, try_decoder=try_decoder)
        used = outcome.end if isinstance(outcome, _repair.Parsed) else outcome.position
        spans.append((start, used))
        return outcome

    monkeypatch.setattr(_extract, "parse_value_at", recording_parse)

    with contextlib.suppress(JsonExtractionError):
        extract_json(text)

    for (_, previous_used), (start, _) in itertools.pairwise(spans):
        assert start >= previous_used


def test_large_prose_is_one_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A megabyte of prose before the answer is searched without decoding anything in it."""
    text = "Lorem ipsum dolor sit amet, (consectetur) adipiscing. " * 20_000 + '{"a": [1, 2]}'
    calls: list[int] = []
    parse = _repair.parse_value_at

    def recording_parse(text: str, start: int, *, try_decoder: bool = True) -> Any:
        calls.append(start)
        return parse(text, start, try_decoder=try_decoder)

    monkeypatch.setattr(_extract, "parse_value_at", recording_parse)

    assert len(text) > 1_000_000
    assert extract_json(text) == {"a": [1, 2]}
    assert calls == [text.index("{")]
