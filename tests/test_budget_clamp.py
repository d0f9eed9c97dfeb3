"""BudgetClamp: unit tests over a fake transport, and what the provider receives over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptrunner import (
    BudgetExhaustedError,
    ConfigurationError,
    Deadline,
    InvalidOutputError,
    LiteLLMTransport,
    Message,
    Outcome,
    OutcomeCategory,
    PromptRequest,
    PromptResult,
    Runner,
)
from promptrunner._tokens import EncodingChoice, TokenEncoding, choose_encoding, load_encoding
from promptrunner.middleware._base import CallNext
from promptrunner.middleware.budget_clamp import DEFAULT_MARKER, BudgetClamp
from promptrunner.simulator import ProviderSimulator
from tests.fakes import FakeTransport, answer

MODEL = "openai/gpt-4o-mini"
SIMULATOR_MODEL = "openai/sim-ok"
SIMULATOR_KEY = "sk-test-key-123456"
SYSTEM_PROMPT = "You summarize documents in three sentences."

WORDS_TEXT = """
tea leaves garden river morning harvest valley market merchant caravan porcelain kettle steam
spring mountain terrace picker basket village road winter summer ferment oxidize roast brew
aroma bitter sweet green black oolong white history trade empire port
"""
WORDS = WORDS_TEXT.split()

O200K = load_encoding("o200k_base")
CL100K = load_encoding("cl100k_base")


def count(text: str, encoding: TokenEncoding = O200K) -> int:
    return len(encoding.encode_ordinary(text))


def sentence(seed: int) -> str:
    """A deterministic sentence of 8 to 15 words."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    length = 8 + digest[0] % 8
    words = [WORDS[digest[index + 1] % len(WORDS)] for index in range(length)]
    return " ".join(words).capitalize() + "."


def paragraph(seed: int, sentences: int) -> str:
    return " ".join(sentence(seed * 1000 + index) for index in range(sentences))


def document(paragraphs: int, sentences: int = 5, seed: int = 0) -> str:
    return "\n\n".join(paragraph(seed + index, sentences) for index in range(paragraphs))


def clampable(text: str | list[dict[str, Any]]) -> Message:
    return Message(role="user", content=text, clampable=True)


def make_request(*messages: Message, model: str = MODEL) -> PromptRequest:
    return PromptRequest(model=model, messages=list(messages))


def plain_clamp(input_budget: int, **options: Any) -> BudgetClamp:
    """A clamp that counts text tokens only: no per-message overhead, no marker."""
    return BudgetClamp(input_budget=input_budget, per_message_overhead=0, marker="", **options)


async def run_clamp(
    clamp: BudgetClamp, request: PromptRequest, **run_options: Any
) -> tuple[FakeTransport, PromptResult]:
    transport = FakeTransport()
    result = await Runner(transport, [clamp]).run(request, **run_options)
    return transport, result


async def sent_request(clamp: BudgetClamp, request: PromptRequest) -> PromptRequest:
    transport, _ = await run_clamp(clamp, request)
    return transport.requests[0]


def decision(result: PromptResult, name: str) -> dict[str, str | int | float | bool]:
    found = [item for item in result.decisions if item.middleware == "BudgetClamp"]
    matching = [item for item in found if item.name == name]
    assert len(matching) == 1, found
    return matching[0].attributes


def tokens_after(result: PromptResult, name: str = "clamped") -> int:
    value = decision(result, name)["tokens_after"]
    assert isinstance(value, int)
    return value


def decision_names(result: PromptResult) -> list[str]:
    return [item.name for item in result.decisions if item.middleware == "BudgetClamp"]


def content_of(request: PromptRequest, index: int) -> str:
    content = request.messages[index].content
    assert isinstance(content, str)
    return content


class CountingEncoding:
    """Wraps a tiktoken encoding and records every encode and decode it serves."""

    def __init__(self, encoding: TokenEncoding) -> None:
        self._encoding = encoding
        self.encoded: list[int] = []
        self.decoded: list[int] = []

    @property
    def name(self) -> str:
        return self._encoding.name

    def encode_ordinary(self, text: str) -> list[int]:
        self.encoded.append(len(text))
        return self._encoding.encode_ordinary(text)

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        self.decoded.append(len(tokens))
        return self._encoding.decode_bytes(tokens)


