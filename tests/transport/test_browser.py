"""The browser on loopback: a server that dies without its goodbye leaves the list.

mDNS is bound to 127.0.0.1 only: nothing is sent on this machine's network interfaces.
"""

from __future__ import annotations

import asyncio

from support.discovery import LOOPBACK, Changes, unique_name
from support.timeouts import TIMEOUT_FACTOR

from bartype.server.discovery import Advertiser
from bartype.transport.discovery import ServerBrowser


async def test_a_server_that_dies_without_goodbye_is_dropped() -> None:
    """When a server's records expire the browser asks it again: a silent one is dropped,
    a live one stays."""
    changes = Changes()
    alive = Advertiser(unique_name("alive"), 40006, LOOPBACK, record_ttl_s=1)
    dead = Advertiser(unique_name("dead"), 40007, LOOPBACK, record_ttl_s=1)
    async with ServerBrowser(
        changes, interfaces=LOOPBACK, check_s=0.3, resolve_timeout_s=1.5 * TIMEOUT_FACTOR
    ) as browser:
        alive.start()
        dead.start()
        try:
            await changes.wait(lambda c, s: c == "added" and s.name == alive.name)
            await changes.wait(lambda c, s: c == "added" and s.name == dead.name)
            # As on SIGKILL: the sockets close and no goodbye goes out.
            assert dead._zc is not None
            await dead._zc.zeroconf._async_close()
            await changes.wait(lambda c, s: c == "removed" and s.name == dead.name)
            await asyncio.sleep(2.5)  # the live one's records expired and it was asked again
            assert [s.name for s in browser.servers if s.name in (alive.name, dead.name)] == [
                alive.name
            ]
            assert not any(c == "removed" and s.name == alive.name for c, s in changes.seen)
        finally:
            await alive.stop()
            await dead.stop()
