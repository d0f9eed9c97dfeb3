"""Entry points that serve the simulator in the foreground, for a command-line tool."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from promptrunner.simulator.address import (
    format_base_url,
    validate_loopback_host,
    validate_port,
)
from promptrunner.simulator.script import load_script
from promptrunner.simulator.simulator import ScriptSource, to_script
from promptrunner.simulator.state import DEFAULT_MAX_RECORDED_REQUESTS, SimulatorState

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["run_simulator", "serve_simulator"]


async def serve_simulator(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    script: ScriptSource | None = None,
    on_ready: Callable[[str], None] | None = None,
    max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
) -> None:
    """Serve the simulator on the running event loop until the task is cancelled.

    ``on_ready`` receives the base URL (``http://HOST:PORT``) once the port is bound.
    Prints nothing. Raises ValueError for a bad host, port or script, and OSError when
    the address cannot be bound. On cancellation, every connection is closed within
    about two seconds before the cancellation propagates.
    """
    bind_host = validate_loopback_host(host)
    validate_port(port)
    state = SimulatorState(to_script(script), max_recorded_requests=max_recorded_requests)

    # Imported here so that importing promptrunner.simulator does not import aiohttp.
    from promptrunner.simulator.server import SimulatorServer

    server = SimulatorServer(state, host=bind_host, port=port)
    bound_port = await server.start()

    try:
        if on_ready is not None:
            on_ready(format_base_url(bind_host, bound_port))
        await asyncio.Event().wait()
    finally:
        await server.close()


def run_simulator(
    port: int,
    host: str = "127.0.0.1",
    script_path: Path | None = None,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the simulator in the foreground until KeyboardInterrupt (Ctrl-C), then return.

    ``on_ready`` receives the base URL once the port is bound. Raises ValueError for a
    bad host or port, or a missing or invalid script file, before anything listens.
    """
    validate_loopback_host(host)
    validate_port(port)
    script = None if script_path is None else load_script(script_path)

    try:
        asyncio.run(serve_simulator(host=host, port=port, script=script, on_ready=on_ready))
    except KeyboardInterrupt:
        return
