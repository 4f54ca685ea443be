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
sends the answers. The parts live next to it: ``protocol.solo`` (solo tests
from creation to result), ``protocol.live`` (a test in progress, its
``Phase`` and its input rules), ``protocol.results`` (validity
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
from bartype.protocol import codec
from bartype.protocol.budget import Ledger
from bartype.protocol.config import HandlerConfig
from bartype.protocol.live import Channel, Keys, LiveSession
from bartype.protocol.messages import (
    INPUT_UPDATE,
    RACE_INPUT,
    ROOM_MESSAGES,
    SESSION_TYPES,
    Action,
    ClientMessage,
    CloseCode,
    CreateSession,
    EndSession,
    ErrorCode,
    Hello,
    InputUpdate,
    ProtocolError,
    StartSession,
    close,
    error,
)
from bartype.protocol.outbox import Outbox
from bartype.protocol.solo import SoloSessions
from bartype.protocol.stores import ResultSink
from bartype.protocol.textgen import TextSource

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
        self.solo = SoloSessions(
            self.config,
            texts,
            history,
            self.outbox,
            new_id or (lambda: secrets.token_urlsafe(12)),
            new_seed or (lambda: secrets.randbits(48)),
        )
        """Solo tests and the sessions held for them (``bartype.protocol.solo``)."""
        self._next_channel = 0
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
        return self.solo.table.held

    @property
    def ledger(self) -> Ledger:
        """What the sessions of each address hold."""
        return self.solo.table.ledger

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
            self.solo.table.attach(channel, session_id, token, now)
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
            if self.solo.table.touch(live, now):
                self.solo.input_keys(channel, live, batch[0], batch[1], now)
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
        self.solo.bug(exc, channel.session, now, f"handling {name} on connection {channel.id}")
        self.solo.internal_error(channel)

    def _dispatch(self, channel: Channel, message: ClientMessage | KeyBatch, now: float) -> None:
        if isinstance(message, tuple):
            live = self._live(channel, INPUT_UPDATE, now)
            if live is not None:
                self.solo.input_keys(channel, live, message[0], message[1], now)
        elif isinstance(message, InputUpdate):
            live = self._live(channel, INPUT_UPDATE, now)
            if live is not None:
                self.solo.input(channel, live, message, now)
        elif isinstance(message, Hello):
            self._hello(channel, message)
        elif isinstance(message, CreateSession):
            self.solo.create(channel, message, now)
        elif isinstance(message, StartSession):
            live = self._live(channel, "START_SESSION", now)
            if live is not None:
                self.solo.start(channel, live, now)
        elif isinstance(message, EndSession):
            live = self._live(channel, "END_SESSION", now)
            if live is not None:
                self.solo.end(live, message, now)
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
        if not self.solo.table.touch(live, now):
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

    # -- time ---------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass: races, paced figures, timed tests whose time is up, idle sessions."""
        if self._races is not None:
            self._races.tick(now)
        self.solo.tick(now)

    # -- keeping tests in progress across a restart ------------------------

    def export_sessions(self, now: float) -> list[dict[str, Any]]:
        """Snapshots (JSON-able) of every session a client may still resume, for a restart.

        See ``bartype.protocol.snapshots`` for what a snapshot holds.
        """
        return self.solo.table.export(now)

    def import_sessions(
        self, snapshots: list[dict[str, Any]], now: float, downtime_s: float = 0.0
    ) -> int:
        """Restore ``export_sessions`` snapshots, ``downtime_s`` after they were taken; return
        how many were restored (see ``SessionTable.restore``)."""
        return self.solo.table.restore(snapshots, now, downtime_s)

    @property
    def live_sessions(self) -> int:
        """Sessions currently held (for the health endpoint)."""
        return len(self.solo.table)


__all__ = ["Channel", "HandlerConfig", "SessionHandler", "reply_type"]
