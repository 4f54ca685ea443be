"""bartype serve over real sockets, with the plain websockets client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support import TEST_HANDLER, TIMEOUT_FACTOR
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

T = 5 * TIMEOUT_FACTOR


def url(server: BartypeServer, query: str = "") -> str:
    return f"ws://127.0.0.1:{server.port}/ws{query}"


async def send(ws: ClientConnection, type_: str, data: dict[str, Any] | None = None) -> None:
    await ws.send(json.dumps({"type": type_, "data": data or {}}))


async def recv(ws: ClientConnection) -> tuple[str, dict[str, Any]]:
    async with asyncio.timeout(T):
        message = json.loads(await ws.recv())
    return message["type"], message["data"]


async def closed(ws: ClientConnection) -> tuple[int | None, str | None]:
    """Wait for the close and return (code, reason) sent by the server."""
    async with asyncio.timeout(T):
        await ws.wait_closed()
    return ws.close_code, ws.close_reason


async def create(ws: ClientConnection, text: str = "hello world") -> dict[str, Any]:
    await send(ws, "CREATE_SESSION", {"mode": "words", "text": text})
    type_, data = await recv(ws)
    assert type_ == "SESSION_CREATED"
    await send(ws, "START_SESSION")
    assert (await recv(ws))[0] == "SESSION_STARTED"
    return data


def keys(text: str, start: float = 0, step: float = 100) -> list[dict[str, Any]]:
    return [{"key": ch, "t": start + i * step} for i, ch in enumerate(text)]


async def test_session_message_without_session_closes_4000(server: BartypeServer) -> None:
    """START_SESSION with no session gets ERROR SESSION_REQUIRED and close 4000."""
    async with connect(url(server)) as ws:
        await send(ws, "START_SESSION")
        assert (await recv(ws))[1]["code"] == "SESSION_REQUIRED"
        assert await closed(ws) == (4000, "Session ID is required")


@pytest.mark.parametrize("which", ["unknown id", "wrong token"])
async def test_invalid_session_closes_4001(server: BartypeServer, which: str) -> None:
    """Attaching with an unknown id or a wrong token closes 4001 "Invalid session"."""
    async with connect(url(server)) as first:
        created = await create(first)
    sid = "nope" if which == "unknown id" else created["sessionId"]
    async with connect(url(server, f"?sessionId={sid}&token=bad")) as ws:
        assert (await recv(ws))[1]["code"] == "INVALID_SESSION"
        assert await closed(ws) == (4001, "Invalid session")


async def test_full_test_and_stored_result(server: BartypeServer, tmp_path: Path) -> None:
    """A whole test over the socket ends with SESSION_COMPLETE and a stored result."""
    async with connect(url(server)) as ws:
        await send(ws, "HELLO", {"version": 1})
        assert (await recv(ws))[0] == "WELCOME"
        await create(ws)
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("hello world")})
        type_, metrics = await recv(ws)
        assert type_ == "METRICS_UPDATE" and metrics["ack"] == 1
        type_, complete = await recv(ws)
        assert type_ == "SESSION_COMPLETE" and complete["resultId"] == 1
        assert complete["metrics"]["correct"] == 11
    assert server.history is not None
    assert isinstance(server.history, History) and server.history.count() == 1


async def test_resume_with_token_after_disconnect(server: BartypeServer) -> None:
    """Reconnecting with the token resumes; a resent batch is acked, not applied again."""
    async with connect(url(server)) as ws:
        created = await create(ws, "one two")
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("one")})
        await recv(ws)
    query = f"?sessionId={created['sessionId']}&token={created['token']}"
    async with connect(url(server, query)) as ws:
        type_, attached = await recv(ws)
        assert type_ == "SESSION_ATTACHED" and attached["ack"] == 1
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("one")})
        assert (await recv(ws))[1]["metrics"]["keypresses"] == 3
        await send(ws, "INPUT_UPDATE", {"seq": 2, "keys": keys(" two", 300)})
        await recv(ws)
        type_, complete = await recv(ws)
        assert type_ == "SESSION_COMPLETE" and complete["metrics"]["keypresses"] == 7


async def test_bad_frames_get_errors_and_the_connection_survives(server: BartypeServer) -> None:
    """Malformed JSON, binary frames and unknown types get ERRORs; the connection stays usable."""
    async with connect(url(server)) as ws:
        await ws.send("{nope")
        assert (await recv(ws))[1]["code"] == "BAD_JSON"
        await ws.send(b"\x00\x01")
        assert (await recv(ws))[1]["code"] == "BAD_FRAME"
        await send(ws, "LAUNCH_ROCKET")
        assert (await recv(ws))[1]["code"] == "UNKNOWN_TYPE"
        await send(ws, "HELLO", {"version": 1, "colour": "red"})
        assert (await recv(ws))[1]["code"] == "UNKNOWN_FIELD"
        await send(ws, "HELLO", {"version": 1})
        assert (await recv(ws))[0] == "WELCOME"


async def test_wrong_state_messages(server: BartypeServer) -> None:
    """Input before START, a second START and input after completion get documented codes."""
    async with connect(url(server)) as ws:
        await send(ws, "CREATE_SESSION", {"mode": "words", "text": "ok"})
        await recv(ws)
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("o")})
        assert (await recv(ws))[1]["code"] == "NOT_STARTED"
        await send(ws, "START_SESSION")
        await recv(ws)
        await send(ws, "START_SESSION")
        assert (await recv(ws))[1]["code"] == "ALREADY_STARTED"
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("ok")})
        await recv(ws)
        assert (await recv(ws))[0] == "SESSION_COMPLETE"
        await send(ws, "INPUT_UPDATE", {"seq": 2, "keys": keys("k", 500)})
        assert (await recv(ws))[1]["code"] == "SESSION_FINISHED"


async def test_oversized_frame_closes_1009(tmp_path: Path) -> None:
    """A frame over --max-frame closes that connection with 1009 and no other."""
    async with running(tmp_path, max_frame=1024) as server:
        async with connect(url(server)) as other, connect(url(server)) as ws:
            await ws.send("x" * 2000)
            code, _ = await closed(ws)
            assert code == 1009
            await send(other, "HELLO", {"version": 1})
            assert (await recv(other))[0] == "WELCOME"


async def test_flood_is_cut_off_and_others_are_unaffected(tmp_path: Path) -> None:
    """A client over the message rate gets RATE_LIMITED and 1008; a normal typist finishes."""
    async with running(tmp_path, rate=50.0) as server:
        async with connect(url(server)) as flooder, connect(url(server)) as typist:
            await create(typist, "steady typing wins")

            async def flood() -> None:
                try:
                    for _ in range(2000):
                        await flooder.send('{"type":"HELLO","data":{"version":1}}')
                except ConnectionClosed:
                    pass

            async def type_normally() -> dict[str, Any]:
                text = "steady typing wins"
                for seq, i in enumerate(range(0, len(text), 3), start=1):
                    chunk = keys(text[i : i + 3], start=i * 100)
                    await send(typist, "INPUT_UPDATE", {"seq": seq, "keys": chunk})
                    assert (await recv(typist))[0] == "METRICS_UPDATE"
                    await asyncio.sleep(0.01)
                return (await recv(typist))[1]

            _, complete = await asyncio.gather(flood(), type_normally())
            assert complete["state"] == "completed"
            codes = []
            with pytest.raises(ConnectionClosed):
                while True:
                    codes.append(json.loads(await flooder.recv())["data"].get("code"))
            assert "RATE_LIMITED" in codes
            assert flooder.close_code == 1008


async def test_per_address_limit_refuses_only_the_extra(tmp_path: Path) -> None:
    """Beyond --max-per-ip the handshake gets HTTP 429; open connections keep working."""
    async with running(tmp_path, max_per_ip=2) as server:
        async with connect(url(server)) as a, connect(url(server)) as b:
            with pytest.raises(InvalidStatus) as info:
                async with connect(url(server)):
                    pass
            assert info.value.response.status_code == 429
            for ws in (a, b):
                await send(ws, "HELLO", {"version": 1})
                assert (await recv(ws))[0] == "WELCOME"


async def test_health_endpoint(server: BartypeServer) -> None:
    """GET /health answers 200 JSON with status, version, connections and sessions."""
    async with connect(url(server)) as ws:
        await create(ws)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        async with asyncio.timeout(T):
            response = await reader.read()
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"application/json" in head
    health = json.loads(body)
    assert health["status"] == "ok" and health["connections"] == 1 and health["sessions"] == 1
    assert health["version"] and health["protocol"] == 1


async def test_unknown_path_is_404(server: BartypeServer) -> None:
    """Any path other than /ws and /health is refused with 404."""
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{server.port}/elsewhere"):
            pass
    assert info.value.response.status_code == 404


async def test_stop_closes_clients_with_1001(tmp_path: Path) -> None:
    """Stopping the server tells clients SERVER_SHUTDOWN and closes them with 1001."""
    server = BartypeServer(ServerConfig(port=0), history=History(tmp_path / "s.sqlite3"))
    await server.start()
    async with connect(url(server)) as ws:
        await server.stop()
        assert (await recv(ws))[1]["code"] == "SERVER_SHUTDOWN"
        assert (await closed(ws))[0] == 1001


async def test_slow_reader_outbox_coalesces_metrics(server: BartypeServer) -> None:
    """Queued METRICS_UPDATEs for a connection that cannot keep up replace each other."""
    from bartype.protocol.messages import Outgoing

    async with connect(url(server)) as ws:
        await send(ws, "HELLO", {"version": 1})
        await recv(ws)
        conn = next(iter(server._conns.values()))
        conn.outbox.append(("ERROR", "{}"))  # pretend the socket is backed up
        conn.queued = 2
        for ack in range(5):
            server._push(conn, Outgoing("METRICS_UPDATE", {"ack": ack}))
        frames = [item for item in conn.outbox if isinstance(item, tuple)]
        assert len(frames) == len(conn.outbox)  # no close among them
        assert [t for t, _ in frames] == ["ERROR", "METRICS_UPDATE"]
        assert '"ack":4' in frames[-1][1]
        conn.outbox.clear()


async def test_a_direct_reply_queued_behind_others_keeps_its_type(server: BartypeServer) -> None:
    """A hot-path reply (send_reply) that must wait is queued under its type, so a newer
    one replaces it; while the socket keeps up it is written at once."""
    async with connect(url(server)) as ws:
        await send(ws, "HELLO", {"version": 1})
        await recv(ws)
        conn = next(iter(server._conns.values()))
        conn.send_reply('{"type":"INPUT_ACK","data":{"ack":1}}')
        assert (await recv(ws)) == ("INPUT_ACK", {"ack": 1}) and not conn.outbox
        conn.outbox.append(("ERROR", "{}"))  # pretend the socket is backed up
        conn.queued = 2
        conn.send_reply('{"type":"INPUT_ACK","data":{"ack":2}}')
        conn.send_reply('{"type":"METRICS_UPDATE","data":{"ack":3}}')
        types = [item[0] for item in conn.outbox if isinstance(item, tuple)]
        assert types == ["ERROR", "METRICS_UPDATE"] and len(conn.outbox) == 2
        conn.outbox.clear()


@asynccontextmanager
async def running(tmp_path: Path, **options: Any) -> AsyncIterator[BartypeServer]:
    server = BartypeServer(
        ServerConfig(port=0, handler=TEST_HANDLER, **options),
        history=History(tmp_path / "limits.sqlite3"),
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
