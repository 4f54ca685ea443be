"""``Pump``: the asyncio loop around a sans-I/O client, shared by tests and races.

``SessionClient`` drives a ``ClientProtocol`` and ``RaceConnection`` a
``RaceClient`` the same way, as websockets' asyncio client drives its
``ClientProtocol``: the frames the machine has to send go to a writer task, the
frames read go into the machine, its events are handled in order, its
``deadline()`` is kept by one timer, and when it ``wants_resume`` after a drop a
task reopens the connection at the pace ``reconnect_delay`` gives. What a
request awaits (futures) and what an event means is each subclass's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any, Generic, Protocol, TypeVar

from bartype.protocol.messages import CloseCode
from bartype.transport.base import (
    ChannelClosed,
    ClientChannel,
    ConnectionFailed,
    Connector,
    TransportError,
    write_frames,
)
from bartype.transport.base import fail_future as _fail

log = logging.getLogger("bartype.transport")

REQUEST_TIMEOUT_S = 10.0

E = TypeVar("E")


class SansIOClient(Protocol[E]):
    """What the pump needs of a sans-I/O client (``ClientProtocol``, ``RaceClient``)."""

    @property
    def wants_resume(self) -> bool: ...

    def data_to_send(self) -> list[str]: ...

    def events_received(self) -> list[E]: ...

    def deadline(self) -> float | None: ...

    def connection_lost(self, code: int, reason: str, now: float) -> None: ...

    def reconnect_delay(self, now: float) -> float | None: ...


class Pump(Generic[E]):
    """Moves frames between a sans-I/O client and a ``ClientChannel``; see the module docstring."""

    def __init__(self, connector: Connector, machine: SansIOClient[E]) -> None:
        self.connector = connector
        self._machine = machine
        self._channel: ClientChannel | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._welcome: asyncio.Future[None] | None = None
        self._closing = False

    # -- what a subclass says ----------------------------------------------------

    def _handle(self, event: E) -> None:
        """Act on one of the machine's events."""
        raise NotImplementedError

    def _received(self, text: str, now: float) -> None:
        """Hand one frame read to the machine."""
        raise NotImplementedError

    def _due(self) -> None:
        """The machine's deadline came."""
        raise NotImplementedError

    async def _reopen(self) -> None:
        """Open a new connection that resumes what the machine wants resumed."""
        raise NotImplementedError

    def _pumped(self) -> None:
        """After the events of one pass were handled (nothing by default)."""

    # -- the pump ----------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _pump(self) -> None:
        """Send what the machine has to send, act on its events, keep its timer."""
        machine = self._machine
        frames = machine.data_to_send()
        if frames and self._channel is not None:
            self._outbox.extend(frames)
            self._wake.set()
        for event in machine.events_received():
            self._handle(event)
        self._pumped()
        deadline = machine.deadline()
        if deadline is None:
            self._cancel_timer()
        elif self._timer is None or self._timer.when() != deadline:
            self._cancel_timer()
            self._timer = asyncio.get_running_loop().call_at(deadline, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        self._due()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _wait(self, future: asyncio.Future[Any]) -> Any:
        try:
            return await asyncio.wait_for(asyncio.shield(future), REQUEST_TIMEOUT_S)
        except TimeoutError:
            raise ConnectionFailed(
                f"{self.connector.description} did not answer within {REQUEST_TIMEOUT_S:g} s."
            ) from None

    # -- the connection ----------------------------------------------------------

    def _attach(self, channel: ClientChannel, *, greet: bool) -> None:
        """Read and write ``channel`` from now on (``greet``: a new ``WELCOME`` is awaited)."""
        loop = asyncio.get_running_loop()
        self._channel = channel
        self._outbox.clear()
        if greet:
            self._welcome = loop.create_future()
        self._reader = loop.create_task(self._read(channel))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())

    async def _read(self, channel: ClientChannel) -> None:
        try:
            while True:
                text = await channel.recv()
                self._received(text, self._now())
                self._pump()
        except ChannelClosed as closed:
            if channel is self._channel:
                self._channel = None
                self._machine.connection_lost(closed.code, closed.reason, self._now())
                self._pump()

    async def _write(self) -> None:
        await write_frames(self._outbox, self._wake, lambda: self._channel)

    def _start_reconnecting(self) -> None:
        if not self._closing:
            self._reconnector = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        """Reopen the connection and resume, as the machine paces it."""
        machine = self._machine
        while not self._closing:
            delay = machine.reconnect_delay(self._now())
            self._pump()  # giving up is an event (what was to be resumed is lost)
            if delay is None:
                return
            await asyncio.sleep(delay)
            if not machine.wants_resume:
                return  # dropped, or replaced meanwhile: nothing left to resume
            try:
                await self._reopen()
            except ConnectionFailed as exc:
                log.info("reconnecting: %s", exc)
                continue
            return

    def _stop_reconnecting(self) -> None:
        task = self._reconnector
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self._reconnector = None

    async def _shut(self, *futures: asyncio.Future[Any] | None) -> None:
        """Close the connection, fail what waits (``futures``), release the transport."""
        self._closing = True
        self._stop_reconnecting()
        closed = ConnectionFailed("The client was closed.")
        for future in futures:
            _fail(future, closed)
        channel, self._channel = self._channel, None
        if channel is not None:
            self._machine.connection_lost(CloseCode.NORMAL, "closed by the client", self._now())
            with contextlib.suppress(TransportError, OSError):
                await channel.close()
        else:
            self._closed_offline()
        self._pump()
        for task in (self._reader, self._writer, self._reconnector):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._cancel_timer()
        await self.connector.aclose()

    def _closed_offline(self) -> None:
        """Closed with no connection open (nothing by default)."""
