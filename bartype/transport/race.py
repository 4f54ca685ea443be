"""RaceConnection: the asyncio pump around the sans-I/O ``RaceClient``.

::

    race = await RaceConnection.connect("ws://127.0.0.1:8765")
    race.on_event = show                     # every RaceEvent, in order
    joined = await race.join("YJNZ", "Bob")  # or: await race.create("Ann", {"mode": "words"})
    race.ready(); race.send_key("t") ...
    await race.close()

What a racer must do by the protocol is ``bartype.protocol.race_client``; this
module turns a join into an awaitable and hands every event on; moving frames
between it and a ``ClientChannel`` (the loopback or a WebSocket, as for
``SessionClient``), keeping its timer and reopening the connection when it asks
is ``pump.Pump``'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bartype.protocol.client_events import StatusChanged, Welcomed
from bartype.protocol.race_client import RaceClient
from bartype.protocol.race_events import Disconnected, Joined, Left, RaceErrorReceived, RaceEvent
from bartype.protocol.race_states import State
from bartype.transport.base import ConnectionFailed, Connector, SessionError
from bartype.transport.base import fail_future as _fail
from bartype.transport.base import resolve_future as _resolve
from bartype.transport.pump import Pump


class RaceConnection(Pump[RaceEvent]):
    """One member's connection to a server's rooms; see the module docstring."""

    def __init__(self, connector: Connector, *, client: RaceClient | None = None) -> None:
        self.client = client or RaceClient()
        super().__init__(connector, self.client)
        self.on_event: Callable[[RaceEvent], None] | None = None
        self._joining: asyncio.Future[Joined] | None = None
        self._joined: Joined | None = None
        """``ROOM_JOINED`` came: the join is answered when ``ROOM_STATE`` says where we are."""

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
        await self._shut(self._welcome, self._joining)

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

    def _pumped(self) -> None:
        if self._joined is not None and self.client.state is not State.JOINING:
            joined, self._joined = self._joined, None
            _resolve(self._joining, joined)

    def _due(self) -> None:
        self.client.tick(self.now())
        self._pump()

    def _received(self, text: str, now: float) -> None:
        self.client.receive_frame(text, now)

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
            if event.resuming:
                self._start_reconnecting()
            else:
                gone = ConnectionFailed(f"Connection lost: {event.reason}.")
                for future in (self._welcome, self._joining):
                    _fail(future, gone)
        elif isinstance(event, StatusChanged) and not self.connector.remote:
            return  # the loopback has no connection worth reporting
        if self.on_event is not None:
            self.on_event(event)

    # -- the connection -----------------------------------------------------

    async def _open(self) -> None:
        channel = await self.connector.open(None, None)
        self._attach(channel, greet=True)
        self.client.connection_made(self.now())
        self._pump()

    async def _reopen(self) -> None:
        await self._open()
