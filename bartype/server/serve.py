"""``bartype serve``: the WebSocket server around the sans-I/O ``SessionHandler``.

The server owns the network and nothing else: connections and their limits
(frame size, message rate, connection counts), keepalive, the ``/health``
endpoint, the clock that drives ``SessionHandler.tick``, and a graceful
shutdown. All typing logic is in ``bartype.protocol``.

Each connection has a bounded outbox. While the socket keeps up, messages
are written at once; when it does not, they queue, a newer ``METRICS_UPDATE``
replaces an unsent older one, a newer ``RACE_PROGRESS`` or ``RACE_METRICS``
takes the place of the one of its kind still waiting (so a slow racer gets the
latest lanes, not a backlog of stale ones), a ``SESSION_COMPLETE`` already
waiting is not queued again, and a client that lets more than ``OUTBOX_BYTES``
pile up is closed with 4008. One slow or abusive client never holds up the
others.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import functools
import gc
import json
import logging
import re
import signal
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Event

from bartype import __version__
from bartype.core.normalize import visible
from bartype.protocol.addresses import peer_key
from bartype.protocol.codec import encode
from bartype.protocol.handler import (
    Channel,
    HandlerConfig,
    SessionHandler,
    report_bug,
)
from bartype.protocol.messages import (
    INPUT_ACK,
    METRICS_UPDATE,
    PROTOCOL_VERSION,
    RACE_METRICS,
    RACE_PROGRESS,
    SESSION_COMPLETE,
    Close,
    CloseCode,
    ErrorCode,
    Outgoing,
    error,
)
from bartype.protocol.stores import ResultStore
from bartype.protocol.textgen import LibraryTexts, TextSource
from bartype.server.admission import (
    HANDSHAKE_BURST,
    HANDSHAKE_RATE,
    Admission,
    Refusals,
    Stage,
)
from bartype.server.discovery import start_advertising
from bartype.server.page import page_response
from bartype.storage.corpus import TextLibrary, default_texts_root

log = logging.getLogger("bartype.server")

WS_PATH = "/ws"
HEALTH_PATH = "/health"
TICK_INTERVAL_S = 0.1
WRITE_HIGH_WATER = 64 * 1024
"""Above this many unsent bytes a connection's messages queue in its outbox."""
OUTBOX_BYTES = 256 * 1024
"""Queued bytes beyond this close the connection (4008 "Client too slow"); a message
that arrives when nothing is queued is always taken, however large."""
KERNEL_UNSENT = 16 * 1024
"""Unsent bytes a connection's socket buffer may hold: left to itself the kernel holds
megabytes for a slow reader, where nothing can replace a stale lane update by a newer
one; past this they wait in the outbox, which can."""
LATEST_ONLY = frozenset({RACE_PROGRESS, RACE_METRICS})
"""Messages a newer one of the same type makes stale (every lane; the latest ``ack`` and
figures): at most one of each waits in an outbox, the newest, after what came before it."""
COMPLETE_CACHE = 16
"""Encoded ``SESSION_COMPLETE`` frames kept, for clients that ask for theirs again."""
SHUTDOWN_TIMEOUT_S = 3.0
HELLO_TIMEOUT_S = 10.0
"""A connection that has sent no well-formed message by then is closed (1008)."""
GC_THRESHOLD = 50_000
MESSAGE_COST = 128
"""Bytes a message counts for in the per-address rate on top of its length."""
INPUT_ACK_PREFIX = f'{{"type":"{INPUT_ACK}"'
_SUPERSEDES = {METRICS_UPDATE: (METRICS_UPDATE, INPUT_ACK), INPUT_ACK: (INPUT_ACK,)}
"""An unsent message of these types is replaced by a newer one of the key's type: each
carries the latest ``ack``, and the figures only ever replace older figures or acks."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything ``bartype serve`` can be told; the defaults are the CLI's."""

    host: str = "127.0.0.1"
    port: int = 8765
    db: Path | None = None
    max_frame: int = 65_536
    rate: float = 50.0
    burst: float | None = None
    """Token-bucket size for the message rate (default: twice the rate, at least 20)."""
    max_connections: int = 2000
    max_per_ip: int = 200
    """TCP connections one address may hold (waiting, in handshake, open); more get ``429``."""
    handshake_rate: float = HANDSHAKE_RATE
    """Handshakes one address may start per second; its other connections wait their turn."""
    handshake_burst: float = HANDSHAKE_BURST
    """Handshakes one address may start at once."""
    session_ttl_s: float = 600.0
    ping_interval_s: float | None = 10.0
    outbox_bytes: int = OUTBOX_BYTES
    hello_timeout_s: float = HELLO_TIMEOUT_S
    address_rate: float = 262_144.0
    """Bytes a second from all the connections of one address, each message counted as
    its length + ``MESSAGE_COST`` (bursts of twice that): what one address may make the
    server parse and handle, whatever its number of connections."""
    handler: HandlerConfig = field(default_factory=HandlerConfig)
    advertise: bool | None = False
    """Announce on the LAN (mDNS): ``True``, ``False`` (here the default, so a server built
    in code never announces itself) or ``None``: when bound to a LAN address (the CLI's)."""
    name: str | None = None
    """The advertised server name (default: the host name)."""
    allowed_origins: tuple[str, ...] = ()
    """Browser origins besides the server's own whose pages may open ``/ws``."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServerConfig:
        """Build the configuration from ``bartype serve`` arguments."""
        handler = HandlerConfig(
            session_ttl_s=args.session_ttl, max_frame=args.max_frame, rate=args.rate
        )
        return cls(
            host=args.host,
            port=args.port,
            db=args.db,
            max_frame=args.max_frame,
            rate=args.rate,
            max_connections=args.max_connections,
            max_per_ip=args.max_per_ip,
            handshake_rate=args.handshake_rate,
            handshake_burst=args.handshake_burst,
            session_ttl_s=args.session_ttl,
            ping_interval_s=args.ping_interval,
            handler=handler,
            advertise=args.advertise,
            name=args.name,
            allowed_origins=tuple(o.rstrip("/").lower() for o in args.allow_origin),
        )


def fast_path_supported(connection_class: type = ServerConnection) -> bool:
    """Does this websockets hand each parsed event to ``process_event``?

    ``FastConnection`` hooks into that method, which is not public API. The
    check runs once, at import: if a future websockets no longer routes
    received frames through it, the server uses plain ``ServerConnection``
    (the normal queue), which is slower but needs nothing internal.
    """
    try:
        process_event = getattr(connection_class, "process_event", None)
        data_received = getattr(connection_class, "data_received", None)
        code = getattr(data_received, "__code__", None)
        return (
            callable(process_event)
            and code is not None
            and "process_event" in code.co_names
            and hasattr(Opcode, "TEXT")
            and "fin" in getattr(Frame, "__dataclass_fields__", {})
        )
    except Exception:  # any surprise means "no"
        return False


FAST_PATH = fast_path_supported()
"""Whether ``bartype serve`` uses ``FastConnection`` (decided once, at import)."""


_MESSAGE_END = frozenset({Opcode.TEXT, Opcode.BINARY, Opcode.CONT})
"""Opcodes whose final frame completes a message in the queue."""


LINGER_S = 10.0
"""A refused connection is kept this long at most for its client to send its request and
read the refusal (a loaded client can take seconds)."""
LINGERING_PER_ADDRESS = 1000
"""Refused connections of one address waiting for their answer; one more is closed at
once, unanswered (an fd and a few hundred bytes each, for at most ``LINGER_S``)."""
PER_ADDRESS_FULL = "Too many connections from your address; close some first."
REFUSAL_LOG_S = 10.0
"""Refusals of one address are logged once, then counted in one line per this period."""


class Gate:
    """Admits connections by address when TCP accepts them (see ``bartype.server.admission``)."""

    def __init__(self, config: ServerConfig, server_header: str) -> None:
        self.admission: Admission[GatedConnection] = Admission(
            config.max_per_ip, config.handshake_rate, config.handshake_burst
        )
        self.refusals = Refusals(server_header)
        self._unlogged: dict[str, int] = {}
        """Per address refused in this period: the first is logged, the others counted."""
        self._logged_at = time.monotonic()
        self._lingering: dict[str, int] = {}
        """Per address: refused connections not yet closed."""

    def refuse(self, conn: GatedConnection, transport: asyncio.Transport, message: str) -> None:
        """Answer ``429`` to the request's first bytes, unparsed; close once it is read."""
        peer = conn.peer
        lingering = self._lingering.get(peer, 0)
        if lingering >= LINGERING_PER_ADDRESS:
            transport.abort()
            return
        self._lingering[peer] = lingering + 1
        if peer in self._unlogged:
            self._unlogged[peer] += 1
        else:
            self._unlogged[peer] = 0
            log.warning("refused a connection from %s: %s", peer, message)
        conn.refusal = self.refusals.response(HTTPStatus.TOO_MANY_REQUESTS, message, time.time())
        conn.refused = transport
        # The answer goes out when the request arrives (a client may not expect one before it
        # has sent it), and the request is read and dropped: closing with it unread would reset
        # the connection, and the client could lose the answer.
        transport.resume_reading()
        conn.linger = asyncio.get_running_loop().call_later(LINGER_S, transport.abort)
        if conn.early:  # its request came in while it waited
            conn.answer()

    def refused_left(self, conn: GatedConnection) -> None:
        """A refused connection closed."""
        left = self._lingering.get(conn.peer, 1) - 1
        if left > 0:
            self._lingering[conn.peer] = left
        else:
            self._lingering.pop(conn.peer, None)

    def tick(self, now: float) -> None:
        """Start the connections whose turn came; log the period's refusals."""
        for conn in self.admission.due(now):
            conn.start()
        if now - self._logged_at >= REFUSAL_LOG_S:
            self.admission.forget_idle(now)
            for peer, more in self._unlogged.items():
                if more:
                    log.warning(
                        "refused %d more connections from %s in %.0f s",
                        more,
                        peer,
                        now - self._logged_at,
                    )
            self._unlogged.clear()
            self._logged_at = now

    def close_waiting(self) -> None:
        """At shutdown: drop the connections still waiting for their turn."""
        for conn in self.admission.waiting():
            if conn.waiting is not None:
                conn.waiting.abort()


