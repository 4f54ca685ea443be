"""The client side of a connection, independent of how frames travel.

A ``Connector`` opens ``ClientChannel``s: the loopback one drives a
``SessionHandler`` in-process, the WebSocket one talks to ``bartype serve``.
Both move the same JSON text frames, so ``SessionClient`` (and the TUI above
it) cannot tell them apart.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol


class TransportError(Exception):
    """Base class of transport failures."""


class ConnectionFailed(TransportError):
    """The server cannot be reached; the message says what to check."""


class VersionMismatch(TransportError):
    """The server speaks another protocol version; the message says what to update."""


class SessionError(TransportError):
    """The server refused a request with ``ERROR {code, message}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ChannelClosed(TransportError):
    """The channel was closed, with the WebSocket close code and reason."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"connection closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class ClientChannel(Protocol):
    """One open connection carrying JSON text frames."""

    async def send(self, text: str) -> None:
        """Send one frame. Raises ``ChannelClosed`` if the channel is closed."""

    async def recv(self) -> str:
        """Receive one frame. Raises ``ChannelClosed`` when the channel closes."""

    async def close(self) -> None:
        """Close the channel (idempotent)."""


class Connector(Protocol):
    """Opens channels to one server, optionally attached to an existing session."""

    @property
    def remote(self) -> bool:
        """True over a network (reconnection and status reports apply)."""

    @property
    def description(self) -> str:
        """Where the connector leads, for messages."""

    async def open(self, session_id: str | None = None, token: str | None = None) -> ClientChannel:
        """Open a channel. Raises ``ConnectionFailed`` with a helpful message."""

    async def aclose(self) -> None:
        """Release what the connector holds (storage, background tasks)."""


async def write_frames(
    outbox: deque[str], wake: asyncio.Event, channel: Callable[[], ClientChannel | None]
) -> None:
    """Write ``outbox`` to the current ``channel()`` whenever ``wake`` is set, forever.

    A frame whose channel closed is dropped: the reader notices the close, and the
    protocol keeps what must go again (unacknowledged batches) for the next one.
    """
    while True:
        await wake.wait()
        wake.clear()
        while outbox:
            current = channel()
            if current is None:
                break
            frame = outbox.popleft()
            try:
                await current.send(frame)
            except ChannelClosed:
                break


def resolve_future(future: asyncio.Future[Any] | None, value: Any) -> None:
    """Settle ``future`` with ``value`` unless it is settled already."""
    if future is not None and not future.done():
        future.set_result(value)


def fail_future(future: asyncio.Future[Any] | None, error: Exception) -> None:
    """Fail ``future`` with ``error`` unless settled; marked retrieved (its waiter may be gone)."""
    if future is not None and not future.done():
        future.set_exception(error)
        future.exception()
