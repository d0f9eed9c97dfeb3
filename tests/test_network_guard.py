"""The test suite's network guard: loopback passes, everything else is blocked."""

from __future__ import annotations

import socket

import pytest

from tests import network_guard


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", None])
def test_guard_allows_loopback(host: str | None) -> None:
    network_guard.check_host(host)


@pytest.mark.parametrize("host", ["192.0.2.1", "10.0.0.1", "2001:db8::1", "example.com"])
def test_guard_blocks_other_hosts(host: str) -> None:
    before = len(network_guard.BLOCKED)

    with pytest.raises(network_guard.NetworkGuardError, match="loopback"):
        network_guard.check_host(host)

    assert network_guard.BLOCKED[before:] == [host]
    del network_guard.BLOCKED[before:]


def test_guard_wraps_socket_calls() -> None:
    assert getattr(socket.socket.connect, "_promptrunner_guard", False)
    assert getattr(socket.socket.connect_ex, "_promptrunner_guard", False)
    assert socket.getaddrinfo.__name__ == "guarded"


def test_guard_checks_connect_address() -> None:
    """connect passes its address through check_address; checked here without a socket."""
    before = len(network_guard.BLOCKED)

    network_guard.check_address(("127.0.0.1", 80))
    network_guard.check_address("/tmp/some.sock")
    with pytest.raises(network_guard.NetworkGuardError):
        network_guard.check_address(("198.51.100.7", 443))

    del network_guard.BLOCKED[before:]