# Configuration


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"input_budget": 0}, "input_budget"),
        ({"input_budget": -5}, "input_budget"),
        ({"input_budget": 10.5}, "input_budget"),
        ({"input_budget": True}, "input_budget"),
        ({"input_budget": "100"}, "input_budget"),
        ({"input_budget": 100, "min_seconds_left": -1}, "min_seconds_left"),
        ({"input_budget": 100, "min_seconds_left": math.nan}, "min_seconds_left"),
        ({"input_budget": 100, "min_seconds_left": math.inf}, "min_seconds_left"),
        ({"input_budget": 100, "min_seconds_left": "1"}, "min_seconds_left"),
        ({"input_budget": 100, "per_message_overhead": -1}, "per_message_overhead"),
        ({"input_budget": 100, "per_message_overhead": 2.5}, "per_message_overhead"),
        ({"input_budget": 100, "marker": None}, "marker"),
        ({"input_budget": 100, "boundary_window": -0.1}, "boundary_window"),
        ({"input_budget": 100, "boundary_window": 1.5}, "boundary_window"),
        ({"input_budget": 100, "boundary_window": math.nan}, "boundary_window"),
        ({"input_budget": 100, "encoding": 42}, "encoding"),
    ],
)
def test_config_invalid_value_rejected(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        BudgetClamp(**options)


def test_config_unknown_encoding_lists_valid_names() -> None:
    with pytest.raises(ConfigurationError) as raised:
        BudgetClamp(input_budget=100, encoding="o300k_base")

    assert "'o300k_base'" in str(raised.value)
    assert "o200k_base" in str(raised.value)
    assert "cl100k_base" in str(raised.value)


def test_config_uncached_encoding_rejected_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))

    with pytest.raises(ConfigurationError, match="would download"):
        BudgetClamp(input_budget=100, encoding="r50k_base")


def test_config_encoding_object_accepted() -> None:
    clamp = BudgetClamp(input_budget=100, encoding=CountingEncoding(O200K))

    assert clamp.input_budget == 100


def test_config_defaults() -> None:
    clamp = BudgetClamp(input_budget=100)

    assert clamp.min_seconds_left == 1.0
    assert clamp.per_message_overhead == 4
    assert clamp.marker == DEFAULT_MARKER
    assert clamp.boundary_window == 0.2


# Encoding selection


ENCODING_TABLE = [
    ("gpt-4o", "o200k_base", False),
    ("openai/gpt-4o-mini", "o200k_base", False),
    ("gpt-4o-2024-08-06", "o200k_base", False),
    ("azure/gpt-4o", "o200k_base", False),
    ("chatgpt-4o-latest", "o200k_base", False),
    ("o1", "o200k_base", False),
    ("o1-mini", "o200k_base", False),
    ("o3", "o200k_base", False),
    ("o3-mini", "o200k_base", False),
    ("o4-mini", "o200k_base", False),
    ("gpt-4.1-nano", "o200k_base", False),
    ("gpt-5", "o200k_base", False),
    ("gpt-5-mini", "o200k_base", False),
    ("ft:gpt-4o-mini:acme::abc123", "o200k_base", False),
    ("gpt-4", "cl100k_base", False),
    ("gpt-4-turbo", "cl100k_base", False),
    ("gpt-4-0613", "cl100k_base", False),
    ("gpt-3.5-turbo", "cl100k_base", False),
    ("azure/gpt-35-turbo", "cl100k_base", False),
    ("text-embedding-3-small", "cl100k_base", False),
    ("anthropic/claude-3-5-sonnet", "o200k_base", True),
    ("ollama/llama3", "o200k_base", True),
    ("gemini/gemini-1.5-pro", "o200k_base", True),
    ("azure/my-deployment", "o200k_base", True),
    ("o1x", "o200k_base", True),
]


@pytest.mark.parametrize(("model", "encoding", "estimate"), ENCODING_TABLE)
def test_encoding_choice_by_model(model: str, encoding: str, estimate: bool) -> None:
    assert choose_encoding(model) == EncodingChoice(encoding, estimate)


@pytest.mark.parametrize(
    "model", [model for model, _, estimate in ENCODING_TABLE if not estimate and "/" not in model]
)
def test_encoding_choice_agrees_with_tiktoken(model: str) -> None:
    import tiktoken

    assert choose_encoding(model).name == tiktoken.encoding_name_for_model(model)


