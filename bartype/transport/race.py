"""RaceConnection: the asyncio pump around the sans-I/O ``RaceClient``.

::

    race = await RaceConnection.connect("ws://127.0.0.1:8765")
    race.on_event = show                     # every RaceEvent, in order
    joined = await race.join("YJNZ", "Bob")  # or: await race.create("Ann", {"mode": "words"})
    race.ready(); race.send_key("t") ...
    await race.close()

What a racer must do by the protocol is ``bartype.protocol.race_client``; this
module moves frames between it and a ``ClientChannel`` (the loopback or a
WebSocket, as for ``SessionClient``), keeps its timer, reopens the connection
when it asks, and turns a join into an awaitable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from bartype.protocol.client_events import StatusChanged
from bartype.protocol.messages import CloseCode
from bartype.protocol.race_client import (
    Disconnected,
    Joined,
    Left,
    RaceClient,
    RaceErrorReceived,
    RaceEvent,
    State,
    Welcomed,
)
from bartype.transport.base import (
    ChannelClosed,
    ClientChannel,
    ConnectionFailed,
    Connector,
    SessionError,
    TransportError,
    write_frames,
)
from bartype.transport.base import fail_future as _fail
from bartype.transport.base import resolve_future as _resolve

log = logging.getLogger("bartype.transport")

REQUEST_TIMEOUT_S = 10.0


class RaceConnection:
    """One member's connection to a server's rooms; see the module docstring."""

    def __init__(self, connector: Connector, *, client: RaceClient | None = None) -> None:
        self.connector = connector
        self.client = client or RaceClient()
        self.on_event: Callable[[RaceEvent], None] | None = None
        self._channel: ClientChannel | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._welcome: asyncio.Future[None] | None = None
        self._joining: asyncio.Future[Joined] | None = None
        self._joined: Joined | None = None
        """``ROOM_JOINED`` came: the join is answered when ``ROOM_STATE`` says where we are."""
        self._closing = False

    @classmethod
    async def connect(cls, url: str) -> RaceConnection:
        """Connect to ``bartype serve`` at ``url``.

        Raises:
            ConnectionFailed: the server cannot be reached (the message says why).
        """
        from bartype.transport.websocket import WebSocketConnector

        race = cls(WebSocketConnector(url))
        try:
            await race.open()
        except BaseException:
            await race.close()
            raise
        return race

    async def open(self) -> None:
        """Open the connection and wait for the server's ``WELCOME``."""
        await self._open()
        assert self._welcome is not None
        await self._wait(self._welcome)

    # -- requests ----------------------------------------------------------

    async def create(self, name: str, options: dict[str, Any] | None = None, **room: Any) -> Joined:
        """Create a room (``room``: ``maxPlayers``, ``countdownS``, ``finishDeadlineS``).

        Raises:
            SessionError: refused (``code``: ``BAD_NAME``, ``BAD_MESSAGE``, ...).
        """
        return await self._join(lambda: self.client.create(name, options, **room))

    async def join(self, code: str, name: str, *, watch: bool = False) -> Joined:
        """Join room ``code``.

        Raises:
            SessionError: refused (``ROOM_NOT_FOUND``, ``NAME_TAKEN``, ``ROOM_FULL``, ...).
        """
        return await self._join(lambda: self.client.join(code, name, watch=watch))

    def ready(self, ready: bool = True) -> None:
        self.client.ready(ready)
        self._pump()

    def start(self) -> None:
        self.client.start()
        self._pump()

    def rematch(self) -> None:
        self.client.rematch()
        self._pump()

    def leave(self) -> None:
        self.client.leave()
        self._pump()

    def now(self) -> float:
        """The local clock the race's times are on (the event loop's)."""
        return asyncio.get_running_loop().time()

    def send_key(self, key: str, now: float | None = None, t: float | None = None) -> None:
        """One key typed now, or at ``now`` on this clock if the caller has read it already
        (its local echo timed it), or at race time ``t`` (ms: a recording replayed at its
        own times): ignored unless racing, and before the start."""
        if self.client.send_key(key, self.now() if now is None else now, t):
            self._pump()

    def tick(self) -> None:
        """Let the client see the time now (the start signal may have passed)."""
        self.client.tick(self.now())
        self._pump()

    def flush(self) -> None:
        """Send the waiting keys now (do it after the finishing key)."""
        self.client.flush(self.now())
        self._pump()

    async def close(self) -> None:
        """Close the connection (leaving no room: the place is kept for the grace period)."""
        self._closing = True
        self._stop_reconnecting()
        closed = ConnectionFailed("The client was closed.")
        for future in (self._welcome, self._joining):
            _fail(future, closed)
        channel, self._channel = self._channel, None
        if channel is not None:
            self.client.connection_lost(CloseCode.NORMAL, "closed by the client", self.now())
            with contextlib.suppress(TransportError, OSError):
                await channel.close()
        self._pump()
        for task in (self._reader, self._writer):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._cancel_timer()
        await self.connector.aclose()

    # -- the pump -----------------------------------------------------------

    async def _join(self, request: Callable[[], None]) -> Joined:
        if self.client.state is not State.IDLE:
            raise SessionError("ALREADY_IN_ROOM", "Already in a room: leave it first.")
        if self._channel is None:
            await self.open()
        self._joined = None
        self._joining = joining = asyncio.get_running_loop().create_future()
        request()
        self._pump()
        joined: Joined = await self._wait(joining)
        return joined

    def _pump(self) -> None:
        client = self.client
        frames = client.data_to_send()
        if frames and self._channel is not None:
            self._outbox.extend(frames)
            self._wake.set()
        for event in client.events_received():
            self._handle(event)
        if self._joined is not None and client.state is not State.JOINING:
            joined, self._joined = self._joined, None
            _resolve(self._joining, joined)
        deadline = client.deadline()
        if deadline is None:
            self._cancel_timer()
        elif self._timer is None or self._timer.when() != deadline:
            self._cancel_timer()
            self._timer = asyncio.get_running_loop().call_at(deadline, self._due)

    def _due(self) -> None:
        self._timer = None
        self.client.tick(self.now())
        self._pump()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _handle(self, event: RaceEvent) -> None:
        if isinstance(event, Welcomed):
            _resolve(self._welcome, None)
        elif isinstance(event, Joined):
            self._joined = event  # answered once the room's state is known (just after)
        elif isinstance(event, RaceErrorReceived):
            _fail(self._joining, SessionError(event.error.code, event.error.message))
        elif isinstance(event, Left):
            _fail(self._joining, SessionError(event.code or "LEFT", event.reason))
        elif isinstance(event, Disconnected):
            if event.resuming and not self._closing:
                self._reconnector = asyncio.get_running_loop().create_task(self._reconnect())
            elif not event.resuming:
                gone = ConnectionFailed(f"Connection lost: {event.reason}.")
                for future in (self._welcome, self._joining):
                    _fail(future, gone)
        elif isinstance(event, StatusChanged) and not self.connector.remote:
            return  # the loopback has no connection worth reporting
        if self.on_event is not None:
            self.on_event(event)

    async def _wait(self, future: asyncio.Future[Any]) -> Any:
        try:
            return await asyncio.wait_for(asyncio.shield(future), REQUEST_TIMEOUT_S)
        except TimeoutError:
            raise ConnectionFailed(
                f"{self.connector.description} did not answer within {REQUEST_TIMEOUT_S:g} s."
            ) from None

    # -- the connection -----------------------------------------------------

    async def _open(self) -> None:
        channel = await self.connector.open(None, None)
        loop = asyncio.get_running_loop()
        self._channel = channel
        self._outbox.clear()
        self._welcome = loop.create_future()
        self._reader = loop.create_task(self._read(channel))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())
        self.client.connection_made(self.now())
        self._pump()

    async def _read(self, channel: ClientChannel) -> None:
        client = self.client
        try:
            while True:
                text = await channel.recv()
                client.receive_frame(text, self.now())
                self._pump()
        except ChannelClosed as closed:
            if channel is self._channel:
                self._channel = None
                client.connection_lost(closed.code, closed.reason, self.now())
                self._pump()

    async def _write(self) -> None:
        await write_frames(self._outbox, self._wake, lambda: self._channel)

    async def _reconnect(self) -> None:
        """Reopen the connection and resume the room, as the protocol paces it."""
        client = self.client
        while not self._closing:
            delay = client.reconnect_delay(self.now())
            self._pump()  # giving up is an event (out of the room)
            if delay is None:
                return
            await asyncio.sleep(delay)
            if not client.wants_resume:
                return
            try:
                await self._open()
            except ConnectionFailed as exc:
                log.info("reconnecting: %s", exc)
                continue
            return

    def _stop_reconnecting(self) -> None:
        task = self._reconnector
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self._reconnector = None
