"""The address key every per-address limit counts a client under."""

from __future__ import annotations

import pytest

from bartype.protocol.addresses import address_key, peer_key


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::FFFF:c000:0207", "192.0.2.7"),
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::1", "::/64"),
        ("2001:db8:1:2::/64", "2001:db8:1:2::/64"),
        ("loopback", "loopback"),
        ("not:an:address", "not:an:address"),
        ("", ""),
    ],
)
def test_ipv6_is_keyed_by_its_64_and_ipv4_mapped_by_the_ipv4_address(host: str, key: str) -> None:
    """IPv4 stays, IPv4-mapped IPv6 is its IPv4 address, IPv6 is its /64, the rest stays."""
    assert address_key(host) == key


def test_every_address_of_a_64_has_one_key_and_the_next_64_another() -> None:
    """The first and last addresses of a /64 share a key that its neighbour /64 does not."""
    first, last = "2001:db8:0:5::", "2001:db8:0:5:ffff:ffff:ffff:ffff"
    assert address_key(first) == address_key(last) != address_key("2001:db8:0:6::")


def test_a_socket_peer_is_keyed_by_its_host() -> None:
    """``peer_key`` takes a getpeername() tuple (IPv4 or IPv6), a path, or nothing."""
    assert peer_key(("2001:db8::9", 5000, 0, 0)) == "2001:db8::/64"
    assert peer_key(("::ffff:10.0.0.1", 5000, 0, 0)) == "10.0.0.1"
    assert peer_key(("10.0.0.1", 5000)) == "10.0.0.1"
    assert peer_key("/run/bartype.sock") == "/run/bartype.sock"
    assert peer_key(None) == "?"
