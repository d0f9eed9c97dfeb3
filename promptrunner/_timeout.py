"""Await with a timeout, without an extra task where the Python version allows."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["wait_with_timeout"]

T = TypeVar("T")


async def wait_with_timeout(awaitable: Awaitable[T], seconds: float) -> T:
    """Await `awaitable`, cancelling it and raising `TimeoutError` after `seconds`.

    On Python 3.11 and later this uses `asyncio.timeout`, which runs the awaitable in the
    current task. On 3.10, `asyncio.wait_for` wraps it in a task of its own.
    """
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
