"""pytest fixtures that serve one provider simulator for the whole test session.

Registered as a pytest11 entry point, so this module is imported by every pytest run
where promptrunner is installed. It therefore imports only pytest at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from promptrunner.simulator.simulator import ProviderSimulator

__all__ = ["provider_simulator", "provider_simulator_server"]


@pytest.fixture(scope="session")
def provider_simulator_server() -> Iterator[ProviderSimulator]:
    """Start one simulator on 127.0.0.1 and a free port for the session, then stop it."""
    from promptrunner.simulator.simulator import ProviderSimulator

    with ProviderSimulator() as simulator:
        yield simulator


@pytest.fixture
def provider_simulator(provider_simulator_server: ProviderSimulator) -> ProviderSimulator:
    """Reset the session's simulator and return it, with no recorded requests."""
    provider_simulator_server.reset()
    return provider_simulator_server
