"""The middleware contract: an async callable that wraps the rest of the chain."""

from promptrunner.middleware._base import CallNext, Middleware

__all__ = ["CallNext", "Middleware"]
