"""Transports: the innermost layer of the chain, which calls the provider."""

from typing import TYPE_CHECKING

from promptrunner.transport._base import Transport

if TYPE_CHECKING:
    from promptrunner.transport._litellm import LiteLLMTransport

__all__ = ["LiteLLMTransport", "Transport"]


def __getattr__(name: str) -> object:
    # LiteLLMTransport is loaded on first use so that importing promptrunner stays cheap.
    if name == "LiteLLMTransport":
        from promptrunner.transport._litellm import LiteLLMTransport

        return LiteLLMTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
