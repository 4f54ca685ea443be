"""What ``ClientProtocol`` reports (events), and which request an answer settles.

The events are what an I/O layer acts on: resolve a future, call back, log,
reconnect. ``PendingRequests`` is the bookkeeping behind ``ErrorReceived.answers``:
the server answers the frames of a connection in order, so an answer, or an
``ERROR``, settles the oldest request it can answer.
"""

from __future__ import annotations

import enum
from collections import deque

from bartype.core.records import frozen
from bartype.protocol.messages import (
    CREATE_SESSION,
    END_SESSION,
    HELLO,
    SESSION_CREATED,
    SESSION_STARTED,
    START_SESSION,
    WELCOME,
    ErrorCode,
    ProtocolError,
)
from bartype.protocol.server_messages import (
    MetricsUpdate,
    ServerError,
    SessionAttached,
    SessionComplete,
    SessionCreated,
    Welcome,
)

BAD_SERVER_MESSAGE = "BAD_SERVER_MESSAGE"
"""The code this client gives a server frame it refused (not a code servers send)."""


class Status(enum.Enum):
    """What a typist is told about the connection."""

    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class Request(enum.Enum):
    """A client message the server answers exactly once (with its reply or an ERROR)."""

    HELLO = HELLO
    CREATE = CREATE_SESSION
    START = START_SESSION
    END = END_SESSION


ANSWERS = {WELCOME: Request.HELLO, SESSION_CREATED: Request.CREATE, SESSION_STARTED: Request.START}
"""The reply that answers each request (END's is SESSION_COMPLETE, which also comes unasked)."""

_ANY_REQUEST = frozenset(Request)
ERROR_ANSWERS: dict[str, frozenset[Request]] = {
    ErrorCode.VERSION_MISMATCH: frozenset({Request.HELLO}),
    ErrorCode.ALREADY_HELLO: frozenset({Request.HELLO}),
    ErrorCode.TEXT_UNAVAILABLE: frozenset({Request.CREATE}),
    ErrorCode.SERVER_BUSY: frozenset({Request.CREATE}),
    ErrorCode.ALREADY_STARTED: frozenset({Request.START}),
    ErrorCode.SESSION_REQUIRED: frozenset({Request.START, Request.END}),
    ErrorCode.BAD_JSON: _ANY_REQUEST,
    ErrorCode.BAD_MESSAGE: _ANY_REQUEST,
    ErrorCode.UNKNOWN_TYPE: _ANY_REQUEST,
    ErrorCode.UNKNOWN_FIELD: _ANY_REQUEST,
    ErrorCode.INTERNAL: _ANY_REQUEST,
}
"""Which requests each ``ERROR`` code can answer. The server answers frames in order,
so an error answers the oldest request it can. The other codes are about batches
(they carry ``ack``) or come unprompted."""


@frozen
class Welcomed:
    """``WELCOME``: the server speaks our version."""

    message: Welcome


@frozen
class SessionReady:
    """``SESSION_STARTED`` for the session ``created``: keys may be sent."""

    created: SessionCreated


@frozen
class MetricsUpdated:
    """``METRICS_UPDATE`` for the current session."""

    message: MetricsUpdate


@frozen
class SessionCompleted:
    """``SESSION_COMPLETE`` for the current session: its result."""

    message: SessionComplete


@frozen
class SessionResumed:
    """``SESSION_ATTACHED`` for the current session; what it lacked was sent again."""

    message: SessionAttached


@frozen
class SessionLost:
    """The current session cannot be finished here; ``code`` is the server's, if it said."""

    reason: str
    code: str | None = None


@frozen
class ErrorReceived:
    """An ``ERROR``; ``answers`` is the request of the current session it refuses, if any."""

    error: ServerError
    answers: Request | None = None


@frozen
class MessageRefused:
    """A server frame that is not a valid message (ignored); ``answers`` as for errors."""

    type: str | None
    error: ProtocolError
    answers: Request | None = None


@frozen
class ConnectionLost:
    """The connection closed; ``resuming`` if the session will be resumed on a new one."""

    reason: str
    resuming: bool


@frozen
class StatusChanged:
    """The connection status a typist is shown changed."""

    status: Status


Event = (
    Welcomed
    | SessionReady
    | MetricsUpdated
    | SessionCompleted
    | SessionResumed
    | SessionLost
    | ErrorReceived
    | MessageRefused
    | ConnectionLost
    | StatusChanged
)


class PendingRequests:
    """Requests sent on the connection and not answered yet, oldest first.

    Each is tagged with the generation (the session) that sent it: a request of
    a session since replaced is still answered by the server, and taken off
    here, but answers nothing the current session waits for.
    """

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: deque[tuple[Request, int]] = deque()

    def add(self, request: Request, generation: int) -> None:
        self._items.append((request, generation))

    def clear(self) -> None:
        """The connection closed: nothing more will be answered on it."""
        self._items.clear()

    def answered(self, request: Request, generation: int) -> bool:
        """Take off the oldest ``request``: was it sent by the session ``generation``?"""
        return self._take(frozenset({request}), generation) is not None

    def refused(self, code: str, generation: int) -> Request | None:
        """The request of session ``generation`` an ``ERROR`` with ``code`` refuses, if any."""
        can_answer = ERROR_ANSWERS.get(code)
        return None if can_answer is None else self._take(can_answer, generation)

    def drop(self, generation: int, *requests: Request) -> None:
        """Forget the session's ``requests``: the server has no session left to answer them."""
        self._items = deque((r, g) for r, g in self._items if g != generation or r not in requests)

    def _take(self, requests: frozenset[Request], generation: int) -> Request | None:
        for item in self._items:
            if item[0] in requests:
                self._items.remove(item)
                return item[0] if item[1] == generation else None
        return None