class GatedConnection(ServerConnection):
    """A server connection that its ``Gate`` starts, delays or refuses before parsing a byte.

    websockets starts a connection's handshake in ``connection_made``; here that
    happens only once the gate lets the address start one more. A waiting
    connection has its reading paused and no task; a refused one gets a canned
    ``429`` and never reaches websockets' parser.
    """

    gate: Gate | None = None
    peer = "?"
    refused: asyncio.Transport | None = None
    """The transport of a refused connection; ``refusal`` is its answer, until sent."""
    refusal = b""
    started = False
    """``ServerConnection.connection_made`` ran: websockets owns the connection."""
    waiting: asyncio.Transport | None = None
    """The transport, while the connection waits for its turn."""
    early = b""
    """What a waiting connection received before its reading stopped (uvloop starts
    reading after ``connection_made`` even when it paused it)."""
    linger: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        gate = self.gate
        if gate is None:
            self.started = True
            super().connection_made(transport)
            return
        transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.peer = peer_key(transport.get_extra_info("peername"))
        stage = gate.admission.arrive(self, self.peer, time.monotonic())
        if stage is Stage.STARTED:
            self.started = True
            super().connection_made(transport)
        elif stage is Stage.WAITING:
            transport.pause_reading()
            self.waiting = transport
        else:
            gate.refuse(self, transport, PER_ADDRESS_FULL)

    def start(self) -> None:
        """Its turn came: hand the waiting connection to websockets."""
        transport, self.waiting = self.waiting, None
        if transport is None:
            return
        self.started = True
        super().connection_made(transport)
        early, self.early = self.early, b""
        if early:
            super().data_received(early)
        transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.started:
            super().data_received(data)
        elif self.waiting is not None:
            self.waiting.pause_reading()
            self.early += data
        elif self.refused is not None:
            self.answer()

    def answer(self) -> None:
        """Send a refused connection its refusal (once), and end the sending side."""
        transport = self.refused
        if transport is None or not self.refusal:
            return
        transport.write(self.refusal)
        self.refusal = b""
        if transport.can_write_eof():
            transport.write_eof()

    def eof_received(self) -> None:
        if self.started:
            super().eof_received()
        # Refused: returning None lets the transport close.

    def connection_lost(self, exc: Exception | None) -> None:
        if self.linger is not None:
            self.linger.cancel()
            if self.gate is not None:
                self.gate.refused_left(self)
        self.waiting = None
        if self.gate is not None:
            self.gate.admission.left(self)
        if self.started:
            super().connection_lost(exc)


