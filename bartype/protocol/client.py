"""The client side of the protocol, sans-I/O: a state machine with no socket and no clock.

It owns what docs/protocol.md asks of a client (``HELLO``, batch numbers, the
unacknowledged batches, what goes again after a resume, which request an
``ERROR`` answers, when to give up reconnecting); an I/O layer drives it, as
websockets' asyncio client drives its ``ClientProtocol``::

    protocol = ClientProtocol()
    protocol.connection_made()                  # a fresh connection: HELLO is queued
    protocol.create(CreateSession(mode="words", words=10))
    write(protocol.data_to_send())              # the frames to send, in order
    protocol.receive_frame(text, now)           # each frame read
    handle(protocol.events_received())          # Welcomed, SessionReady, ...

Time comes in as ``now`` (seconds, any monotonic origin): keys wait up to
``flush_delay`` to share a frame (call ``tick(now)`` at ``deadline()``).

The session's states, as this client sees them::

               create()             SESSION_CREATED          SESSION_STARTED
       IDLE ───────────▶ CREATING ─────────────────▶ STARTING ───────────────▶ RUNNING
        ▲                   │  refused, or the            │ end()                │ end()
        │                   ▼  connection lost            ▼                      ▼
        ├──────────────── IDLE                         ENDING ◀─────────────────┘
        │                                                 │ SESSION_COMPLETE (from RUNNING
        │ forget()                                        ▼ too: time up, text typed)
        └──────────── any state                        COMPLETE

    STARTING, RUNNING, ENDING ──▶ LOST: the server refused the resume, forgot or handed
    the session over, or no connection came back in ``give_up_after`` seconds.
    create() in any state replaces the session (the server abandons the old one).

The connection's states (``Link``)::

       CLOSED ──connection_made()──────────▶ GREETING ──WELCOME──────────▶ OPEN
         ▲   └──connection_made(resume=True)──▶ RESUMING ──SESSION_ATTACHED──┘
         └────────────── connection_lost() from any state ─────────────────┘

While RESUMING the session's frames wait for ``SESSION_ATTACHED``, which says what
the server has; then go START if it lacks it, every batch not acknowledged, and END.
"""

from __future__ import annotations

import enum
from collections import deque
from typing import Any

from bartype.protocol.client_events import (
    ANSWERS,
    BAD_SERVER_MESSAGE,
    ConnectionLost,
    ErrorReceived,
    Event,
    MessageRefused,
    MetricsUpdated,
    PendingRequests,
    Request,
    SessionCompleted,
    SessionLost,
    SessionReady,
    SessionResumed,
    Status,
    StatusChanged,
    Welcomed,
)
from bartype.protocol.codec import create_session_data, encode_message, parse_frame
from bartype.protocol.messages import (
    CREATE_SESSION,
    END_SESSION,
    FATAL_CLOSE_CODES,
    HELLO,
    INPUT_UPDATE,
    PROTOCOL_VERSION,
    SESSION_COMPLETE,
    START_SESSION,
    CreateSession,
    ErrorCode,
    ProtocolError,
)
from bartype.protocol.server_codec import decode_server
from bartype.protocol.server_messages import (
    InputAck,
    MetricsUpdate,
    ServerError,
    ServerMessage,
    SessionAttached,
    SessionComplete,
    SessionCreated,
    SessionStarted,
    Welcome,
)

BATCH_SIZE = 32
"""A batch is sent as soon as it has this many keys, whatever the delay."""
FLUSH_DELAY_S = 0.3
"""How long a key may wait to share its frame (at 100 WPM, two or three keys share one)."""
RECONNECT_DELAYS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
"""Waits between reconnection attempts; the last one repeats (docs/protocol.md)."""
RECONNECT_GIVE_UP_S = 30.0

FINISHED_STATES = frozenset({"completed", "ended", "abandoned"})
"""``SESSION_ATTACHED.state`` values after which ``SESSION_COMPLETE`` follows."""


class State(enum.Enum):
    """Where the client's session is; see the module docstring for the diagram."""

    IDLE = "idle"
    CREATING = "creating"
    STARTING = "starting"
    RUNNING = "running"
    ENDING = "ending"
    COMPLETE = "complete"
    LOST = "lost"


class Link(enum.Enum):
    """Where the connection is; see the module docstring for the diagram."""

    CLOSED = "closed"
    GREETING = "greeting"
    RESUMING = "resuming"
    OPEN = "open"


_TRANSITIONS: dict[State, frozenset[State]] = {
    State.IDLE: frozenset({State.CREATING}),
    State.CREATING: frozenset({State.STARTING, State.IDLE}),
    State.STARTING: frozenset({State.RUNNING, State.ENDING, State.COMPLETE, State.LOST}),
    State.RUNNING: frozenset({State.ENDING, State.COMPLETE, State.LOST}),
    State.ENDING: frozenset({State.COMPLETE, State.LOST}),
    State.COMPLETE: frozenset(),  # final, as is LOST: only create() or forget() leave them
    State.LOST: frozenset(),
}
"""Allowed moves besides ``create()`` (to CREATING) and ``forget()`` (to IDLE), always allowed."""

