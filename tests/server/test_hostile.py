"""Hostile frames against a real server: every frame answered, nobody muted."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from support import TIMEOUT_FACTOR
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bartype.protocol.messages import Outgoing
from bartype.server.serve import BartypeServer

T = 5 * TIMEOUT_FACTOR
HELLO = '{"type":"HELLO","data":{"version":1}}'


def url(server: BartypeServer) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


async def send(ws: ClientConnection, type_: str, data: dict[str, Any] | None = None) -> None:
    # json.dumps escapes a lone surrogate as \ud800: valid JSON text, as a hostile client sends it.
    await ws.send(json.dumps({"type": type_, "data": data or {}}))


async def recv(ws: ClientConnection, timeout: float = T) -> tuple[str, dict[str, Any]]:
    async with asyncio.timeout(timeout):
        message = json.loads(await ws.recv())
    return message["type"], message["data"]


async def test_lone_surrogate_in_a_text_gets_bad_message(server: BartypeServer) -> None:
    """CREATE_SESSION with a lone surrogate in its text is refused with BAD_MESSAGE, at once."""
    async with connect(url(server)) as ws:
        await ws.send(HELLO)
        assert (await recv(ws))[0] == "WELCOME"
        await ws.send('{"type":"CREATE_SESSION","data":{"mode":"custom","text":"ab\\ud800cd"}}')
        type_, data = await recv(ws, 3 * TIMEOUT_FACTOR)
        assert (type_, data["code"]) == ("ERROR", "BAD_MESSAGE")
        assert server.handler.live_sessions == 0
        await send(ws, "CREATE_SESSION", {"mode": "custom", "text": "abcd"})
        assert (await recv(ws))[0] == "SESSION_CREATED"


async def test_lone_surrogate_key_gets_bad_message(server: BartypeServer) -> None:
    """A key that is a lone surrogate gets BAD_MESSAGE at once; typing goes on."""
    async with connect(url(server)) as ws:
        await send(ws, "CREATE_SESSION", {"mode": "words", "text": "ab cd"})
        assert (await recv(ws))[0] == "SESSION_CREATED"
        await send(ws, "START_SESSION")
        assert (await recv(ws))[0] == "SESSION_STARTED"
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "\ud800", "t": 0}]})
        type_, data = await recv(ws, 3 * TIMEOUT_FACTOR)
        assert (type_, data["code"]) == ("ERROR", "BAD_MESSAGE")
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 0}]})
        type_, data = await recv(ws)
        assert type_ == "METRICS_UPDATE" and data["ack"] == 1


async def _honest_time_test(server: BartypeServer) -> tuple[str, str]:
    """A 1 s time test ended by the server's clock, then END_SESSION: the two replies' types."""
    async with connect(url(server)) as ws:
        await send(ws, "CREATE_SESSION", {"mode": "time", "duration": 1, "seed": 7})
        assert (await recv(ws))[0] == "SESSION_CREATED"
        await send(ws, "START_SESSION")
        assert (await recv(ws))[0] == "SESSION_STARTED"
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "x", "t": 0}]})
        assert (await recv(ws))[0] == "METRICS_UPDATE"
        try:  # the server's clock ends it 1 s after its key, and its grace for late keys
            ended = (await recv(ws, 1 + server.handler.config.time_grace_ms / 1000 + T))[0]
        except TimeoutError:
            ended = "nothing"
        await send(ws, "END_SESSION")
        try:
            again = (await recv(ws))[0]
        except TimeoutError:
            again = "nothing"
        return ended, again


async def _hostile_time_test(server: BartypeServer) -> None:
    """A 1 s time test whose text starts with a lone surrogate, one key, left to the clock."""
    async with connect(url(server)) as ws:
        text = "\ud800bc def ghi"
        await send(ws, "CREATE_SESSION", {"mode": "time", "duration": 1, "text": text})
        await send(ws, "START_SESSION")
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 0}]})
        with pytest.raises((ConnectionClosed, TimeoutError)):
            while True:
                await recv(ws, 3 * TIMEOUT_FACTOR)


async def test_a_hostile_time_test_mutes_no_honest_one(server: BartypeServer) -> None:
    """Twenty honest time tests next to one with a surrogate text all end and answer END_SESSION."""
    honest = [_honest_time_test(server) for _ in range(20)]
    results = await asyncio.gather(_hostile_time_test(server), *honest)
    assert results[1:] == [("SESSION_COMPLETE", "SESSION_COMPLETE")] * 20


async def test_one_unsendable_reply_skips_no_other_channel(
    server: BartypeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply that cannot be sent closes its connection with 1011; the others get theirs."""
    async with connect(url(server)) as bad, connect(url(server)) as a, connect(url(server)) as b:
        for ws in (bad, a, b):
            await ws.send(HELLO)
            assert (await recv(ws))[0] == "WELCOME"
        port = {c.ws.remote_address[1]: c.channel for c in server._conns.values()}
        channels = [port[ws.local_address[1]] for ws in (bad, a, b)]
        # A reply no socket can carry (as a handler bug could make), queued before the others'.
        server.handler._emit(channels[0], Outgoing("ERROR", {"code": "X", "message": "\ud800"}))
        for channel in channels[1:]:
            server.handler._emit(channel, Outgoing("ERROR", {"code": "PING", "message": "ok"}))
        with caplog.at_level(logging.ERROR, logger="bartype.server"):
            server._pump()
        for ws in (a, b):
            assert (await recv(ws))[1]["code"] == "PING"
        async with asyncio.timeout(T):
            await bad.wait_closed()
        assert bad.close_code == 1011
        for ws in (a, b):  # and they keep being served
            await ws.send(HELLO)
            assert (await recv(ws))[1]["code"] == "ALREADY_HELLO"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1


