"""Per-call overhead of the runner against bare litellm and the raw OpenAI SDK.

All three clients call one provider simulator, which runs on 127.0.0.1 in a separate
process. They take turns in interleaved blocks, so machine noise hits them alike, and the
figures that matter are the ratios. The runner's own cost is also timed without the network, over a
litellm whose `acompletion` returns a recorded response at once. Last, it times a cold
`import promptrunner` in fresh interpreters.

    python bench/overhead.py --calls 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import re
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from promptrunner import LiteLLMTransport, Middleware, PromptRequest, Runner
from promptrunner.middleware import standard_middleware
from promptrunner.postprocess import booking_link_enforcer, em_dash_replacer

API_KEY = "sk-bench"
PROMPT = "Write one sentence about tea."
MAX_TOKENS = 64
TIMEOUT = 30.0

Call = Callable[[], Awaitable[object]]


def full_chain() -> list[Middleware]:
    """Build the standard chain with every optional layer on, as a production step runs it."""
    return standard_middleware(
        post_processors=[em_dash_replacer(), booking_link_enforcer("https://cal.example.com/acme")],
        input_budget=8000,
        fallback_models=["openai/sim-ok"],
    )


def build_calls(api_base: str) -> dict[str, Call]:
    # The transport comes first: it imports litellm with the cost-map fetch switched off.
    transport = LiteLLMTransport(api_base=api_base, api_key=API_KEY, timeout=TIMEOUT)
    runner = Runner(transport)
    chained = Runner(transport, full_chain())

    import openai

    client = openai.AsyncOpenAI(base_url=api_base, api_key=API_KEY, max_retries=0, timeout=TIMEOUT)
    request = PromptRequest.from_prompt(PROMPT, model="openai/sim-ok", max_output_tokens=MAX_TOKENS)

    async def raw_openai() -> object:
        return await client.chat.completions.create(
            model="sim-ok",
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=MAX_TOKENS,
        )

    async def empty_runner() -> object:
        return await runner.run(request)

    async def standard_chain() -> object:
        return await chained.run(request)

    return {
        "openai SDK": raw_openai,
        "bare litellm": bare_litellm_call(api_base),
        "runner, empty chain": empty_runner,
        "runner, standard chain": standard_chain,
    }


def bare_litellm_call(api_base: str) -> Call:
    """Build a client that calls `litellm.acompletion` directly, with its retries off."""
    import litellm

    messages = [{"role": "user", "content": PROMPT}]

    async def bare_litellm() -> object:
        return await litellm.acompletion(
            model="openai/sim-ok",
            messages=messages,
            max_tokens=MAX_TOKENS,
            api_base=api_base,
            api_key=API_KEY,
            timeout=TIMEOUT,
            num_retries=0,
            max_retries=0,
        )

    return bare_litellm


async def runner_cost_us(
    api_base: str, runs: int, middleware: Sequence[Middleware] = (), **runner_options: Any
) -> float:
    """Microseconds per run of the runner, chain and transport code, over a stub litellm."""
    transport = LiteLLMTransport(api_base=api_base, api_key=API_KEY, timeout=TIMEOUT)
    request = PromptRequest.from_prompt(PROMPT, model="openai/sim-ok", max_output_tokens=MAX_TOKENS)
    litellm = transport._litellm
    recorded = await litellm.acompletion(
        model="openai/sim-ok",
        messages=[{"role": "user", "content": PROMPT}],
        api_base=api_base,
        api_key=API_KEY,
    )

    async def instant_completion(**_: object) -> object:
        return recorded

    transport._litellm = types.SimpleNamespace(
        acompletion=instant_completion,
        get_llm_provider=litellm.get_llm_provider,
        validate_environment=litellm.validate_environment,
    )
    runner = Runner(transport, middleware, **runner_options)
    for _ in range(200):
        await runner.run(request)

    start = time.perf_counter()
    for _ in range(runs):
        await runner.run(request)
    return (time.perf_counter() - start) / runs * 1e6


async def measure(
    calls: dict[str, Call], count: int, warm_up: int, block: int
) -> dict[str, list[float]]:
    """Time `count` calls per client, in interleaved blocks of `block` calls.

    litellm finishes some work of a call (its logging) in the background during the next
    await, so a call pays part of the cost of whichever call came before it. Running each
    client in blocks, and not timing a block's first call, keeps every timed call behind
    one of its own kind.
    """
    for call in calls.values():
        for _ in range(warm_up):
            await call()

    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(max(1, count // block)):
        for name, call in calls.items():
            await call()
            for _ in range(block):
                start = time.perf_counter()
                await call()
                timings[name].append(time.perf_counter() - start)
    return timings


@contextlib.contextmanager
def simulator_process() -> Iterator[str]:
    """Start `promptrunner simulate` in a child process and yield its api_base."""
    process = subprocess.Popen(
        [sys.executable, "-m", "promptrunner", "simulate", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", first_line)
        if match is None:
            raise RuntimeError(f"The simulator did not start; it printed {first_line!r}.")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def cold_import_ms(statement: str, runs: int) -> float:
    """Median wall time of `statement` in a fresh interpreter, minus an empty interpreter's."""

    def median_ms(code: str) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)

    return median_ms(statement) - median_ms("pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per client (default 300)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed calls per client first")
    parser.add_argument("--block", type=int, default=10, help="timed calls per client in a row")
    parser.add_argument(
        "--import-runs", type=int, default=15, help="interpreters per import figure"
    )
    arguments = parser.parse_args()

    with simulator_process() as api_base:
        calls = build_calls(api_base)
        timings = asyncio.run(measure(calls, arguments.calls, arguments.warm_up, arguments.block))
        own_cost_us = asyncio.run(runner_cost_us(api_base, 5000))
        chain_cost_us = asyncio.run(runner_cost_us(api_base, 5000, full_chain()))

    litellm_samples = timings["bare litellm"]
    litellm_median = statistics.median(litellm_samples)
    machine = f"Python {platform.python_version()} on {platform.machine()}"
    print(f"{machine}, {arguments.calls} calls each\n")
    print("| client | median ms/call | mean ms/call | ratio to bare litellm |")
    print("|---|---|---|---|")
    for name, samples in timings.items():
        # Calls are paired by position: the same round, one block after the other. The
        # median of the pairs' ratios cancels the drift of a shared, noisy machine.
        paired = statistics.median(
            sample / baseline for sample, baseline in zip(samples, litellm_samples, strict=True)
        )
        print(
            f"| {name} | {statistics.median(samples) * 1000:.2f} "
            f"| {statistics.fmean(samples) * 1000:.2f} | {paired:.3f} |"
        )

    print(
        f"\nRunner and transport code alone, over a stub litellm: {own_cost_us:.0f} us per run "
        f"({own_cost_us / (litellm_median * 1e6):.2%} of a bare litellm call's median)."
    )
    print(
        f"The standard chain on top, over the same stub: {chain_cost_us:.0f} us per run, "
        f"so the chain alone costs {chain_cost_us - own_cost_us:.0f} us per call."
    )

    print("\n| import | ms over an empty interpreter (median) |")
    print("|---|---|")
    for statement in (
        "import promptrunner",
        "from promptrunner import Runner, PromptRequest",
        "import pydantic.main",
    ):
        print(f"| `{statement}` | {cold_import_ms(statement, arguments.import_runs):.0f} |")


if __name__ == "__main__":
    main()
