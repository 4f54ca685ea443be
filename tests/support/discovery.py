"""LAN discovery helpers: what a browser reported, and names no other test run uses."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable

from bartype.transport.discovery import Change, FoundServer
from support.timeouts import TIMEOUT_FACTOR

LOOPBACK = ["127.0.0.1"]
T = 8 * TIMEOUT_FACTOR
"""Registration probes for ~1.5 s; leave room for a loaded machine."""


class Changes:
    """What a browser reported, with a way to wait for one change of one server."""

    def __init__(self) -> None:
        self.seen: list[tuple[Change, FoundServer]] = []
        self._event = asyncio.Event()

    def __call__(self, change: Change, server: FoundServer) -> None:
        self.seen.append((change, server))
        self._event.set()

    async def wait(self, match: Callable[[Change, FoundServer], bool]) -> FoundServer:
        async with asyncio.timeout(T):
            while True:
                for change, server in self.seen:
                    if match(change, server):
                        return server
                self._event.clear()
                await self._event.wait()


def unique_name(prefix: str) -> str:
    """A server name of this test run only (other runs may browse the same loopback)."""
    return f"{prefix} {secrets.token_hex(4)}"
