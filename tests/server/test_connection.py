"""``bartype.server.connection``: keepalive and fragmented messages over a real server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from support import TEST_HANDLER, TIMEOUT_FACTOR
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.uri import parse_uri

from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

T = 5 * TIMEOUT_FACTOR
HELLO = '{"type":"HELLO","data":{"version":1}}'


async def test_a_client_that_answers_no_ping_is_closed_1011(tmp_path: Path) -> None:
    """Keepalive: a silent client gets a ping, then 1011 once the pong is late; a client
    that answers its pings stays open meanwhile."""
    server = BartypeServer(
        ServerConfig(port=0, handler=TEST_HANDLER, ping_interval_s=0.2),
        history=History(tmp_path / "ping.sqlite3"),
    )
    await server.start()
    try:
        url = f"ws://127.0.0.1:{server.port}/ws"
        async with connect(url, ping_interval=None) as polite:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            silent = ClientProtocol(parse_uri(url))
            silent.send_request(silent.connect())
            writer.writelines(silent.data_to_send())
            frames: list[Frame] = []
            async with asyncio.timeout(T):
                while data := await reader.read(4096):
                    silent.receive_data(data)  # its pongs are never sent
                    frames += [e for e in silent.events_received() if isinstance(e, Frame)]
            writer.close()
            assert [f.opcode for f in frames] == [Opcode.PING, Opcode.CLOSE]
            assert Close.parse(frames[1].data).code == 1011
            await polite.send(HELLO)
            assert json.loads(await polite.recv())["type"] == "WELCOME"
    finally:
        await server.stop()


async def test_fragments_are_one_message_in_order(server: BartypeServer) -> None:
    """A message sent in fragments is handled whole, before the frame that follows it."""
    async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        await ws.send(
            json.dumps({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": "ab"}})
        )
        await ws.send('{"type":"START_SESSION"}')
        await ws.send(['{"type":"INPUT_UPDATE","data":{"seq":1,', '"keys":[{"key":"a","t":0}]}}'])
        await ws.send('{"type":"INPUT_UPDATE","data":{"seq":2,"keys":[{"key":"b","t":90}]}}')
        received: list[tuple[str, int | None]] = []
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


def test_text_frames_are_written_as_websockets_writes_them() -> None:
    """The server's own text frame is byte for byte websockets' frame, at every length class."""
    from websockets.extensions.base import Extension

    from bartype.server.connection import text_frame

    no_extensions: list[Extension] = []
    for size in (0, 1, 125, 126, 127, 65535, 65536, 70000):
        payload = ("é" if size % 2 else "a").encode() * (size // 2) + b"x" * (size % 2)
        expected = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=no_extensions)
        assert text_frame(payload) == expected, size
