"""Server frames -> server messages: the client's half of the codec, as strict.

``decode_server`` takes the envelope apart with the codec's ``parse_frame``
and checks every documented field of every server message: present, of its
type, finite. A broken or hostile server therefore gets a clear
``ProtocolError`` (``BAD_JSON``/``BAD_MESSAGE``), never a crash further on.
Unlike the client decoder, unknown fields and message types are ignored:
docs/protocol.md lets a server add them without a new protocol version.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bartype.core.normalize import needs_escape
from bartype.protocol.codec import parse_frame
from bartype.protocol.messages import (
    ERROR,
    INPUT_ACK,
    MAX_SEQ,
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


def _is_count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_SEQ


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_label(value: Any) -> bool:
    """A short string with nothing a terminal would obey (a reason, a flag)."""
    return (
        type(value) is str
        and len(value) <= MAX_LABEL
        and (value.isprintable() or not any(needs_escape(ch) for ch in value))
    )


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_list(value: Any) -> bool:
    return type(value) is list


def _is_object(value: Any) -> bool:
    return type(value) is dict


def _label(name: str) -> str:
    """A field name for an error message: the server's own key names are shown quoted, cut."""
    if name.isascii() and name.isidentifier() and len(name) <= 20:
        return name
    return f"[{name[:20]!r}]"


MAX_LABEL = 200
"""Longest label, id, token or reason taken from a server."""
MAX_SERVER_TEXT = 100_000
"""Longest text taken from a server (this server's own limit is 20,000 characters)."""


def _line_break_or_indent(value: str, i: int) -> bool:
    """Is ``value[i]`` a line break, or a tab of indentation (at the start of a line)?"""
    ch = value[i]
    return ch == "\n" or (ch == "\t" and i > 0 and value[i - 1] in "\n\t")


def _check_shown(where: str, value: str, limit: int, lines: bool) -> None:
    """Refuse a string that cannot be shown as it is: too long, or holding a control,
    bidi, zero-width or separator character (which a terminal obeys or hides, and a
    typist cannot type)."""
    if len(value) > limit:
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"{where} has {len(value):,} characters, at most {limit:,}."
        )
    if value.isprintable():  # the fast path: False whenever there is such a character
        return
    for i, ch in enumerate(value):
        if needs_escape(ch) and not (lines and _line_break_or_indent(value, i)):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f"{where} holds U+{ord(ch):04X} at character {i + 1:,}, a control or "
                "invisible character that cannot be shown or typed.",
            )


class _Fields:
    """Checked access to the fields of one JSON object of a server message."""

    __slots__ = ("data", "where")

    def __init__(self, where: str, data: dict[str, Any]) -> None:
        self.where = where
        self.data = data

    def get(self, name: str, ok: Callable[[Any], bool], expected: str, *, null: bool) -> Any:
        """The field ``name``, which must be there and pass ``ok`` (or be null if allowed)."""
        if name not in self.data:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{self.where}.{name} is missing.")
        value = self.data[name]
        if (value is None and null) or ok(value):
            return value
        got = "null" if value is None else type(value).__name__
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"{self.where}.{_label(name)} must be {expected}{' or null' if null else ''}, "
            f"not {got}.",
        )

    def string(self, name: str, *, null: bool = False) -> Any:
        return self.get(name, _is_str, "a string", null=null)

    def shown(
        self, name: str, *, null: bool = False, limit: int = MAX_LABEL, lines: bool = False
    ) -> Any:
        """A string the typist is shown or the history keeps: at most ``limit``
        characters, none a terminal would obey or hide (line breaks if ``lines``)."""
        value = self.string(name, null=null)
        if value is not None:
            _check_shown(f"{self.where}.{_label(name)}", value, limit, lines)
        return value

    def count(self, name: str, *, null: bool = False) -> Any:
        return self.get(name, _is_count, "a whole number from 0", null=null)

    def number(self, name: str) -> float:
        return float(self.get(name, _is_number, "a finite number", null=False))

    def flag(self, name: str) -> bool:
        return bool(self.get(name, _is_bool, "true or false", null=False))

    def list_of(self, name: str, ok: Callable[[Any], bool], expected: str) -> tuple[Any, ...]:
        values = self.get(name, _is_list, f"a list of {expected}", null=False)
        if not all(ok(value) for value in values):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE, f"{self.where}.{name} must be a list of {expected}."
            )
        return tuple(values)

    def object(self, name: str) -> _Fields:
        value = self.get(name, _is_object, "an object", null=False)
        return _Fields(f"{self.where}.{_label(name)}", value)

    def optional(self, name: str) -> bool:
        """Is the optional field ``name`` given (present and not null)?"""
        return self.data.get(name) is not None


