"""Which URLs we may open on someone else's say-so: named hosts only, public addresses only."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit


class UrlRefused(Exception):
    """The URL may not be opened; the message says why."""


class UrlUnresolved(UrlRefused):
    """The URL's host does not resolve now: nothing is known about its addresses yet."""


def check_url(
    url: str,
    allowed_hosts: Collection[str] | None,
    private_hosts: Collection[str] = (),
) -> None:
    """Refuse a URL that is not http(s), names a host not allowed, or resolves to a private,
    loopback, link-local or reserved address (unless the host is in ``private_hosts``).

    ``allowed_hosts=None`` allows any host with a public address.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlRefused(f"only http(s) URLs with a host are accepted, not {url[:100]!r}")
    if parts.username or parts.password:
        raise UrlRefused("URLs with credentials in them are not accepted")
    host = parts.hostname.lower()
    allowed = {h.lower() for h in allowed_hosts or ()} | {h.lower() for h in private_hosts}
    if allowed_hosts is not None and host not in allowed:
        raise UrlRefused(f"host {host!r} is not allowed; allowed: {sorted(allowed) or 'none'}")
    if host in {h.lower() for h in private_hosts}:
        return
    for address in _addresses(host, parts.port or (443 if parts.scheme == "https" else 80)):
        if not address.is_global:
            raise UrlRefused(f"host {host!r} resolves to a non-public address ({address})")


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise UrlUnresolved(f"host {host!r} does not resolve: {error}") from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]
