"""Tests for bartype.protocol.discovery: the TXT record both sides read and write."""

from __future__ import annotations

import re

import pytest

from bartype.protocol.discovery import (
    MAX_NAME_BYTES,
    MAX_TXT_CHARS,
    ServerTxt,
    check_server_name,
    fit_server_name,
)


def _wire(txt: ServerTxt) -> dict[bytes, bytes | None]:
    return {k.encode(): v.encode() for k, v in txt.properties().items()}


def test_record_round_trips() -> None:
    """What the server writes, the browser reads back unchanged."""
    txt = ServerTxt(name="Salle 4 — BARtype", version="0.1.0", protocol=1, rooms=3)
    assert ServerTxt.parse(_wire(txt)) == txt
    assert txt.properties() == {
        "name": "Salle 4 — BARtype",
        "version": "0.1.0",
        "path": "/ws",
        "protocol": "1",
        "rooms": "3",
    }


@pytest.mark.parametrize(
    ("raw", "protocol", "rooms"),
    [
        ({}, None, None),
        ({b"protocol": b"one", b"rooms": b"-2"}, None, None),
        ({b"protocol": None, b"rooms": b"99999999999999"}, None, None),
        ({b"protocol": "２".encode(), b"rooms": b"2000000"}, None, None),
        ({b"PROTOCOL": b"1", b"Rooms": b"07"}, 1, 7),
    ],
)
def test_bad_numbers_become_unknown(
    raw: dict[bytes, bytes | None], protocol: int | None, rooms: int | None
) -> None:
    """Missing, negative, non-ASCII or absurd numbers are unknown, never an error."""
    txt = ServerTxt.parse(raw)
    assert (txt.protocol, txt.rooms) == (protocol, rooms)


def test_foreign_strings_are_decoded_and_cut() -> None:
    """Invalid UTF-8 is replaced, long values cut, a bad path replaced by /ws."""
    txt = ServerTxt.parse(
        {b"name": b"\xff\xfe" + b"x" * 500, b"version": b"\x1b[2J", b"path": b"evil"}
    )
    assert txt.name.startswith("\ufffd\ufffd") and len(txt.name) == MAX_TXT_CHARS
    assert txt.version == "\x1b[2J"  # kept as data; made visible only when shown
    assert txt.path == "/ws"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a\x1b[2Jb", "U+001B"),
        ("right\u202eleft", "U+202E"),
        ("é" * 40, "80 bytes"),
    ],
)
def test_bad_server_names_are_refused(name: str, error: str) -> None:
    """An empty name, a control character or more than a DNS label holds is refused."""
    with pytest.raises(ValueError, match=re.escape(error)):
        check_server_name(name)


def test_good_server_names_are_kept() -> None:
    """Spaces, accents, markup-looking text and emoji with joiners are fine names."""
    for name in ("Room 12", "Café [red]x[/]", "👩‍💻 club", "x" * MAX_NAME_BYTES):
        assert check_server_name(name) == name


def test_host_names_are_fitted() -> None:
    """A host name becomes a valid server name: controls dropped, cut at a character."""
    assert fit_server_name("ab\x00c") == "abc"
    fitted = fit_server_name("é" * 40)
    assert fitted == "é" * 30 and check_server_name(fitted) == fitted
    assert fit_server_name("\x07") == "bartype"