async def test_decision_names_encoding_and_estimate() -> None:
    request = make_request(clampable(document(20)), model="anthropic/claude-3-5-sonnet")

    _, result = await run_clamp(BudgetClamp(input_budget=50), request)

    assert decision(result, "clamped")["encoding"] == "o200k_base"
    assert decision(result, "clamped")["estimate"] is True


async def test_decision_exact_for_openai_model() -> None:
    request = make_request(clampable(document(20)), model="gpt-4")

    _, result = await run_clamp(BudgetClamp(input_budget=50), request)

    assert decision(result, "clamped")["encoding"] == "cl100k_base"
    assert decision(result, "clamped")["estimate"] is False


async def test_override_matching_model_is_exact() -> None:
    clamp = BudgetClamp(input_budget=50, encoding="cl100k_base")

    _, result = await run_clamp(clamp, make_request(clampable(document(20)), model="gpt-4"))

    assert decision(result, "clamped")["estimate"] is False


async def test_override_other_model_is_estimate() -> None:
    clamp = BudgetClamp(input_budget=50, encoding="cl100k_base")

    _, result = await run_clamp(clamp, make_request(clampable(document(20)), model="gpt-4o"))

    assert decision(result, "clamped")["encoding"] == "cl100k_base"
    assert decision(result, "clamped")["estimate"] is True


async def test_cl100k_model_counted_with_cl100k() -> None:
    text = document(20)
    clamp = plain_clamp(count(text, CL100K) - 1)

    _, result = await run_clamp(clamp, make_request(clampable(text), model="gpt-3.5-turbo"))

    assert decision(result, "clamped")["tokens_before"] == count(text, CL100K)


# Within budget


async def test_within_budget_request_untouched() -> None:
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(document(3)))

    sent = await sent_request(BudgetClamp(input_budget=10_000), request)

    assert sent.messages == request.messages


async def test_within_budget_records_nothing() -> None:
    request = make_request(clampable(document(3)))

    _, result = await run_clamp(BudgetClamp(input_budget=10_000), request)

    assert decision_names(result) == []


async def test_small_input_skips_encoding() -> None:
    """An input whose UTF-8 size fits the budget cannot exceed it in tokens: no encode."""
    encoding = CountingEncoding(O200K)
    request = make_request(clampable(document(3)))

    await sent_request(BudgetClamp(input_budget=1_000_000, encoding=encoding), request)

    assert encoding.encoded == []


async def test_near_budget_input_is_counted() -> None:
    """Above the byte bound the input is encoded, even when its tokens then fit."""
    encoding = CountingEncoding(O200K)
    text = document(3)
    request = make_request(clampable(text))

    await sent_request(BudgetClamp(input_budget=len(text) // 2, encoding=encoding), request)

    assert encoding.encoded != []


async def test_exactly_at_budget_untouched() -> None:
    text = document(3)
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(text))
    total = count(SYSTEM_PROMPT) + count(text) + 2 * 4

    sent = await sent_request(BudgetClamp(input_budget=total), request)

    assert sent.messages == request.messages


async def test_one_token_over_budget_clamped() -> None:
    text = document(3)
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(text))
    total = count(SYSTEM_PROMPT) + count(text) + 2 * 4

    sent = await sent_request(BudgetClamp(input_budget=total - 1), request)

    assert content_of(sent, 1) != text


async def test_message_name_counted() -> None:
    text = document(2)
    named = Message(role="user", content=text, name="reviewer", clampable=True)
    total = count(text) + count("reviewer")

    _, result = await run_clamp(plain_clamp(total - 1), make_request(named))

    assert decision(result, "clamped")["tokens_before"] == total


async def test_per_message_overhead_counted() -> None:
    text = document(2)
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(text))
    clamp = BudgetClamp(input_budget=10, per_message_overhead=7, marker="")

    _, result = await run_clamp(clamp, request)

    assert decision(result, "clamped")["tokens_before"] == count(SYSTEM_PROMPT) + count(text) + 14


# Where the cut lands


async def test_cut_at_paragraph_break() -> None:
    first = paragraph(1, 5)
    text = first + "\n\n" + paragraph(2, 30)
    clamp = plain_clamp(count(first) + 8)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))

    assert content_of(transport.requests[0], 0) == first
    assert decision(result, "clamped")["boundary"] == "paragraph"


