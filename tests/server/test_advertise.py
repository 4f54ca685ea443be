"""Tests for bartype.server.discovery: advertising on loopback, paired with the real browser.

Everything here binds mDNS to 127.0.0.1 only (zeroconf ``interfaces=["127.0.0.1"]``):
nothing is sent on this machine's network interfaces. Two servers on two
network namespaces are in tests/test_discovery_netns.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from support.discovery import LOOPBACK, Changes, T, unique_name
from support.timeouts import TIMEOUT_FACTOR
from websockets.asyncio.client import connect

from bartype import __version__
from bartype.protocol.discovery import SERVICE_TYPE
from bartype.protocol.messages import PROTOCOL_VERSION
from bartype.server.discovery import (
    RECORD_TTL_S,
    Advertiser,
    AdvertiserState,
    advertised_addresses,
    start_advertising,
)
from bartype.server.serve import ServerConfig, serve_until_stopped
from bartype.transport.discovery import ServerBrowser


def test_a_lan_address_is_advertised_as_it_is() -> None:
    """A server bound to a LAN address is announced there, with or without --advertise."""
    assert advertised_addresses(["10.77.0.1"], explicit=False) == ["10.77.0.1"]
    assert advertised_addresses(["10.77.0.1", "127.0.0.1"], explicit=True) == ["10.77.0.1"]


def test_loopback_is_advertised_only_when_asked() -> None:
    """A loopback-only server is announced (on loopback) only with --advertise."""
    assert advertised_addresses(["127.0.0.1"], explicit=False) == []
    assert advertised_addresses(["127.0.0.1"], explicit=True) == ["127.0.0.1"]
    assert advertised_addresses(["::1", "fe80::1", "not-an-ip"], explicit=True) == []


def test_a_wildcard_stands_for_every_lan_address() -> None:
    """0.0.0.0 is announced as each non-loopback IPv4 address of this machine."""
    import ifaddr

    mine = {
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
    }
    assert set(advertised_addresses(["0.0.0.0"], explicit=False)) == mine
    if not mine:
        assert advertised_addresses(["0.0.0.0"], explicit=True) == ["127.0.0.1"]


async def test_no_advertise_and_loopback_start_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """--no-advertise, or a loopback server not asked to, starts no advertiser (reason logged)."""
    assert start_advertising(["10.77.0.1"], 1, advertise=False, name="x") is None
    with caplog.at_level(logging.INFO, "bartype.server.discovery"):
        assert start_advertising(["127.0.0.1"], 1, advertise=None, name="x") is None
    assert "loopback only" in caplog.text


async def test_browser_sees_a_server_appear_change_and_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Advertised on loopback, a server is found with its address, port and TXT record;
    a new rooms count is re-announced (a failing count is logged once, meanwhile);
    stopping withdraws it."""
    rooms: list[int | None] = [0]

    def count() -> int:
        if rooms[0] is None:
            raise RuntimeError("rooms are not ready")
        return rooms[0]

    name = unique_name("Room [red]x[/]")
    changes = Changes()
    advertiser = Advertiser(name, 45678, LOOPBACK, rooms=count, refresh_s=0.05)
    async with ServerBrowser(changes, interfaces=LOOPBACK):
        advertiser.start()
        try:
            found = await changes.wait(lambda c, s: c == "added" and s.name == name)
            assert advertiser.state is AdvertiserState.ADVERTISED
            assert found.addresses == ("127.0.0.1",) and found.port == 45678
            assert (found.version, found.protocol, found.rooms) == (
                __version__,
                PROTOCOL_VERSION,
                0,
            )
            assert found.url == "ws://127.0.0.1:45678"

            with caplog.at_level(logging.ERROR, "bartype.server.discovery"):
                rooms[0] = None
                async with asyncio.timeout(T):
                    while "could not count" not in caplog.text:
                        await asyncio.sleep(0.01)
                await asyncio.sleep(0.3)  # several more refreshes, still one log line
            assert caplog.text.count("could not count the open rooms; advertising 0") == 1
            rooms[0] = 3
            updated = await changes.wait(lambda c, s: c == "updated" and s.name == name)
            assert updated.rooms == 3 and advertiser.txt.rooms == 3
        finally:
            await advertiser.stop()
        gone = await changes.wait(lambda c, s: c == "removed" and s.name == name)
        assert gone.instance == found.instance
    # mypy keeps its narrowing from before the call, but the state did change.
    assert advertiser.state is AdvertiserState.STOPPED  # type: ignore[comparison-overlap]


