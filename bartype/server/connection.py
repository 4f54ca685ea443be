"""One TCP connection: websockets' sans-I/O ``ServerProtocol`` behind an ``asyncio.Protocol``.

websockets parses and frames (``receive_data``, ``events_received``,
``data_to_send``, ``send_text``, ``send_close``, ``accept``, ``reject``,
``send_response``, ``close_expected``); this module pumps bytes between it and
the transport and does what its asyncio layer would: the handshake with the
server's answer to the request, keepalive pings, the open and close timeouts,
write flow control. It keeps no queue and runs no task: each complete text
message is handed to ``on_message`` right where it is parsed, so a keystroke
costs the parse, the handler and the write, nothing more. A read that is just one
key's frame skips websockets' parser while it holds no part of a frame (``frames``).

Before websockets sees a byte, the connection's ``Gate`` admits it
(``bartype.server.gate``): it starts at once, waits its turn with reading
paused, or is refused with a canned ``429``.

Phases (``Phase``)::

    ACCEPTED ──(a token)──────────────────────► STARTED ──► LOST
       │                                          ▲
       ├──► WAITING ──(its turn: start)───────────┘
       │       │ └─────────────────────────────────────────► LOST
       │       ▼
       └──► REFUSED (a canned 429 on its first bytes) ─────► LOST

Within STARTED, ``protocol.state`` says where the WebSocket is
(CONNECTING → OPEN → CLOSING → CLOSED); ``listener.opened`` runs when it opens
and ``listener.lost`` when its TCP connection is gone, whatever the phase.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import struct
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol, cast

from websockets.frames import BINARY, CONT, PONG, TEXT, CloseCode, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN, State
from websockets.server import ServerProtocol

from bartype.core.records import frozen
from bartype.protocol.addresses import peer_key
from bartype.server.frames import frame_rest, one_text_frame

log = logging.getLogger("bartype.server")
wslog = logging.getLogger("websockets.server")

Message = str | bytes
"""A complete message: text (decoded, valid UTF-8) or binary."""


_TEXT_HEADS = [bytes((0x81, n)) for n in range(126)]


def text_frame(payload: bytes) -> bytes:
    """A whole text frame from server to client, as websockets' ``send_text`` makes it.

    RFC 6455 §5.2: FIN and the text opcode, the payload's length (7 bits, or 126 and 16
    bits, or 127 and 64 bits), no mask, the payload. The protocol negotiates no extension,
    so no frame needs more. It is written here because every keystroke is answered by a
    frame, and websockets' ``Frame.serialize`` costs about five times as much.
    """
    n = len(payload)
    if n < 126:
        return _TEXT_HEADS[n] + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


class Phase(enum.Enum):
    """Where a connection is, from TCP accept to loss (see the module docstring)."""

    ACCEPTED = "accepted"
    """TCP accepted it; the gate has not decided yet."""
    WAITING = "waiting"
    """Reading paused, nothing parsed: waits for its address's turn."""
    REFUSED = "refused"
    """Gets a canned ``429`` once its request arrives; nothing is parsed."""
    STARTED = "started"
    """websockets parses it: in its handshake, open, closing, or answered over HTTP."""
    LOST = "lost"
    """The TCP connection is gone."""


_NEXT: dict[Phase, frozenset[Phase]] = {
    Phase.ACCEPTED: frozenset({Phase.WAITING, Phase.STARTED, Phase.REFUSED, Phase.LOST}),
    Phase.WAITING: frozenset({Phase.STARTED, Phase.REFUSED, Phase.LOST}),
    Phase.REFUSED: frozenset({Phase.LOST}),
    Phase.STARTED: frozenset({Phase.LOST}),
    Phase.LOST: frozenset(),
}


_STARTED = Phase.STARTED
"""For ``data_received``: an enum class's attribute costs a lookup through its metaclass."""


class Listener(Protocol):
    """What the server does at the three moments of a connection's life."""

    def respond(self, ws: WebSocket, request: Request) -> Response | None:
        """The answer to the request (HTTP), or ``None`` to accept the WebSocket."""

    def opened(self, ws: WebSocket) -> None:
        """The handshake succeeded; set ``ws.on_message`` to receive messages."""

    def lost(self, ws: WebSocket) -> None:
        """Its TCP connection is gone (whatever its phase; ``ws.opened`` says if it opened)."""