async def test_cut_at_sentence_end() -> None:
    sentences = [sentence(index) for index in range(40)]
    text = " ".join(sentences)
    kept = " ".join(sentences[:12])
    clamp = plain_clamp(count(kept) + 4)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))

    assert content_of(transport.requests[0], 0) == kept
    assert decision(result, "clamped")["boundary"] == "sentence"


async def test_cut_at_word_boundary() -> None:
    text = " ".join(WORDS * 10)
    clamp = plain_clamp(57)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))
    kept = content_of(transport.requests[0], 0)

    assert text.startswith(kept)
    assert text[len(kept)] == " "
    assert decision(result, "clamped")["boundary"] == "word"


async def test_cut_inside_single_long_word() -> None:
    text = "".join(hashlib.sha256(str(index).encode()).hexdigest() for index in range(200))
    clamp = plain_clamp(100)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))
    kept = content_of(transport.requests[0], 0)

    assert text.startswith(kept)
    assert decision(result, "clamped")["boundary"] == "character"
    assert tokens_after(result) <= 100


async def test_paragraph_outside_window_uses_sentence() -> None:
    text = paragraph(1, 3) + "\n\n" + paragraph(2, 40)
    clamp = plain_clamp(count(text) // 2)

    _, result = await run_clamp(clamp, make_request(clampable(text)))

    assert decision(result, "clamped")["boundary"] == "sentence"


async def test_zero_window_uses_word_boundary() -> None:
    text = paragraph(3, 40)
    clamp = plain_clamp(count(text) // 2 + 3, boundary_window=0)

    _, result = await run_clamp(clamp, make_request(clampable(text)))

    assert decision(result, "clamped")["boundary"] == "word"


async def test_wide_window_reaches_paragraph() -> None:
    text = paragraph(1, 3) + "\n\n" + paragraph(2, 40)
    clamp = plain_clamp(count(text) // 2, boundary_window=1.0)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))

    assert content_of(transport.requests[0], 0) == paragraph(1, 3)
    assert decision(result, "clamped")["boundary"] == "paragraph"


# The marker


async def test_cut_refit_when_marker_merges() -> None:
    # Cut plainly, this text keeps "  \t", and "  \t" + "…" encodes to one token more than
    # the two tokens planned, so the cut must be made again, shorter.
    text = "  \t \n\t \n\t"
    clamp = BudgetClamp(input_budget=2, marker="\u2026", per_message_overhead=0)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))

    assert count(content_of(transport.requests[0], 0)) <= 2
    assert tokens_after(result) <= 2


async def test_default_marker_appended() -> None:
    text = document(10)
    request = make_request(clampable(text))

    sent = await sent_request(BudgetClamp(input_budget=100), request)

    assert content_of(sent, 0).endswith("\n[...]")


async def test_custom_marker_appended() -> None:
    request = make_request(clampable(document(10)))

    sent = await sent_request(BudgetClamp(input_budget=100, marker=" <cut>"), request)

    assert content_of(sent, 0).endswith(" <cut>")


async def test_marker_counted_in_budget() -> None:
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(document(10)))

    transport, result = await run_clamp(BudgetClamp(input_budget=100), request)
    sent = transport.requests[0]
    recount = count(SYSTEM_PROMPT) + count(content_of(sent, 1)) + 2 * 4

    assert decision(result, "clamped")["tokens_after"] == recount
    assert recount <= 100


async def test_kept_text_is_prefix_before_marker() -> None:
    text = document(10)

    sent = await sent_request(BudgetClamp(input_budget=100), make_request(clampable(text)))
    kept = content_of(sent, 0).removesuffix(DEFAULT_MARKER)

    assert text.startswith(kept)


# Which messages are clamped


async def test_system_prompt_untouched() -> None:
    system = Message(role="system", content=SYSTEM_PROMPT)
    request = make_request(system, clampable(document(10)))

    sent = await sent_request(BudgetClamp(input_budget=100), request)

    assert sent.messages[0] == system


async def test_unmarked_message_untouched() -> None:
    question = Message(role="user", content="Which teas are mentioned?")
    request = make_request(clampable(document(10)), question)

    sent = await sent_request(BudgetClamp(input_budget=100), request)

    assert sent.messages[1] == question


async def test_clampable_system_message_rejected() -> None:
    system = Message(role="system", content=SYSTEM_PROMPT, clampable=True)

    with pytest.raises(ConfigurationError, match="system message marked clampable"):
        await run_clamp(BudgetClamp(input_budget=100), make_request(system))


