"""SessionHandler: the sans-I/O heart of the protocol.

Decoded messages in, actions out. The handler never touches a socket, never
sleeps and never reads a clock: ``now`` (seconds, monotonic) is passed to
every call. The I/O layer (the loopback transport or the WebSocket server)

1. calls ``open()`` for each new connection and keeps the returned ``Channel``;
2. feeds each text frame to ``receive_text(channel, text, now)``;
3. calls ``tick(now)`` about every 100 ms (time limits, idle expiry);
4. after each call, drains ``pending()``: each channel with actions to
   perform and its ``Outgoing`` messages and ``Close`` actions, in order (one
   channel at a time, so that a failure on one skips no other);
5. calls ``disconnect(channel, now)`` when a connection goes away.

Every bad input becomes an ``ERROR`` (and, where documented, a close code);
nothing a client sends can raise out of the handler.

This module routes: it decodes, dispatches each message to what owns it and
sends the answers. The parts live next to it: ``protocol.live`` (a test in
progress, its ``Phase`` and its input rules), ``protocol.results`` (validity
and what is stored), ``protocol.sessions`` (the held sessions: resume,
budgets, expiry), ``protocol.snapshots`` (across a restart), and
``protocol.race_handler`` (rooms).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from bartype.core.state import StateManager
from bartype.protocol import codec, results
from bartype.protocol.budget import Ledger
from bartype.protocol.bugs import report_bug
from bartype.protocol.config import HandlerConfig
from bartype.protocol.live import Channel, Keys, LiveSession, new_live_session
from bartype.protocol.messages import (
    INPUT_UPDATE,
    RACE_INPUT,
    ROOM_MESSAGES,
    SESSION_COMPLETE,
    SESSION_STARTED,
    SESSION_TYPES,
    Action,
    ClientMessage,
    Close,
    CloseCode,
    CreateSession,
    EndSession,
    ErrorCode,
    Hello,
    InputUpdate,
    Outgoing,
    ProtocolError,
    StartSession,
    close,
    error,
)
from bartype.protocol.outbox import Outbox
from bartype.protocol.pacing import MetricsPacer
from bartype.protocol.sessions import SessionTable
from bartype.protocol.stores import ResultSink
from bartype.protocol.textgen import TextSource, session_text
from bartype.protocol.views import input_ack, input_ack_frame, metrics_update, metrics_update_frame

if TYPE_CHECKING:  # races are imported with the first room message: solo play needs none
    from bartype.protocol.race_handler import RaceHandler

log = logging.getLogger("bartype.protocol")

KeyBatch = tuple[int, Keys]
"""A plain ``INPUT_UPDATE`` as ``codec.parse_key_batch`` gives it: ``(seq, [(key, t), ...])``."""
RACE_INPUT_FRAME = f'{{"type":"{RACE_INPUT}",'
"""How a compact ``RACE_INPUT`` frame starts (as clients send them): the hot path's cue."""


def reply_type(reply: str) -> str:
    """The type of a frame ``receive_text_direct`` returned (``INPUT_ACK``,
    ``METRICS_UPDATE`` or ``RACE_METRICS``): it starts ``{"type":"``."""
    return reply[9 : reply.index('"', 9)]


