"""What ``bartype serve`` can be told: ``ServerConfig``, built from the CLI or in code."""

from __future__ import annotations

import argparse
from dataclasses import field
from pathlib import Path

from bartype.core.records import frozen
from bartype.protocol.handler import HandlerConfig
from bartype.server.admission import HANDSHAKE_BURST, HANDSHAKE_RATE
from bartype.server.outbox import OUTBOX_BYTES

HELLO_TIMEOUT_S = 10.0
"""A connection that has sent no well-formed message by then is closed (1008)."""


@frozen
class ServerConfig:
    """Everything ``bartype serve`` can be told; the defaults are the CLI's."""

    host: str = "127.0.0.1"
    port: int = 8765
    db: Path | None = None
    max_frame: int = 65_536
    rate: float = 50.0
    burst: float | None = None
    """Token-bucket size for the message rate (default: twice the rate, at least 20)."""
    max_connections: int = 2000
    max_per_ip: int = 200
    """TCP connections one address may hold (waiting, in handshake, open); more get ``429``."""
    handshake_rate: float = HANDSHAKE_RATE
    """Handshakes one address may start per second; its other connections wait their turn."""
    handshake_burst: float = HANDSHAKE_BURST
    """Handshakes one address may start at once."""
    session_ttl_s: float = 600.0
    ping_interval_s: float | None = 10.0
    outbox_bytes: int = OUTBOX_BYTES
    hello_timeout_s: float = HELLO_TIMEOUT_S
    address_rate: float = 262_144.0
    """Bytes a second from all the connections of one address, each message counted as
    its length + ``MESSAGE_COST`` (bursts of twice that): what one address may make the
    server parse and handle, whatever its number of connections."""
    handler: HandlerConfig = field(default_factory=HandlerConfig)
    advertise: bool | None = False
    """Announce on the LAN (mDNS): ``True``, ``False`` (here the default, so a server built
    in code never announces itself) or ``None``: when bound to a LAN address (the CLI's)."""
    name: str | None = None
    """The advertised server name (default: the host name)."""
    allowed_origins: tuple[str, ...] = ()
    """Browser origins besides the server's own whose pages may open ``/ws``."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ServerConfig:
        """Build the configuration from ``bartype serve`` arguments."""
        handler = HandlerConfig(
            session_ttl_s=args.session_ttl, max_frame=args.max_frame, rate=args.rate
        )
        return cls(
            host=args.host,
            port=args.port,
            db=args.db,
            max_frame=args.max_frame,
            rate=args.rate,
            max_connections=args.max_connections,
            max_per_ip=args.max_per_ip,
            handshake_rate=args.handshake_rate,
            handshake_burst=args.handshake_burst,
            session_ttl_s=args.session_ttl,
            ping_interval_s=args.ping_interval,
            handler=handler,
            advertise=args.advertise,
            name=args.name,
            allowed_origins=tuple(o.rstrip("/").lower() for o in args.allow_origin),
        )