class Doorkeeper(Protocol):
    """Decides, at TCP accept, whether a connection starts, waits or is refused."""

    def arrive(self, ws: WebSocket) -> None:
        """A new TCP connection: call its ``start``, ``wait`` or ``refuse``."""

    def left(self, ws: WebSocket, phase: Phase) -> None:
        """Its TCP connection is gone; it was in ``phase``."""


@frozen
class Settings:
    """The transport limits of every connection of one server."""

    server_header: str
    max_size: int = 65_536
    ping_interval: float | None = 10.0
    """Seconds between keepalive pings (``None``: no pings)."""
    ping_timeout: float | None = 10.0
    """A pong later than this fails the connection (1011)."""
    open_timeout: float = 5.0
    """From start to the end of the handshake; then the TCP connection is aborted."""
    close_timeout: float = 2.0
    """Once the TCP connection is expected to close, it is aborted after this."""
    write_high_water: int = 64 * 1024
    """Above this many unsent bytes the transport is paused for writing."""


class WebSocket(asyncio.Protocol):
    """One connection: admission, then websockets' ``ServerProtocol`` pumped over asyncio."""

    def __init__(self, settings: Settings, listener: Listener, gate: Doorkeeper) -> None:
        self.settings = settings
        self.listener = listener
        self.gate = gate
        self.phase = Phase.ACCEPTED
        # No extension (no compression): ``text_frame`` relies on it.
        self.protocol = ServerProtocol(max_size=settings.max_size, logger=wslog)
        self.transport = cast(asyncio.Transport, None)
        self.peer = "?"
        """The address's key for every per-address limit (an IPv6 host counts by its /64)."""
        self.remote_address: Any = None
        self.request: Request | None = None
        self.on_message: Callable[[Message], None] | None = None
        """Receives each complete message, where it is parsed (set by ``listener.opened``)."""
        self.on_writable: Callable[[], None] | None = None
        """Called when the transport takes writes again after ``paused``."""
        self.paused = False
        """The transport holds more than ``settings.write_high_water`` unsent bytes."""
        self.opened = False
        self._parts: list[bytes] = []
        self._parts_kind = TEXT
        self._need = -1
        """Bytes to come of the frame websockets reads (0: none, a key's frame may skip its
        parser); -1 where not known (the handshake's read, a head cut, a close, a fail)."""
        self._read = False
        """websockets was given a read before the handshake ended."""
        self._ping: bytes | None = None
        self._timer: asyncio.TimerHandle | None = None
        """The open timeout, then the next ping or the pong deadline."""
        self._close_timer: asyncio.TimerHandle | None = None
        # Admission (see ``Gate``).
        self.early = b""
        """What a waiting connection received before its reading stopped (uvloop starts
        reading after ``connection_made`` even when it paused it)."""
        self.refusal = b""
        """A refused connection's answer, until sent."""
        self.linger: asyncio.TimerHandle | None = None
        self._reading_paused = False

    def _to(self, phase: Phase) -> None:
        if phase not in _NEXT[self.phase]:
            raise AssertionError(f"connection {self.phase.name} cannot become {phase.name}")
        self.phase = phase

    @property
    def state(self) -> State:
        """The WebSocket's state (CONNECTING until started)."""
        return self.protocol.state

    @property
    def close_code(self) -> int | None:
        """The close code received, once closed (1006 without a closing handshake)."""
        return self.protocol.close_code

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = self.transport = cast(asyncio.Transport, transport)  # uvloop's: no subclass
        address = self.remote_address = transport.get_extra_info("peername")
        self.peer = peer_key(address)
        self.gate.arrive(self)

    def data_received(self, data: bytes) -> None:
        if self.phase is not _STARTED:
            self._before_start(data)
            return
        if self._need >= 0 and self._read_alone(data):
            return
        protocol = self.protocol
        opened = self.opened
        protocol.receive_data(data)
        events = protocol.events_received()
        self._flush()  # pongs, the close frame echoed, EOF
        if protocol.close_expected():
            self._expect_close()
        on_message = self.on_message
        for event in events:
            if type(event) is Frame:
                if event.opcode is TEXT and event.fin and on_message is not None:
                    if not self._text(event.data, on_message):
                        return
                else:
                    self._other_frame(event)
            elif type(event) is Request:
                self._handshake(event)
        self._follow(data, opened)

    def _read_alone(self, data: bytes) -> bool:
        """Handle ``data`` without websockets' parser if it is one key's frame and websockets
        holds no part of a frame (``True``); else note where its frames end."""
        need = self._need
        if need == 0 and not self._parts:
            payload = one_text_frame(data)
            if payload is not None:  # as websockets would give it
                on_message = self.on_message
                if on_message is not None:
                    self._text(payload, on_message)
                return True
        self._need = frame_rest(data, need)
        return False

    def _follow(self, data: bytes, opened: bool) -> None:
        """After websockets read ``data``: may the next reads skip its parser?"""
        if not opened:
            if self.opened and not self._read and self.settings.max_size >= 125:
                # The handshake was the first read's: websockets holds nothing if the
                # request's end is the read's.
                self._need = 0 if data.find(b"\r\n\r\n") == len(data) - 4 else -1
            self._read = True
        elif self.protocol.state is not OPEN:
            self._need = -1  # a close received, or a failure: websockets reads the rest

    def _text(
        self, data: bytes | bytearray | memoryview, on_message: Callable[[Message], None]
    ) -> bool:
        """Hand a text message to ``on_message``; ``False`` if it is not UTF-8 (failed, 1007)."""
        try:
            text = str(data, "utf-8")
        except UnicodeDecodeError as exc:
            self.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            return False
        try:
            on_message(text)
        except Exception:  # a bug must not break the parsing of the next frames
            log.exception("error handling a frame")
        return True

    def eof_received(self) -> None:
        self._need = -1
        if self.phase is Phase.STARTED:
            self.protocol.receive_eof()
            self._flush()
        # Returning None lets the transport close.

    def connection_lost(self, exc: Exception | None) -> None:
        was = self.phase
        self._to(Phase.LOST)
        for timer in (self._timer, self._close_timer, self.linger):
            if timer is not None:
                timer.cancel()
        self.on_writable = None
        self.gate.left(self, was)
        if was is Phase.STARTED:
            self.protocol.receive_eof()  # idempotent: the state is CLOSED now
        self.on_message = None
        self.listener.lost(self)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        on_writable = self.on_writable
        if on_writable is not None:
            on_writable()

    # -- admission --------------------------------------------------------

    def start(self) -> None:
        """Hand the connection to websockets: at once, or when its turn came."""
        self._to(Phase.STARTED)
        self._timer = asyncio.get_running_loop().call_later(
            self.settings.open_timeout, self._open_timed_out
        )
        early, self.early = self.early, b""
        if early:
            self.data_received(early)
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()

    def wait(self) -> None:
        """Not yet: stop reading until ``start``."""
        self._to(Phase.WAITING)
        self._reading_paused = True
        self.transport.pause_reading()

    def refuse(self, answer: bytes, linger_s: float) -> None:
        """Answer once the request arrives, read and drop it, abort after ``linger_s``."""
        self._to(Phase.REFUSED)
        self.refusal = answer
        self._reading_paused = False
        # The answer goes out when the request arrives (a client may not expect one before it
        # has sent it), and the request is read and dropped: closing with it unread would reset
        # the connection, and the client could lose the answer.
        self.transport.resume_reading()
        self.linger = asyncio.get_running_loop().call_later(linger_s, self.transport.abort)
        if self.early:  # its request came in while it waited
            self._answer()

    def _before_start(self, data: bytes) -> None:
        if self.phase is Phase.WAITING or self.phase is Phase.ACCEPTED:
            self.transport.pause_reading()
            self.early += data
        elif self.phase is Phase.REFUSED:
            self._answer()

    def _answer(self) -> None:
        """Send a refused connection its refusal (once), and end the sending side."""
        if not self.refusal:
            return
        self.transport.write(self.refusal)
        self.refusal = b""
        if self.transport.can_write_eof():
            self.transport.write_eof()

    # -- the WebSocket ----------------------------------------------------

    def _handshake(self, request: Request) -> None:
        protocol = self.protocol
        self.request = request
        try:
            response = self.listener.respond(self, request)
        except Exception as exc:
            protocol.handshake_exc = exc
            log.exception("answering a request failed")
            response = protocol.reject(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "Failed to open a WebSocket connection.\nSee server log for more information.\n",
            )
        if response is None:
            response = protocol.accept(request)
        response.headers["Server"] = self.settings.server_header
        protocol.send_response(response)
        self._flush()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if protocol.state is not OPEN:
            self._expect_close()
            return
        self.transport.set_write_buffer_limits(
            self.settings.write_high_water, self.settings.write_high_water // 4
        )
        self.opened = True
        self._schedule_ping()
        self.listener.opened(self)

    def _other_frame(self, frame: Frame) -> None:
        """Fragments, binary frames, pongs (pings and closes websockets answers itself)."""
        opcode = frame.opcode
        if opcode is TEXT or opcode is BINARY:
            if frame.fin:
                self._deliver(opcode, bytes(frame.data))
            else:
                self._parts, self._parts_kind = [bytes(frame.data)], opcode
        elif opcode is CONT:
            self._parts.append(bytes(frame.data))
            if frame.fin:
                data, self._parts = b"".join(self._parts), []
                self._deliver(self._parts_kind, data)
        elif opcode is PONG and self._ping is not None and bytes(frame.data) == self._ping:
            self._ping = None
            self._schedule_ping()

    def _deliver(self, kind: object, data: bytes) -> None:
        on_message = self.on_message
        if on_message is None or self.protocol.state is not OPEN:
            return
        message: Message = data
        if kind is TEXT:
            try:
                message = data.decode()
            except UnicodeDecodeError as exc:
                self.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
                return
        try:
            on_message(message)
        except Exception:
            log.exception("error handling a frame")

    def send_text(self, text: str) -> None:
        """Send one text message now (the transport buffers it); nothing once closing."""
        protocol = self.protocol
        if protocol.state is not OPEN:
            return
        self.transport.write(text_frame(text.encode()))

    def close(self, code: int, reason: str = "") -> None:
        """Start the closing handshake; the TCP connection is aborted if it does not end."""
        protocol = self.protocol
        if protocol.state is OPEN:
            protocol.send_close(code, reason)
            self._flush()
            self._expect_close()
        elif protocol.state is CONNECTING:
            self.transport.abort()

    def fail(self, code: int, reason: str = "") -> None:
        """Fail the connection: a close frame, then the end of the TCP connection."""
        self._need = -1
        if self.protocol.state is CLOSED:
            return
        self.protocol.fail(code, reason)
        self._flush()
        self._expect_close()

    def abort(self) -> None:
        """Drop the TCP connection at once."""
        self.transport.abort()

    def _flush(self) -> None:
        transport = self.transport
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():  # half-close: the client closes the TCP connection
                with contextlib.suppress(Exception):  # uvloop can raise RuntimeError
                    transport.write_eof()
            else:
                transport.close()

    def _expect_close(self) -> None:
        if self._close_timer is None and self.phase is not Phase.LOST:
            self._close_timer = asyncio.get_running_loop().call_later(
                self.settings.close_timeout, self.transport.abort
            )

    def _open_timed_out(self) -> None:
        self._timer = None
        if self.protocol.state is CONNECTING:
            self.transport.abort()

    # -- keepalive ----------------------------------------------------------

    def _schedule_ping(self) -> None:
        interval = self.settings.ping_interval
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if interval is not None and self.phase is Phase.STARTED:
            self._timer = asyncio.get_running_loop().call_later(interval, self._send_ping)

    def _send_ping(self) -> None:
        self._timer = None
        protocol = self.protocol
        if protocol.state is not OPEN:
            return
        self._ping = struct.pack("!I", random.getrandbits(32))
        protocol.send_ping(self._ping)
        self._flush()
        timeout = self.settings.ping_timeout
        if timeout is not None:
            self._timer = asyncio.get_running_loop().call_later(timeout, self._pong_missed)

    def _pong_missed(self) -> None:
        self._timer = None
        log.info("connection from %s did not answer its ping; closing it", self.peer)
        self.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
