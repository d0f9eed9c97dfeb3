from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import network_guard

# Installed before any test module imports litellm, so import-time fetches are caught too.
network_guard.install()


@pytest.fixture(autouse=True)
def _no_blocked_connections() -> Iterator[None]:
    """Fail the test if anything it ran tried to reach a non-loopback address."""
    before = len(network_guard.BLOCKED)
    yield
    blocked = network_guard.BLOCKED[before:]
    assert not blocked, f"non-loopback connections were attempted: {blocked}"


@pytest.fixture(scope="session")
def api_key() -> str:
    """A fake API key; the simulator accepts any key."""
    return "sk-simulator-test-key-0123456789"


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide real provider keys, so no test can use one by accident."""
    for name in list(os.environ):
        if name.endswith("_API_KEY"):
            monkeypatch.delenv(name)
