"""Protocol messages: names, limits, error and close codes, and the decoded forms.

Every frame is a JSON text frame ``{"type": <NAME>, "data": {...}}``;
docs/protocol.md describes each message. Incoming messages are decoded into
the frozen dataclasses below by ``bartype.protocol.codec``; outgoing ones are
``Outgoing`` (a type and a JSON-ready ``data`` dict) or a ``Close`` action.
"""

from __future__ import annotations

import json
from dataclasses import field
from typing import Any

# The test options' limits and names, as the protocol uses them (re-exported).
from bartype.core.options import MAX_DURATION_S as MAX_DURATION_S
from bartype.core.options import MAX_WORDS as MAX_WORDS
from bartype.core.options import MIN_DURATION_S as MIN_DURATION_S
from bartype.core.options import MODE_RULES, TestOptions
from bartype.core.options import MODES as MODES
from bartype.core.options import QUOTE_LENGTHS as QUOTE_LENGTHS
from bartype.core.records import frozen

PROTOCOL_VERSION = 1
"""The version a client announces in ``HELLO``; bumped on any incompatible change."""

SUPPORTED_VERSIONS = (1,)

# -- message types --------------------------------------------------------

HELLO = "HELLO"
CREATE_SESSION = "CREATE_SESSION"
START_SESSION = "START_SESSION"
INPUT_UPDATE = "INPUT_UPDATE"
END_SESSION = "END_SESSION"

WELCOME = "WELCOME"
SESSION_CREATED = "SESSION_CREATED"
SESSION_STARTED = "SESSION_STARTED"
SESSION_ATTACHED = "SESSION_ATTACHED"
METRICS_UPDATE = "METRICS_UPDATE"
INPUT_ACK = "INPUT_ACK"
SESSION_COMPLETE = "SESSION_COMPLETE"
ERROR = "ERROR"

# Races (docs/protocol.md, "Races"): a connection may be in one room besides its session.
CREATE_ROOM = "CREATE_ROOM"
JOIN_ROOM = "JOIN_ROOM"
RESUME_ROOM = "RESUME_ROOM"
READY = "READY"
START_RACE = "START_RACE"
RACE_INPUT = "RACE_INPUT"
REMATCH = "REMATCH"
LEAVE_ROOM = "LEAVE_ROOM"

ROOM_JOINED = "ROOM_JOINED"
ROOM_STATE = "ROOM_STATE"
ROOM_LEFT = "ROOM_LEFT"
RACE_COUNTDOWN = "RACE_COUNTDOWN"
RACE_STARTED = "RACE_STARTED"
RACE_METRICS = "RACE_METRICS"
RACE_PROGRESS = "RACE_PROGRESS"
RACER_FINISHED = "RACER_FINISHED"
RACE_RESULT = "RACE_RESULT"
RACE_STANDINGS = "RACE_STANDINGS"

ROOM_CLIENT_TYPES = frozenset(
    {CREATE_ROOM, JOIN_ROOM, RESUME_ROOM, READY, START_RACE, RACE_INPUT, REMATCH, LEAVE_ROOM}
)
ROOM_SERVER_TYPES = frozenset(
    {
        ROOM_JOINED,
        ROOM_STATE,
        ROOM_LEFT,
        RACE_COUNTDOWN,
        RACE_STARTED,
        RACE_METRICS,
        RACE_PROGRESS,
        RACER_FINISHED,
        RACE_RESULT,
        RACE_STANDINGS,
    }
)

CLIENT_TYPES = (
    frozenset({HELLO, CREATE_SESSION, START_SESSION, INPUT_UPDATE, END_SESSION}) | ROOM_CLIENT_TYPES
)
SERVER_TYPES = (
    frozenset(
        {
            WELCOME,
            SESSION_CREATED,
            SESSION_STARTED,
            SESSION_ATTACHED,
            METRICS_UPDATE,
            INPUT_ACK,
            SESSION_COMPLETE,
            ERROR,
        }
    )
    | ROOM_SERVER_TYPES
)
SESSION_TYPES = frozenset({START_SESSION, INPUT_UPDATE, END_SESSION})
"""Messages that need a session on the connection (else close 4000)."""

# -- limits ---------------------------------------------------------------