_SESSION_STATES = frozenset({State.STARTING, State.RUNNING, State.ENDING})
"""A session the server holds and this client can still finish (and resume)."""

_SESSION_GONE = {ErrorCode.INVALID_SESSION, ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_TAKEN_OVER}


class ClientStateError(Exception):
    """A call the client's state does not allow (a bug in the caller, not bad input)."""


class ClientProtocol:
    """One typist's side of the protocol; see the module docstring."""

    def __init__(
        self,
        *,
        version: int = PROTOCOL_VERSION,
        resume: bool = True,
        batch_size: int = BATCH_SIZE,
        flush_delay: float = FLUSH_DELAY_S,
        reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS_S,
        give_up_after: float = RECONNECT_GIVE_UP_S,
        metrics_ms: int | None = 0,
    ) -> None:
        self.version = version
        self.metrics_ms = metrics_ms
        """``HELLO.metricsMs``: 0 figures with every batch, N at most every N ms, None never."""
        self.resume = resume  # resume the session on a new connection after a drop
        self.batch_size = batch_size
        self.flush_delay = flush_delay
        self.reconnect_delays = reconnect_delays
        self.give_up_after = give_up_after
        self.state = State.IDLE
        self.link = Link.CLOSED
        self.status = Status.OFFLINE
        self.created: SessionCreated | None = None  # the session, once SESSION_CREATED came
        self._generation = 0
        self._pending = PendingRequests()
        self._out: list[str] = []
        self._events: list[Event] = []
        self._buffer: list[dict[str, Any]] = []
        self._buffer_since: float | None = None
        self._next_seq = 1
        self._unacked: deque[tuple[int, str]] = deque()
        self._end_frame: str | None = None
        self._gap_resent: int | None = None
        self._lost_at: float | None = None
        self._attempts = 0

    # -- output ----------------------------------------------------------------

    def data_to_send(self) -> list[str]:
        """The frames to send, in order (each returned once)."""
        out, self._out = self._out, []
        return out

    def events_received(self) -> list[Event]:
        """What happened since the last call, in order (each returned once)."""
        events, self._events = self._events, []
        return events

    @property
    def unacked(self) -> int:
        """Batches made but not yet acknowledged."""
        return len(self._unacked)

    @property
    def buffered(self) -> int:
        """Keys waiting for their batch."""
        return len(self._buffer)

    @property
    def wants_resume(self) -> bool:
        """Disconnected with a session to resume: the I/O layer should reconnect."""
        return self.link is Link.CLOSED and self._lost_at is not None

    # -- connection ------------------------------------------------------------

    def connection_made(self, *, resume: bool = False) -> None:
        """A connection opened: plain, or (``resume``) with the session's id and token."""
        if self.link is not Link.CLOSED:
            raise ClientStateError(f"connection_made() while {self.link.value}")
        if resume and not self.wants_resume:
            raise ClientStateError("connection_made(resume=True) with no session to resume")
        if not resume and self.state is not State.IDLE:
            self._reset(State.IDLE)  # the server cannot find a session on a new connection
        self._lost_at = None
        self._attempts = 0
        self.link = Link.RESUMING if resume else Link.GREETING
        hello: dict[str, Any] = {"version": self.version}
        if self.metrics_ms != 0:  # the default is left out: the seed's HELLO, byte for byte
            hello["metricsMs"] = self.metrics_ms
        self._request(Request.HELLO, encode_message(HELLO, hello))
        self._set_status(Status.CONNECTED)

    def connection_lost(self, code: int, reason: str, now: float) -> None:
        """The connection closed with WebSocket ``code`` (1006 when it dropped)."""
        if self.link is Link.CLOSED:
            return
        self.link = Link.CLOSED
        self._pending.clear()
        described = f"connection closed ({code}{': ' + reason if reason else ''})"
        resuming = self.resume and code not in FATAL_CLOSE_CODES and self.state in _SESSION_STATES
        self._lost_at = now if resuming else None
        self._attempts = 0
        self._set_status(Status.RECONNECTING if resuming else Status.OFFLINE)
        self._events.append(ConnectionLost(described, resuming))
        if not resuming and self.state is State.CREATING:
            self._move(State.IDLE)
        elif not resuming and self.state in _SESSION_STATES:
            self._lose(described)

    def reconnect_delay(self, now: float) -> float | None:
        """How long to wait before the next reconnection attempt; ``None``: do not retry.

        Gives up (the session is lost) once ``give_up_after`` seconds have passed
        since the drop and at least one attempt was made.
        """
        if not self.wants_resume:
            return None
        assert self._lost_at is not None
        if self._attempts > 0 and now - self._lost_at >= self.give_up_after:
            self._lost_at = None
            self._set_status(Status.OFFLINE)
            self._lose(f"no connection for {self.give_up_after:g} s")
            return None
        delay = self.reconnect_delays[min(self._attempts, len(self.reconnect_delays) - 1)]
        self._attempts += 1
        return delay

    # -- the session -----------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        return None if self.created is None else self.created.session_id

    @property
    def token(self) -> str | None:
        return None if self.created is None else self.created.token

    def create(self, options: CreateSession) -> None:
        """Ask for a new session (replacing any other); START_SESSION follows by itself."""
        if self.link is Link.CLOSED:
            raise ClientStateError("create() with no connection")
        self.flush()  # the old session's last keys still count there
        self._reset(State.CREATING)
        self._request(Request.CREATE, encode_message(CREATE_SESSION, create_session_data(options)))

    def forget(self) -> None:
        """Drop the session without ending it (its test was finished without the server)."""
        self.flush()  # its last keys still count there, as for create()
        self._reset(State.IDLE)
        if self._lost_at is not None:
            self._lost_at = None
            self._set_status(Status.OFFLINE)

    def send_key(self, key: str, t: float, now: float) -> bool:
        """Queue one key at client time ``t`` ms (ignored unless the session takes keys);
        returns whether ``data_to_send()`` or ``deadline()`` changed: the caller's cue."""
        if self.state is not State.RUNNING and self.state is not State.STARTING:
            return False
        buffer = self._buffer
        buffer.append({"key": key, "t": t})
        if len(buffer) >= self.batch_size:
            self.flush()
        elif len(buffer) == 1:
            self._buffer_since = now
        else:
            return False
        return True

    def deadline(self) -> float | None:
        """When ``tick`` must be called next to send waiting keys (``None``: none wait)."""
        since = self._buffer_since
        return None if since is None else since + self.flush_delay

    def tick(self, now: float) -> None:
        """Let time pass: send keys that waited ``flush_delay``."""
        deadline = self.deadline()
        if deadline is not None and now >= deadline:
            self.flush()

    def flush(self) -> None:
        """Make the waiting keys one numbered batch, and send it if the connection is open."""
        if not self._buffer:
            return
        seq = self._next_seq
        self._next_seq += 1
        frame = encode_message(INPUT_UPDATE, {"seq": seq, "keys": self._buffer})
        self._buffer = []
        self._buffer_since = None
        self._unacked.append((seq, frame))
        if self.link is Link.OPEN:
            self._out.append(frame)

    def end(self, t: float | None = None) -> None:
        """End the test at client time ``t`` ms (after the waiting keys); once is enough."""
        if self.state in (State.IDLE, State.CREATING):
            raise ClientStateError(f"end() while {self.state.value}: no session")
        if self.state not in (State.STARTING, State.RUNNING):
            return  # ending, complete or lost already
        self.flush()
        self._end_frame = encode_message(END_SESSION, {} if t is None else {"t": t})
        self._move(State.ENDING)
        if self.link is Link.OPEN:
            self._request(Request.END, self._end_frame)

    # -- input -----------------------------------------------------------------

    def receive_frame(self, text: str, now: float) -> ServerMessage | None:
        """One server frame, returned decoded (``None`` and ``MessageRefused`` if malformed)."""
        try:
            message = decode_server(text)
        except ProtocolError as exc:
            self._refuse(text, exc)
            return None
        self.receive(message, now)
        return message

    def receive(self, message: ServerMessage, now: float) -> None:
        """One decoded server message."""
        if isinstance(message, MetricsUpdate):
            if self.state in _SESSION_STATES:
                self._ack(message.ack)
                self._events.append(MetricsUpdated(message))
        elif isinstance(message, InputAck):
            if self.state in _SESSION_STATES:
                self._ack(message.ack)
        elif isinstance(message, SessionComplete):
            self._complete(message)
        elif isinstance(message, ServerError):
            self._error(message)
        elif isinstance(message, SessionCreated):
            self._created(message)
        elif isinstance(message, SessionStarted):
            self._started(message)
        elif isinstance(message, SessionAttached):
            self._attached(message)
        elif isinstance(message, Welcome):
            self._answered(Request.HELLO)
            if self.link is Link.GREETING:
                self.link = Link.OPEN
            self._events.append(Welcomed(message))
        self.tick(now)  # (an unknown message type is ignored, as the protocol asks)

    def _created(self, message: SessionCreated) -> None:
        if self._answered(Request.CREATE) and self.state is State.CREATING:
            self.created = message
            self._move(State.STARTING)
            self._request(Request.START, encode_message(START_SESSION, {}))

    def _started(self, message: SessionStarted) -> None:
        current = self._answered(Request.START)
        if current and self.state is State.STARTING and message.session_id == self.session_id:
            assert self.created is not None
            self._move(State.RUNNING)
            self._events.append(SessionReady(self.created))

    def _complete(self, message: SessionComplete) -> None:
        self._answered(Request.END)
        if self.state in _SESSION_STATES and message.session_id == self.session_id:
            self._unacked.clear()
            self._buffer = []
            self._buffer_since = None
            self._move(State.COMPLETE)
            self._events.append(SessionCompleted(message))

    def _attached(self, message: SessionAttached) -> None:
        if self.link is Link.RESUMING:
            self.link = Link.OPEN
        if self.state not in _SESSION_STATES or message.session_id != self.session_id:
            return  # a session given up meanwhile (create() or forget())
        self._ack(message.ack)
        self._events.append(SessionResumed(message))
        if message.state in FINISHED_STATES:
            return  # its SESSION_COMPLETE follows
        if message.state == "created":
            self._request(Request.START, encode_message(START_SESSION, {}))
        elif self.state is State.STARTING:
            # START arrived before the drop, SESSION_STARTED did not: it is running.
            assert self.created is not None
            self._move(State.RUNNING)
            self._events.append(SessionReady(self.created))
        self._out.extend(frame for _, frame in self._unacked)
        if self._end_frame is not None:
            self._request(Request.END, self._end_frame)

    def _error(self, error: ServerError) -> None:
        answers = self._pending.refused(error.code, self._generation)
        in_session = self.state in _SESSION_STATES
        if error.ack is not None and in_session:
            self._ack(error.ack)
        if error.code == ErrorCode.SEQ_GAP and in_session and error.ack != self._gap_resent:
            # Batches went missing: send every one after ack again, once per gap.
            self._gap_resent = error.ack
            self._out.extend(frame for seq, frame in self._unacked if seq > (error.ack or 0))
        self._events.append(ErrorReceived(error, answers))
        if answers is not None:
            self._refused(answers, error.message, error.code)
        elif error.code in _SESSION_GONE and in_session:
            if error.session_id in (None, self.session_id):
                self._pending.drop(self._generation, Request.START, Request.END)
                self._lose(error.message, error.code)

    def _refuse(self, text: str, error: ProtocolError) -> None:
        """A frame that is not a valid server message: say so, and fail what waited for it."""
        type_: str | None
        try:
            type_, data = parse_frame(text)
        except ProtocolError:
            type_, data = None, {}
        answers: Request | None = None
        request = ANSWERS.get(type_ or "")
        if request is not None and self._answered(request):
            answers = request
        self._events.append(MessageRefused(type_, error, answers))
        if answers is not None:
            self._refused(answers, error.message, BAD_SERVER_MESSAGE)
        elif type_ == SESSION_COMPLETE and self.state in _SESSION_STATES:
            session_id = data.get("sessionId")
            if not isinstance(session_id, str) or session_id == self.session_id:
                self._answered(Request.END)
                self._lose(
                    f"The server sent an unreadable result: {error.message}", BAD_SERVER_MESSAGE
                )

    # -- internals -------------------------------------------------------------

    def _refused(self, request: Request, reason: str, code: str) -> None:
        """A request failed: no session after a create, a lost one after a start or end."""
        if request is Request.CREATE and self.state is State.CREATING:
            self._move(State.IDLE)
        elif request is not Request.HELLO and self.state in _SESSION_STATES:
            self._lose(reason, code)

    def _move(self, to: State) -> None:
        if to is not State.IDLE and to is not State.CREATING and to not in _TRANSITIONS[self.state]:
            raise ClientStateError(f"{self.state.value} -> {to.value}")
        self.state = to

    def _reset(self, to: State) -> None:
        """Forget the session (``to`` is IDLE or CREATING, allowed from any state)."""
        self._generation += 1
        self.created = None
        self._buffer = []
        self._buffer_since = None
        self._next_seq = 1
        self._unacked.clear()
        self._end_frame = None
        self._gap_resent = None
        self._move(to)

    def _lose(self, reason: str, code: str | None = None) -> None:
        self._lost_at = None
        self._move(State.LOST)
        self._events.append(SessionLost(reason, code))

    def _set_status(self, status: Status) -> None:
        if status is not self.status:
            self.status = status
            self._events.append(StatusChanged(status))

    def _answered(self, request: Request) -> bool:
        return self._pending.answered(request, self._generation)

    def _request(self, request: Request, frame: str) -> None:
        self._pending.add(request, self._generation)
        self._out.append(frame)

    def _ack(self, ack: int) -> None:
        unacked = self._unacked
        while unacked and unacked[0][0] <= ack:
            unacked.popleft()
