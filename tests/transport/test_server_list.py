"""Tests for bartype.transport.discovery: what a found server looks like to a user.

No mDNS here (the browser is exercised on loopback in tests/server/test_advertise.py
and between network namespaces in tests/test_discovery_netns.py).
"""

from __future__ import annotations

import io
import ipaddress
import re
from typing import Any

from rich.console import Console

from bartype.transport.discovery import (
    FoundServer,
    local_networks,
    reachable_first,
    servers_table,
)


def _server(**changes: Any) -> FoundServer:
    fields: dict[str, Any] = {
        "instance": "club._bartype._tcp.local.",
        "name": "club",
        "addresses": ("10.77.0.1",),
        "port": 8765,
        "version": "0.1.0",
        "protocol": 1,
        "rooms": 2,
    }
    fields.update(changes)
    return FoundServer(**fields)


def test_url_is_what_play_server_takes() -> None:
    """The URL is ws://HOST:PORT (brackets for IPv6, the path only if not /ws)."""
    assert _server().url == "ws://10.77.0.1:8765"
    assert _server(addresses=("fd00::1",)).url == "ws://[fd00::1]:8765"
    assert _server(path="/bartype").url == "ws://10.77.0.1:8765/bartype"


def test_json_has_every_field() -> None:
    """`bartype servers --json` gives name, address(es), port, url, version, protocol, rooms."""
    assert _server(rooms=None).to_json() == {
        "name": "club",
        "address": "10.77.0.1",
        "addresses": ["10.77.0.1"],
        "port": 8765,
        "url": "ws://10.77.0.1:8765",
        "version": "0.1.0",
        "protocol": 1,
        "rooms": None,
        "instance": "club._bartype._tcp.local.",
    }


def test_hostile_names_show_literally() -> None:
    """Markup and escape sequences from a TXT record print as text; no control byte
    reaches the terminal, and long names are cut."""
    hostile = _server(name="[red]x[/] \x1b[2J\x07" + "y" * 100, version="\x1b]0;pwned\x07")
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="standard").print(
        servers_table([hostile, _server(protocol=None, rooms=None)])
    )
    text = out.getvalue()
    assert "[red]x[/] \\x1b[2J\\x07yyy" in text
    assert "\\x1b]0;pwned\\x07" in text
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", text)  # Rich's own styles only
    assert "\x07" not in text
    assert "y" * 40 not in text and "…" in text
    assert "?" in text  # unknown protocol and rooms


def test_an_address_on_a_local_network_comes_first() -> None:
    """Of the addresses a multi-homed server announces, one on this machine's networks
    is used; the announced order is kept otherwise."""
    nets = [ipaddress.IPv4Network("192.168.1.0/24"), ipaddress.IPv4Network("127.0.0.0/8")]
    announced = ["10.0.0.5", "172.16.0.9", "192.168.1.20", "not-an-ip"]
    assert reachable_first(announced, nets) == (
        "192.168.1.20",
        "10.0.0.5",
        "172.16.0.9",
        "not-an-ip",
    )
    assert reachable_first(["10.0.0.5", "172.16.0.9"], nets) == ("10.0.0.5", "172.16.0.9")


def test_local_networks_include_loopback() -> None:
    """This machine's networks are read from its interfaces (loopback among them)."""
    assert any(ipaddress.IPv4Address("127.0.0.1") in net for net in local_networks())
