"""A racer whose socket is slow gets the latest lanes, not a growing backlog of stale ones.

A real server on port 0, a room of 40 racers: the host types, 38 others read
everything (honest), and one racer types but never reads, behind small socket
buffers on both sides (a phone on bad Wi-Fi). Once its socket is full, the
server keeps at most one ``RACE_PROGRESS`` and one ``RACE_METRICS`` waiting for
it, each replaced by the newer one; when it reads again, it has skipped the
stale ticks and its last lanes are the honest racers' last lanes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from support import TIMEOUT_FACTOR
from support.servers import running_server
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

T = 10 * TIMEOUT_FACTOR
TEXT = " ".join(["the quick brown fox jumps over the lazy dog"] * 3)
RACERS = 40
TYPED = 60
"""Keys the host and the slow racer type, one every 50 ms: 3 s, some 30 lane updates."""
BUFFER = 4096


def frame(type_: str, data: dict[str, Any] | None = None) -> str:
    return json.dumps({"type": type_, "data": data or {}})


class Member:
    """An honest member: reads everything as it comes, keeps every lane update."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for text in self.ws:
                message = json.loads(text)
                self.messages.append((message["type"], message["data"]))
                self._arrived.set()

    async def expect(self, type_: str) -> dict[str, Any]:
        """The first message of ``type_`` (waiting for it if need be)."""
        async with asyncio.timeout(T):
            while True:
                for seen, data in self.messages:
                    if seen == type_:
                        return data
                self._arrived.clear()
                await self._arrived.wait()

    @property
    def lanes(self) -> list[dict[str, Any]]:
        return [data for seen, data in self.messages if seen == "RACE_PROGRESS"]


async def greeted(ws: ClientConnection) -> ClientConnection:
    await ws.send(frame("HELLO", {"version": 1}))
    assert json.loads(await ws.recv())["type"] == "WELCOME"
    return ws


def small_socket(port: int) -> socket.socket:
    """A client socket with a small receive buffer (set before connecting), connected."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_slow_racer_gets_the_latest_lanes_and_is_not_dropped(tmp_path: Path) -> None:
    """The never-reading racer has one lane update waiting, not many; its last is everyone's."""
    async with running_server(tmp_path) as server, AsyncExitStack() as stack:
        url = f"ws://127.0.0.1:{server.port}/ws"

        async def open_member(**kwargs: Any) -> ClientConnection:
            return await greeted(
                await stack.enter_async_context(connect(url, compression=None, **kwargs))
            )

        host = Member(await open_member())
        options = {"mode": "custom", "text": TEXT}
        create = {"name": "r0", "options": options, "countdownS": 0.2}
        await host.ws.send(frame("CREATE_ROOM", create))
        code = (await host.expect("ROOM_JOINED"))["code"]

        async def join(i: int) -> Member:
            ws = await open_member()
            await ws.send(frame("JOIN_ROOM", {"code": code, "name": f"r{i}"}))
            return Member(ws)

        honest = [host, *await asyncio.gather(*(join(i) for i in range(1, RACERS - 1)))]
        sock = small_socket(server.port)
        slow = await open_member(sock=sock, max_queue=1)
        await slow.send(frame("JOIN_ROOM", {"code": code, "name": "slow"}))
        async with asyncio.timeout(T):
            while len(server.handler.races.registry.get(code).members) < RACERS:  # type: ignore[union-attr]
                await asyncio.sleep(0.01)
        conn = next(
            c for c in server._conns.values() if c.ws.remote_address[1] == sock.getsockname()[1]
        )
        await host.ws.send(frame("START_RACE"))
        countdown = await host.expect("RACE_COUNTDOWN")
        await asyncio.sleep((countdown["startsAt"] - countdown["serverTime"]) / 1000)
        await host.expect("RACE_STARTED")
        most_waiting = {"RACE_PROGRESS": 0, "RACE_METRICS": 0}
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(TYPED):
            await asyncio.sleep(max(0.0, start + i * 0.05 - loop.time()))
            keys = [{"key": TEXT[i], "t": 100 + i * 50}]
            for ws in (host.ws, slow):
                await ws.send(frame("RACE_INPUT", {"seq": i + 1, "keys": keys}))
            for type_ in most_waiting:
                waiting = sum(1 for i in conn.outbox if isinstance(i, tuple) and i[0] == type_)
                most_waiting[type_] = max(most_waiting[type_], waiting)
        await asyncio.sleep(0.3)  # the last key's tick
        assert conn.outbox, "the slow racer's socket never filled: nothing was tested"
        assert most_waiting == {"RACE_PROGRESS": 1, "RACE_METRICS": 1}
        assert not conn.closing
        last = host.lanes[-1]
        assert all(member.lanes[-1] == last for member in honest)
        # Reading again: the stale ticks were skipped, the last lanes are everyone's.
        got: list[dict[str, Any]] = []
        async with asyncio.timeout(T):
            while not got or got[-1]["tick"] < last["tick"]:
                message = json.loads(await slow.recv())
                if message["type"] == "RACE_PROGRESS":
                    got.append(message["data"])
        assert got[-1] == last
        ticks = [lanes["tick"] for lanes in got]
        assert ticks == sorted(set(ticks)) and len(ticks) < len(host.lanes)
