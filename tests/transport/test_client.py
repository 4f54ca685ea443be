"""SessionClient: the same scenarios over the loopback and over a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from support import TEST_HANDLER, TIMEOUT_FACTOR

from bartype.cli import local_client
from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History
from bartype.transport.base import ConnectionFailed, SessionError, VersionMismatch
from bartype.transport.client import SessionClient, SessionOptions

Scenario = Callable[[SessionClient], Awaitable[dict[str, Any]]]


async def settle(client: SessionClient) -> None:
    """Flush queued keys and wait until the server acknowledged all of them."""
    client.flush()
    async with asyncio.timeout(5 * TIMEOUT_FACTOR):
        while client.unacked:
            await asyncio.sleep(0.005)


async def type_chunks(client: SessionClient, chunks: list[list[tuple[str, float]]]) -> None:
    for chunk in chunks:
        for key, t in chunk:
            client.send_key(key, t)
        await settle(client)


def timed(text: str, start: float = 0.0, step: float = 110.0) -> list[tuple[str, float]]:
    return [(ch, start + i * step) for i, ch in enumerate(text)]


async def words_with_typos(client: SessionClient) -> dict[str, Any]:
    await client.create(SessionOptions(mode="words", text="lazy dogs sleep all day"))
    await type_chunks(
        client,
        [
            timed("lazy dp"),
            [("Backspace", 800.0), ("o", 900.0)],
            timed("gs sleep al", 1000),
            [("CtrlBackspace", 2300.0)],
            timed("all day", 2400),
        ],
    )
    return await client.wait_complete()


async def ended_early(client: SessionClient) -> dict[str, Any]:
    await client.create(SessionOptions(mode="words", text="one two three four"))
    await type_chunks(client, [timed("one tw")])
    return await client.end(1000.0)


async def time_mode(client: SessionClient) -> dict[str, Any]:
    await client.create(SessionOptions(mode="time", duration=1, text="tick tock " * 20))
    await type_chunks(client, [timed("tick tock tick", step=60)])
    async with asyncio.timeout(5 * TIMEOUT_FACTOR):
        return await client.wait_complete()


async def zen(client: SessionClient) -> dict[str, Any]:
    created = await client.create(SessionOptions(mode="zen", duration=None))
    assert created.text is None
    await type_chunks(client, [timed("anything goes here")])
    return await client.end(2000.0)


SCENARIOS = [words_with_typos, ended_early, time_mode, zen]


def normalise(messages: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Blank out what differs between runs: ids, tokens, generated seeds."""
    out = []
    for type_, data in messages:
        data = dict(data)
        for key in ("sessionId", "token"):
            if key in data:
                data[key] = "*"
        if "options" in data:
            data["options"] = {**data["options"], "seed": "*"}
        out.append((type_, data))
    return out


async def run(client: SessionClient, scenario: Scenario) -> list[tuple[str, dict[str, Any]]]:
    messages: list[tuple[str, dict[str, Any]]] = []
    client.on_message = lambda type_, data: messages.append((type_, data))
    try:
        result = await scenario(client)
    finally:
        await client.close()
    assert messages[-1] == ("SESSION_COMPLETE", result)
    return normalise(messages)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_loopback_and_server_give_identical_messages(
    scenario: Scenario, server: BartypeServer, tmp_path: Path
) -> None:
    """A keystroke scenario yields the same message sequence over loopback and over a socket."""
    loop_client = local_client(tmp_path / "local.sqlite3", config=TEST_HANDLER)
    await loop_client.create(SessionOptions(mode="zen"))  # says HELLO, like connect() does
    await loop_client.end()
    remote = await SessionClient.connect(f"ws://127.0.0.1:{server.port}")
    await remote.create(SessionOptions(mode="zen"))
    await remote.end()
    over_loopback = await run(loop_client, scenario)
    over_socket = await run(remote, scenario)
    assert over_loopback == over_socket
    types = [t for t, _ in over_socket]
    assert types[:2] == ["SESSION_CREATED", "SESSION_STARTED"]
    assert "METRICS_UPDATE" in types


async def test_words_scenario_result(tmp_path: Path) -> None:
    """The typo scenario ends with the metrics the engine computes, stored locally."""
    client = local_client(tmp_path / "h.sqlite3", config=TEST_HANDLER)
    metrics_seen: list[dict[str, Any]] = []
    client.on_metrics = metrics_seen.append
    result = await words_with_typos(client)
    await client.close()
    assert result["state"] == "completed" and result["resultId"] == 1
    assert result["metrics"]["incorrect"] == 0 and result["metrics"]["errors"] == 1
    assert metrics_seen[-1]["analysis"]["finished"] is True
    with History(tmp_path / "h.sqlite3") as history:
        assert history.get(1).keystrokes is not None


async def test_resume_after_drop_loses_and_duplicates_nothing(server: BartypeServer) -> None:
    """Keys typed while the connection is down are resent after resume, each applied once."""
    client = await SessionClient.connect(f"ws://127.0.0.1:{server.port}")
    statuses: list[str] = []
    client.on_status = statuses.append
    text = "resume me please"
    await client.create(SessionOptions(mode="words", text=text))
    keys = timed(text)
    for key, t in keys[:6]:
        client.send_key(key, t)
    client.flush()
    channel = client._channel
    assert channel is not None
    channel.ws.transport.abort()  # type: ignore[attr-defined]
    for key, t in keys[6:]:
        client.send_key(key, t)  # queued and kept while reconnecting
    async with asyncio.timeout(5 * TIMEOUT_FACTOR):
        result = await client.wait_complete()
    await client.close()
    assert "reconnecting" in statuses and statuses[-1] == "offline"
    assert result["state"] == "completed"
    assert result["metrics"]["keypresses"] == len(text)
    assert result["metrics"]["correct"] == len(text)


