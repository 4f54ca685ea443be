"""Admission by address at TCP accept: the bookkeeping, then a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from support import TEST_HANDLER, TIMEOUT_FACTOR
from websockets.asyncio.client import connect

from bartype.server.admission import Admission, Refusals, Stage
from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

T = 5 * TIMEOUT_FACTOR
HALF_REQUEST = b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"


def test_beyond_the_burst_connections_wait_and_beyond_the_cap_are_refused() -> None:
    """Burst 2, cap 4: two start, two wait, the fifth is refused; another address starts."""
    gate: Admission[str] = Admission(max_held=4, rate=10.0, burst=2.0)
    stages = [gate.arrive(c, "10.0.0.1", 0.0) for c in "abcde"]
    assert stages == [Stage.STARTED, Stage.STARTED, Stage.WAITING, Stage.WAITING, None]
    assert gate.held("10.0.0.1") == 4
    assert gate.refused == 1
    assert gate.arrive("x", "10.0.0.2", 0.0) is Stage.STARTED


def test_waiting_connections_start_at_the_rate_in_order() -> None:
    """At 10/s, one waiting connection is due every 0.1 s, the longest waiting first."""
    gate: Admission[str] = Admission(max_held=10, rate=10.0, burst=1.0)
    for c in "abc":
        gate.arrive(c, "p", 0.0)
    assert gate.due(0.05) == []
    assert gate.due(0.1) == ["b"]
    assert gate.stage("b") is Stage.STARTED
    assert gate.due(0.25) == ["c"]
    assert gate.due(10.0) == []
    assert gate.arrive("d", "p", 10.0) is Stage.STARTED  # the bucket refilled meanwhile


def test_a_newcomer_does_not_jump_the_queue() -> None:
    """With connections waiting, a new one waits behind them even if a token is there."""
    gate: Admission[str] = Admission(max_held=10, rate=10.0, burst=1.0)
    gate.arrive("a", "p", 0.0)
    gate.arrive("b", "p", 0.0)
    assert gate.arrive("c", "p", 0.5) is Stage.WAITING
    assert gate.due(0.5) == ["b"]


def test_a_waiting_connection_that_leaves_gives_up_its_place() -> None:
    """A waiting connection that closes is not started, and frees its place under the cap."""
    gate: Admission[str] = Admission(max_held=10, rate=10.0, burst=1.0)
    for c in "abc":
        gate.arrive(c, "p", 0.0)
    gate.left("b")
    assert gate.waiting() == ["c"]
    assert gate.due(0.1) == ["c"]
    assert gate.held("p") == 2


def test_an_address_cannot_refill_its_bucket_by_leaving() -> None:
    """An address that closes everything keeps its spent bucket until it refills."""
    gate: Admission[str] = Admission(max_held=10, rate=10.0, burst=2.0)
    gate.arrive("a", "p", 0.0)
    gate.arrive("b", "p", 0.0)
    gate.left("a")
    gate.left("b")
    gate.forget_idle(0.05)
    assert gate.arrive("c", "p", 0.05) is Stage.WAITING
    gate.left("c")
    gate.forget_idle(10.0)
    assert gate.held("p") == 0 and not gate._addresses


def test_a_pacing_that_could_never_start_a_handshake_is_refused() -> None:
    """A rate that is not positive, or a burst below one token, is a ValueError naming it."""
    with pytest.raises(ValueError, match="rate must be positive"):
        Admission(max_held=4, rate=0.0)
    with pytest.raises(ValueError, match="burst must be at least 1"):
        Admission(max_held=4, burst=0.5)


def test_the_canned_refusal_is_a_complete_http_response() -> None:
    """The refusal has a status line, a Date, Retry-After, Connection: close and a JSON body."""
    raw = Refusals("bartype/test").response(
        HTTPStatus.TOO_MANY_REQUESTS, "Too many.", 1_700_000_000.5
    )
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 429 Too Many Requests"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Retry-After"] == "1"
    assert headers["Connection"] == "close"
    assert headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert int(headers["Content-Length"]) == len(body)
    assert json.loads(body) == {"error": "Too many."}


@asynccontextmanager
async def running(tmp_path: Path, **options: Any) -> AsyncIterator[BartypeServer]:
    server = BartypeServer(
        ServerConfig(port=0, handler=TEST_HANDLER, **options),
        history=History(tmp_path / "admission.sqlite3"),
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def half_open(server: BartypeServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection from 127.0.0.1 that sends half a handshake and stalls."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(HALF_REQUEST)
    await writer.drain()
    return reader, writer


async def test_a_burst_from_one_address_gets_in_at_its_rate(tmp_path: Path) -> None:
    """Six at once with a burst of 2 at 10/s: all open, the last about 0.4 s later."""
    async with running(tmp_path, handshake_rate=10.0, handshake_burst=2.0) as server:
        url = f"ws://127.0.0.1:{server.port}/ws"
        loop = asyncio.get_running_loop()
        began = loop.time()

        async def one() -> float:
            async with connect(url, open_timeout=T) as ws:
                await ws.send('{"type":"HELLO","data":{"version":1}}')
                assert json.loads(await ws.recv())["type"] == "WELCOME"
                return loop.time() - began

        burst = asyncio.gather(*(one() for _ in range(6)))
        await asyncio.sleep(0.05)
        async with asyncio.timeout(T):  # another address is not held up meanwhile
            async with connect(url, local_addr=("127.0.0.2", 0)) as other:
                await other.send('{"type":"HELLO","data":{"version":1}}')
                assert json.loads(await other.recv())["type"] == "WELCOME"
        other_at = loop.time() - began
        async with asyncio.timeout(T):
            times = sorted(await burst)
        assert times[-1] >= 0.3  # four waited their turn: 0.1 s apart
        assert other_at < times[-1]


async def test_stalled_handshakes_hold_up_no_other(tmp_path: Path) -> None:
    """Connections stalled half-way through their handshake do not delay the next one."""
    async with running(tmp_path, handshake_burst=20.0) as server:
        stalled = [await half_open(server) for _ in range(10)]
        async with asyncio.timeout(T):
            async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
                await ws.send('{"type":"HELLO","data":{"version":1}}')
                assert json.loads(await ws.recv())["type"] == "WELCOME"
        for _, writer in stalled:
            writer.close()


async def test_a_refused_half_request_still_gets_its_answer(tmp_path: Path) -> None:
    """Past --max-per-ip, even a connection that sends half a request reads 429, then EOF."""
    async with running(tmp_path, max_per_ip=1) as server:
        _, first = await half_open(server)
        reader, writer = await half_open(server)
        async with asyncio.timeout(T):
            answer = await reader.read()  # to EOF: the server closes after answering
        assert answer.startswith(b"HTTP/1.1 429 Too Many Requests\r\n")
        assert b'"error": "Too many connections from your address' in answer
        assert server.health()["connections"] == 0
        for w in (first, writer):
            w.close()


async def test_health_counts_against_the_address_cap(tmp_path: Path) -> None:
    """An address at --max-per-ip gets 429 on /health too; the server holds no more for it."""
    async with running(tmp_path, max_per_ip=2) as server:
        url = f"ws://127.0.0.1:{server.port}/ws"
        async with connect(url), connect(url):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            async with asyncio.timeout(T):
                assert (await reader.read()).startswith(b"HTTP/1.1 429 ")
            writer.close()
            assert server._gate.admission.held("127.0.0.1") == 2