async def test_last_clampable_shortened_first() -> None:
    first, second = document(3, seed=1), document(10, seed=2)
    request = make_request(clampable(first), clampable(second))
    clamp = BudgetClamp(input_budget=count(first) + 100)

    transport, result = await run_clamp(clamp, request)

    assert content_of(transport.requests[0], 0) == first
    assert content_of(transport.requests[0], 1).endswith(DEFAULT_MARKER)
    assert decision(result, "clamped")["messages_clamped"] == 1


async def test_several_clampable_all_shortened() -> None:
    first, second = document(10, seed=1), document(10, seed=2)
    request = make_request(clampable(first), clampable(second))
    clamp = BudgetClamp(input_budget=count(first) // 2)

    transport, result = await run_clamp(clamp, request)
    sent = transport.requests[0]

    assert content_of(sent, 1) == "[...]"
    assert first.startswith(content_of(sent, 0).removesuffix(DEFAULT_MARKER))
    assert decision(result, "clamped")["messages_clamped"] == 2
    assert tokens_after(result) <= count(first) // 2


async def test_list_content_text_part_clamped() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    text = document(10)
    request = make_request(clampable([{"type": "text", "text": text}, image]))

    sent = await sent_request(BudgetClamp(input_budget=100), request)
    content = sent.messages[0].content
    assert isinstance(content, list)

    assert content[1] == image
    assert text.startswith(content[0]["text"].removesuffix(DEFAULT_MARKER))
    assert content[0]["text"] != text


async def test_clamped_message_keeps_fields() -> None:
    message = Message(role="user", content=document(10), name="analyst", clampable=True)

    sent = await sent_request(BudgetClamp(input_budget=100), make_request(message))

    assert sent.messages[0].name == "analyst"
    assert sent.messages[0].clampable is True
    assert sent.messages[0].to_provider()["content"] == sent.messages[0].content


# Over budget


async def test_nothing_clampable_sent_unchanged() -> None:
    request = make_request(Message(role="user", content=document(10)))

    sent = await sent_request(BudgetClamp(input_budget=50), request)

    assert sent.messages == request.messages


async def test_nothing_clampable_records_over_budget() -> None:
    request = make_request(Message(role="user", content=document(10)))

    _, result = await run_clamp(BudgetClamp(input_budget=50), request)

    assert decision_names(result) == ["input_over_budget"]
    assert decision(result, "input_over_budget")["messages_clamped"] == 0


async def test_over_budget_after_clamping_still_sent() -> None:
    system = Message(role="system", content=document(5, seed=7))
    request = make_request(system, clampable(document(5)))

    transport, result = await run_clamp(BudgetClamp(input_budget=50), request)

    assert len(transport.requests) == 1
    assert result.ok


async def test_over_budget_after_clamping_empties_clampable() -> None:
    system = Message(role="system", content=document(5, seed=7))
    request = make_request(system, clampable(document(5)))

    sent = await sent_request(BudgetClamp(input_budget=50), request)

    assert sent.messages[0] == system
    assert content_of(sent, 1) == "[...]"


async def test_over_budget_after_clamping_records_numbers() -> None:
    system_text = document(5, seed=7)
    request = make_request(Message(role="system", content=system_text), clampable(document(5)))

    _, result = await run_clamp(BudgetClamp(input_budget=50), request)
    over = decision(result, "input_over_budget")

    assert decision_names(result) == ["clamped", "input_over_budget"]
    assert over["tokens_after"] == count(system_text) + count("[...]") + 2 * 4
    assert over["input_budget"] == 50
    assert over["messages_clamped"] == 1


async def test_tiny_text_not_replaced() -> None:
    system = Message(role="system", content=document(5, seed=7))
    request = make_request(system, clampable("Hi"))

    sent = await sent_request(BudgetClamp(input_budget=50), request)

    assert content_of(sent, 1) == "Hi"


# Deadline


async def test_deadline_too_close_rejected() -> None:
    transport, result = await run_clamp(
        BudgetClamp(input_budget=100),
        make_request(clampable("A question.")),
        deadline=Deadline(0.5),
        raise_on_failure=False,
    )

    assert transport.requests == []
    assert result.outcome.category is OutcomeCategory.BUDGET_EXHAUSTED
    assert result.outcome.is_failed


async def test_deadline_rejection_recorded() -> None:
    _, result = await run_clamp(
        BudgetClamp(input_budget=100, min_seconds_left=1.0),
        make_request(clampable("A question.")),
        deadline=Deadline(0.5),
        raise_on_failure=False,
    )
    rejected = decision(result, "rejected")

    assert rejected["reason"] == "deadline"
    assert 0 < int(rejected["remaining_ms"]) <= 500
    assert rejected["min_seconds_left"] == 1.0


async def test_deadline_rejection_raises_by_default() -> None:
    runner = Runner(FakeTransport(), [BudgetClamp(input_budget=100)])

    with pytest.raises(BudgetExhaustedError):
        await runner.run(make_request(clampable("A question.")), deadline=Deadline(0.5))


async def test_zero_min_seconds_left_allows_call() -> None:
    transport, _ = await run_clamp(
        BudgetClamp(input_budget=100, min_seconds_left=0),
        make_request(clampable("A question.")),
        deadline=Deadline(0.5),
    )

    assert len(transport.requests) == 1


async def test_missing_deadline_means_no_limit() -> None:
    sent: list[PromptRequest] = []

    async def call_next(request: PromptRequest) -> PromptResult:
        sent.append(request)
        return answer(request)

    clamp = BudgetClamp(input_budget=100, min_seconds_left=1e6)
    await clamp(make_request(clampable("A question.")), call_next)

    assert len(sent) == 1


# Unicode


async def test_cjk_text_cut_at_sentence() -> None:
    text = "".join(f"第{index}段落讲述了茶叶的历史和贸易。" for index in range(300))
    clamp = plain_clamp(200)

    transport, result = await run_clamp(clamp, make_request(clampable(text)))
    kept = content_of(transport.requests[0], 0)

    assert text.startswith(kept)
    assert kept.endswith("。")
    assert decision(result, "clamped")["boundary"] == "sentence"


@pytest.mark.parametrize("budget", range(40, 60))
async def test_emoji_never_split(budget: int) -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    waving = "\U0001f44b\U0001f3fd"
    text = (family + waving + "\u00e9" + "e\u0301") * 200
    clamp = plain_clamp(budget)

    transport, _ = await run_clamp(clamp, make_request(clampable(text)))
    kept = content_of(transport.requests[0], 0)

    assert text.startswith(kept)
    assert "\ufffd" not in kept
    assert len(kept) % len(family + waving + "\u00e9" + "e\u0301") in (0, 5, 7, 8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8"),
        min_size=1,
        max_size=400,
    ),
    budget=st.integers(min_value=1, max_value=120),
)
def test_clamp_properties_hold(text: str, budget: int) -> None:
    clamp = BudgetClamp(input_budget=budget, per_message_overhead=0)
    request = make_request(clampable(text))

    first = asyncio.run(sent_request(clamp, request))
    again = asyncio.run(sent_request(clamp, first))
    kept = content_of(first, 0)
    fits = count(kept) <= budget

    assert text.startswith(kept.removesuffix(DEFAULT_MARKER)) or kept in (text, "[...]")
    assert fits or kept == "[...]" or kept == text
    assert "\ufffd" not in kept or "\ufffd" in text
    assert again.messages == first.messages


