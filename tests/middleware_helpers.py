"""Shared set-up for middleware tests over the provider simulator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promptrunner import LiteLLMTransport, Middleware, PromptRequest, Runner
from promptrunner.simulator import ProviderSimulator

__all__ = ["API_KEY", "sim_request", "sim_runner"]

API_KEY = "sk-middleware-test-0123456789"


def sim_runner(simulator: ProviderSimulator, middleware: Sequence[Middleware]) -> Runner:
    return Runner(LiteLLMTransport(api_base=simulator.api_base, api_key=API_KEY), middleware)


def sim_request(
    model: str, prompt: str = "Write one sentence about tea.", **fields: Any
) -> PromptRequest:
    return PromptRequest.from_prompt(prompt, model=f"openai/{model}", **fields)