MAX_KEYS_PER_BATCH = 256
MAX_KEY_LENGTH = 32
MAX_TEXT_CHARS = 20_000
MAX_LEGACY_INPUT_CHARS = 20_000
MAX_T_MS = 86_400_000.0
"""A keystroke time beyond a day is not a typing test."""
MAX_SEQ = 2**53 - 1
MAX_METRICS_MS = 3_600_000
"""``HELLO.metricsMs`` at most: one ``METRICS_UPDATE`` an hour."""
MAX_NAME_CHARS = 40
MAX_SEED = 2**63 - 1
MAX_ROOM_PLAYERS = 50
"""Members of a room (spectators too), at most and by default."""
MAX_RAW_NAME_CHARS = 100
"""A player name as sent; the room's own rules (20 characters, no control ones) follow."""
MAX_COUNTDOWN_S = 30.0
MIN_FINISH_DEADLINE_S = 5.0
MAX_FINISH_DEADLINE_S = 600.0
RACE_MODES = tuple(
    str(mode) for mode, rules in MODE_RULES.items() if rules.finish_line and not rules.from_profile
)
"""Modes a race may use: those with a finish line (not ``time`` or ``zen``) and a text
every racer can share (not ``adaptive``, made for one typist)."""


# -- error codes (ERROR.data.code) ----------------------------------------


class ErrorCode:
    """Stable ``ERROR`` codes; clients may branch on them."""

    BAD_JSON = "BAD_JSON"
    BAD_FRAME = "BAD_FRAME"
    BAD_MESSAGE = "BAD_MESSAGE"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    VERSION_MISMATCH = "VERSION_MISMATCH"
    SESSION_REQUIRED = "SESSION_REQUIRED"
    INVALID_SESSION = "INVALID_SESSION"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    SESSION_TAKEN_OVER = "SESSION_TAKEN_OVER"
    ALREADY_HELLO = "ALREADY_HELLO"
    NOT_STARTED = "NOT_STARTED"
    ALREADY_STARTED = "ALREADY_STARTED"
    SESSION_FINISHED = "SESSION_FINISHED"
    SEQ_GAP = "SEQ_GAP"
    BAD_TIMESTAMP = "BAD_TIMESTAMP"
    TEXT_UNAVAILABLE = "TEXT_UNAVAILABLE"
    STORAGE_FAILED = "STORAGE_FAILED"
    SERVER_BUSY = "SERVER_BUSY"
    LIMIT_REACHED = "LIMIT_REACHED"
    RATE_LIMITED = "RATE_LIMITED"
    SERVER_SHUTDOWN = "SERVER_SHUTDOWN"
    INTERNAL = "INTERNAL"
    # rooms and races
    ROOM_NOT_FOUND = "ROOM_NOT_FOUND"
    ROOM_FULL = "ROOM_FULL"
    BAD_NAME = "BAD_NAME"
    NAME_TAKEN = "NAME_TAKEN"
    NOT_IN_ROOM = "NOT_IN_ROOM"
    ALREADY_IN_ROOM = "ALREADY_IN_ROOM"
    NOT_HOST = "NOT_HOST"
    BAD_STATE = "BAD_STATE"
    NOT_RACING = "NOT_RACING"
    RESUME_EXPIRED = "RESUME_EXPIRED"
    ROOM_TAKEN_OVER = "ROOM_TAKEN_OVER"


class CloseCode:
    """WebSocket close codes the server uses."""

    NORMAL = 1000
    GOING_AWAY = 1001
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013
    SESSION_REQUIRED = 4000
    INVALID_SESSION = 4001
    VERSION_MISMATCH = 4002
    TAKEN_OVER = 4003
    TOO_SLOW = 4008


CLOSE_REASONS = {
    CloseCode.SESSION_REQUIRED: "Session ID is required",
    CloseCode.INVALID_SESSION: "Invalid session",
    CloseCode.VERSION_MISMATCH: "Unsupported protocol version",
    CloseCode.TAKEN_OVER: "Session attached elsewhere",
    CloseCode.TOO_SLOW: "Client too slow",
}

FATAL_CLOSE_CODES = frozenset(
    {
        CloseCode.NORMAL,
        CloseCode.POLICY_VIOLATION,
        CloseCode.MESSAGE_TOO_BIG,
        CloseCode.SESSION_REQUIRED,
        CloseCode.INVALID_SESSION,
        CloseCode.VERSION_MISMATCH,
        CloseCode.TAKEN_OVER,
    }
)
"""Close codes after which a client should not reconnect automatically."""


