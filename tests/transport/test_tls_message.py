"""What a typist is told when the address asks for TLS and the server has none."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.servers import running_server

from bartype.transport.base import ConnectionFailed
from bartype.transport.client import SessionClient


async def test_wss_to_a_plain_server_says_to_use_ws(tmp_path: Path) -> None:
    """wss:// to `bartype serve` (plain WebSocket) says it has no TLS and gives the ws:// URL."""
    async with running_server(tmp_path) as server:
        port = server.port
        with pytest.raises(ConnectionFailed) as caught:
            await SessionClient.connect(f"wss://127.0.0.1:{port}")
    message = str(caught.value)
    assert "TLS" in message
    assert f"ws://127.0.0.1:{port}" in message
    assert "Error)" not in message  # no bare exception class name
