"""A racer's side of the room messages, sans-I/O: a state machine with no socket, no clock.

It owns what docs/protocol.md ("Races") asks of a client: ``HELLO`` on each
connection, the room's code and resume token, batch numbers from 1 in each
race and the batches not yet acknowledged, what goes again after a drop
(``RESUME_ROOM``, then every batch after the ``ack`` of ``RACE_METRICS``), a
false start's batches sent again once the race has begun, and the server's
start time turned into this client's clock (half the round trip added: the
shortest one seen on the connection, from ``HELLO`` to ``WELCOME`` and from each
``RACE_INPUT`` to its ``RACE_METRICS``). An I/O layer drives it::

    race = RaceClient()
    race.connection_made(now)              # HELLO is queued
    race.create("Ann", {"mode": "words", "words": 25})
    write(race.data_to_send())
    race.receive_frame(text, now)          # each frame read; now in seconds, local monotonic
    handle(race.events_received())         # Joined, RoomChanged, CountdownStarted, ...
    race.send_key("t", now)                # while RACING; the key's time is race_ms(now)

Where this member is: ``race_states.State``, with its diagram.

The connection (``Link``): CLOSED → GREETING (HELLO sent) → OPEN (WELCOME).
Calls the state does not allow raise ``RaceClientStateError`` (a bug in the
caller); server messages that do not fit the state are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bartype.protocol.backoff import RECONNECT_DELAYS_S, RECONNECT_GIVE_UP_S
from bartype.protocol.batcher import KeyBatcher
from bartype.protocol.client_base import ClientBase, Link
from bartype.protocol.client_events import Status, Welcomed
from bartype.protocol.json_frames import encode_message
from bartype.protocol.messages import (
    CREATE_ROOM,
    HELLO,
    JOIN_ROOM,
    LEAVE_ROOM,
    PROTOCOL_VERSION,
    RACE_INPUT,
    READY,
    REMATCH,
    RESUME_ROOM,
    START_RACE,
    ErrorCode,
    ProtocolError,
)
from bartype.protocol.race_clock import RaceClock
from bartype.protocol.race_events import (
    CountdownStarted,
    Joined,
    Left,
    MetricsReceived,
    ProgressUpdated,
    RaceErrorReceived,
    RaceEvent,
    RacerDone,
    Refused,
    ResultReceived,
    RoomChanged,
    StandingsReceived,
    Started,
)
from bartype.protocol.race_messages import (
    Lane,
    RaceCountdown,
    RaceMetrics,
    RaceProgress,
    RaceResult,
    RacerFinished,
    RaceStandings,
    RaceStarted,
    RoomJoined,
    RoomLeft,
    RoomState,
    decode_race,
)
from bartype.protocol.race_states import ROOM_STATES, TRANSITIONS, State
from bartype.protocol.server_messages import ServerError, Welcome

__all__ = [
    "BATCH_SIZE",
    "FALSE_START_RETRY_S",
    "FALSE_START_WINDOW_S",
    "FLUSH_DELAY_S",
    "RaceClient",
    "RaceClientStateError",
]

BATCH_SIZE = 32
FLUSH_DELAY_S = 0.1
"""Keys wait at most this long to share a frame: the server's lanes tick every 100 ms."""
FALSE_START_RETRY_S = 0.1
"""After ``NOT_RACING`` during the race (our clock ran ahead), batches go again this late,"""
FALSE_START_WINDOW_S = 2.0
"""... for this long after the start (later, ``NOT_RACING`` means our race is over)."""


_ROOM_GONE = {ErrorCode.ROOM_TAKEN_OVER, ErrorCode.RESUME_EXPIRED}


class RaceClientStateError(Exception):
    """A call the race client's state does not allow (a bug in the caller)."""