def _welcome(f: _Fields) -> Welcome:
    limits = f.object("limits")
    return Welcome(
        f.count("version"),
        f.string("server"),
        ServerLimits(
            limits.count("maxFrame"),
            limits.number("rate"),
            limits.count("maxKeys"),
            limits.count("maxText"),
            limits.number("sessionTtlS"),
        ),
        f.data,
    )


def _session_created(f: _Fields) -> SessionCreated:
    return SessionCreated(
        f.shown("sessionId"),
        f.shown("token"),
        f.shown("text", null=True, limit=MAX_SERVER_TEXT, lines=True),
        f.shown("mode"),
        f.shown("mode2"),
        f.shown("textId", null=True),
        f.object("options").data,
        f.data,
    )


def _session_started(f: _Fields) -> SessionStarted:
    return SessionStarted(f.string("sessionId"), f.data)


def _session_attached(f: _Fields) -> SessionAttached:
    return SessionAttached(
        f.string("sessionId"), f.string("state"), f.count("ack"), f.string("mode"), f.data
    )


def _input_ack(f: _Fields) -> InputAck:
    return InputAck(f.count("ack"), f.data)


def _metrics_update(f: _Fields) -> MetricsUpdate:
    ack = f.count("ack")
    a = f.object("analysis")
    m = f.object("metrics")
    return MetricsUpdate(
        ack,
        LiveAnalysis(
            a.count("wordIndex"),
            a.string("typed"),
            a.string("states"),
            a.flag("finished"),
            a.count("offset") if a.optional("offset") else 0,  # a server before it sent none
        ),
        LiveFigures(
            m.number("wpm"),
            m.number("rawWpm"),
            m.number("accuracy"),
            m.number("consistency"),
            m.count("errors"),
            m.count("keypresses"),
            m.count("correct"),
            m.count("incorrect"),
            m.count("extra"),
            m.number("elapsedS"),
        ),
        f.data,
    )


_FINAL_NUMBERS = ("wpm", "rawWpm", "accuracy", "consistency", "keyConsistency", "durationS")
_FINAL_COUNTS = ("correct", "incorrect", "extra", "missed", "keypresses", "errors")
_SERIES = ("wpm", "raw", "burst", "errors")


def _final_metrics(m: _Fields) -> dict[str, Any]:
    """``SESSION_COMPLETE.metrics``, every field checked (a results screen reads them all)."""
    for name in _FINAL_NUMBERS:
        m.number(name)
    for name in _FINAL_COUNTS:
        m.count(name)
    m.flag("afk")
    series = m.object("series")
    for name in _SERIES:
        series.list_of(name, _is_number, "numbers")
    keys = m.object("keys")
    for key in keys.data:
        if len(key) != 1:
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE, f"{keys.where}.{_label(key)} is not one character."
            )
        _check_shown(keys.where, key, 1, lines=True)
        stat = keys.object(key)
        stat.count("presses")
        stat.count("errors")
        stat.get("meanIntervalMs", _is_number, "a finite number", null=True)
    return m.data


def _session_complete(f: _Fields) -> SessionComplete:
    metrics = f.get("metrics", _is_object, "an object", null=True)
    return SessionComplete(
        f.shown("sessionId"),
        f.string("state"),
        f.shown("mode"),
        f.shown("mode2"),
        f.count("ack"),
        None if metrics is None else _final_metrics(_Fields(f"{f.where}.metrics", metrics)),
        f.flag("valid"),
        f.list_of("invalidReasons", _is_label, "short strings a typist can read"),
        f.list_of("flags", _is_label, "short strings a typist can read"),
        f.count("resultId", null=True),
        f.flag("personalBest"),
        f.data,
    )


def _server_error(f: _Fields) -> ServerError:
    return ServerError(
        f.string("code"),
        f.string("message"),
        f.count("ack") if f.optional("ack") else None,
        f.count("seq") if f.optional("seq") else None,
        f.list_of("supported", _is_count, "versions") if f.optional("supported") else None,
        f.string("sessionId") if f.optional("sessionId") else None,
        f.data,
    )


_PARSERS: dict[str, Callable[[_Fields], ServerMessage]] = {
    WELCOME: _welcome,
    SESSION_CREATED: _session_created,
    SESSION_STARTED: _session_started,
    SESSION_ATTACHED: _session_attached,
    METRICS_UPDATE: _metrics_update,
    INPUT_ACK: _input_ack,
    SESSION_COMPLETE: _session_complete,
    ERROR: _server_error,
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
    return parser(_Fields(type_, data))


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
