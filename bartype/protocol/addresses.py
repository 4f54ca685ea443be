"""The address a per-address limit counts a client under.

An IPv4 address is one host, or one NAT; an IPv6 host usually holds a whole
/64 (its prefix, with 2^64 interface identifiers it may pick from at will),
so counting IPv6 addresses one by one would give one host 2^64 budgets.
Every per-address limit of the server (connections held, handshakes started,
bytes a second, the sessions' memory budget) counts a client under
``address_key`` of its address: IPv4 as it is, IPv6 by its /64, and an
IPv4-mapped IPv6 address (``::ffff:192.0.2.7``, what a dual-stack socket
reports for an IPv4 client) as the IPv4 address it maps. See
docs/protocol.md, "Limits".
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_PREFIX = 64
"""Bits of an IPv6 address that name the client for the limits."""
_HOST_BITS = 128 - IPV6_PREFIX


def address_key(host: str) -> str:
    """The key ``host``'s limits are counted under.

    ``"192.0.2.7"`` and ``"::ffff:192.0.2.7"`` give ``"192.0.2.7"``;
    ``"2001:db8:1:2:a:b:c:d"`` gives ``"2001:db8:1:2::/64"`` (a zone such as
    ``%eth0`` is ignored). What is not an IP address (a Unix socket's path,
    ``"loopback"``, ``"?"``) is its own key, as is a key already made.
    """
    if ":" not in host:  # IPv4 as a socket reports it, or no address at all
        return host
    return _ipv6_key(host)


@lru_cache(maxsize=4096)
def _ipv6_key(host: str) -> str:
    # Parsing costs about 20 us; the cache spares it to a client that reconnects.
    try:
        address = ipaddress.IPv6Address(host.partition("%")[0])
    except ValueError:
        return host
    mapped = address.ipv4_mapped
    if mapped is not None:
        return str(mapped)
    prefix = int(address) >> _HOST_BITS << _HOST_BITS
    return str(ipaddress.IPv6Network((prefix, IPV6_PREFIX)))


def peer_key(peername: object) -> str:
    """``address_key`` of a socket's peer (``getpeername()``: a tuple, a path, or nothing)."""
    if isinstance(peername, tuple) and peername:
        return address_key(str(peername[0]))
    return str(peername) if peername else "?"