async def test_connect_refused_says_what_to_do(unused_tcp_port: int) -> None:
    """Connecting to a closed port raises ConnectionFailed naming the fix."""
    with pytest.raises(ConnectionFailed, match=r"connection refused\). Is `bartype serve`"):
        await SessionClient.connect(f"ws://127.0.0.1:{unused_tcp_port}")


async def test_version_mismatch_is_reported(
    server: BartypeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client speaking another protocol version gets VersionMismatch from connect()."""
    import bartype.transport.client as client_module

    monkeypatch.setattr(client_module, "PROTOCOL_VERSION", 2)
    with pytest.raises(VersionMismatch, match="another protocol version"):
        await SessionClient.connect(f"ws://127.0.0.1:{server.port}")


async def test_server_restart_ends_in_offline(tmp_path: Path) -> None:
    """When the session is gone after a server restart, the client goes offline with an error."""
    first = BartypeServer(ServerConfig(port=0, handler=TEST_HANDLER), history=None)
    await first.start()
    port = first.port
    client = await SessionClient.connect(f"ws://127.0.0.1:{port}")
    statuses: list[str] = []
    client.on_status = statuses.append
    await client.create(SessionOptions(mode="words", text="gone soon"))
    await first.stop()
    second = BartypeServer(ServerConfig(port=port, handler=TEST_HANDLER), history=None)
    await second.start()
    try:
        with pytest.raises(ConnectionFailed):
            async with asyncio.timeout(10 * TIMEOUT_FACTOR):
                await client.wait_complete()
    finally:
        await client.close()
        await second.stop()
    assert statuses[0] == "reconnecting" and statuses[-1] == "offline"


async def test_loopback_without_history_stores_nothing() -> None:
    """A loopback client with no history path completes tests without a result id."""
    client = local_client(None, config=TEST_HANDLER)
    await client.create(SessionOptions(mode="words", text="no disk"))
    for key, t in timed("no disk"):
        client.send_key(key, t)
    result = await client.wait_complete()
    await client.close()
    assert result["state"] == "completed" and result["resultId"] is None


async def test_bad_options_raise_session_error(tmp_path: Path) -> None:
    """Options the server refuses raise SessionError with the server's code."""
    client = local_client(None)
    with pytest.raises(SessionError) as info:
        await client.create(SessionOptions(mode="custom", text=None))
    assert info.value.code == "BAD_MESSAGE"
    await client.close()


async def test_batches_flush_on_size_and_delay(tmp_path: Path) -> None:
    """Keys go out when 32 are queued, or within the flush delay otherwise."""
    client = local_client(None, config=TEST_HANDLER)
    acks: list[int] = []
    client.on_metrics = lambda data: acks.append(data["ack"])
    await client.create(SessionOptions(mode="words", text="a " * 60))
    for i in range(32):
        client.send_key("a" if i % 2 == 0 else " ", i * 50.0)
    assert client.unacked == 1  # the 32nd key sent the batch at once, no timer
    await settle(client)
    assert acks == [1]
    client.send_key("a", 2000.0)
    assert client.unacked == 0  # waiting in the buffer for the flush delay
    async with asyncio.timeout(2 * TIMEOUT_FACTOR):
        while len(acks) < 2:
            await asyncio.sleep(0.005)
    assert acks == [1, 2]
    await client.close()


async def test_last_keys_do_not_wait_for_the_flush_delay() -> None:
    """Keys wait up to FLUSH_DELAY_S to share a frame, but not once the result is awaited."""
    from bartype.transport.client import FLUSH_DELAY_S

    assert FLUSH_DELAY_S >= 0.25  # at 100 WPM (a key every ~120 ms) keys share frames
    client = local_client(None, config=TEST_HANDLER)
    await client.create(SessionOptions(mode="words", text="fast end"))
    for key, t in timed("fast end"):
        client.send_key(key, t)
    assert client.unacked == 0  # all in the buffer, under the batch size
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await asyncio.wait_for(client.wait_complete(), 5 * TIMEOUT_FACTOR)
    assert loop.time() - started < FLUSH_DELAY_S
    assert result["state"] == "completed"
    await client.close()


async def test_a_hostile_server_gets_a_clear_error_not_a_crash() -> None:
    """Malformed answers from a real socket fail create() with BAD_SERVER_MESSAGE, and say so."""
    from websockets.asyncio.server import ServerConnection, serve

    welcome: dict[str, Any] = {
        "version": 1,
        "server": "evil/1",
        "limits": {"maxFrame": 1, "rate": 1},
    }
    welcome["limits"].update(maxKeys=1, maxText=1, sessionTtlS=1)

    async def answer(ws: ServerConnection) -> None:
        async for text in ws:
            kind = json.loads(text)["type"]
            if kind == "HELLO":
                await ws.send(json.dumps({"type": "WELCOME", "data": welcome}))
            elif kind == "CREATE_SESSION":
                await ws.send('{"type":"METRICS_UPDATE","data":{"ack":"lots"}}')
                await ws.send('{"type":"SESSION_CREATED","data":{"sessionId":"x","token":7}}')

    async with serve(answer, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = await SessionClient.connect(f"ws://127.0.0.1:{port}")
        errors: list[dict[str, Any]] = []
        client.on_error = errors.append
        with pytest.raises(SessionError) as info:
            await client.create(SessionOptions(mode="words", text="x"))
        await client.close()
    assert info.value.code == "BAD_SERVER_MESSAGE" and "SESSION_CREATED" in info.value.message
    assert [e["code"] for e in errors] == ["BAD_SERVER_MESSAGE"] * 2
    assert client.session is None
