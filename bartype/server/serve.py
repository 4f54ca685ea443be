"""``bartype serve``: the WebSocket server around the sans-I/O ``SessionHandler``.

The server owns the network and nothing else: connections and their limits
(frame size, message rate, connection counts), keepalive, the ``/health``
endpoint, the clock that drives ``SessionHandler.tick``, and a graceful
shutdown. All typing logic is in ``bartype.protocol``.

This module composes the server's pieces: the gate at TCP accept
(``gate``), each connection's websockets ``ServerProtocol`` behind an
``asyncio.Protocol`` (``connection``), the HTTP answers (``http``), each
client's bounded outbox (``outbox``) and the log (``logs``). A text frame is
handed to ``BartypeServer._on_frame`` where it is parsed; the handler's
answer is written before the next frame is read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import functools
import gc
import logging
import signal
import socket
import time
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from websockets.http11 import Request, Response

from bartype import __version__
from bartype.protocol.bugs import report_bug
from bartype.protocol.codec import encode
from bartype.protocol.handler import SessionHandler
from bartype.protocol.messages import (
    PROTOCOL_VERSION,
    SESSION_COMPLETE,
    Close,
    CloseCode,
    ErrorCode,
    Outgoing,
    error,
)
from bartype.protocol.stores import ResultStore
from bartype.protocol.textgen import LibraryTexts, TextSource
from bartype.server.config import ServerConfig
from bartype.server.connection import Message, Phase, Settings, WebSocket
from bartype.server.discovery import start_advertising
from bartype.server.gate import Gate
from bartype.server.http import HEALTH_PATH, WS_PATH, Routes, resume_query
from bartype.server.kept import keep_sessions, restore_sessions
from bartype.server.limits import RateLimits
from bartype.server.logs import SafeLogFilter, configure_logging, log_safe
from bartype.server.outbox import WRITE_HIGH_WATER, Connection, EncodedCompletes
from bartype.storage.corpus import TextLibrary, default_texts_root

__all__ = [
    "HEALTH_PATH",
    "WS_PATH",
    "BartypeServer",
    "SafeLogFilter",
    "ServerConfig",
    "configure_logging",
    "log_safe",
    "run_loop",
    "run_serve",
    "serve_until_stopped",
]

log = logging.getLogger("bartype.server")

TICK_INTERVAL_S = 0.1
SHUTDOWN_TIMEOUT_S = 3.0
OPEN_TIMEOUT_S = 5.0
"""From TCP accept (or the end of its wait at the gate) to the end of the handshake."""
CLOSE_TIMEOUT_S = 2.0
"""A closing connection whose client does not end it by then is aborted."""
GC_THRESHOLD = 50_000


class BartypeServer:
    """A running (or about to run) server; ``start()``, then ``stop()``.

    It is the ``Listener`` of every connection: it answers requests (``respond``),
    takes each opened WebSocket on as a client of the handler (``opened``) and
    lets it go (``lost``).
    """

    def __init__(
        self,
        config: ServerConfig,
        *,
        history: ResultStore | None = None,
        texts: TextSource | None = None,
    ) -> None:
        self.config = config
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
        self._limits = RateLimits(config.rate, config.burst, config.address_rate)
        self._conns: dict[int, Connection] = {}
        self._clients: dict[WebSocket, Connection] = {}
        self._sockets: set[WebSocket] = set()
        """Every TCP connection, whatever its phase."""
        self._per_ip: dict[str, int] = {}
        self._server: asyncio.Server | None = None
        self._all_lost: asyncio.Event | None = None
        """Set once stopping and no TCP connection is left."""
        self._ticker: asyncio.Task[None] | None = None
        self._started = time.monotonic()
        self.port = config.port
        self.frames = 0
        self._bugs: set[str] = set()
        self._completes = EncodedCompletes()
        header = f"bartype/{__version__}"
        self._gate = Gate(config.max_per_ip, config.handshake_rate, config.handshake_burst, header)
        self._settings = Settings(
            server_header=header,
            max_size=config.max_frame,
            ping_interval=config.ping_interval_s,
            ping_timeout=config.ping_interval_s,
            open_timeout=OPEN_TIMEOUT_S,
            close_timeout=CLOSE_TIMEOUT_S,
            write_high_water=WRITE_HIGH_WATER,
        )
        self._routes = Routes(
            allowed_origins=config.allowed_origins,
            max_connections=config.max_connections,
            health=self.health,
            connections=lambda: len(self._conns),
            serving=lambda: self._server is not None,
        )

    # -- lifecycle --------------------------------------------------------

    async def start(self) -> None:
        """Bind, restore the sessions a previous run here kept, and start accepting."""
        cfg = self.config
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accept, cfg.host, cfg.port)
        sockets = list(self._server.sockets)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        # Once bound (a failed start must not consume them), before any client is served.
        if self.history is not None:
            restore_sessions(self.handler, self.history, self._owner)
        self._ticker = loop.create_task(self._tick_forever())
        log.info(
            "listening on ws://%s:%d%s (health: http://%s:%d%s; %s loop)",
            cfg.host,
            self.port,
            WS_PATH,
            cfg.host,
            self.port,
            HEALTH_PATH,
            type(loop).__module__.split(".")[0],
        )

    def _accept(self) -> WebSocket:
        ws = WebSocket(self._settings, self, self._gate)
        self._sockets.add(ws)
        return ws

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
        server.close()
        self._all_lost = asyncio.Event()
        for ws in list(self._sockets):
            if ws.opened:
                ws.send_text(notice)
                ws.close(CloseCode.GOING_AWAY, "Server stopping")
            elif ws.phase is not Phase.STARTED:  # waiting at the gate, or refused
                ws.abort()
            # In its handshake: answered 503 if its request comes in time.
        self._gate.close_waiting()
        if self._sockets:
            try:
                await asyncio.wait_for(self._all_lost.wait(), SHUTDOWN_TIMEOUT_S)
            except TimeoutError:
                log.warning("some connections did not close in time")
                for ws in list(self._sockets):
                    ws.abort()
                await asyncio.sleep(0)  # their connection_lost
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self.history is not None:
            keep_sessions(self.handler, self.history, self._owner)
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

    # -- the connections' listener ------------------------------------------

    def respond(self, ws: WebSocket, request: Request) -> Response | None:
        """The HTTP answer to a request, or ``None`` to open the WebSocket."""
        return self._routes.respond(ws.protocol, request, ws.peer)

    def opened(self, ws: WebSocket) -> None:
        """A WebSocket opened: give it a channel of the handler, hand its frames to it."""
        peer = ws.peer
        session_id, token = resume_query(ws.request.path if ws.request is not None else "")
        # The gate holds each address to --max-per-ip at accept; the total can still be
        # passed by handshakes that ran at once.
        if len(self._conns) >= self.config.max_connections:
            ws.close(CloseCode.TRY_AGAIN_LATER, "Too many connections")
            return
        now = time.monotonic()
        channel = self.handler.open(now, session_id, token, peer)
        conn = Connection(ws, channel, peer, self._limits.burst, self.config.outbox_bytes)
        self._conns[channel.id] = conn
        self._clients[ws] = conn
        self._per_ip[peer] = self._per_ip.get(peer, 0) + 1
        log.info(
            "connection %d from %s%s",
            channel.id,
            peer,
            " (resume)" if session_id is not None else "",
        )
        ws.on_message = functools.partial(self._on_frame, conn)
        self._pump()
        conn.hello_due = asyncio.get_running_loop().call_later(
            self.config.hello_timeout_s, self._hello_due, conn
        )

    def lost(self, ws: WebSocket) -> None:
        """A TCP connection is gone (an opened WebSocket's client leaves the handler)."""
        self._sockets.discard(ws)
        conn = self._clients.pop(ws, None)
        if conn is not None:
            self._drop(conn)
        if self._all_lost is not None and not self._sockets:
            self._all_lost.set()

    def _on_frame(self, conn: Connection, message: Message) -> None:
        """Handle one incoming frame: rate limit, then the handler, then send what it says."""
        if conn.closing:
            return
        now = time.monotonic()
        refused = self._limits.refusal(conn, len(message), now)
        if refused is not None:
            self._rate_limited(conn, refused)
            return
        self.frames += 1
        handler = self.handler
        try:
            if type(message) is str:
                reply = handler.receive_text_direct(conn.channel, message, now)
                if reply is not None:
                    # A lean ack (HELLO.metricsMs), the figures, or a racer's RACE_METRICS.
                    conn.send_reply(reply)
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

    def _drop(self, conn: Connection) -> None:
        channel = conn.channel
        if conn.hello_due is not None:
            conn.hello_due.cancel()
        self._conns.pop(channel.id, None)
        count = self._per_ip.get(conn.peer, 1) - 1
        if count > 0:
            self._per_ip[conn.peer] = count
        else:
            self._per_ip.pop(conn.peer, None)
            self._limits.forget(conn.peer)
        self.handler.disconnect(channel, time.monotonic())
        code = conn.ws.close_code
        log.info("connection %d closed (%s)", channel.id, code if code is not None else "-")

    def _hello_due(self, conn: Connection) -> None:
        """A connection that said nothing well-formed in time holds a slot for nothing."""
        channel = conn.channel
        if conn.closing or channel.spoke or channel.session is not None:
            return
        log.info("connection %d from %s sent no HELLO in time; closing it", channel.id, conn.peer)
        self._push(conn, Close(CloseCode.POLICY_VIOLATION, "No HELLO in time"))

    def _rate_limited(self, conn: Connection, what: str) -> None:
        log.warning("connection %d from %s exceeded the message rate", conn.channel.id, conn.peer)
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
        if not conn.closing:
            conn.close(CloseCode.INTERNAL_ERROR, "Internal error")

    def _push(self, conn: Connection, action: Outgoing | Close) -> None:
        """Send now if the socket keeps up, else queue (coalescing metrics)."""
        if conn.closing:
            return
        if isinstance(action, Close):
            conn.push_close(action)
        elif action.type == SESSION_COMPLETE:
            if action is conn.queued_complete:
                return  # asked again before the first one went out: once is enough
            conn.send_text(SESSION_COMPLETE, self._completes.text(action), action)
        else:
            conn.send_text(action.type, encode(action))


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
        history = History(db, totals_on_save=False)  # no replay on the event loop per save
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