# Idempotence and concurrency


async def test_clamping_twice_changes_nothing() -> None:
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(document(20)))
    clamp = BudgetClamp(input_budget=300)

    first = await sent_request(clamp, request)
    second = await sent_request(clamp, first)

    assert second.messages == first.messages


async def test_clamping_twice_records_nothing_second() -> None:
    request = make_request(clampable(document(20)))
    clamp = BudgetClamp(input_budget=300)

    first = await sent_request(clamp, request)
    _, result = await run_clamp(clamp, first)

    assert decision_names(result) == []


async def test_concurrent_runs_keep_own_text() -> None:
    clamp = BudgetClamp(input_budget=200)
    texts = [document(10, seed=seed * 100) for seed in range(8)]
    transport = FakeTransport()
    runner = Runner(transport, [clamp])

    await asyncio.gather(*(runner.run(make_request(clampable(text))) for text in texts))
    sent = sorted(content_of(request, 0) for request in transport.requests)

    for text in texts:
        assert any(text.startswith(kept.removesuffix(DEFAULT_MARKER)) for kept in sent), text


async def test_decision_kept_when_chain_raises() -> None:
    async def failing_layer(request: PromptRequest, call_next: CallNext) -> PromptResult:
        result = await call_next(request)
        result.outcome = Outcome.failed(OutcomeCategory.INVALID_OUTPUT, "not JSON")
        raise InvalidOutputError(result)

    runner = Runner(FakeTransport(), [BudgetClamp(input_budget=100), failing_layer])
    result = await runner.run(make_request(clampable(document(10))), raise_on_failure=False)

    assert decision_names(result) == ["clamped"]


