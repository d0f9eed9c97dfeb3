from __future__ import annotations

import os
import socket
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


POSTGRES_URL_ENV = "PROMPTRUNNER_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "PROMPTRUNNER_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the PostgreSQL server for `postgres` tests.

    Without `PROMPTRUNNER_TEST_POSTGRES_URL` or a server that accepts a connection, these tests skip
    with the reason, unless `PROMPTRUNNER_REQUIRE_POSTGRES=1` (set by `.ci/run`) makes
    that a failure.
    """
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        _postgres_missing(f"{POSTGRES_URL_ENV} is not set")
    assert url is not None

    import psycopg

    try:
        psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5
        ).close()
    except psycopg.Error as error:
        _postgres_missing(f"PostgreSQL at {POSTGRES_URL_ENV} does not answer: {error}")
    return url


def _postgres_missing(reason: str) -> None:
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_POSTGRES_ENV}=1 requires PostgreSQL.", pytrace=False)
    pytest.skip(f"{reason}; set it to a PostgreSQL URL to run the PostgreSQL tests.")


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
