"""Loopback address checks and URL formatting for the provider simulator."""

from __future__ import annotations

import ipaddress

__all__ = ["format_base_url", "validate_loopback_host", "validate_port"]


def validate_loopback_host(host: str) -> str:
    """Return the IP address to bind for ``host``, or raise ValueError unless it is loopback.

    ``"localhost"`` maps to ``"127.0.0.1"`` so that one port number serves one address.
    Any other name is rejected because resolving it could yield a non-loopback address.
    """
    if host == "localhost":
        return "127.0.0.1"

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"Invalid simulator host {host!r}: expected a loopback IP address such as "
            "'127.0.0.1' or '::1', or 'localhost'."
        ) from None

    if not address.is_loopback:
        raise ValueError(
            f"Invalid simulator host {host!r}: the simulator binds only loopback addresses. "
            "Use '127.0.0.1', '::1' or 'localhost'."
        )

    return str(address)


def validate_port(port: int) -> int:
    """Return ``port``, or raise ValueError unless it is 0 (any free port) to 65535."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(
            f"Invalid simulator port {port!r}: expected an integer from 0 to 65535, "
            "where 0 picks a free port."
        )

    return port


def format_base_url(host: str, port: int) -> str:
    """Return ``http://HOST:PORT``, with an IPv6 host in brackets."""
    if ":" in host:
        return f"http://[{host}]:{port}"

    return f"http://{host}:{port}"
