"""The simulator's aiohttp application, started and stopped on the running event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from promptrunner.simulator.address import format_base_url
from promptrunner.simulator.handlers import (
    CONTEXT_KEY,
    ServerContext,
    handle_chat_completions,
    handle_models,
    openai_error,
)

if TYPE_CHECKING:
    from promptrunner.simulator.state import SimulatorState

__all__ = ["MAX_REQUEST_BYTES", "SHUTDOWN_TIMEOUT_SECONDS", "SimulatorServer", "build_app"]

MAX_REQUEST_BYTES = 64 * 1024 * 1024
"""Largest request body the simulator reads; a larger one gets a 413 error."""

SHUTDOWN_TIMEOUT_SECONDS = 1.0
"""aiohttp's wait for open handlers in each of its two shutdown phases."""

logger = logging.getLogger("promptrunner.simulator")

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _openai_http_errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Turn aiohttp's HTTP errors, such as an unknown path, into OpenAI error bodies."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = exc

    if error.status == 404:
        return openai_error(
            404,
            f"Unknown request URL: {request.method} {request.path}. The simulator serves "
            "POST /v1/chat/completions and GET /v1/models.",
            code="unknown_url",
        )

    if error.status == 405:
        return openai_error(
            405,
            f"Method {request.method} is not allowed for {request.path}. "
            "Use POST /v1/chat/completions or GET /v1/models.",
            code="method_not_allowed",
        )

    if error.status == 413:
        return openai_error(
            413,
            f"Request body too large: the simulator reads at most {MAX_REQUEST_BYTES} bytes.",
            code="request_too_large",
        )

    return openai_error(error.status, error.reason, code=None)


def build_app(context: ServerContext) -> web.Application:
    """Return the simulator's aiohttp application."""
    app = web.Application(middlewares=[_openai_http_errors], client_max_size=MAX_REQUEST_BYTES)
    app[CONTEXT_KEY] = context
    app.router.add_post("/v1/chat/completions", handle_chat_completions)
    app.router.add_get("/v1/models", handle_models)
    return app


class SimulatorServer:
    """One simulator listening socket on the running event loop."""

    def __init__(self, state: SimulatorState, *, host: str, port: int) -> None:
        self._state = state
        self._host = host
        self._port = port
        self._stopping: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Bind and start serving; return the bound port.

        Raises OSError when the address cannot be bound, for example a port in use.
        """
        stopping = asyncio.Event()
        runner = web.AppRunner(
            build_app(ServerContext(self._state, stopping)),
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        )
        await runner.setup()

        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise

        self._stopping = stopping
        self._runner = runner
        self._port = runner.addresses[0][1]
        logger.info("Provider simulator listening on %s", format_base_url(self._host, self._port))
        return self._port

    async def close(self) -> None:
        """Stop listening and close every connection, including hanging and trickling ones.

        Takes at most about ``2 * SHUTDOWN_TIMEOUT_SECONDS``.
        """
        if self._runner is None or self._stopping is None:
            return

        runner = self._runner
        self._runner = None
        self._stopping.set()

        await runner.cleanup()
        logger.info("Provider simulator on port %d stopped", self._port)
