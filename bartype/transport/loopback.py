"""In-process transport: a ``SessionHandler`` driven directly, with no network.

Frames are still JSON text, encoded and decoded exactly as over a socket, so
a scenario gives the same messages over the loopback and over ``bartype
serve``. A background task ticks the handler (time limits, expiry) while at
least one channel is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, SessionHandler
from bartype.protocol.messages import Close
from bartype.transport.base import ChannelClosed

TICK_INTERVAL_S = 0.1


class LoopbackChannel:
    """The client end of an in-process connection."""

    def __init__(self, server: LoopbackServer, channel: Channel) -> None:
        self._server = server
        self.channel = channel
        self._queue: asyncio.Queue[str | ChannelClosed] = asyncio.Queue()
        self._closed: ChannelClosed | None = None

    def deliver(self, item: str | ChannelClosed) -> None:
        if self._closed is not None:
            return
        if isinstance(item, ChannelClosed):
            self._closed = item
            self._server.forget(self)
        self._queue.put_nowait(item)

    async def send(self, text: str) -> None:
        if self._closed is not None:
            raise self._closed
        self._server.receive(self, text)

    async def recv(self) -> str:
        item = await self._queue.get()
        if isinstance(item, ChannelClosed):
            self._queue.put_nowait(item)  # later calls fail the same way
            raise item
        return item

    async def close(self) -> None:
        if self._closed is None:
            self.deliver(ChannelClosed(1000, "closed by the client"))


class LoopbackServer:
    """Owns a handler and routes its actions to the right ``LoopbackChannel``."""

    def __init__(
        self,
        handler: SessionHandler,
        *,
        clock: Callable[[], float] = time.monotonic,
        tick_interval: float = TICK_INTERVAL_S,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.handler = handler
        self.clock = clock
        self.tick_interval = tick_interval
        self._channels: dict[int, LoopbackChannel] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._on_close = on_close

    @property
    def remote(self) -> bool:
        return False

    @property
    def description(self) -> str:
        return "the built-in session handler"

    async def open(
        self, session_id: str | None = None, token: str | None = None
    ) -> LoopbackChannel:
        channel = self.handler.open(self.clock(), session_id, token, peer="loopback")
        end = LoopbackChannel(self, channel)
        self._channels[channel.id] = end
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())
        self.pump()
        return end

    def receive(self, end: LoopbackChannel, text: str) -> None:
        self.handler.receive_text(end.channel, text, self.clock())
        self.pump()

    def pump(self) -> None:
        """Deliver every pending action of the handler."""
        for channel in self.handler.take_dirty():
            end = self._channels.get(channel.id)
            for action in channel.take():
                if end is None:
                    continue
                if isinstance(action, Close):
                    end.deliver(ChannelClosed(action.code, action.reason))
                else:
                    end.deliver(encode(action))

    def forget(self, end: LoopbackChannel) -> None:
        if self._channels.pop(end.channel.id, None) is not None:
            self.handler.disconnect(end.channel, self.clock())

    async def _tick_forever(self) -> None:
        while self._channels:
            await asyncio.sleep(self.tick_interval)
            self.handler.tick(self.clock())
            self.pump()

    async def aclose(self) -> None:
        for end in list(self._channels.values()):
            await end.close()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