class SessionHandler:
    """Runs typing sessions for any number of connections; see the module docstring."""

    def __init__(
        self,
        texts: TextSource,
        history: ResultSink | None = None,
        *,
        config: HandlerConfig | None = None,
        new_id: Callable[[], str] | None = None,
        new_seed: Callable[[], int] | None = None,
    ) -> None:
        self.config = config or HandlerConfig()
        self.texts = texts
        self.history = history
        self.outbox = Outbox()
        self._emit = self.outbox.emit
        self.table = SessionTable(self.config, self._emit)
        """The held sessions (``bartype.protocol.sessions``)."""
        self._new_id = new_id or (lambda: secrets.token_urlsafe(12))
        self._new_seed = new_seed or (lambda: secrets.randbits(48))
        self._bugs: set[str] = set()
        self.pacer = MetricsPacer()
        self._next_channel = 0
        self._next_expiry = 0.0
        self.connections = 0
        self._races: RaceHandler | None = None

    @property
    def races(self) -> RaceHandler:
        """Rooms and races (``bartype.protocol.race_handler``), made when first needed."""
        if self._races is None:
            from bartype.protocol.race_handler import RaceHandler

            self._races = RaceHandler(
                self.texts, self._emit, results=self.history, limits=self.config
            )
        return self._races

    @property
    def sessions(self) -> StateManager[LiveSession]:
        """The held sessions by id."""
        return self.table.held

    @property
    def ledger(self) -> Ledger:
        """What the sessions of each address hold."""
        return self.table.ledger

    # -- plumbing -------------------------------------------------------------

    def _error(self, channel: Channel, code: str, message: str, **extra: Any) -> None:
        self._emit(channel, error(code, message, **extra))

    @property
    def has_dirty(self) -> bool:
        """Has any channel actions pending (``take_dirty`` would return some)?"""
        return self.outbox.has_dirty

    def take_dirty(self) -> list[Channel]:
        """Channels that have actions pending since the last call (take each one's actions)."""
        return self.outbox.take_dirty()

    def pending(self) -> Iterator[tuple[Channel, list[Action]]]:
        """Each channel with actions pending, and its actions (see ``Outbox.pending``)."""
        return self.outbox.pending()

    # -- connections ------------------------------------------------------

    def open(
        self,
        now: float,
        session_id: str | None = None,
        token: str | None = None,
        peer: str = "",
    ) -> Channel:
        """A new connection; with ``session_id`` (and its token), attach to that session."""
        self._next_channel += 1
        channel = Channel(self._next_channel, peer)
        self.connections += 1
        if session_id is not None:
            self.table.attach(channel, session_id, token, now)
        return channel

    def disconnect(self, channel: Channel, now: float) -> None:
        """The connection is gone; its session stays resumable until it expires."""
        if self._races is not None:
            self._races.disconnect(channel, now)
        if not channel.closed or channel.session is not None:
            channel.detach()
        channel.closed = True
        channel.actions.clear()
        self.connections -= 1

    # -- messages ---------------------------------------------------------

    def receive_text(self, channel: Channel, text: str, now: float) -> None:
        """Decode and handle one text frame."""
        if channel.closed:
            return
        try:
            message = codec.decode(text)
        except ProtocolError as exc:
            self._error(channel, exc.code, exc.message)
            return
        self.receive(channel, message, now)

    def receive_text_direct(self, channel: Channel, text: str, now: float) -> str | None:
        """``receive_text`` for a server's hot path: may return the reply instead of queueing it.

        When the frame is a plain batch of keys answered by one
        ``METRICS_UPDATE`` and nothing else, that reply comes back as encoded
        text (exactly what ``codec.encode`` would give) for the caller to send
        at once, and nothing is queued for the channel. Otherwise it returns
        ``None`` and every action is queued as ``receive_text`` would. A plain
        ``RACE_INPUT`` batch is parsed as cheaply, and answered the same way when
        its ``RACE_METRICS`` is all it brings.
        """
        if channel.closed:
            return None
        if text.startswith(RACE_INPUT_FRAME):  # a racer's keys: not tried as INPUT_UPDATE
            channel.spoke = True
            races = self.races
            if not races.receive_key_frame(channel, text, now, direct=not channel.actions):
                self.receive_text(channel, text, now)
                return None
            reply, races.reply = races.reply, None
            return reply
        batch = codec.parse_key_batch(text)
        if batch is None:
            self.receive_text(channel, text, now)
            return None
        live = channel.session
        if live is None:
            self.receive(channel, batch, now)  # says a session is required
            return None
        # What ``receive`` would do with the batch, without its dispatch.
        channel.spoke = True
        outbox = self.outbox
        outbox.direct = channel
        try:
            if self.table.touch(live, now):
                self._input_keys(channel, live, batch[0], batch[1], now)
        except Exception as exc:
            self._failed(channel, batch, exc, now)
        finally:
            outbox.direct = None
        reply, outbox.reply = outbox.reply, None
        return reply

    def receive(self, channel: Channel, message: ClientMessage | KeyBatch, now: float) -> None:
        """Handle one decoded message (or a ``(seq, [(key, t), ...])`` batch of keys)."""
        if channel.closed:
            return
        channel.spoke = True
        try:
            self._dispatch(channel, message, now)
        except Exception as exc:
            self._failed(channel, message, exc, now)

    def _failed(
        self, channel: Channel, message: ClientMessage | KeyBatch, exc: Exception, now: float
    ) -> None:
        """Handling ``message`` raised ``exc``: bad input is answered, a bug reported."""
        if isinstance(exc, ProtocolError):
            self._error(channel, exc.code, exc.message)
            if exc.close is not None:
                self._emit(channel, close(exc.close))
            return
        # A bug, not bad input: report it, keep serving others.
        name = "InputUpdate" if type(message) is tuple else type(message).__name__
        self._bug(exc, channel.session, now, f"handling {name} on connection {channel.id}")
        self._internal_error(channel)

    def _bug(self, exc: Exception, live: LiveSession | None, now: float, doing: str) -> None:
        """A bug hit while ``doing``: log it (the traceback once per kind), fail the session."""
        report_bug(log, self._bugs, exc, doing)
        if live is not None and live.complete is None:
            try:
                live.session.fail()
                self._finish(live, now)
            except Exception as again:  # the session is beyond saving: forget it
                report_bug(log, self._bugs, again, f"failing session {live.id}")
                self.table.forget(live)

    def _internal_error(self, channel: Channel | None) -> None:
        self._emit(
            channel, error(ErrorCode.INTERNAL, "Internal server error; start a new session.")
        )

    def _dispatch(self, channel: Channel, message: ClientMessage | KeyBatch, now: float) -> None:
        if isinstance(message, tuple):
            live = self._live(channel, INPUT_UPDATE, now)
            if live is not None:
                self._input_keys(channel, live, message[0], message[1], now)
        elif isinstance(message, InputUpdate):
            live = self._live(channel, INPUT_UPDATE, now)
            if live is not None:
                self._input(channel, live, message, now)
        elif isinstance(message, Hello):
            self._hello(channel, message)
        elif isinstance(message, CreateSession):
            self._create(channel, message, now)
        elif isinstance(message, StartSession):
            live = self._live(channel, "START_SESSION", now)
            if live is not None:
                self._start(channel, live, now)
        elif isinstance(message, EndSession):
            live = self._live(channel, "END_SESSION", now)
            if live is not None:
                self._end(live, message, now)
        elif isinstance(message, ROOM_MESSAGES):
            self.races.receive(channel, message, now)

    def _live(self, channel: Channel, type_: str, now: float) -> LiveSession | None:
        live = channel.session
        if live is None:
            assert type_ in SESSION_TYPES
            self._error(
                channel,
                ErrorCode.SESSION_REQUIRED,
                f"Session ID is required: {type_} needs a session. Send CREATE_SESSION first, "
                "or connect with ?sessionId=...&token=... to resume one.",
            )
            self._emit(channel, close(CloseCode.SESSION_REQUIRED))
            return None
        if not self.table.touch(live, now):
            return None
        return live

    def _hello(self, channel: Channel, message: Hello) -> None:
        if channel.hello:
            raise ProtocolError(
                ErrorCode.ALREADY_HELLO, "HELLO was already received; send it once."
            )
        refusal = self.config.version_refusal(message.version)
        if refusal:
            for action in refusal:
                self._emit(channel, action)
            return
        channel.hello = True
        channel.metrics_ms = message.metrics_ms
        self._emit(channel, self.config.welcome())

    # -- create / start / end ---------------------------------------------

    def _create(self, channel: Channel, message: CreateSession, now: float) -> None:
        if self.table.full:
            self.sessions_expire(now)
            if self.table.full:
                raise ProtocolError(
                    ErrorCode.SERVER_BUSY, "The server holds too many sessions; retry later."
                )
        if message.mode == "zen" and message.text is not None:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, "Zen mode has no text; omit text.")
        seed = message.seed if message.seed is not None else self._new_seed()
        made, text = session_text(self.texts, message, seed)
        self.table.check_budget(channel.peer, len(text or ""))
        session_id = self._new_id()
        while session_id in self.table:
            session_id = self._new_id()
        live, created = new_live_session(
            session_id, message, made, text, seed, self.config.idle_limit_ms, channel
        )
        old = channel.session
        if old is not None:
            if old.complete is None:
                # Replaced: abandoned as END_SESSION abandons a test (no result), and
                # told so; like any finished session, it can be resumed until its TTL.
                old.session.abandon()
                self._finish(old, now)
            channel.detach()
        self.table.hold(live, now)
        channel.session = live
        log.info("session %s created (%s)", session_id, f"{live.mode} {live.mode2}".strip())
        self._emit(channel, created)

    def _start(self, channel: Channel, live: LiveSession, now: float) -> None:
        refusal = live.start_refusal()
        if refusal is not None:
            self._emit(channel, refusal)
            return
        live.start(now)
        self.table.started(live)
        self._emit(channel, Outgoing(SESSION_STARTED, {"sessionId": live.id}))

    def _end(self, live: LiveSession, message: EndSession, now: float) -> None:
        if live.complete is None:
            t = message.t
            if t is not None and live.started_at is not None:
                t = min(t, live.horizon_ms(now, self.config.future_tolerance_ms))
            live.session.end(t)
            self._finish(live, now)  # emits SESSION_COMPLETE
        elif live.channel is not None:
            self._emit(live.channel, live.complete)  # already over: say so again

    # -- input ------------------------------------------------------------

    def _input(self, channel: Channel, live: LiveSession, message: InputUpdate, now: float) -> None:
        if message.input is None:
            seq = message.seq
            assert seq is not None
            keys = [(event.key, event.t) for event in message.keys]
            self._input_keys(channel, live, seq, keys, now)
            return
        refusal = live.input_refusal()
        if refusal is not None:
            self._emit(channel, refusal)
            return
        keys = live.legacy_keys(message.input, now)
        if keys:
            self._apply(live, keys, now)
        else:
            self._metrics(live, now)

    def _input_keys(
        self, channel: Channel, live: LiveSession, seq: int, keys: Keys, now: float
    ) -> None:
        refusal = live.input_refusal()
        if refusal is None:
            if seq <= live.acked:
                self._metrics(live, now)  # a resent batch: applied once already, ack it again
                return
            refusal = live.gap_refusal(seq)
        if refusal is None:
            cfg = self.config
            if not channel.spend_keys(len(keys), now, cfg.key_rate, cfg.key_burst):
                self._error(
                    channel,
                    ErrorCode.RATE_LIMITED,
                    f"More than {cfg.key_rate:g} keys/s (bursts of {cfg.key_burst:g}): "
                    "nobody types that fast.",
                )
                self._emit(channel, Close(CloseCode.POLICY_VIOLATION, "Rate limit exceeded"))
                return
            refusal = live.take_batch(seq, keys, live.horizon_ms(now, cfg.future_tolerance_ms))
        if refusal is not None:
            self._emit(channel, refusal)
            return
        self._apply(live, keys, now)

    def _apply(self, live: LiveSession, keys: Keys, now: float) -> None:
        cfg = self.config
        live.feed(keys, now, cfg.burst_keys, cfg.burst_min_ms)
        self._metrics(live, now)
        session = live.session
        if self.table.count_keys(live) and session.state.is_open:
            self._emit(live.channel, self.table.over_budget(live))
        if not session.state.is_open:
            self._finish(live, now)

    def _metrics(self, live: LiveSession, now: float) -> None:
        """Answer a batch: its figures, or its ``ack`` alone (``protocol.pacing``)."""
        channel = live.channel
        if channel is None:
            return
        full = self.pacer.full(channel, now)
        outbox = self.outbox
        if channel is outbox.direct and not channel.actions and live.session.state.is_open:
            # Nothing is queued before it, and an open session means nothing follows.
            session = live.session
            ack = live.acked
            outbox.reply = metrics_update_frame(ack, session) if full else input_ack_frame(ack)
        else:
            ack = live.acked
            self._emit(channel, metrics_update(ack, live.session) if full else input_ack(ack))

    # -- completion -------------------------------------------------------

    def _finish(self, live: LiveSession, now: float) -> None:
        """Store the result (if any), then queue ``SESSION_COMPLETE``."""
        if live.complete is not None:
            return
        self.table.timed.discard(live)
        if live.session.state.is_open:
            live.session.abandon()
        done = results.complete(live, self.history)
        if done.storage_error is not None:
            self._emit(live.channel, error(ErrorCode.STORAGE_FAILED, done.storage_error))
        data = done.data
        log.info(
            "session %s %s%s",
            live.id,
            data["state"],
            "" if data["metrics"] is None else f" ({data['metrics']['wpm']} wpm)",
        )
        complete = Outgoing(SESSION_COMPLETE, data)
        live.complete_with(complete)
        self._emit(live.channel, complete)

    # -- time ---------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass: close timed tests whose time is up, drop idle sessions."""
        if self._races is not None:
            self._races.tick(now)
        if self.pacer:
            for channel, live in self.pacer.due(now):
                self._emit(channel, metrics_update(live.acked, live.session))
        timed = self.table.timed
        for live in list(timed):
            try:
                if live.complete is not None or not live.session.state.is_open:
                    timed.discard(live)
                elif live.run_out(now, self.config.time_grace_ms):
                    self._finish(live, now)
            except Exception as exc:  # one broken session must not stop the clock for others
                timed.discard(live)
                self._bug(exc, live, now, f"ending session {live.id} on time")
                self._internal_error(live.channel)
        if now >= self._next_expiry:
            self._next_expiry = now + 1.0
            self.sessions_expire(now)

    def sessions_expire(self, now: float) -> None:
        """Forget sessions idle for longer than the TTL (and close idle untimed tests)."""
        for live in self.table.idle(now):
            self._finish(live, now)
        self.table.expire(now)

    # -- keeping tests in progress across a restart ------------------------

    def export_sessions(self, now: float) -> list[dict[str, Any]]:
        """Snapshots (JSON-able) of every session a client may still resume, for a restart.

        See ``bartype.protocol.snapshots`` for what a snapshot holds.
        """
        return self.table.export(now)

    def import_sessions(
        self, snapshots: list[dict[str, Any]], now: float, downtime_s: float = 0.0
    ) -> int:
        """Restore ``export_sessions`` snapshots, ``downtime_s`` after they were taken; return
        how many were restored (see ``SessionTable.restore``)."""
        return self.table.restore(snapshots, now, downtime_s)

    @property
    def live_sessions(self) -> int:
        """Sessions currently held (for the health endpoint)."""
        return len(self.table)


__all__ = ["Channel", "HandlerConfig", "SessionHandler", "reply_type"]
