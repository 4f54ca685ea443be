"""How fast one client may send: messages per connection and bytes per address.

Two token buckets, checked for every frame before the handler sees it: one per
connection (``rate`` messages a second, bursts of ``burst``) and one per address
(``address_rate`` bytes a second from all its connections, each message counted as
its length + ``MESSAGE_COST``, bursts of twice that). Time is passed in.
"""

from __future__ import annotations

from bartype.server.outbox import Connection

MESSAGE_COST = 128
"""Bytes a message counts for in the per-address rate on top of its length."""


class RateLimits:
    """The message rate of each connection and the byte rate of each address."""

    def __init__(self, rate: float, burst: float | None, address_rate: float) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(20.0, rate * 2)
        """Token-bucket size for the message rate (default: twice the rate, at least 20)."""
        self.address_rate = address_rate
        self._per_address: dict[str, list[float]] = {}
        """Per address: [tokens, when last filled]."""

    def refusal(self, conn: Connection, size: int, now: float) -> str | None:
        """``None`` if ``conn`` may send a message of ``size`` now (it is counted), else why not."""
        # Refill at ``rate``/s up to ``burst``.
        tokens = conn.tokens + (now - conn.stamp) * self.rate
        conn.stamp = now
        if tokens > self.burst:
            tokens = self.burst
        if tokens < 1.0:
            return f"More than {self.rate:g} messages/s"
        conn.tokens = tokens - 1.0
        rate = self.address_rate
        bucket = self._per_address.get(conn.peer)
        if bucket is None:
            bucket = self._per_address[conn.peer] = [2 * rate, now]
        shared = bucket[0] + (now - bucket[1]) * rate
        if shared > 2 * rate:  # not min(): this runs for every frame
            shared = 2 * rate
        bucket[1] = now
        cost = size + MESSAGE_COST
        if shared < cost:
            bucket[0] = shared
            return f"Your address sent more than {rate:,.0f} bytes/s"
        bucket[0] = shared - cost
        return None

    def forget(self, peer: str) -> None:
        """``peer`` holds no connection any more: its bucket goes."""
        self._per_address.pop(peer, None)
