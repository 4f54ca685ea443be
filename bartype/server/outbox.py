"""One client of the server: its ``WebSocket``, its handler channel, its bounded outbox.

While the socket keeps up, messages are written at once; when it does not
(the transport holds more than ``WRITE_HIGH_WATER`` unsent bytes), they queue,
a newer ``METRICS_UPDATE`` replaces an unsent older one, a newer
``RACE_PROGRESS`` or ``RACE_METRICS`` takes the place of the one of its kind
still waiting (so a slow racer gets the latest lanes, not a backlog of stale
ones), and a client that lets more than its outbox's bytes pile up is closed
with 4008. The outbox drains when the transport takes writes again; no task
waits on any socket, so one slow or abusive client never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections import deque

from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, reply_type
from bartype.protocol.messages import (
    INPUT_ACK,
    METRICS_UPDATE,
    RACE_METRICS,
    RACE_PROGRESS,
    SESSION_COMPLETE,
    Close,
    CloseCode,
    Outgoing,
)
from bartype.server.connection import WebSocket

log = logging.getLogger("bartype.server")

WRITE_HIGH_WATER = 8 * 1024
"""Above this many unsent bytes a connection's messages queue in its outbox. Small, so
that little waits where it cannot be replaced: a slow reader's keepalive ping, written
behind it, is read within seconds (at 64 KiB, a racer reading one message every half
second behind a 4 KiB receive buffer fell over 10 s behind, and was closed for a ping it
had not reached yet: bench/races.py --slow-readers)."""
OUTBOX_BYTES = 256 * 1024
"""Queued bytes beyond this close the connection (4008 "Client too slow"); a message
that arrives when nothing is queued is always taken, however large."""
KERNEL_UNSENT = 8 * 1024
"""Unsent bytes a connection's socket buffer may hold: left to itself the kernel holds
megabytes for a slow reader, where nothing can replace a stale lane update by a newer
one; past this they wait in the outbox, which can."""
LATEST_ONLY = frozenset({RACE_PROGRESS, RACE_METRICS})
"""Messages a newer one of the same type makes stale (every lane; the latest ``ack`` and
figures): at most one of each waits in an outbox, the newest, after what came before it."""
COMPLETE_CACHE = 16
"""Encoded ``SESSION_COMPLETE`` frames kept, for clients that ask for theirs again."""
_SUPERSEDES = {METRICS_UPDATE: (METRICS_UPDATE, INPUT_ACK), INPUT_ACK: (INPUT_ACK,)}
"""An unsent message of these types is replaced by a newer one of the key's type: each
carries the latest ``ack``, and the figures only ever replace older figures or acks."""


class Connection:
    """One client: its socket, its handler channel, its outbox and its rate bucket."""

    __slots__ = (
        "ws",
        "channel",
        "peer",
        "outbox",
        "outbox_bytes",
        "tokens",
        "stamp",
        "closing",
        "queued",
        "queued_complete",
        "hello_due",
        "_drain_soon",
    )

    def __init__(
        self, ws: WebSocket, channel: Channel, peer: str, burst: float, outbox_bytes: int
    ) -> None:
        self.ws = ws
        self.channel = channel
        self.peer = peer
        self.outbox: deque[tuple[str, str] | Close] = deque()
        self.outbox_bytes = outbox_bytes
        self.tokens = burst
        self.stamp = time.monotonic()
        self.closing = False
        """A close is sent or waits in the outbox: nothing more is sent or handled."""
        self.queued = 0
        """Bytes in ``outbox``."""
        self.queued_complete: Outgoing | None = None
        """The ``SESSION_COMPLETE`` waiting in ``outbox``, if one is."""
        self.hello_due: asyncio.TimerHandle | None = None
        self._drain_soon = False
        ws.on_writable = self.drain
        hold_unsent_here(ws)

    def send_reply(self, text: str) -> None:
        """Send the encoded reply ``receive_text_direct`` returned: its type is read only
        when it has to queue."""
        if not self.outbox and not self.ws.paused and not self.closing:
            self.ws.send_text(text)
        else:
            self.send_text(reply_type(text), text)

    def send_text(self, type_: str, text: str, complete: Outgoing | None = None) -> None:
        """Send an encoded message now if the socket keeps up, else queue it."""
        if self.closing:
            return
        outbox = self.outbox
        if not outbox and not self.ws.paused:
            self.ws.send_text(text)
            return
        size = _size(text)
        if outbox and type_ in _SUPERSEDES:
            last = outbox[-1]
            if not isinstance(last, Close) and last[0] in _SUPERSEDES[type_]:
                self.queued += size - _size(last[1])
                outbox[-1] = (type_, text)
                return
        if outbox and type_ in LATEST_ONLY:
            self._drop_waiting(type_)
        if outbox and self.queued + size > self.outbox_bytes:
            log.warning(
                "connection %d from %s is too slow (%d bytes unsent); closing it",
                self.channel.id,
                self.peer,
                self.queued + size,
            )
            self.close(CloseCode.TOO_SLOW, "Client too slow")
            return
        outbox.append((type_, text))
        self.queued += size
        if complete is not None:
            self.queued_complete = complete
        self._drain_later()

    def push_close(self, close: Close) -> None:
        """Close after what is queued (at once if nothing is)."""
        if self.closing:
            return
        self.closing = True
        if self.outbox:
            self.outbox.append(close)
        else:
            self.ws.close(close.code, close.reason)

    def close(self, code: int, reason: str) -> None:
        """Close now: what is queued is dropped."""
        self.outbox.clear()
        self.queued = 0
        self.queued_complete = None
        self.closing = True
        self.ws.close(code, reason)

    def drain(self) -> None:
        """Write what is queued while the transport takes it."""
        self._drain_soon = False
        ws = self.ws
        outbox = self.outbox
        while outbox and not ws.paused:
            item = outbox.popleft()
            if isinstance(item, Close):
                ws.close(item.code, item.reason)
                return
            self.queued -= _size(item[1])
            if item[0] == SESSION_COMPLETE:
                self.queued_complete = None
            ws.send_text(item[1])

    def _drain_later(self) -> None:
        """Queued while the transport takes writes (it is draining): finish soon."""
        if not self.ws.paused and not self._drain_soon:
            self._drain_soon = True
            asyncio.get_running_loop().call_soon(self.drain)

    def _drop_waiting(self, type_: str) -> None:
        """Take the message of ``type_`` waiting in the outbox out (there is one at most)."""
        outbox = self.outbox
        for i in range(len(outbox) - 1, -1, -1):
            item = outbox[i]
            if not isinstance(item, Close) and item[0] == type_:
                self.queued -= _size(item[1])
                del outbox[i]
                return


class EncodedCompletes:
    """``SESSION_COMPLETE`` encoded once, however often its client asks for it again."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Outgoing, str]] = {}

    def text(self, complete: Outgoing) -> str:
        """The encoded message (from the cache when it is one of the last ``COMPLETE_CACHE``)."""
        cached = self._texts.get(id(complete))
        if cached is not None and cached[0] is complete:
            return cached[1]
        text = encode(complete)
        if len(self._texts) >= COMPLETE_CACHE:
            del self._texts[next(iter(self._texts))]
        self._texts[id(complete)] = (complete, text)  # holding it keeps its id unique
        return text


def _size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (without encoding it when it is ASCII)."""
    return len(text) if text.isascii() else len(text.encode())


def hold_unsent_here(ws: WebSocket) -> None:
    """Let the kernel hold at most ``KERNEL_UNSENT`` unsent bytes of this connection
    (``TCP_NOTSENT_LOWAT``, where the system has it); the rest waits in the outbox."""
    option = getattr(socket, "TCP_NOTSENT_LOWAT", None)
    sock = ws.transport.get_extra_info("socket")
    if option is not None and sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, option, KERNEL_UNSENT)
