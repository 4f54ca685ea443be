"""A TCP proxy on 127.0.0.1 that adds latency with jitter, and can cut its connections.

Each direction of each connection is delayed by half the round trip, plus or
minus the jitter (uniform, from a seeded generator), without ever reordering
bytes: a chunk is never delivered before the one read ahead of it. ``drop()``
cuts every connection at once, both sides, with no close frame (a link that
dies), as a pulled cable or a Wi-Fi hand-over would.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field

_EOF = b""


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream connection."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


class LatencyProxy:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:target``, ``rtt_ms`` slower per round trip."""

    def __init__(self, target: int, rtt_ms: float, jitter_ms: float = 0.0, seed: int = 0) -> None:
        self.target = target
        self.rtt_ms = rtt_ms
        self.jitter_ms = jitter_ms
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self.port = 0
        self.connections = 0
        """Connections accepted so far."""

    async def __aenter__(self) -> LatencyProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def drop(self) -> int:
        """Cut every open connection (both sides, no goodbye); return how many."""
        links, self._links = self._links, set()
        for link in links:
            link.abort()
        return len(links)

    def _delay_s(self) -> float:
        one_way = self.rtt_ms / 2 + self._rng.uniform(-self.jitter_ms, self.jitter_ms)
        return max(0.0, one_way) / 1000

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        link.tasks = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.discard(link)
        link.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one direction and deliver each chunk after its delay, in order."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if chunk is _EOF:
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                    return
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        last_due = 0.0
        try:
            while True:
                chunk = await reader.read(65536)
                last_due = max(last_due, loop.time() + self._delay_s())
                queue.put_nowait((last_due, chunk or _EOF))
                if not chunk:
                    break
            await sender
        except (OSError, ConnectionError):
            pass
        finally:
            sender.cancel()
