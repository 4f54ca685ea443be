"""Fixtures: a real ``bartype serve`` server on an ephemeral port, on both event loops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest

try:
    import uvloop
except ImportError:  # not on Windows
    uvloop = None  # type: ignore[assignment]

from support.servers import running_server

from bartype.server.serve import BartypeServer


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[BartypeServer]:
    """The server `bartype serve` runs, on an ephemeral port."""
    async with running_server(tmp_path) as srv:
        yield srv


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
