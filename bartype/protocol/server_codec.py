"""Server frames -> server messages: the client's half of the codec, as strict.

``decode_server`` takes the envelope apart with the codec's ``parse_frame``
and checks every documented field of every server message (``fields``): present,
of its type, finite; each message's decoder is a field table (``fields.message``).
A broken or hostile server therefore gets a clear ``ProtocolError``
(``BAD_JSON``/``BAD_MESSAGE``), never a crash further on.
Unlike the client decoder, unknown fields and message types are ignored:
docs/protocol.md lets a server add them without a new protocol version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bartype.protocol.fields import (
    MAX_SERVER_TEXT,
    Fields,
    check_shown,
    count,
    data_of,
    flag,
    is_count,
    is_label,
    is_number,
    is_object,
    label,
    list_of,
    message,
    nested,
    number,
    optional,
    record,
    shown,
    string,
)
from bartype.protocol.json_frames import parse_frame
from bartype.protocol.messages import (
    ERROR,
    INPUT_ACK,
    METRICS_UPDATE,
    SESSION_ATTACHED,
    SESSION_COMPLETE,
    SESSION_CREATED,
    SESSION_STARTED,
    WELCOME,
    ErrorCode,
    ProtocolError,
)
from bartype.protocol.server_messages import (
    InputAck,
    LiveAnalysis,
    LiveFigures,
    MetricsUpdate,
    ServerError,
    ServerLimits,
    ServerMessage,
    SessionAttached,
    SessionComplete,
    SessionCreated,
    SessionStarted,
    UnknownServerMessage,
    Welcome,
)

LIVE_ANALYSIS = record(
    LiveAnalysis,
    count("wordIndex"),
    string("typed"),
    string("states"),
    flag("finished"),
    optional("offset", count, 0),  # a server before it sent none
)
LIVE_FIGURES = record(
    LiveFigures,
    number("wpm"),
    number("rawWpm"),
    number("accuracy"),
    number("consistency"),
    count("errors"),
    count("keypresses"),
    count("correct"),
    count("incorrect"),
    count("extra"),
    number("elapsedS"),
)
METRICS_UPDATE_FIELDS = (
    count("ack"),
    nested("analysis", LIVE_ANALYSIS),
    nested("metrics", LIVE_FIGURES),
)
"""``METRICS_UPDATE``'s fields (``RACE_METRICS`` has them too)."""

_FINAL_NUMBERS = ("wpm", "rawWpm", "accuracy", "consistency", "keyConsistency", "durationS")
_FINAL_COUNTS = ("correct", "incorrect", "extra", "missed", "keypresses", "errors")
_SERIES = ("wpm", "raw", "burst", "errors")


def _final_metrics(m: Fields) -> dict[str, Any]:
    """``SESSION_COMPLETE.metrics``, every field checked (a results screen reads them all)."""
    for name in _FINAL_NUMBERS:
        m.number(name)
    for name in _FINAL_COUNTS:
        m.count(name)
    m.flag("afk")
    series = m.object("series")
    for name in _SERIES:
        series.list_of(name, is_number, "numbers")
    keys = m.object("keys")
    for key in keys.data:
        if len(key) != 1:
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE, f"{keys.where}.{label(key)} is not one character."
            )
        check_shown(keys.where, key, 1, lines=True)
        stat = keys.object(key)
        stat.count("presses")
        stat.count("errors")
        stat.get("meanIntervalMs", is_number, "a finite number", null=True)
    return m.data


def final_metrics(name: str) -> Callable[[Fields], dict[str, Any] | None]:
    """The final metrics object ``name`` (or null), every field checked."""

    def spec(f: Fields) -> dict[str, Any] | None:
        metrics = f.get(name, is_object, "an object", null=True)
        return None if metrics is None else _final_metrics(Fields(f"{f.where}.{name}", metrics))

    return spec


_READABLE = "short strings a typist can read"

_PARSERS: dict[str, Callable[[Fields], ServerMessage]] = {
    WELCOME: message(
        Welcome,
        count("version"),
        string("server"),
        nested(
            "limits",
            record(
                ServerLimits,
                count("maxFrame"),
                number("rate"),
                count("maxKeys"),
                count("maxText"),
                number("sessionTtlS"),
            ),
        ),
    ),
    SESSION_CREATED: message(
        SessionCreated,
        shown("sessionId"),
        shown("token"),
        shown("text", null=True, limit=MAX_SERVER_TEXT, lines=True),
        shown("mode"),
        shown("mode2"),
        shown("textId", null=True),
        data_of("options"),
    ),
    SESSION_STARTED: message(SessionStarted, string("sessionId")),
    SESSION_ATTACHED: message(
        SessionAttached, string("sessionId"), string("state"), count("ack"), string("mode")
    ),
    METRICS_UPDATE: message(MetricsUpdate, *METRICS_UPDATE_FIELDS),
    INPUT_ACK: message(InputAck, count("ack")),
    SESSION_COMPLETE: message(
        SessionComplete,
        shown("sessionId"),
        string("state"),
        shown("mode"),
        shown("mode2"),
        count("ack"),
        final_metrics("metrics"),
        flag("valid"),
        list_of("invalidReasons", is_label, _READABLE),
        list_of("flags", is_label, _READABLE),
        count("resultId", null=True),
        flag("personalBest"),
    ),
    ERROR: message(
        ServerError,
        string("code"),
        string("message"),
        optional("ack", count),
        optional("seq", count),
        optional("supported", lambda name: list_of(name, is_count, "versions")),
        optional("sessionId", string),
    ),
}


def decode_server(text: str) -> ServerMessage:
    """Decode and check one server frame; an unknown type gives ``UnknownServerMessage``.

    Raises:
        ProtocolError: ``BAD_JSON`` (not JSON), ``BAD_MESSAGE`` (a field missing
            or of the wrong type, or a bad envelope) or ``UNKNOWN_FIELD`` (an
            envelope key besides ``type`` and ``data``).
    """
    type_, data = parse_frame(text)
    parser = _PARSERS.get(type_)
    if parser is None:
        return UnknownServerMessage(type_, data)
    return parser(Fields(type_, data))


_TYPES: dict[type[Any], str] = {
    Welcome: WELCOME,
    SessionCreated: SESSION_CREATED,
    SessionStarted: SESSION_STARTED,
    SessionAttached: SESSION_ATTACHED,
    MetricsUpdate: METRICS_UPDATE,
    InputAck: INPUT_ACK,
    SessionComplete: SESSION_COMPLETE,
    ServerError: ERROR,
}


def message_type(message: ServerMessage) -> str:
    """The wire name of a decoded server message (``"WELCOME"``, ...)."""
    if isinstance(message, UnknownServerMessage):
        return message.type
    return _TYPES[type(message)]
