"""Server addresses as typed after ``--server``."""

from __future__ import annotations

import pytest

from bartype.commands.parser import build_parser
from bartype.transport.websocket import DEFAULT_PORT, ws_url


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("ws://127.0.0.1:9000", "ws://127.0.0.1:9000/ws"),
        ("ws://127.0.0.1", f"ws://127.0.0.1:{DEFAULT_PORT}/ws"),
        ("localhost", f"ws://localhost:{DEFAULT_PORT}/ws"),
        ("http://host:81/", "ws://host:81/ws"),
        ("wss://example.org", "wss://example.org/ws"),
    ],
)
def test_addresses(given: str, url: str) -> None:
    assert ws_url(given) == url


def test_the_default_port_is_the_servers() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.port == DEFAULT_PORT
