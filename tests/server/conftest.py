"""Fixtures: a real ``bartype serve`` server on an ephemeral port."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest

try:
    import uvloop
except ImportError:  # not on Windows
    uvloop = None  # type: ignore[assignment]

from bartype.protocol.handler import HandlerConfig
from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

TIMEOUT_FACTOR = float(os.environ.get("BARTYPE_TEST_TIMEOUT_FACTOR", "1"))
"""Scale every timeout in these tests at once, for slow CI machines."""

TEST_HANDLER = HandlerConfig(future_tolerance_ms=None)
"""Scenarios replay recorded key times instantly, so the future check is off."""


@pytest.fixture(params=[True, False], ids=["fast-path", "queue"])
async def server(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[BartypeServer]:
    """A server with frames handled where they are parsed, and one with websockets' queue."""
    srv = BartypeServer(
        ServerConfig(port=0, handler=TEST_HANDLER),
        history=History(tmp_path / "server.sqlite3"),
        fast_path=request.param,
    )
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run every server test on asyncio's loop and on uvloop, which `bartype serve` uses."""
    factories: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
        "asyncio": asyncio.new_event_loop
    }
    if uvloop is not None:
        factories["uvloop"] = uvloop.new_event_loop
    return factories
