"""The BARtype protocol: messages, JSON codec, and the sans-I/O session handler.

Imports neither Textual nor websockets; see docs/protocol.md for the wire format.
"""

from __future__ import annotations

from bartype.protocol.codec import decode, encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import (
    PROTOCOL_VERSION,
    CloseCode,
    ErrorCode,
    Outgoing,
    ProtocolError,
)
from bartype.protocol.views import live_metrics_to_json, metrics_to_json

__all__ = [
    "PROTOCOL_VERSION",
    "Channel",
    "CloseCode",
    "ErrorCode",
    "HandlerConfig",
    "Outgoing",
    "ProtocolError",
    "SessionHandler",
    "decode",
    "encode",
    "live_metrics_to_json",
    "metrics_to_json",
]
