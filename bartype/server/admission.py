"""Admission at TCP accept: what one address may hold and handshake, before a byte is parsed.

A WebSocket handshake costs the server real work in Python (parsing the
request, building the response and the connection's objects). The
event loop runs every ready handshake of an iteration back to back, so a burst
of a thousand connections from one address used to hold up everyone else's
frames for hundreds of milliseconds on a loaded machine. Admission decides at
``connection_made``, from the peer address alone:

- an address holds at most ``max_held`` TCP connections (waiting, in their
  handshake, or open); one more is refused at once with a canned HTTP ``429``
  (nothing parsed), which costs a few microseconds;
- an address starts at most ``rate`` handshakes a second, in bursts of
  ``burst`` (a token bucket); its other connections wait their turn with
  reading paused (nothing parsed), first come first served. Whatever it
  does, a connection waits at most ``max_held / rate`` seconds (4 s with
  the defaults), and a stalled handshake holds up no other.

So one address's handshakes are handled a few at a time, interleaved with
everyone else's frames, and what it costs the loop per iteration is bounded.

Stages of one connection (``Stage``)::

    arrive ──► STARTED ──► left
      │ (a token)   ▲
      ├──► WAITING ─┘ (its turn: ``due``)
      │       └──► left
      └──► refused (the address holds max_held)

Pure bookkeeping: time is passed in, and the connections are any hashable
objects; ``bartype.server.gate`` starts, pauses and refuses the transports.
The peer it is given is the address's key (``bartype.protocol.addresses``:
an IPv6 host is counted by its /64, like every other per-address limit).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from enum import Enum
from http import HTTPStatus
from typing import Generic, TypeVar

T = TypeVar("T")

HANDSHAKE_RATE = 50.0
"""Handshakes one address may start per second (sustained); more wait their turn."""
HANDSHAKE_BURST = 20.0
"""Handshakes one address may start at once."""


class Stage(Enum):
    """Where an admitted connection is (a refused one is in none)."""

    WAITING = "waiting"
    """Accepted by TCP, reading paused, nothing parsed: waits for the address's rate."""
    STARTED = "started"
    """Handed to websockets: in its handshake, open, or answered over HTTP."""


@dataclass(slots=True)
class _Address(Generic[T]):
    tokens: float
    stamp: float
    held: int = 0
    waiting: deque[T] = field(default_factory=deque)


class Admission(Generic[T]):
    """Per address: connections held (a cap), handshakes started (a token bucket), the queue."""

    def __init__(
        self,
        max_held: int,
        rate: float = HANDSHAKE_RATE,
        burst: float = HANDSHAKE_BURST,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"the handshake rate must be positive, not {rate}")
        if not burst >= 1:  # below one token no handshake could ever start
            raise ValueError(f"the handshake burst must be at least 1, not {burst}")
        self.max_held = max_held
        self.rate = rate
        self.burst = burst
        self._addresses: dict[str, _Address[T]] = {}
        self._stages: dict[T, tuple[str, Stage]] = {}
        self.refused = 0
        """Connections refused since the start."""

    def held(self, peer: str) -> int:
        """TCP connections ``peer`` holds now (waiting or started)."""
        address = self._addresses.get(peer)
        return address.held if address is not None else 0

    def stage(self, conn: T) -> Stage | None:
        """Where ``conn`` is; ``None`` once it left, or if it was refused."""
        entry = self._stages.get(conn)
        return entry[1] if entry is not None else None

    def arrive(self, conn: T, peer: str, now: float) -> Stage | None:
        """A new TCP connection: ``STARTED`` (start it now), ``WAITING``, or ``None`` (refuse)."""
        address = self._addresses.get(peer)
        if address is None:
            address = self._addresses[peer] = _Address[T](self.burst, now)
        if address.held >= self.max_held:
            self.refused += 1
            return None
        address.held += 1
        self._refill(address, now)
        if not address.waiting and address.tokens >= 1.0:
            address.tokens -= 1.0
            self._stages[conn] = (peer, Stage.STARTED)
            return Stage.STARTED
        address.waiting.append(conn)
        self._stages[conn] = (peer, Stage.WAITING)
        return Stage.WAITING

    def due(self, now: float) -> list[T]:
        """The waiting connections whose turn has come, oldest first: start them now."""
        ready: list[T] = []
        for peer, address in self._addresses.items():
            if not address.waiting:
                continue
            self._refill(address, now)
            while address.waiting and address.tokens >= 1.0:
                address.tokens -= 1.0
                conn = address.waiting.popleft()
                self._stages[conn] = (peer, Stage.STARTED)
                ready.append(conn)
        return ready

    def left(self, conn: T) -> None:
        """``conn`` is gone (whatever its stage)."""
        entry = self._stages.pop(conn, None)
        if entry is None:
            return
        peer, stage = entry
        address = self._addresses[peer]
        address.held -= 1
        if stage is Stage.WAITING:
            address.waiting = deque(c for c in address.waiting if c != conn)
        if address.held == 0 and address.tokens >= self.burst:
            del self._addresses[peer]

    def waiting(self) -> list[T]:
        """Every connection still waiting for its turn (to close them at shutdown)."""
        return [c for c, (_, stage) in self._stages.items() if stage is Stage.WAITING]

    def forget_idle(self, now: float) -> None:
        """Drop the addresses that hold nothing and whose bucket is full again."""
        for peer in [p for p, a in self._addresses.items() if a.held == 0]:
            address = self._addresses[peer]
            self._refill(address, now)
            if address.tokens >= self.burst:
                del self._addresses[peer]

    def _refill(self, address: _Address[T], now: float) -> None:
        address.tokens = min(self.burst, address.tokens + (now - address.stamp) * self.rate)
        address.stamp = now


class Refusals:
    """Canned HTTP refusals: built once a second, written without parsing the request."""

    def __init__(self, server_header: str) -> None:
        self.server_header = server_header
        self._cache: dict[tuple[HTTPStatus, str], tuple[int, bytes]] = {}

    def response(self, status: HTTPStatus, message: str, wall: float) -> bytes:
        """The whole response: status line, headers (``Retry-After: 1``), JSON body."""
        second = int(wall)
        cached = self._cache.get((status, message))
        if cached is not None and cached[0] == second:
            return cached[1]
        body = (json.dumps({"error": message}) + "\n").encode()
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            f"Date: {formatdate(second, usegmt=True)}\r\n"
            f"Server: {self.server_header}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Retry-After: 1\r\n"
            "Connection: close\r\n\r\n"
        )
        data = head.encode() + body
        self._cache[(status, message)] = (second, data)
        return data