async def _finished_session(server: BartypeServer, ws: ClientConnection) -> None:
    await send(ws, "CREATE_SESSION", {"mode": "custom", "text": "ab"})
    assert (await recv(ws))[0] == "SESSION_CREATED"
    await send(ws, "START_SESSION")
    assert (await recv(ws))[0] == "SESSION_STARTED"
    await send(
        ws, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 0}, {"key": "b", "t": 90}]}
    )
    assert (await recv(ws))[0] == "METRICS_UPDATE"
    assert (await recv(ws))[0] == "SESSION_COMPLETE"


async def test_a_repeated_session_complete_is_queued_once(server: BartypeServer) -> None:
    """END_SESSION again and again while the first SESSION_COMPLETE waits queues it only once."""
    async with connect(url(server)) as ws:
        await _finished_session(server, ws)
        conn = next(iter(server._conns.values()))
        conn.outbox.append(("ERROR", "{}"))  # pretend the socket is backed up
        conn.queued = 2
        for _ in range(50):
            server.handler.receive_text(conn.channel, '{"type":"END_SESSION"}', 0.0)
            server._pump()
        types = [item[0] if isinstance(item, tuple) else item for item in conn.outbox]
        assert types == ["ERROR", "SESSION_COMPLETE"]
        conn.outbox.clear()
        conn.queued = 0
        conn.queued_complete = None


async def test_the_outbox_limit_counts_bytes(tmp_path: Any) -> None:
    """A slow reader is closed with 4008 once its unsent messages pass outbox_bytes, not before."""
    from bartype.server.serve import ServerConfig

    server = BartypeServer(ServerConfig(port=0, outbox_bytes=10_000))
    await server.start()
    try:
        async with connect(url(server)) as ws:
            await ws.send(HELLO)
            assert (await recv(ws))[0] == "WELCOME"
            conn = next(iter(server._conns.values()))
            conn.outbox.append(("ERROR", "{}"))  # pretend the socket is backed up
            conn.queued = 2
            big = Outgoing("ERROR", {"code": "X", "message": "m" * 3000})
            for _ in range(3):
                server._push(conn, big)
            assert not conn.closing and conn.queued > 9000
            server._push(conn, big)
            assert conn.closing and not conn.outbox
            async with asyncio.timeout(T):
                await ws.wait_closed()
            assert (ws.close_code, ws.close_reason) == (4008, "Client too slow")
    finally:
        await server.stop()


async def test_a_connection_that_never_says_hello_is_closed(tmp_path: Any) -> None:
    """Silent and junk-only connections are closed with 1008 at the HELLO timeout; others stay."""
    from bartype.server.serve import ServerConfig

    server = BartypeServer(ServerConfig(port=0, hello_timeout_s=0.3))
    await server.start()
    try:
        async with (
            connect(url(server)) as silent,
            connect(url(server)) as junk,
            connect(url(server)) as polite,
            connect(url(server)) as creator,
        ):
            await junk.send("{nope")
            await polite.send(HELLO)
            await send(creator, "CREATE_SESSION", {"mode": "zen"})
            for ws in (silent, junk):
                async with asyncio.timeout(T):
                    await ws.wait_closed()
                assert (ws.close_code, ws.close_reason) == (1008, "No HELLO in time")
            assert (await recv(polite))[0] == "WELCOME"
            assert (await recv(creator))[0] == "SESSION_CREATED"
            await polite.send(HELLO)
            assert (await recv(polite))[1]["code"] == "ALREADY_HELLO"
            await send(creator, "START_SESSION")
            assert (await recv(creator))[0] == "SESSION_STARTED"
    finally:
        await server.stop()
