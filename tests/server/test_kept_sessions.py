"""Sessions kept across a restart of a real server: what survives a failed start, and
servers sharing one database."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from pathlib import Path

import pytest
from support import TEST_HANDLER, TIMEOUT_FACTOR, free_port
from websockets.asyncio.client import connect

from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History


def _server(db: Path, port: int) -> BartypeServer:
    return BartypeServer(ServerConfig(port=port, handler=TEST_HANDLER), history=History(db))


async def _session_in_progress(port: int) -> str:
    """Create and start a session, type one key; return its id."""
    async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
        await ws.recv()
        create = {"mode": "custom", "text": "one two three"}
        await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
        session_id = str(json.loads(await ws.recv())["data"]["sessionId"])
        await ws.send(json.dumps({"type": "START_SESSION"}))
        await ws.recv()
        batch = {"seq": 1, "keys": [{"key": "o", "t": 0}]}
        await ws.send(json.dumps({"type": "INPUT_UPDATE", "data": batch}))
        await ws.recv()
        return session_id


async def test_a_failed_start_keeps_the_sessions_for_the_next(tmp_path: Path) -> None:
    """The port is taken when the server comes back: it fails to start, and the sessions
    it would have restored are still there for the start that works."""
    db, port = tmp_path / "server.sqlite3", free_port()
    first = _server(db, port)
    await first.start()
    session_id = await _session_in_progress(port)
    await first.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        blocked = _server(db, port)
        with pytest.raises(OSError):
            await blocked.start()
        blocked.history.close()  # type: ignore[union-attr]
    again = _server(db, port)
    await again.start()
    try:
        assert again.handler.sessions.peek(session_id) is not None
    finally:
        await again.stop()


async def test_servers_sharing_a_database_keep_their_own_sessions(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    ports = [free_port(), free_port()]
    servers = [_server(db, port) for port in ports]
    for server in servers:
        await server.start()
    ids = [await _session_in_progress(port) for port in ports]
    for server in servers:
        await server.stop()
    back = _server(db, ports[0])
    await back.start()
    try:
        assert back.handler.sessions.peek(ids[0]) is not None
        assert back.handler.sessions.peek(ids[1]) is None
    finally:
        await back.stop()
    with History(db) as history:
        assert [k.snapshot["id"] for k in history.take_live_sessions(f"127.0.0.1:{ports[1]}")] == [
            ids[1]
        ]


async def test_a_test_finished_during_a_20_s_restart_is_valid(tmp_path: Path) -> None:
    """The typist finishes a test while the server is away for 20 s: resumed after the
    restart, the keys typed meanwhile give a valid result, not a "timing mismatch"."""
    db, port = tmp_path / "server.sqlite3", free_port()
    text = "the quick brown fox jumps over the lazy dog"
    keys = [{"key": ch, "t": i * 120} for i, ch in enumerate(text)]
    first = BartypeServer(ServerConfig(port=port), history=History(db))  # the default rules
    await first.start()
    try:
        async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
            await ws.recv()
            create = {"mode": "custom", "text": text}
            await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
            created = json.loads(await ws.recv())["data"]
            await ws.send(json.dumps({"type": "START_SESSION"}))
            await ws.recv()
            batch = {"seq": 1, "keys": keys[:8]}  # typed over 0.84 s: not ahead of the server
            await ws.send(json.dumps({"type": "INPUT_UPDATE", "data": batch}))
            await ws.recv()
    finally:
        await first.stop()
    with sqlite3.connect(db) as raw:  # the server stays away for 20 s
        raw.execute("UPDATE live_sessions SET saved_at = saved_at - 20")
    raw.close()
    second = BartypeServer(ServerConfig(port=port), history=History(db))
    await second.start()
    try:
        query = f"sessionId={created['sessionId']}&token={created['token']}"
        async with connect(f"ws://127.0.0.1:{port}/ws?{query}") as ws:
            assert json.loads(await ws.recv())["type"] == "SESSION_ATTACHED"
            await asyncio.sleep(1.0)  # the client's reconnection backoff
            batch = {"seq": 2, "keys": keys[8:]}  # typed while the server was away
            await ws.send(json.dumps({"type": "INPUT_UPDATE", "data": batch}))
            async with asyncio.timeout(5 * TIMEOUT_FACTOR):
                while (message := json.loads(await ws.recv()))["type"] != "SESSION_COMPLETE":
                    pass
    finally:
        await second.stop()
    complete = message["data"]
    assert complete["state"] == "completed"
    assert complete["flags"] == [] and complete["invalidReasons"] == []
    assert complete["valid"] is True
