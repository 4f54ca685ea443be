"""The edges of a connection: the resume query, invalid UTF-8, the Origin of browser pages,
and what the server logs about a request."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from support import TIMEOUT_FACTOR, start_server, stop_server
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from bartype.protocol.messages import CloseCode
from bartype.server.serve import BartypeServer, ServerConfig, log_safe
from bartype.storage.history import History

T = 5 * TIMEOUT_FACTOR
DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def documented_close_codes() -> set[int]:
    """The codes in the first column of the doc's close-code table."""
    table = DOC.read_text(encoding="utf-8").split("## Close codes", 1)[1].split("\n## ", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d{4}) \|", table, re.M)}


def test_every_close_code_the_server_sends_is_documented() -> None:
    """The close-code table lists every code of ``CloseCode``, 1007 (invalid UTF-8, closed by
    websockets) and 1006 (a dropped connection)."""
    sent = {v for k, v in vars(CloseCode).items() if k.isupper()} | {1006, 1007}
    assert sent - documented_close_codes() == set()


async def test_invalid_utf8_closes_1007(server: BartypeServer) -> None:
    """A text frame that is not UTF-8 closes the connection with 1007, as documented."""
    async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
        await ws.send(b'{"type":"HELLO","data":{"version":1}}\xff', text=True)
        async with asyncio.timeout(T):
            await ws.wait_closed()
        assert ws.close_code == 1007
    assert 1007 in documented_close_codes()


async def test_an_empty_session_id_is_an_invalid_session(server: BartypeServer) -> None:
    """``?sessionId=&token=`` asks to resume nothing: ERROR INVALID_SESSION and close 4001,
    not a fresh connection."""
    for query in ("?sessionId=&token=", "?sessionId=", "?token="):
        async with connect(f"ws://127.0.0.1:{server.port}/ws{query}") as ws:
            async with asyncio.timeout(T):
                message = json.loads(await ws.recv())
                await ws.wait_closed()
            assert message["data"]["code"] == "INVALID_SESSION", query
            assert (ws.close_code, ws.close_reason) == (4001, "Invalid session"), query


def _raw_request(port: int, path: bytes, extra_header: bytes = b"") -> None:
    """Send a WebSocket handshake with these raw bytes; read the answer, if any."""
    with socket.create_connection(("127.0.0.1", port), timeout=T) as sock:
        sock.sendall(
            b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n" + extra_header + b"\r\n"
        )
        try:
            sock.recv(4096)
        except OSError:
            pass


async def _created_token(port: int) -> str:
    async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        create = {"mode": "custom", "text": "hi there"}
        await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
        return str(json.loads(await ws.recv())["data"]["token"])


async def test_debug_logs_hold_no_token_and_no_control_byte(tmp_path: Path) -> None:
    """``bartype serve --log-level debug`` logs requests and frames without any token value
    and without raw ESC, BEL, C1 or bidi characters from the request line, the headers or
    the frames: they are written escaped."""
    proc, port = start_server(tmp_path / "server.sqlite3", 0, "--log-level", "debug")
    try:
        _raw_request(port, b"/ws?sessionId=abc&token=SECRET0123\x1b[2J&x=\x07")
        _raw_request(port, b"/ws", b"X-Evil: \x1b]0;pwned\x07 \xc2\x9b31m \xe2\x80\xae\r\n")
        token = await _created_token(port)
        async with connect(f"ws://127.0.0.1:{port}/ws?sessionId=nope&token={token}") as ws:
            await ws.wait_closed()
    finally:
        stop_server(proc)
    assert proc.stderr is not None
    log = proc.stderr.read()
    assert "SECRET0123" not in log and token not in log
    assert "token=" in log  # the request lines are there, with the value left out
    bad = [c for c in log if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert bad == [] and "\u202e" not in log
    assert "\\x1b" in log  # shown escaped


async def test_a_browser_page_of_another_site_is_refused(server: BartypeServer) -> None:
    """A handshake with another site's ``Origin`` gets 403; the server's own page and
    clients without ``Origin`` connect."""
    url = f"ws://127.0.0.1:{server.port}/ws"
    with pytest.raises(InvalidStatus) as refused:
        await connect(url, origin=Origin("http://evil.example"), open_timeout=T)
    assert refused.value.response.status_code == 403
    assert "other sites" in json.loads(refused.value.response.body)["error"]
    own = Origin(f"http://127.0.0.1:{server.port}")
    with_and_without: tuple[dict[str, Any], ...] = ({"origin": own}, {})
    for kwargs in with_and_without:
        async with connect(url, open_timeout=T, **kwargs) as ws:
            await ws.send('{"type":"HELLO","data":{"version":1}}')
            assert json.loads(await ws.recv())["type"] == "WELCOME"


async def test_an_allowed_origin_connects(tmp_path: Path) -> None:
    """An origin given with ``--allow-origin`` may use ``/ws`` from its pages."""
    server = BartypeServer(
        ServerConfig(port=0, allowed_origins=("https://club.example",)),
        history=History(tmp_path / "origin.sqlite3"),
    )
    await server.start()
    try:
        url = f"ws://127.0.0.1:{server.port}/ws"
        async with connect(url, origin=Origin("https://club.example"), open_timeout=T) as ws:
            await ws.send('{"type":"HELLO","data":{"version":1}}')
            assert json.loads(await ws.recv())["type"] == "WELCOME"
        with pytest.raises(InvalidStatus):
            await connect(url, origin=Origin("https://other.example"), open_timeout=T)
    finally:
        await server.stop()


def test_logs_escape_what_the_terminal_would_obey() -> None:
    """``log_safe`` shows control, bidi and surrogate characters as the TUI does, and drops
    tokens."""
    raw = "GET /ws?sessionId=a&token=secret \x1b]0;x\x07 \u202e \ud800"
    assert log_safe(raw) == "GET /ws?sessionId=a&token=<redacted> \\x1b]0;x\\x07 \\u202e \\ud800"
    assert log_safe("a\x1b\nb", lines=True) == "a\\x1b\nb"