class RaceClient(ClientBase[RaceEvent]):
    """One member's side of a room; see the module docstring."""

    def __init__(
        self,
        *,
        batch_size: int = BATCH_SIZE,
        flush_delay: float = FLUSH_DELAY_S,
        reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS_S,
        give_up_after: float = RECONNECT_GIVE_UP_S,
    ) -> None:
        super().__init__(reconnect_delays, give_up_after)
        self._keys = KeyBatcher(RACE_INPUT, batch_size, flush_delay)
        self.state = State.IDLE
        self.code: str | None = None
        self.player_id: str | None = None
        self.room: RoomState | None = None
        self.race: RaceCountdown | None = None
        self.starts_at: float | None = None
        """The current race's start signal on this client's clock (seconds)."""
        self.lanes: tuple[Lane, ...] = ()
        self.standings: RaceStandings | None = None
        self.result: RaceResult | None = None
        self._token: str | None = None
        self._last_t = 0.0
        self._clock = RaceClock()
        self._resend_at: float | None = None
        self._resend_on_metrics = False
        self._resuming = False
        """``RESUME_ROOM`` sent on this connection, its ``ROOM_STATE`` not yet come."""

    @property
    def unacked(self) -> int:
        """Batches made but not yet acknowledged."""
        return self._keys.unacked

    @property
    def rtt(self) -> float | None:
        """The shortest round trip seen on this connection (seconds); ``None`` before one."""
        return self._clock.rtt

    @property
    def racing(self) -> bool:
        """Whether this member races the current race (not a spectator)."""
        return self.race is not None and self.player_id in self.race.racers

    # -- connection ------------------------------------------------------------

    def connection_made(self, now: float | None = None) -> None:
        """A connection opened: HELLO, then ``RESUME_ROOM`` if a room is to be resumed.

        ``now``: the local time, to measure the round trip to ``WELCOME``.
        """
        if self.link is not Link.CLOSED:
            raise RaceClientStateError(f"connection_made() while {self.link.value}")
        self.link = Link.GREETING
        self._clock.connected(now)
        self._out.append(encode_message(HELLO, {"version": PROTOCOL_VERSION}))
        if self._backoff.waiting and self.code is not None and self._token is not None:
            self._resuming = True
            self._resend_on_metrics = True
            self._out.append(encode_message(RESUME_ROOM, {"code": self.code, "token": self._token}))
        elif self.state is State.JOINING:
            self._move(State.IDLE)  # its answer went with the old connection
        self._backoff.lost(None)
        self._set_status(Status.CONNECTED)

    def _resumable(self) -> bool:
        return self._token is not None and self.state is not State.IDLE

    def _link_lost(self, reason: str, resuming: bool) -> None:
        if not resuming and self.state is not State.IDLE:
            self._leave_room(reason)

    # -- requests --------------------------------------------------------------

    def create(self, name: str, options: dict[str, Any] | None = None, **room: Any) -> None:
        """Create a room and join it as host (``room``: ``maxPlayers``, ``countdownS``, ...)."""
        data: dict[str, Any] = {"name": name, **room}
        if options is not None:
            data["options"] = options
        self._join(CREATE_ROOM, data)

    def join(self, code: str, name: str, *, watch: bool = False) -> None:
        """Join room ``code`` (as a spectator for good with ``watch``)."""
        data: dict[str, Any] = {"code": code, "name": name}
        if watch:
            data["watch"] = True
        self._join(JOIN_ROOM, data)

    def ready(self, ready: bool = True) -> None:
        self._in_state("ready()", State.LOBBY)
        self._send(encode_message(READY, {"ready": ready}))

    def start(self) -> None:
        """Start the countdown (the host only; the server says ``NOT_HOST`` otherwise)."""
        self._in_state("start()", State.LOBBY)
        self._send(encode_message(START_RACE, {}))

    def rematch(self) -> None:
        self._in_state("rematch()", State.RESULTS)
        self._send(encode_message(REMATCH, {}))

    def leave(self) -> None:
        """Leave the room for good (DNF if racing); ``Left`` follows ``ROOM_LEFT``."""
        if self.state is State.IDLE:
            raise RaceClientStateError("leave() while idle")
        self.flush()
        self._send(encode_message(LEAVE_ROOM, {}))
        if self.link is not Link.OPEN:
            self._leave_room("you left the room")

    # -- keys ------------------------------------------------------------------

    def race_ms(self, now: float) -> float:
        """Milliseconds since the start signal at local time ``now`` (negative before it)."""
        if self.starts_at is None:
            raise RaceClientStateError("race_ms() with no race")
        return (now - self.starts_at) * 1000

    def send_key(self, key: str, now: float, t: float | None = None) -> bool:
        """Queue one key typed at ``now``; returns whether there is something to send or a
        new deadline. Keys before the start, or when not racing, are ignored (``False``).

        ``t`` is the key's time (ms since the start signal) when it is not ``now``'s: a
        recording replayed at its own times, to the last digit.
        """
        self._start_by_clock(now)
        if self.state is not State.RACING or not self.racing or self.starts_at is None:
            return False
        t = round(self.race_ms(now), 1) if t is None else t
        t = max(t, self._last_t)
        if t < 0:
            return False
        self._last_t = t
        if self._keys.add(key, t, now):
            self.flush(now)
            return True
        return self._keys.buffered == 1  # its wait began: a new deadline

    def deadline(self) -> float | None:
        """When ``tick`` must be called next (``None``: nothing waits)."""
        times = [t for t in (self._resend_at, self._keys.deadline()) if t is not None]
        if self.state is State.COUNTDOWN and self.starts_at is not None:
            times.append(self.starts_at)
        return min(times) if times else None

    def tick(self, now: float) -> None:
        """Let time pass: the start signal, keys that waited, a false start's batches again."""
        self._start_by_clock(now)
        if self._keys.due(now):
            self.flush(now)
        if self._resend_at is not None and now >= self._resend_at:
            self._resend_at = None
            self._resend_all()

    def flush(self, now: float | None = None) -> None:
        """Make the waiting keys one numbered batch (the finishing key: call at once).

        ``now``: the local time, to measure the round trip to the batch's ``RACE_METRICS``.
        """
        batch = self._keys.flush()
        if batch is not None and self.link is Link.OPEN and not self._resend_on_metrics:
            seq, frame = batch
            self._out.append(frame)
            if now is not None:
                self._clock.sent(seq, now)

    def _start_by_clock(self, now: float) -> None:
        """The start signal passed on our clock: race, even before the server's ROOM_STATE
        says so (it comes on the server's next tick, later on a loaded or slow link)."""
        if self.state is State.COUNTDOWN and self.starts_at is not None and now >= self.starts_at:
            self._move(State.RACING)

    # -- input -----------------------------------------------------------------

    def receive_frame(self, text: str, now: float) -> None:
        """One server frame, read at local time ``now`` (seconds)."""
        try:
            message = decode_race(text)
        except ProtocolError as exc:
            self._events.append(Refused(exc))
            return
        handle = _ON_MESSAGE.get(type(message))
        if handle is not None:
            handle(self, message, now)
        self.tick(now)  # (other messages, solo ones included, are not this client's)

    def _progress(self, message: RaceProgress, now: float) -> None:
        if self.race is not None and message.race_id == self.race.race_id:
            self.lanes = message.racers
            self._events.append(ProgressUpdated(message))

    def _started(self, message: RaceStarted, now: float) -> None:
        if self.race is not None and message.race_id == self.race.race_id:
            self._events.append(Started(message.race_id))

    def _racer_finished(self, message: RacerFinished, now: float) -> None:
        deadline = None
        if message.deadline_at is not None and self.race is not None:
            deadline = self._clock.local(message.deadline_at)
        self._events.append(RacerDone(message, deadline))

    def _standings(self, message: RaceStandings, now: float) -> None:
        self.standings = message
        self._events.append(StandingsReceived(message))

    def _left(self, message: RoomLeft, now: float) -> None:
        if self.state is not State.IDLE:
            self._leave_room("you left the room")

    def _welcome(self, message: Welcome, now: float) -> None:
        if self.link is Link.GREETING:
            self.link = Link.OPEN
            self._clock.welcomed(now)
            self._events.append(Welcomed(message))

    def _joined(self, message: RoomJoined) -> None:
        if self.state is not State.JOINING and not self._resuming:
            return
        self.code = message.code
        self.player_id = message.player_id
        self._token = message.token
        self._events.append(Joined(message.code, message.player_id, message.resumed))

    def _room_state(self, message: RoomState) -> None:
        if self.state is State.IDLE or message.code != self.code:
            return
        self.room = message
        target = ROOM_STATES.get(message.state)
        if target is State.RACING and self.state is State.DONE:
            target = State.DONE
        resumed, self._resuming = self._resuming, False
        if resumed and not (target in (State.COUNTDOWN, State.RACING) and self.racing):
            self._resend_on_metrics = False  # no RACE_METRICS comes: nothing waits for one
        if target is not None and target is not self.state:
            if target not in TRANSITIONS[self.state] and not resumed:
                target = None  # not a move this client knows: keep its state, show the room
            else:
                self._move(target, resumed=resumed)
                if target is State.LOBBY:
                    self._end_race()
        self._events.append(RoomChanged(message))

    def _countdown(self, message: RaceCountdown, now: float) -> None:
        if self.state is State.IDLE or self.state is State.JOINING and self.code is None:
            return
        fresh = self.race is None or self.race.race_id != message.race_id
        self.race = message
        if fresh or self.starts_at is None:
            # The server's clock minus ours: it was sent half a round trip ago. Once per
            # race: keys already timed against this start must keep their times, so a
            # resume (which sends the countdown again) does not move it.
            self._clock.sync(message.server_time, now)
            self.starts_at = self._clock.local(message.starts_at)
        if fresh:
            self._new_race()
        if self.state in (State.LOBBY, State.RESULTS):
            self._move(State.COUNTDOWN)
        self._events.append(CountdownStarted(message, self.starts_at, self.racing))

    def _metrics(self, message: RaceMetrics, now: float) -> None:
        if self.race is None or message.race_id != self.race.race_id:
            return
        self._clock.answered(message.ack, now)
        self._ack(message.ack)
        if message.update.analysis.finished and self.state is State.RACING:
            self._move(State.DONE)  # typed to the end: no more keys (RACE_RESULT follows)
        if self._resend_on_metrics:
            self._resend_on_metrics = False
            self._resend_all()
        self._events.append(MetricsReceived(message))

    def _result(self, message: RaceResult) -> None:
        if self.race is None or message.race_id != self.race.race_id:
            return
        self.result = message
        self._keys.drop()
        if self.state is State.RACING:
            self._move(State.DONE)
        self._events.append(ResultReceived(message))

    def _error(self, error: ServerError, now: float) -> None:
        if error.ack is not None:
            self._ack(error.ack)
        if error.code == ErrorCode.NOT_RACING and self._keys.unacked and self.state is State.RACING:
            assert self.starts_at is not None
            if now < self.starts_at + FALSE_START_WINDOW_S:
                self._resend_at = now + FALSE_START_RETRY_S  # our clock ran ahead of the server's
                return
            self._keys.drop_batches()  # the race is over for us: nothing will take these
        if error.code == ErrorCode.SEQ_GAP:
            self._resend_all()
            return
        if self._resuming:
            self._leave_room(error.message, error.code)  # the place is gone
        elif self.state is State.JOINING:
            if error.code in _ROOM_GONE:
                self._leave_room(error.message, error.code)
            else:
                self._move(State.IDLE)
        elif error.code in _ROOM_GONE and self.state is not State.IDLE:
            self._leave_room(error.message, error.code)
        self._events.append(RaceErrorReceived(error))

    # -- internals -------------------------------------------------------------

    def _join(self, type_: str, data: dict[str, Any]) -> None:
        if self.state is not State.IDLE:
            raise RaceClientStateError(f"joining a room while {self.state.value}")
        if self.link is not Link.OPEN and self.link is not Link.GREETING:
            raise RaceClientStateError("joining a room with no connection")
        self._move(State.JOINING)
        self._out.append(encode_message(type_, data))

    def _send(self, frame: str) -> None:
        if self.link is not Link.CLOSED:
            self._out.append(frame)

    def _in_state(self, call: str, *allowed: State) -> None:
        if self.state not in allowed:
            raise RaceClientStateError(f"{call} while {self.state.value}")

    def _move(self, to: State, *, resumed: bool = False) -> None:
        """Go to ``to`` if the diagram allows it (``resumed``: the room's state, as it is)."""
        allowed = resumed or to in (State.IDLE, State.JOINING) or to in TRANSITIONS[self.state]
        if not allowed:
            raise RaceClientStateError(f"{self.state.value} -> {to.value}")
        self.state = to

    def _new_race(self) -> None:
        self._end_race()
        self.lanes = ()
        self.standings = None
        self.result = None

    def _end_race(self) -> None:
        self._keys.reset()
        self._last_t = 0.0
        self._clock.forget_all()
        self._resend_at = None
        self._resend_on_metrics = False

    def _give_up(self, reason: str) -> None:
        self._leave_room(reason)

    def _leave_room(self, reason: str, code: str | None = None) -> None:
        self._end_race()
        self._token = None
        self._backoff.lost(None)
        self._resend_on_metrics = False
        self._resuming = False
        self.code = self.player_id = None
        self.room = self.race = None
        self.starts_at = None
        self._move(State.IDLE)
        self._events.append(Left(reason, code))

    def _resend_all(self) -> None:
        if self.link is Link.OPEN or self.link is Link.GREETING:
            self._out.extend(self._keys.unacked_frames())

    def _ack(self, ack: int) -> None:
        for seq in self._keys.ack(ack):
            self._clock.forget(seq)


_ON_MESSAGE: dict[type, Callable[[RaceClient, Any, float], None]] = {
    RaceProgress: RaceClient._progress,
    RaceMetrics: RaceClient._metrics,
    RoomState: lambda client, message, now: client._room_state(message),
    RaceCountdown: RaceClient._countdown,
    RaceStarted: RaceClient._started,
    RacerFinished: RaceClient._racer_finished,
    RaceResult: lambda client, message, now: client._result(message),
    RaceStandings: RaceClient._standings,
    RoomJoined: lambda client, message, now: client._joined(message),
    RoomLeft: RaceClient._left,
    ServerError: RaceClient._error,
    Welcome: RaceClient._welcome,
}
"""What the client does with each message a server sends it (any other is ignored)."""
