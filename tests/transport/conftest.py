"""Fixtures: a real ``bartype serve`` server on an ephemeral port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.servers import running_server

from bartype.server.serve import BartypeServer


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[BartypeServer]:
    """The server `bartype serve` runs, on the default frame path."""
    async with running_server(tmp_path) as srv:
        yield srv