class FastConnection(GatedConnection):
    """A server connection that hands complete text frames straight to ``on_text``.

    websockets normally queues each frame and wakes the connection's task to
    read it; for one small frame per keystroke that hand-off costs more than
    the typing logic. While ``on_text`` is set and no message waits in the
    queue, a whole (unfragmented) text frame is handled right where it is
    parsed. Anything else (fragments, binary frames, frames that arrive before
    ``on_text`` is set, or while earlier ones are still queued) takes the
    normal queue, so frames are always handled in order. ``queued`` counts
    the messages put in the queue and not yet taken (``took_one``).
    """

    on_text: Callable[[str], None] | None = None
    queued = 0

    def took_one(self) -> None:
        """The reader took one message from the queue."""
        if self.queued > 0:
            self.queued -= 1

    def process_event(self, event: Event) -> None:
        on_text = self.on_text
        if type(event) is Frame:
            if on_text is not None and event.opcode is Opcode.TEXT and event.fin:
                if not self.queued:
                    try:
                        text = bytes(event.data).decode()
                    except UnicodeDecodeError:
                        pass  # the queue closes the connection with 1007
                    else:
                        try:
                            on_text(text)
                        except Exception:  # never let a bug break websockets' parser loop
                            log.exception("error handling a frame")
                        return
            if event.fin and event.opcode in _MESSAGE_END:
                self.queued += 1
        super().process_event(event)


