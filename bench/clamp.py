"""Time BudgetClamp on a document of about 1 MB, clamped to a budget of 8,000 tokens.

The document is generated prose (seeded, so every run gets the same text) in paragraphs
of 3 to 7 sentences. Each timed run is one full call of the middleware, with a `call_next`
that returns at once: counting the input, cutting the document, and building the new
request. A separate run through a counting wrapper reports how many encodes and decodes
one clamp makes and how many characters or tokens each covered.

    python bench/clamp.py --runs 20 --budget 8000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import Sequence

from promptrunner import Message, Outcome, PromptRequest, PromptResult
from promptrunner._tokens import TokenEncoding, load_encoding
from promptrunner.middleware.budget_clamp import BudgetClamp

VOCABULARY_TEXT = """
the a of and to in that it with as for was on by at from this which but not be are his her
their our its one all were they have had been would there when what who more tea leaves
garden river morning harvest valley market merchant caravan porcelain kettle steam spring
mountain terrace picker basket village road winter summer ferment roast brew aroma bitter
sweet green black oolong white history trade empire port ship cargo season price buyer
seller auction warehouse ledger letter family province dynasty century custom ceremony
guest cup bowl water fire leaf bud stem soil rain fog slope
"""
VOCABULARY = VOCABULARY_TEXT.split()


def build_document(size: int, seed: int = 7) -> str:
    """Generated prose of at least `size` characters, in paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    length = 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = [rng.choice(VOCABULARY) for _ in range(rng.randint(6, 24))]
            if rng.random() < 0.3:
                words[rng.randrange(1, len(words))] += ","
            if rng.random() < 0.1:
                words.insert(rng.randrange(len(words)), str(rng.randint(1600, 1950)))
            sentences.append(" ".join(words).capitalize() + rng.choice(".....?!"))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


class CountingEncoding:
    """Wraps an encoding and records the size of every encode and decode."""

    def __init__(self, encoding: TokenEncoding) -> None:
        self._encoding = encoding
        self.encoded_chars: list[int] = []
        self.decoded_tokens: list[int] = []

    @property
    def name(self) -> str:
        return self._encoding.name

    def encode_ordinary(self, text: str) -> list[int]:
        self.encoded_chars.append(len(text))
        return self._encoding.encode_ordinary(text)

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        self.decoded_tokens.append(len(tokens))
        return self._encoding.decode_bytes(tokens)


async def pass_through(request: PromptRequest) -> PromptResult:
    return PromptResult(step=request.step, model=request.model, outcome=Outcome.ok())


async def time_clamp(clamp: BudgetClamp, request: PromptRequest, runs: int) -> list[float]:
    """Return the milliseconds of each of `runs` calls, after one untimed call."""
    await clamp(request, pass_through)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await clamp(request, pass_through)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_encode(encoding: TokenEncoding, text: str, runs: int) -> float:
    """Return the median milliseconds of one encode of `text`."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        encoding.encode_ordinary(text)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per model (default 20)")
    parser.add_argument("--budget", type=int, default=8000, help="input budget in tokens")
    parser.add_argument("--size", type=int, default=1_000_000, help="document size in characters")
    arguments = parser.parse_args()

    document = build_document(arguments.size)
    system = Message(role="system", content="Summarize the document in five sentences.")
    print(
        f"Python {platform.python_version()} on {platform.platform()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs)"
    )
    print(
        f"Document: {len(document):,} characters, {document.count(chr(10) * 2) + 1:,} "
        f"paragraphs; budget {arguments.budget:,} tokens; {arguments.runs} timed runs\n"
    )
    print("| model | encoding | document tokens | clamp median ms | min ms | one encode ms |")
    print("|---|---|---|---|---|---|")

    for model, encoding_name in (("openai/gpt-4o", "o200k_base"), ("openai/gpt-4", "cl100k_base")):
        encoding = load_encoding(encoding_name)
        request = PromptRequest(
            model=model, messages=[system, Message(role="user", content=document, clampable=True)]
        )
        clamp = BudgetClamp(input_budget=arguments.budget, encoding=encoding)
        samples = asyncio.run(time_clamp(clamp, request, arguments.runs))
        encode_ms = time_encode(encoding, document, max(5, arguments.runs // 2))
        print(
            f"| {model} | {encoding_name} | {len(encoding.encode_ordinary(document)):,} "
            f"| {statistics.median(samples):.1f} | {min(samples):.1f} | {encode_ms:.1f} |"
        )

    counting = CountingEncoding(load_encoding("o200k_base"))
    clamp = BudgetClamp(input_budget=arguments.budget, encoding=counting)
    request = PromptRequest(
        model="openai/gpt-4o",
        messages=[system, Message(role="user", content=document, clampable=True)],
    )
    result = asyncio.run(clamp(request, pass_through))
    print(
        f"\nOne clamp (o200k_base): {len(counting.encoded_chars)} encodes of "
        f"{counting.encoded_chars} characters, {len(counting.decoded_tokens)} decode of "
        f"{counting.decoded_tokens} tokens; decision {result.decisions[-1].attributes}"
    )


if __name__ == "__main__":
    main()
