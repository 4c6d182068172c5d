"""Which addresses an ingest may connect to: public ones only, unless the operator allows
their own networks. The connector's resolver lives here, apart from `fetch`, because it has
to subclass aiohttp's and importing aiohttp's client costs every `briefbot ask` ~0.13 s.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class Refused(OSError):
    """An address the bot may not connect to (an OSError, so aiohttp passes it through)."""


def public(address: str) -> bool:
    """Is this a globally routable address? An IPv6 address that carries an IPv4 one
    (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, 6to4 2002::/16, NAT64 64:ff9b::/96)
    must carry a public one too, so it cannot smuggle in a loopback or private address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.is_global
    carried = _carried_ipv4(ip)
    if ip.ipv4_mapped is not None:  # judged only as the IPv4 address it is
        return carried is not None and carried.is_global
    return ip.is_global and (carried is None or carried.is_global)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if int(ip) >> 32 == 0 or ip in _NAT64:  # ::a.b.c.d (also :: and ::1) or NAT64
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


class Gatekeeper(AbstractResolver):
    """The connector's resolver: looks the name up once, refuses it if any address is not
    public, and hands aiohttp exactly the addresses it checked, so the connection goes to a
    checked address (no second look-up a hostile DNS server could answer differently).

    aiohttp skips the resolver for IP literals; `check_literal` covers those.
    """

    def __init__(self, lookup: AbstractResolver | None, *, allow_private: bool) -> None:
        self._lookup = lookup or DefaultResolver()
        self._owned = lookup is None
        self.allow_private = allow_private

    def permits(self, host: str, address: str) -> bool:
        """May the bot connect to `address` (which `host` resolved to)? Tests override this."""
        return self.allow_private or public(address)

    def check_literal(self, host: str) -> None:
        """Refuse a URL whose host is an IP address that is not allowed."""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: checked when the connector resolves it
        if not self.permits(host, host):
            raise Refused(f"{host} is not a public address")

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._lookup.resolve(host, port, family)
        for result in found:
            if not self.permits(host, result["host"]):
                raise Refused(f"{host} resolves to {result['host']}, not a public address")
        return found

    async def close(self) -> None:
        if self._owned:
            await self._lookup.close()