class Connection:
    """One client: its socket, its handler channel, its outbox and its rate bucket."""

    __slots__ = (
        "ws",
        "channel",
        "peer",
        "outbox",
        "writer",
        "closer",
        "tokens",
        "stamp",
        "closing",
        "queued",
        "queued_complete",
    )

    def __init__(self, ws: ServerConnection, channel: Channel, peer: str, burst: float) -> None:
        self.ws = ws
        self.channel = channel
        self.peer = peer
        self.outbox: deque[tuple[str, str] | Close] = deque()
        self.writer: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None
        self.tokens = burst
        self.stamp = time.monotonic()
        self.closing = False
        self.queued = 0
        """Bytes in ``outbox``."""
        self.queued_complete: Outgoing | None = None
        """The ``SESSION_COMPLETE`` waiting in ``outbox``, if one is."""


class BartypeServer:
    """A running (or about to run) server; ``start()``, then ``stop()``."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        history: ResultStore | None = None,
        texts: TextSource | None = None,
        fast_path: bool | None = None,
    ) -> None:
        self.config = config
        self.fast_path = FAST_PATH if fast_path is None else fast_path and FAST_PATH
        """Hand text frames to the handler where they are parsed (see ``FastConnection``)."""
        handler_config = replace(
            config.handler,
            session_ttl_s=config.session_ttl_s,
            max_frame=config.max_frame,
            rate=config.rate,
        )
        self.handler = SessionHandler(
            texts if texts is not None else LibraryTexts(TextLibrary(default_texts_root())),
            history,
            config=handler_config,
        )
        self.history = history
        self._burst = config.burst if config.burst is not None else max(20.0, config.rate * 2)
        self._conns: dict[int, Connection] = {}
        self._per_ip: dict[str, int] = {}
        self._per_ip_tokens: dict[str, list[float]] = {}
        """Per address: [tokens, when last filled], for ``ServerConfig.address_rate``."""
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._started = time.monotonic()
        self.port = config.port
        self.frames = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._bugs: set[str] = set()
        self._completes: dict[int, tuple[Outgoing, str]] = {}
        self._gate = Gate(config, f"bartype/{__version__}")

    # -- lifecycle --------------------------------------------------------

    async def start(self) -> None:
        """Bind, restore the sessions a previous run here kept, and start accepting."""
        cfg = self.config
        self._server = await serve(
            self._serve_connection,
            cfg.host,
            cfg.port,
            compression=None,
            max_size=cfg.max_frame,
            max_queue=16,
            ping_interval=cfg.ping_interval_s,
            ping_timeout=cfg.ping_interval_s,
            open_timeout=5,
            close_timeout=2,
            process_request=self._process_request,
            server_header=f"bartype/{__version__}",
            create_connection=self._connection_factory(),
        )
        sockets = list(self._server.sockets)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        # Once bound (a failed start must not consume them), before any client is served.
        self._restore_sessions()
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())
        log.info(
            "listening on ws://%s:%d%s (health: http://%s:%d%s; %s loop)",
            cfg.host,
            self.port,
            WS_PATH,
            cfg.host,
            self.port,
            HEALTH_PATH,
            type(asyncio.get_running_loop()).__module__.split(".")[0],
        )

    def _connection_factory(self) -> type[ServerConnection]:
        """websockets' connections, each given this server's gate."""
        base = FastConnection if self.fast_path else GatedConnection
        gate = self._gate

        def create(*args: Any, **kwargs: Any) -> GatedConnection:
            connection = base(*args, **kwargs)
            connection.gate = gate
            return connection

        return cast(type[ServerConnection], create)

    async def stop(self) -> None:
        """Stop accepting, close every client with 1001, flush storage."""
        if self._server is None:
            return
        server, self._server = self._server, None
        log.info("shutting down (%d connections)", len(self._conns))
        message = "The server is shutting down."
        if self.history is not None:
            message += " Tests in progress are kept: they resume if it starts again."
        notice = encode(error(ErrorCode.SERVER_SHUTDOWN, message))
        broadcast([c.ws for c in self._conns.values()], notice)
        server.close(close_connections=True, code=CloseCode.GOING_AWAY, reason="Server stopping")
        self._gate.close_waiting()
        try:
            await asyncio.wait_for(server.wait_closed(), SHUTDOWN_TIMEOUT_S)
        except TimeoutError:
            log.warning("some connections did not close in time")
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        self._keep_sessions()
        if self.history is not None:
            self.history.close()
        log.info("stopped")

    @property
    def addresses(self) -> list[str]:
        """The addresses the server is bound to (``0.0.0.0`` for all)."""
        server = self._server
        return [str(s.getsockname()[0]) for s in server.sockets] if server is not None else []

    @property
    def _owner(self) -> str:
        """This server in the kept-sessions table: a restart on the same address finds them."""
        return f"{self.config.host}:{self.port}"

    def _keep_sessions(self) -> None:
        """Store the sessions clients may still resume, so that a restart can restore them."""
        if self.history is None:
            return
        snapshots = self.handler.export_sessions(time.monotonic())
        try:
            self.history.keep_live_sessions(self._owner, snapshots)
        except Exception:  # the results are safe already; only resuming is lost
            log.exception("could not keep the sessions in progress")
            return
        if snapshots:
            log.info("kept %s for the next start", _sessions(len(snapshots)))

    def _restore_sessions(self) -> None:
        """Bring back the sessions a previous run on this address kept (once)."""
        if self.history is None:
            return
        try:
            kept = self.history.take_live_sessions(self._owner)
        except Exception:
            log.exception("could not read the sessions kept by the previous run")
            return
        if not kept:
            return
        now, wall = time.monotonic(), time.time()
        restored = sum(
            self.handler.import_sessions([snapshot], now, max(0.0, wall - saved_at))
            for saved_at, snapshot in kept
        )
        log.info(
            "restored %d of %s from before the restart (%.1f s ago)",
            restored,
            _sessions(len(kept)),
            max(0.0, wall - kept[-1][0]),
        )

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_INTERVAL_S)
            try:
                now = time.monotonic()
                self._gate.tick(now)
                self.handler.tick(now)
                self._pump()
            except Exception as exc:  # keep ticking: one bad session must not stop the clock
                report_bug(log, self._bugs, exc, "in the session tick")

    # -- HTTP side --------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The ``/health`` document."""
        return {
            "status": "ok" if self._server is not None else "stopping",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "connections": len(self._conns),
            "sessions": self.handler.live_sessions,
            "uptimeS": round(time.monotonic() - self._started, 1),
        }

    def _json_response(
        self, connection: ServerConnection, status: HTTPStatus, body: dict[str, Any]
    ) -> Response:
        response = connection.respond(status, json.dumps(body) + "\n")
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == HEALTH_PATH:
            return self._json_response(connection, HTTPStatus.OK, self.health())
        page = page_response(path, request.headers.get("Host"))
        if page is not None:
            return page
        if path != WS_PATH:
            return self._json_response(
                connection,
                HTTPStatus.NOT_FOUND,
                {"error": f"Unknown path {path!r}; the WebSocket endpoint is {WS_PATH}."},
            )
        origin = request.headers.get("Origin")
        if origin is not None and not self._origin_allowed(origin, request.headers.get("Host")):
            log.warning("refused a connection from %s: Origin %s", _peer(connection), origin)
            return self._json_response(
                connection,
                HTTPStatus.FORBIDDEN,
                {"error": "WebSocket connections from other sites' pages are refused."},
            )
        if len(self._conns) >= self.config.max_connections:
            log.warning("refused a connection: %d open (limit)", len(self._conns))
            return self._json_response(
                connection,
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": "Too many connections; try again later."},
            )
        return None

    def _origin_allowed(self, origin: str, host: str | None) -> bool:
        """A browser page may use ``/ws`` if it is the server's own, or its origin is allowed.

        Browsers send ``Origin`` with every WebSocket handshake and let any site's
        script open one: without this check a page anywhere could use the server
        with its visitor's network position. Clients that are not browsers send no
        ``Origin`` and are not affected.
        """
        origin = origin.rstrip("/").lower()
        if origin in self.config.allowed_origins:
            return True
        parts = urlsplit(origin)
        return (
            parts.scheme in ("http", "https")
            and host is not None
            and parts.netloc == host.lower()
            and not parts.path
        )

    # -- WebSocket side ---------------------------------------------------

    async def _serve_connection(self, ws: ServerConnection) -> None:
        peer = _peer(ws)
        query = parse_qs(
            urlsplit(ws.request.path if ws.request else "").query, keep_blank_values=True
        )
        token = query["token"][0] if "token" in query else None
        # Any resume query is a resume: an empty or missing id matches no session (4001).
        resume = "sessionId" in query or "token" in query
        session_id = query.get("sessionId", [""])[0] if resume else None
        # The gate holds each address to --max-per-ip at accept; the total can still be
        # passed by handshakes that ran at once.
        if len(self._conns) >= self.config.max_connections:
            await ws.close(CloseCode.TRY_AGAIN_LATER, "Too many connections")
            return
        channel = self.handler.open(time.monotonic(), session_id, token, peer)
        conn = Connection(ws, channel, peer, self._burst)
        self._conns[channel.id] = conn
        _hold_unsent_here(ws)
        self._per_ip[peer] = self._per_ip.get(peer, 0) + 1
        log.info(
            "connection %d from %s%s",
            channel.id,
            peer,
            " (resume)" if session_id is not None else "",
        )
        self._pump()
        hello_due = asyncio.get_running_loop().call_later(
            self.config.hello_timeout_s, self._hello_due, conn
        )
        if isinstance(ws, FastConnection):
            ws.on_text = functools.partial(self._on_frame, conn)
        try:
            # Frames queued before the fast path was on, fragmented and binary ones
            # (every frame, without the fast path).
            async for message in ws:
                if isinstance(ws, FastConnection):
                    ws.took_one()
                self._on_frame(conn, message)
                if conn.closing:
                    break
        except ConnectionClosed:
            pass
        finally:
            hello_due.cancel()
            if isinstance(ws, FastConnection):
                ws.on_text = None
            await self._drop(conn, ws)

    def _on_frame(self, conn: Connection, message: str | bytes) -> None:
        """Handle one incoming frame: rate limit, then the handler, then send what it says."""
        if conn.closing:
            return
        now = time.monotonic()
        # Token bucket: refill at ``rate``/s up to ``burst``.
        tokens = conn.tokens + (now - conn.stamp) * self.config.rate
        conn.stamp = now
        if tokens > self._burst:
            tokens = self._burst
        if tokens < 1.0:
            self._rate_limited(conn)
            return
        conn.tokens = tokens - 1.0
        bucket = self._per_ip_tokens.get(conn.peer)
        rate = self.config.address_rate
        if bucket is None:
            bucket = self._per_ip_tokens[conn.peer] = [2 * rate, now]
        shared = min(2 * rate, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        cost = len(message) + MESSAGE_COST
        if shared < cost:
            bucket[0] = shared
            self._rate_limited(conn, f"Your address sent more than {rate:,.0f} bytes/s")
            return
        bucket[0] = shared - cost
        self.frames += 1
        handler = self.handler
        try:
            if type(message) is str:
                reply = handler.receive_text_direct(conn.channel, message, now)
                if reply is not None:
                    # A lean ack (HELLO.metricsMs) or the figures, with ack either way.
                    lean = reply.startswith(INPUT_ACK_PREFIX)
                    self._send_text(conn, INPUT_ACK if lean else METRICS_UPDATE, reply)
            else:
                self._push(
                    conn,
                    error(
                        ErrorCode.BAD_FRAME,
                        "Binary frames are not accepted; send JSON text frames.",
                    ),
                )
        except Exception as exc:
            self._failed(conn, exc, "handling a frame")
        if handler.has_dirty:
            self._pump()

    async def _drop(self, conn: Connection, ws: ServerConnection) -> None:
        channel = conn.channel
        self._conns.pop(channel.id, None)
        count = self._per_ip.get(conn.peer, 1) - 1
        if count > 0:
            self._per_ip[conn.peer] = count
        else:
            self._per_ip.pop(conn.peer, None)
            self._per_ip_tokens.pop(conn.peer, None)
        self.handler.disconnect(channel, time.monotonic())
        for task in (conn.writer, conn.closer):
            if task is not None and not task.done():
                # Let queued messages and the close frame go out, briefly.
                with contextlib.suppress(TimeoutError, ConnectionClosed):
                    await asyncio.wait_for(asyncio.shield(task), 2.0)
                task.cancel()
        code = ws.close_code
        log.info("connection %d closed (%s)", channel.id, code if code is not None else "-")

    def _hello_due(self, conn: Connection) -> None:
        """A connection that said nothing well-formed in time holds a slot for nothing."""
        channel = conn.channel
        if conn.closing or channel.spoke or channel.session is not None:
            return
        log.info("connection %d from %s sent no HELLO in time; closing it", channel.id, conn.peer)
        self._push(conn, Close(CloseCode.POLICY_VIOLATION, "No HELLO in time"))

    def _rate_limited(self, conn: Connection, what: str = "") -> None:
        log.warning("connection %d from %s exceeded the message rate", conn.channel.id, conn.peer)
        what = what or f"More than {self.config.rate:g} messages/s"
        self._push(
            conn,
            error(ErrorCode.RATE_LIMITED, f"{what}; batch keys into fewer messages."),
        )
        self._push(conn, Close(CloseCode.POLICY_VIOLATION, "Rate limit exceeded"))
        # Read nothing more from it: a flood would cost parsing until the close completes.
        with contextlib.suppress(Exception):
            conn.ws.transport.pause_reading()

    def _pump(self) -> None:
        """Send every action the handler has for its channels; a failure costs only its own."""
        conns = self._conns
        for channel, actions in self.handler.pending():
            conn = conns.get(channel.id)
            if conn is None:
                continue
            try:
                for action in actions:
                    self._push(conn, action)
            except Exception as exc:
                self._failed(conn, exc, "sending a reply")

    def _failed(self, conn: Connection, exc: Exception, doing: str) -> None:
        """A bug while serving ``conn``: log it, close that connection (1011), serve the others."""
        report_bug(log, self._bugs, exc, f"{doing} on connection {conn.channel.id}")
        if conn.closing:
            return
        conn.closing = True
        conn.outbox.clear()
        conn.queued = 0
        conn.queued_complete = None
        conn.closer = self._spawn(conn.ws.close(CloseCode.INTERNAL_ERROR, "Internal error"))

    def _push(self, conn: Connection, action: Outgoing | Close) -> None:
        """Send now if the socket keeps up, else queue (coalescing metrics)."""
        if conn.closing:
            return
        ws = conn.ws
        if isinstance(action, Close):
            conn.closing = True
            if not conn.outbox:
                conn.closer = self._spawn(ws.close(action.code, action.reason))
                return
            conn.outbox.append(action)
            return
        if action.type == SESSION_COMPLETE:
            if action is conn.queued_complete:
                return  # asked again before the first one went out: once is enough
            self._send_text(conn, SESSION_COMPLETE, self._complete_text(action), action)
            return
        self._send_text(conn, action.type, encode(action))

    def _complete_text(self, complete: Outgoing) -> str:
        """``SESSION_COMPLETE`` encoded once, however often its client asks for it again."""
        cached = self._completes.get(id(complete))
        if cached is not None and cached[0] is complete:
            return cached[1]
        text = encode(complete)
        if len(self._completes) >= COMPLETE_CACHE:
            del self._completes[next(iter(self._completes))]
        self._completes[id(complete)] = (complete, text)  # holding it keeps its id unique
        return text

    def _send_text(
        self, conn: Connection, type_: str, text: str, complete: Outgoing | None = None
    ) -> None:
        """Send an encoded message now if the socket keeps up, else queue it."""
        if conn.closing:
            return
        ws = conn.ws
        outbox = conn.outbox
        if not outbox and ws.transport.get_write_buffer_size() < WRITE_HIGH_WATER:
            broadcast((ws,), text)
            return
        size = _size(text)
        if outbox and type_ in _SUPERSEDES:
            last = outbox[-1]
            if not isinstance(last, Close) and last[0] in _SUPERSEDES[type_]:
                conn.queued += size - _size(last[1])
                outbox[-1] = (type_, text)
                return
        if outbox and type_ in LATEST_ONLY:
            _drop_waiting(conn, type_)
        if outbox and conn.queued + size > self.config.outbox_bytes:
            log.warning(
                "connection %d from %s is too slow (%d bytes unsent); closing it",
                conn.channel.id,
                conn.peer,
                conn.queued + size,
            )
            outbox.clear()
            conn.queued = 0
            conn.queued_complete = None
            conn.closing = True
            conn.closer = self._spawn(ws.close(CloseCode.TOO_SLOW, "Client too slow"))
            return
        outbox.append((type_, text))
        conn.queued += size
        if complete is not None:
            conn.queued_complete = complete
        if conn.writer is None or conn.writer.done():
            conn.writer = asyncio.get_running_loop().create_task(self._write(conn))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _write(self, conn: Connection) -> None:
        ws = conn.ws
        outbox = conn.outbox
        try:
            while outbox:
                item = outbox.popleft()
                if isinstance(item, Close):
                    await ws.close(item.code, item.reason)
                    return
                conn.queued -= _size(item[1])
                if item[0] == SESSION_COMPLETE:
                    conn.queued_complete = None
                await ws.send(item[1])
        except ConnectionClosed:
            outbox.clear()
            conn.queued = 0


def _size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (without encoding it when it is ASCII)."""
    return len(text) if text.isascii() else len(text.encode())


def _hold_unsent_here(ws: ServerConnection) -> None:
    """Let the kernel hold at most ``KERNEL_UNSENT`` unsent bytes of this connection
    (``TCP_NOTSENT_LOWAT``, where the system has it); the rest waits in the outbox."""
    option = getattr(socket, "TCP_NOTSENT_LOWAT", None)
    sock = ws.transport.get_extra_info("socket")
    if option is not None and sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, option, KERNEL_UNSENT)


def _drop_waiting(conn: Connection, type_: str) -> None:
    """Take the message of ``type_`` waiting in ``conn``'s outbox out (there is one at most)."""
    outbox = conn.outbox
    for i in range(len(outbox) - 1, -1, -1):
        item = outbox[i]
        if not isinstance(item, Close) and item[0] == type_:
            conn.queued -= _size(item[1])
            del outbox[i]
            return


def _sessions(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"


def _peer(connection: ServerConnection) -> str:
    return peer_key(connection.remote_address)


def default_db_path() -> Path:
    """The server's results database in the user data directory."""
    from bartype.storage.paths import data_dir

    return data_dir() / "server.sqlite3"


async def serve_until_stopped(
    config: ServerConfig, *, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None
) -> int:
    """Run a server until SIGINT/SIGTERM (or ``stop`` is set); return the exit status."""
    from bartype.storage.history import History, HistoryError

    db = config.db if config.db is not None else default_db_path()
    try:
        history = History(db)
    except HistoryError as exc:
        log.error("%s", exc)
        return 2
    server = BartypeServer(config, history=history)
    try:
        await server.start()
    except OSError as exc:
        history.close()
        if exc.errno == errno.EADDRINUSE:
            hint = "Is another server running? Try --port."
        elif isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            hint = "Check --host: an address of this machine, or 0.0.0.0 for all of them."
        else:
            hint = "Try another --host or --port."
        log.error(
            "Cannot listen on %s:%d (%s). %s", config.host, config.port, exc.strerror or exc, hint
        )
        return 2
    print(
        f"bartype serve: listening on ws://{config.host}:{server.port}{WS_PATH} (results in {db})",
        flush=True,
    )
    stop = stop or asyncio.Event()
    stopping = stop

    def stop_requested() -> None:
        if stopping.is_set():  # a second Ctrl+C must not cut short what the first started
            log.warning("already stopping: keeping the tests in progress, a few seconds at most")
        stopping.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_requested)
    advertiser = start_advertising(
        server.addresses,
        server.port,
        advertise=config.advertise,
        name=config.name,
        rooms=lambda: server.handler.races.open_rooms,
        path=WS_PATH,
    )
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        try:
            if advertiser is not None:  # first, so that nobody new finds a server going away
                await advertiser.stop()
            await server.stop()  # the signal handlers stay: a second Ctrl+C is only logged
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
    return 0


_QUERY_PARAM = re.compile(r"([?&;])([^=&;\s]*)=([^&;\s#]*)")
_JSON_TOKEN = re.compile(r'("token"\s*:\s*")[^"]*')
REDACTED = "<redacted>"


def _redact_param(match: re.Match[str]) -> str:
    if unquote(match.group(2)).lower() != "token":
        return match.group()
    return f"{match.group(1)}{match.group(2)}={REDACTED}"


def log_safe(text: str, *, lines: bool = False) -> str:
    """``text`` fit for a log: resume tokens left out, unsafe characters escaped.

    Request lines, headers and frames are the client's bytes: written raw, an
    escape sequence in them would reach the terminal of whoever reads the log.
    With ``lines`` (a traceback), line breaks are kept.
    """
    text = _JSON_TOKEN.sub(rf"\g<1>{REDACTED}", _QUERY_PARAM.sub(_redact_param, text))
    return visible(text, lines=lines)


class SafeLogFilter(logging.Filter):
    """Passes every record through ``log_safe``: message, arguments and traceback."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = log_safe(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = log_safe(self._formatter.formatException(record.exc_info), lines=True)
        return True


def configure_logging(level: str) -> None:
    """Readable one-line logs on stderr, with no token and no raw control character."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(SafeLogFilter())
    if level != "debug":
        logging.getLogger("websockets").setLevel(logging.WARNING)


def run_loop(main: Coroutine[Any, Any, int], loop: str = "auto") -> int:
    """Run ``main`` on uvloop (``"uvloop"``, or ``"auto"`` where it is installed) or asyncio's loop.

    uvloop's loop and transports are compiled, so each frame costs the server
    less CPU than on asyncio's pure-Python ones (see docs/performance.md).
    """
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError as exc:
            if loop == "uvloop":
                main.close()
                raise SystemExit("bartype serve: --loop uvloop needs uvloop installed") from exc
        else:
            return uvloop.run(main)
    return asyncio.run(main)


def run_serve(args: argparse.Namespace) -> int:
    """Entry point of ``bartype serve``."""
    configure_logging(args.log_level)
    config = ServerConfig.from_args(args)
    # Sessions keep many small long-lived objects (keystroke logs); with the
    # default thresholds the collector rescans them thousands of times a second.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 100)
    try:
        return run_loop(serve_until_stopped(config), args.loop)
    except KeyboardInterrupt:  # a second Ctrl+C during shutdown
        return 130