# Cost


async def test_megabyte_document_encoded_once() -> None:
    text = document(1600, sentences=8)
    encoding = CountingEncoding(O200K)
    clamp = BudgetClamp(input_budget=8000, encoding=encoding)
    request = make_request(Message(role="system", content=SYSTEM_PROMPT), clampable(text))

    transport, result = await run_clamp(clamp, request)
    kept = content_of(transport.requests[0], 1)

    assert len(text) > 1_000_000
    assert encoding.encoded.count(len(text)) == 1
    assert sum(encoding.encoded) <= len(text) + len(SYSTEM_PROMPT) + len(kept) + 20
    assert len(encoding.decoded) == 1
    assert encoding.decoded[0] < 8000
    assert tokens_after(result) <= 8000


# Over HTTP, through litellm and the provider simulator


def simulator_runner(simulator: ProviderSimulator, clamp: BudgetClamp) -> Runner:
    transport = LiteLLMTransport(api_base=simulator.api_base, api_key=SIMULATOR_KEY)
    return Runner(transport, [clamp])


async def test_http_provider_receives_clamped_text(
    provider_simulator: ProviderSimulator,
) -> None:
    text = document(40)
    request = make_request(
        Message(role="system", content=SYSTEM_PROMPT), clampable(text), model=SIMULATOR_MODEL
    )
    runner = simulator_runner(provider_simulator, BudgetClamp(input_budget=500))

    result = await runner.run(request)
    received = provider_simulator.requests[0].body["messages"]

    assert received[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert received[1]["content"].endswith(DEFAULT_MARKER)
    assert text.startswith(received[1]["content"].removesuffix(DEFAULT_MARKER))
    assert "clampable" not in received[1]
    assert tokens_after(result) <= 500


async def test_http_received_text_fits_budget(provider_simulator: ProviderSimulator) -> None:
    request = make_request(
        Message(role="system", content=SYSTEM_PROMPT),
        clampable(document(40)),
        model=SIMULATOR_MODEL,
    )
    runner = simulator_runner(provider_simulator, BudgetClamp(input_budget=500))

    await runner.run(request)
    received = provider_simulator.requests[0].body["messages"]
    total = sum(count(message["content"]) + 4 for message in received)

    assert total <= 500


async def test_http_within_budget_sent_as_is(provider_simulator: ProviderSimulator) -> None:
    text = document(2)
    request = make_request(
        Message(role="system", content=SYSTEM_PROMPT), clampable(text), model=SIMULATOR_MODEL
    )
    runner = simulator_runner(provider_simulator, BudgetClamp(input_budget=10_000))

    await runner.run(request)
    received = provider_simulator.requests[0].body["messages"]

    assert received == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": text},
    ]


async def test_http_over_budget_still_sent(provider_simulator: ProviderSimulator) -> None:
    system_text = document(5, seed=7)
    request = make_request(
        Message(role="system", content=system_text), clampable(document(5)), model=SIMULATOR_MODEL
    )
    runner = simulator_runner(provider_simulator, BudgetClamp(input_budget=50))

    result = await runner.run(request)
    received = provider_simulator.requests[0].body["messages"]

    assert received[0]["content"] == system_text
    assert received[1]["content"] == "[...]"
    assert decision_names(result) == ["clamped", "input_over_budget"]


async def test_http_rejected_call_not_sent(provider_simulator: ProviderSimulator) -> None:
    runner = simulator_runner(provider_simulator, BudgetClamp(input_budget=500))
    request = make_request(clampable("A question."), model=SIMULATOR_MODEL)

    result = await runner.run(request, deadline=Deadline(0.5), raise_on_failure=False)

    assert len(provider_simulator.requests) == 0
    assert result.outcome.category is OutcomeCategory.BUDGET_EXHAUSTED
