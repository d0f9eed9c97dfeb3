"""OpenAI-compatible provider simulator for tests, benchmarks and the demo.

The request's model name selects what the server does: ``sim-ok``, ``sim-truncate``,
``sim-rate-limit:2`` or a sequence such as ``sim-hang+sim-ok``, one step per request.
A ``Script`` maps other model names to steps with full options. Importing this package
does not import aiohttp; starting a server does.
"""

from __future__ import annotations

from promptrunner.simulator.recording import RecordedRequest
from promptrunner.simulator.scenarios import (
    MAX_CONNECTION_SECONDS,
    MAX_DELAY_SECONDS,
    SCENARIOS,
    TRICKLE_INTERVAL_SECONDS,
    Step,
    UnknownScenarioError,
    parse_model,
)
from promptrunner.simulator.script import Script, load_script, parse_script
from promptrunner.simulator.serve import run_simulator, serve_simulator
from promptrunner.simulator.simulator import (
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    ProviderSimulator,
)

__all__ = [
    "MAX_CONNECTION_SECONDS",
    "MAX_DELAY_SECONDS",
    "SCENARIOS",
    "START_TIMEOUT_SECONDS",
    "STOP_TIMEOUT_SECONDS",
    "TRICKLE_INTERVAL_SECONDS",
    "ProviderSimulator",
    "RecordedRequest",
    "Script",
    "Step",
    "UnknownScenarioError",
    "load_script",
    "parse_model",
    "parse_script",
    "run_simulator",
    "serve_simulator",
]
