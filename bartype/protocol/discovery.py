"""How ``bartype serve`` is found on a LAN: the DNS-SD service type and its TXT record.

Pure data shared by the advertiser (``bartype.server.discovery``) and the
browser (``bartype.transport.discovery``); the mDNS traffic itself is
zeroconf's. docs/protocol.md ("Finding servers on the LAN") is the reference.
A TXT record comes from whoever answers on the link, so decoding it is
lenient and bounded: a missing or malformed value becomes ``None`` (or an
empty string), never an exception, and strings are cut to a fixed length.
"""

from __future__ import annotations

from collections.abc import Mapping

from bartype.core.normalize import needs_escape
from bartype.core.records import frozen

SERVICE_TYPE = "_bartype._tcp.local."
"""The DNS-SD service type every ``bartype serve`` registers."""

MAX_NAME_BYTES = 60
"""A server name is a DNS-SD instance name, one DNS label of at most 63 bytes of UTF-8;
3 are left for the ``-2`` a name conflict on the LAN adds."""

MAX_TXT_CHARS = 64
"""Strings read from a TXT record are cut to this many characters."""

MAX_ROOMS = 1_000_000
"""A rooms count above this is not believed (shown as unknown)."""

TXT_NAME = "name"
TXT_VERSION = "version"
TXT_PROTOCOL = "protocol"
TXT_ROOMS = "rooms"
TXT_PATH = "path"


@frozen
class ServerTxt:
    """The TXT record of a server: who it is and what it offers.

    ``protocol`` and ``rooms`` are ``None`` when a record lacks them or
    carries something that is not a whole number in range.
    """

    name: str
    version: str
    protocol: int | None
    rooms: int | None
    path: str = "/ws"

    def properties(self) -> dict[str, str]:
        """The record as zeroconf's ``properties`` (every value a string)."""
        txt = {TXT_NAME: self.name, TXT_VERSION: self.version, TXT_PATH: self.path}
        if self.protocol is not None:
            txt[TXT_PROTOCOL] = str(self.protocol)
        if self.rooms is not None:
            txt[TXT_ROOMS] = str(self.rooms)
        return txt

    @classmethod
    def parse(cls, properties: Mapping[bytes, bytes | None]) -> ServerTxt:
        """Decode a TXT record as received (bytes keys and values), leniently."""
        values: dict[str, str] = {}
        for key, value in properties.items():
            # Keys are case-insensitive (RFC 6763 section 6.4); the first one wins.
            name = key.decode("ascii", "replace").lower()
            if value is not None and name not in values:
                values[name] = value.decode("utf-8", "replace")[:MAX_TXT_CHARS]
        path = values.get(TXT_PATH, "/ws")
        return cls(
            name=values.get(TXT_NAME, ""),
            version=values.get(TXT_VERSION, ""),
            protocol=_whole_number(values.get(TXT_PROTOCOL), 1_000),
            rooms=_whole_number(values.get(TXT_ROOMS), MAX_ROOMS),
            path=path if path.startswith("/") else "/ws",
        )


def _whole_number(text: str | None, limit: int) -> int | None:
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if number <= limit else None


def check_server_name(name: str) -> str:
    """Return ``name`` if it can be advertised as a server name, else raise ``ValueError``.

    It must not be empty, must fit one DNS label (60 bytes of UTF-8 here) and may
    hold no control or formatting characters, which would show differently
    from what was typed (or not at all) in other people's terminals.
    """
    if not name.strip():
        raise ValueError("the server name is empty")
    for ch in name:
        if needs_escape(ch):
            raise ValueError(
                f"the server name holds a control or formatting character (U+{ord(ch):04X})"
            )
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise ValueError(f"the server name is {size} bytes long; {MAX_NAME_BYTES} at most")
    return name


def fit_server_name(name: str) -> str:
    """``name`` (a host name, say) made into a valid server name: controls dropped, cut to fit."""
    kept = "".join(ch for ch in name if not needs_escape(ch))
    data = kept.strip().encode("utf-8")[:MAX_NAME_BYTES]
    return data.decode("utf-8", "ignore").strip() or "bartype"
