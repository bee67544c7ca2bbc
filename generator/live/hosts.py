"""Which Host and Origin headers `leaderboard serve` answers, against DNS rebinding.

A web page on evil.example can make its own name resolve to 127.0.0.1 a second after loading
(DNS rebinding); its scripts then reach this server as a same-origin site, with
``Host: evil.example``. So the server answers only the names it was bound to, never what the
request says about itself:

- the address given with ``--host`` (``127.0.0.1`` by default);
- ``localhost``, ``127.0.0.1`` and ``::1`` when bound to a loopback or wildcard address;
- any IP literal when bound to a wildcard address (0.0.0.0 or ::): an IP literal cannot be
  rebound, and the machine's addresses are how other devices reach it;
- the names given with ``--allow-host`` (a reverse proxy's public name, the machine's DNS name).

A POST that carries an Origin (every browser POST does) must come from one of those hosts on
this server's port, or from an ``--allow-origin`` site.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True)
class HostPolicy:
    names: frozenset[str]  # lower-case host names without port or brackets
    any_ip: bool  # bound to a wildcard address: IP literals are accepted too
    port: int
    allow_origins: frozenset[str] = frozenset()

    @classmethod
    def for_bind(cls, host: str, port: int, allow_hosts: tuple[str, ...] = (),
                 allow_origins: tuple[str, ...] = ()) -> HostPolicy:
        bound = host.strip("[]").lower()
        names = {bound, *(name.strip("[]").lower() for name in allow_hosts)}
        wildcard = bound in WILDCARDS
        if wildcard or _is_loopback(bound):
            names |= LOOPBACK_NAMES
        return cls(frozenset(names - {""}), wildcard, port, frozenset(allow_origins))

    def host_allowed(self, header: str | None) -> bool:
        """The Host header names this server (its port is not part of the check)."""
        name = _hostname(header)
        if name is None:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    def origin_allowed(self, origin: str | None) -> bool:
        """A run may be started from this origin: no Origin (not a browser), an --allow-origin
        site, or a page served by this server itself (an accepted host on this port)."""
        if origin is None or origin in self.allow_origins:
            return True
        parts = urlsplit(origin)
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        return parts.scheme == "http" and port == self.port and self.host_allowed(parts.netloc)

    def describe(self) -> str:
        names = sorted(self.names) + (["any IP address"] if self.any_ip else [])
        return ", ".join(names)


def _hostname(header: str | None) -> str | None:
    """`name` from `name`, `name:port`, `[v6]` or `[v6]:port`; None when malformed."""
    if not header:
        return None
    try:
        name = urlsplit(f"//{header}").hostname
    except ValueError:
        return None
    return name.lower() if name else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