class ProtocolError(Exception):
    """A message that cannot be accepted; ``code`` is one of ``ErrorCode``."""

    def __init__(self, code: str, message: str, *, close: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close = close

    def __repr__(self) -> str:
        return f"ProtocolError({self.code!r}, {self.message!r})"


# -- decoded client messages ----------------------------------------------


@frozen
class Hello:
    """``HELLO {version, client?, metricsMs?}``: the client's protocol version, and how often
    it wants live figures."""

    version: int
    client: str | None = None
    metrics_ms: int | None = 0
    """0: a ``METRICS_UPDATE`` answers every batch (the default); N: batches are answered by
    ``INPUT_ACK`` and figures come at most every N ms; ``None`` (null): never."""


CreateSession = TestOptions
"""``CREATE_SESSION``: a new session with these options (all validated by the codec)."""


@frozen
class StartSession:
    """``START_SESSION {}``: the typist is about to start; the server clock starts."""


@frozen
class KeyEvent:
    """One key of an ``INPUT_UPDATE`` batch: a character string or an editing key name."""

    key: str
    t: float


@frozen
class InputUpdate:
    """``INPUT_UPDATE {seq, keys}``, or the legacy ``{input}`` (then ``seq`` is ``None``)."""

    seq: int | None = None
    keys: tuple[KeyEvent, ...] = ()
    input: str | None = None


@frozen
class EndSession:
    """``END_SESSION {t?}``: the typist ends the test at client time ``t`` (ms)."""

    t: float | None = None


@frozen
class CreateRoom:
    """``CREATE_ROOM``: a new room for races on texts made with ``options``; you join it."""

    name: str
    options: CreateSession = field(default_factory=lambda: CreateSession(mode="words"))
    max_players: int | None = None
    countdown_s: float | None = None
    finish_deadline_s: float | None = None


@frozen
class JoinRoom:
    """``JOIN_ROOM {code, name, watch?}``: join a room (``watch``: as a spectator)."""

    code: str
    name: str
    watch: bool = False


@frozen
class ResumeRoom:
    """``RESUME_ROOM {code, token}``: take your place in a room back after a dropped link."""

    code: str
    token: str


@frozen
class Ready:
    """``READY {ready?}``: ready (or not) for the next race."""

    ready: bool = True


@frozen
class StartRace:
    """``START_RACE {}``: the host starts the countdown."""


@frozen
class RaceInput:
    """``RACE_INPUT {seq, keys}``: keys of the race, ``t`` in ms since its ``startsAt``."""

    seq: int
    keys: tuple[KeyEvent, ...]


@frozen
class Rematch:
    """``REMATCH {}``: the host takes the room from the results back to the lobby."""


@frozen
class LeaveRoom:
    """``LEAVE_ROOM {}``: leave the room for good."""


RoomMessage = (
    CreateRoom | JoinRoom | ResumeRoom | Ready | StartRace | RaceInput | Rematch | LeaveRoom
)
ROOM_MESSAGES = (CreateRoom, JoinRoom, ResumeRoom, Ready, StartRace, RaceInput, Rematch, LeaveRoom)
"""The decoded room messages, for ``isinstance`` routing."""

ClientMessage = Hello | CreateSession | StartSession | InputUpdate | EndSession | RoomMessage


# -- outgoing -------------------------------------------------------------


@frozen
class Outgoing:
    """A server → client message."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


class Encoded(Outgoing):
    """A server message made as its frame directly (the room's hot messages: a racer's
    ``RACE_METRICS``, the lanes): ``codec.encode`` gives ``text`` as it is, and ``data``
    is read back from it when asked (by a test: nothing on a server's path asks)."""

    __slots__ = ("text",)
    text: str

    def __init__(self, type_: str, text: str) -> None:
        object.__setattr__(self, "type", type_)
        object.__setattr__(self, "text", text)

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.text)["data"]
        return data


@frozen
class Close:
    """Close the connection with this code and reason (after sending what precedes)."""

    code: int
    reason: str


Action = Outgoing | Close


def error(code: str, message: str, **extra: Any) -> Outgoing:
    """An ``ERROR {code, message, ...}`` message."""
    data: dict[str, Any] = {"code": code, "message": message}
    data.update(extra)
    return Outgoing(ERROR, data)


def close(code: int) -> Close:
    """A ``Close`` with the standard reason for ``code``."""
    return Close(code, CLOSE_REASONS.get(code, ""))
