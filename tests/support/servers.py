"""A real ``bartype serve`` server, in-process on an ephemeral port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History
from support import TEST_HANDLER


@asynccontextmanager
async def running_server(tmp_path: Path) -> AsyncIterator[BartypeServer]:
    """Start a server keeping results under ``tmp_path``; stop it for sure."""
    srv = BartypeServer(
        ServerConfig(port=0, handler=TEST_HANDLER),
        history=History(tmp_path / "server.sqlite3"),
    )
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()
