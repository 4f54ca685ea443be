"""``FastConnection``: used when websockets has the hook it needs, the queue otherwise."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from support import TIMEOUT_FACTOR
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection

from bartype.server import serve
from bartype.server.serve import BartypeServer, FastConnection, fast_path_supported

T = 5 * TIMEOUT_FACTOR


def test_installed_websockets_has_the_hook() -> None:
    """The pinned websockets routes events through process_event: the fast path is on."""
    assert fast_path_supported(ServerConnection)
    assert serve.FAST_PATH


def test_missing_internals_mean_no_fast_path() -> None:
    """A websockets without the hook (or that no longer calls it) turns the fast path off."""

    class NoHook:
        def data_received(self, data: bytes) -> None:
            pass

    class NotCalled(NoHook):
        def process_event(self, event: Any) -> None:
            pass

    assert not fast_path_supported(NoHook)
    assert not fast_path_supported(NotCalled)


async def test_both_paths_answer_in_order(server: BartypeServer) -> None:
    """With or without the fast path, frames are answered in the order they were sent."""
    async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        await asyncio.sleep(0.05)
        conn = next(iter(server._conns.values()))
        assert isinstance(conn.ws, FastConnection) is server.fast_path
        await ws.send(
            json.dumps({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": "ab"}})
        )
        await ws.send('{"type":"START_SESSION"}')
        # A fragmented frame is queued; the frame after it must not overtake it.
        await ws.send(['{"type":"INPUT_UPDATE","data":{"seq":1,', '"keys":[{"key":"a","t":0}]}}'])
        await ws.send('{"type":"INPUT_UPDATE","data":{"seq":2,"keys":[{"key":"b","t":90}]}}')
        received = []
        async with asyncio.timeout(T):
            while len(received) < 5:
                message = json.loads(await ws.recv())
                received.append((message["type"], message["data"].get("ack")))
    assert received == [
        ("SESSION_CREATED", None),
        ("SESSION_STARTED", None),
        ("METRICS_UPDATE", 1),
        ("METRICS_UPDATE", 2),
        ("SESSION_COMPLETE", 2),
    ]


def test_auto_uses_the_fast_path_only_when_supported(monkeypatch: Any) -> None:
    """With FAST_PATH off (a websockets without the hook) the server never asks for it."""
    from bartype.server.serve import ServerConfig

    assert BartypeServer(ServerConfig(port=0)).fast_path is serve.FAST_PATH
    monkeypatch.setattr(serve, "FAST_PATH", False)
    assert BartypeServer(ServerConfig(port=0)).fast_path is False
    assert BartypeServer(ServerConfig(port=0), fast_path=True).fast_path is False
