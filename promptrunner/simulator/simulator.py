"""ProviderSimulator: the simulator server on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from promptrunner.simulator.address import (
    format_base_url,
    validate_loopback_host,
    validate_port,
)
from promptrunner.simulator.script import Script, load_script, parse_script
from promptrunner.simulator.state import DEFAULT_MAX_RECORDED_REQUESTS, SimulatorState

if TYPE_CHECKING:
    from types import TracebackType

    from promptrunner.simulator.recording import RecordedRequest

__all__ = ["START_TIMEOUT_SECONDS", "STOP_TIMEOUT_SECONDS", "ProviderSimulator", "to_script"]

START_TIMEOUT_SECONDS = 10.0
"""Maximum time ``start()`` waits for the server thread to bind its port."""

STOP_TIMEOUT_SECONDS = 5.0
"""Maximum time ``stop()`` waits for the server thread to close every connection and exit."""

logger = logging.getLogger("promptrunner.simulator")

ScriptSource: TypeAlias = Script | Mapping[str, Any] | str | os.PathLike[str]
"""A Script, its parsed JSON form, or the path of a script file."""


def to_script(script: ScriptSource | None) -> Script | None:
    """Return ``script`` as a Script, loading a path or validating parsed JSON.

    Raises ValueError for a bad script.
    """
    if script is None or isinstance(script, Script):
        return script

    if isinstance(script, Mapping):
        return parse_script(script)

    return load_script(script)


class ProviderSimulator:
    """An OpenAI-compatible HTTP server that plays scripted failures, for tests.

    The server runs on its own event loop in a daemon thread, so it serves sync code and
    async tests alike. Use it as a context manager or call ``start()`` and ``stop()``.
    ``start()`` can be called once per instance.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        script: ScriptSource | None = None,
        *,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
    ) -> None:
        """Validate the settings. Nothing listens until ``start()``.

        ``host`` must be a loopback address and ``port`` 0 picks a free port. ``script``
        maps model names to steps. Raises ValueError for a bad host, port or script.
        """
        self._host = validate_loopback_host(host)
        self._requested_port = validate_port(port)
        self._state = SimulatorState(to_script(script), max_recorded_requests=max_recorded_requests)

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port; raises RuntimeError before ``start()``."""
        if self._port is None:
            raise RuntimeError("ProviderSimulator has no port yet: call start() first.")

        return self._port

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``."""
        return format_base_url(self._host, self.port)

    @property
    def api_base(self) -> str:
        """``http://HOST:PORT/v1``, the value for litellm's ``api_base``."""
        return f"{self.base_url}/v1"

    @property
    def script(self) -> Script | None:
        """The script given at construction, if any."""
        return self._state.script

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """The recorded chat completion requests, oldest first."""
        return self._state.requests()

    def reset(self) -> None:
        """Clear recorded requests and sequence positions, and restart response ids."""
        self._state.reset()

    def start(self) -> ProviderSimulator:
        """Start the server thread and wait until the port is bound.

        Raises RuntimeError when called twice or when binding takes longer than
        ``START_TIMEOUT_SECONDS``, and OSError when the address cannot be bound.
        """
        if self._thread is not None:
            raise RuntimeError(
                "ProviderSimulator.start() was already called; create a new ProviderSimulator."
            )

        self._thread = threading.Thread(
            target=self._run_thread, name="promptrunner-provider-simulator", daemon=True
        )
        self._thread.start()

        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError(
                f"Provider simulator did not bind {self._host}:{self._requested_port} "
                f"within {START_TIMEOUT_SECONDS:g} seconds."
            )
        if self._startup_error is not None:
            raise self._startup_error

        return self

    def stop(self) -> None:
        """Stop the server and close every connection; returns within ``STOP_TIMEOUT_SECONDS``.

        Does nothing when the server is not running.
        """
        thread = self._thread
        loop = self._loop
        stop_requested = self._stop_requested
        if thread is None or loop is None or stop_requested is None:
            return

        # RuntimeError means the loop already closed because the thread ended on its own.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(stop_requested.set)

        thread.join(STOP_TIMEOUT_SECONDS)
        if thread.is_alive():
            logger.warning(
                "Provider simulator on port %s did not stop within %g seconds; "
                "its daemon thread ends with the process.",
                self._port,
                STOP_TIMEOUT_SECONDS,
            )

        self._loop = None
        self._stop_requested = None

    def __enter__(self) -> ProviderSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run_thread(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            logger.exception("Provider simulator thread failed")
            self._startup_error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        """Serve until ``stop()`` sets the stop event, then close the server."""
        # Imported here so that importing promptrunner.simulator does not import aiohttp.
        from promptrunner.simulator.server import SimulatorServer

        server = SimulatorServer(self._state, host=self._host, port=self._requested_port)
        try:
            self._port = await server.start()
        except OSError as exc:
            self._startup_error = exc
            return

        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        self._ready.set()

        try:
            await self._stop_requested.wait()
        finally:
            await server.close()