async def test_records_have_a_two_minute_ttl() -> None:
    """Every record of the service (PTR and TXT too) is sent with a 120 s TTL; zeroconf's
    own cache then keeps the PTR its minimum of 1,125 s."""
    from zeroconf import IPVersion
    from zeroconf._dns import DNSPointer  # the class of PTR records, not in zeroconf's __all__
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

    advertiser = Advertiser(unique_name("ttl"), 40005, LOOPBACK)
    advertiser.start()
    zc = AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    try:
        await asyncio.wait_for(advertiser.registered.wait(), T)
        assert advertiser.instance_name is not None
        info = AsyncServiceInfo(SERVICE_TYPE, advertiser.instance_name)
        assert await info.async_request(zc.zeroconf, 3000 * TIMEOUT_FACTOR)
        cache = zc.zeroconf.cache
        ttls = {r.type: r.ttl for r in cache.entries_with_name(advertiser.instance_name)}
        ttls |= {r.type: r.ttl for r in cache.entries_with_name(info.server or "")}
        pointers = [r for r in cache.entries_with_name(SERVICE_TYPE) if isinstance(r, DNSPointer)]
        ptr = [r.ttl for r in pointers if r.alias == info.name]
        assert ttls[1] == ttls[16] == ttls[33] == RECORD_TTL_S, ttls  # A, TXT, SRV
        assert ptr == [1125]  # 120 as sent, raised to zeroconf's floor for PTR records
    finally:
        await zc.async_close()
        await advertiser.stop()


async def test_mdns_failure_is_one_warning_not_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    """An address this machine does not have: one clear warning, no exception, FAILED."""
    advertiser = Advertiser("nowhere", 40003, ["203.0.113.9"])  # TEST-NET-3, never local
    with caplog.at_level(logging.WARNING, "bartype.server.discovery"):
        advertiser.start()
        async with asyncio.timeout(T):
            while advertiser.state is AdvertiserState.STARTING:
                await asyncio.sleep(0.01)
    assert advertiser.state is AdvertiserState.FAILED
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "LAN discovery is off" in warnings[0].getMessage()
    assert "203.0.113.9" in warnings[0].getMessage()
    assert "--server ws://HOST:40003" in warnings[0].getMessage()
    await advertiser.stop()
    # mypy keeps its narrowing from before the call, but the state did change.
    assert advertiser.state is AdvertiserState.STOPPED  # type: ignore[comparison-overlap]


async def test_stop_while_probing_is_prompt() -> None:
    """Stopping before registration finished cancels it and closes at once."""
    advertiser = Advertiser(unique_name("brief"), 40004, LOOPBACK)
    advertiser.start()
    await asyncio.sleep(0.2)
    async with asyncio.timeout(3 * TIMEOUT_FACTOR):
        await advertiser.stop()
    assert advertiser.state is AdvertiserState.STOPPED and not advertiser.registered.is_set()


async def test_serve_advertises_while_it_runs(tmp_path: Path) -> None:
    """A real server asked to advertise (on loopback) is found while it runs, its TXT
    record counts a room a client opens, and it is withdrawn when it stops."""
    name = unique_name("serve")
    config = ServerConfig(port=0, db=tmp_path / "s.sqlite3", advertise=True, name=name)
    ready, stop = asyncio.Event(), asyncio.Event()
    changes = Changes()
    async with ServerBrowser(changes, interfaces=LOOPBACK):
        serving = asyncio.create_task(serve_until_stopped(config, ready=ready, stop=stop))
        try:
            await asyncio.wait_for(ready.wait(), T)
            found = await changes.wait(lambda c, s: c == "added" and s.name == name)
            assert found.address == "127.0.0.1" and found.port > 0 and found.rooms == 0
            async with connect(f"{found.url}/ws") as ws:
                await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
                await ws.send(json.dumps({"type": "CREATE_ROOM", "data": {"name": "Ann"}}))
                async with asyncio.timeout(T):
                    while json.loads(await ws.recv())["type"] != "ROOM_JOINED":
                        pass
                await changes.wait(lambda c, s: s.name == name and s.rooms == 1)
        finally:
            stop.set()
            assert await asyncio.wait_for(serving, T) == 0
        await changes.wait(lambda c, s: c == "removed" and s.name == name)
