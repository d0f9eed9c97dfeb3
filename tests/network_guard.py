"""A guard that lets the test suite reach loopback addresses only.

It wraps the socket calls that open connections or resolve names, so a test (or a
library under test) that tries any other address fails before a packet is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

__all__ = ["BLOCKED", "NetworkGuardError", "check_address", "check_host", "install"]

BLOCKED: list[str] = []
"""Every address the guard blocked in this process, so a swallowed error still shows."""


class NetworkGuardError(OSError):
    """A test tried to reach an address that is not loopback."""


def check_host(host: object) -> None:
    """Raise `NetworkGuardError` unless `host` is a loopback name or address."""
    if host is None or host in ("localhost", b"localhost"):
        return
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        address = None
    if address is not None and address.is_loopback:
        return

    BLOCKED.append(text)
    raise NetworkGuardError(
        f"Tests may reach loopback addresses only; blocked a connection to {text!r}."
    )


def check_address(address: object) -> None:
    """Check a socket address: a (host, port, ...) tuple, or a Unix socket path."""
    if isinstance(address, tuple) and address:
        check_host(address[0])


def _guarded_method(original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any, *args: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check_address(address)
        return original(self, address, *args)

    return guarded


def _guarded_getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        check_host(host)
        return original(host, *args, **kwargs)

    return guarded


def install() -> None:
    """Wrap `socket.socket.connect`, `connect_ex` and `socket.getaddrinfo`."""
    if getattr(socket.socket.connect, "_promptrunner_guard", False):
        return
    for name in ("connect", "connect_ex"):
        guarded = _guarded_method(getattr(socket.socket, name))
        guarded._promptrunner_guard = True  # type: ignore[attr-defined]
        setattr(socket.socket, name, guarded)
    socket.getaddrinfo = _guarded_getaddrinfo(socket.getaddrinfo)
