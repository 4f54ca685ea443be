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
from typing import Any

from bartype.protocol.backoff import RECONNECT_DELAYS_S as RECONNECT_DELAYS_S
from bartype.protocol.backoff import RECONNECT_GIVE_UP_S as RECONNECT_GIVE_UP_S
from bartype.protocol.batcher import KeyBatcher
from bartype.protocol.client_base import ClientBase
from bartype.protocol.client_base import Link as Link
from bartype.protocol.client_events import (
    ANSWERS,
    BAD_SERVER_MESSAGE,
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
    Welcomed,
)
from bartype.protocol.codec import create_session_data, encode_message, parse_frame
from bartype.protocol.messages import (
    CREATE_SESSION,
    END_SESSION,
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


class ClientProtocol(ClientBase[Event]):
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
        super().__init__(reconnect_delays, give_up_after)
        self.version = version
        self.metrics_ms = metrics_ms
        """``HELLO.metricsMs``: 0 figures with every batch, N at most every N ms, None never."""
        self.resume = resume  # resume the session on a new connection after a drop
        self.state = State.IDLE
        self.created: SessionCreated | None = None  # the session, once SESSION_CREATED came
        self._generation = 0
        self._pending = PendingRequests()
        self._keys = KeyBatcher(INPUT_UPDATE, batch_size, flush_delay)
        self._end_frame: str | None = None
        self._gap_resent: int | None = None

    @property
    def unacked(self) -> int:
        """Batches made but not yet acknowledged."""
        return self._keys.unacked

    @property
    def buffered(self) -> int:
        """Keys waiting for their batch."""
        return self._keys.buffered

    # -- connection ------------------------------------------------------------

    def connection_made(self, *, resume: bool = False) -> None:
        """A connection opened: plain, or (``resume``) with the session's id and token."""
        if self.link is not Link.CLOSED:
            raise ClientStateError(f"connection_made() while {self.link.value}")
        if resume and not self.wants_resume:
            raise ClientStateError("connection_made(resume=True) with no session to resume")
        if not resume and self.state is not State.IDLE:
            self._reset(State.IDLE)  # the server cannot find a session on a new connection
        self._backoff.lost(None)
        self.link = Link.RESUMING if resume else Link.GREETING
        hello: dict[str, Any] = {"version": self.version}
        if self.metrics_ms != 0:  # the default is left out: the seed's HELLO, byte for byte
            hello["metricsMs"] = self.metrics_ms
        self._request(Request.HELLO, encode_message(HELLO, hello))
        self._set_status(Status.CONNECTED)

    def _resumable(self) -> bool:
        return self.resume and self.state in _SESSION_STATES

    def _link_lost(self, reason: str, resuming: bool) -> None:
        self._pending.clear()  # nothing more will be answered on that connection
        if not resuming and self.state is State.CREATING:
            self._move(State.IDLE)
        elif not resuming and self.state in _SESSION_STATES:
            self._lose(reason)

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
        if self._backoff.waiting:
            self._backoff.lost(None)
            self._set_status(Status.OFFLINE)

    def send_key(self, key: str, t: float, now: float) -> bool:
        """Queue one key at client time ``t`` ms (ignored unless the session takes keys);
        returns whether ``data_to_send()`` or ``deadline()`` changed: the caller's cue."""
        if self.state is not State.RUNNING and self.state is not State.STARTING:
            return False
        if self._keys.add(key, t, now):
            self.flush()
            return True
        return self._keys.buffered == 1  # its wait began: a new deadline

    def deadline(self) -> float | None:
        """When ``tick`` must be called next to send waiting keys (``None``: none wait)."""
        return self._keys.deadline()

    def tick(self, now: float) -> None:
        """Let time pass: send keys that waited ``flush_delay``."""
        if self._keys.due(now):
            self.flush()

    def flush(self) -> None:
        """Make the waiting keys one numbered batch, and send it if the connection is open."""
        batch = self._keys.flush()
        if batch is not None and self.link is Link.OPEN:
            self._out.append(batch[1])

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
            self._keys.drop()
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
        self._out.extend(self._keys.unacked_frames())
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
            self._out.extend(self._keys.unacked_frames(after=error.ack or 0))
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
        self._keys.reset()
        self._end_frame = None
        self._gap_resent = None
        self._move(to)

    def _give_up(self, reason: str) -> None:
        self._lose(reason)

    def _lose(self, reason: str, code: str | None = None) -> None:
        self._backoff.lost(None)
        self._move(State.LOST)
        self._events.append(SessionLost(reason, code))

    def _answered(self, request: Request) -> bool:
        return self._pending.answered(request, self._generation)

    def _request(self, request: Request, frame: str) -> None:
        self._pending.add(request, self._generation)
        self._out.append(frame)

    def _ack(self, ack: int) -> None:
        self._keys.ack(ack)
