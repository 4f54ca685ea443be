"""``SoloSessions``: the solo tests a handler runs, from ``CREATE_SESSION`` to the result.

The handler routes each message here once it knows which session it is for:
creating a session (its text, its budget, replacing the connection's old one),
starting it, applying batches of keys under the input rules of
``protocol.live``, answering each batch (``METRICS_UPDATE`` or ``INPUT_ACK``,
paced by ``protocol.pacing``), and finishing it: storing the result through
``protocol.results`` and sending ``SESSION_COMPLETE``. The clock ends timed
tests and expires idle sessions through ``tick``. Everything goes out through
``emit``, the handler's outbox; ``now`` is passed in, as everywhere in the
protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bartype.protocol import results
from bartype.protocol.bugs import report_bug
from bartype.protocol.config import HandlerConfig
from bartype.protocol.live import Channel, Keys, LiveSession, new_live_session
from bartype.protocol.messages import (
    SESSION_COMPLETE,
    SESSION_STARTED,
    Close,
    CloseCode,
    CreateSession,
    EndSession,
    ErrorCode,
    InputUpdate,
    Outgoing,
    ProtocolError,
    error,
)
from bartype.protocol.outbox import Outbox
from bartype.protocol.pacing import MetricsPacer
from bartype.protocol.sessions import SessionTable
from bartype.protocol.stores import ResultSink
from bartype.protocol.textgen import TextSource, session_text
from bartype.protocol.views import input_ack, input_ack_frame, metrics_update, metrics_update_frame

log = logging.getLogger("bartype.protocol")


class SoloSessions:
    """Runs the solo sessions of ``table``; see the module docstring."""

    def __init__(
        self,
        config: HandlerConfig,
        texts: TextSource,
        history: ResultSink | None,
        outbox: Outbox,
        new_id: Callable[[], str],
        new_seed: Callable[[], int],
    ) -> None:
        self.config = config
        self.texts = texts
        self.history = history
        self.outbox = outbox
        self._emit = outbox.emit
        self.table = SessionTable(config, self._emit)
        """The held sessions (``bartype.protocol.sessions``)."""
        self.pacer = MetricsPacer()
        self._new_id = new_id
        self._new_seed = new_seed
        self._next_expiry = 0.0
        self.bugs: set[str] = set()
        """The kinds of bug already logged with a traceback (``protocol.bugs``)."""

    def _error(self, channel: Channel, code: str, message: str) -> None:
        self._emit(channel, error(code, message))

    def create(self, channel: Channel, message: CreateSession, now: float) -> None:
        if self.table.full:
            self.expire(now)
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
                self.finish(old, now)
            channel.detach()
        self.table.hold(live, now)
        channel.session = live
        log.info("session %s created (%s)", session_id, f"{live.mode} {live.mode2}".strip())
        self._emit(channel, created)

    def start(self, channel: Channel, live: LiveSession, now: float) -> None:
        refusal = live.start_refusal()
        if refusal is not None:
            self._emit(channel, refusal)
            return
        live.start(now)
        self.table.started(live)
        self._emit(channel, Outgoing(SESSION_STARTED, {"sessionId": live.id}))

    def end(self, live: LiveSession, message: EndSession, now: float) -> None:
        if live.complete is None:
            t = message.t
            if t is not None and live.started_at is not None:
                t = min(t, live.horizon_ms(now, self.config.future_tolerance_ms))
            live.session.end(t)
            self.finish(live, now)  # emits SESSION_COMPLETE
        elif live.channel is not None:
            self._emit(live.channel, live.complete)  # already over: say so again

    # -- input ------------------------------------------------------------

    def input(self, channel: Channel, live: LiveSession, message: InputUpdate, now: float) -> None:
        if message.input is None:
            seq = message.seq
            assert seq is not None
            keys = [(event.key, event.t) for event in message.keys]
            self.input_keys(channel, live, seq, keys, now)
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

    def input_keys(
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
            self.finish(live, now)

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

    def finish(self, live: LiveSession, now: float) -> None:
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

    # -- bugs and time ------------------------------------------------------

    def bug(self, exc: Exception, live: LiveSession | None, now: float, doing: str) -> None:
        """A bug hit while ``doing``: log it (the traceback once per kind), fail the session."""
        report_bug(log, self.bugs, exc, doing)
        if live is not None and live.complete is None:
            try:
                live.session.fail()
                self.finish(live, now)
            except Exception as again:  # the session is beyond saving: forget it
                report_bug(log, self.bugs, again, f"failing session {live.id}")
                self.table.forget(live)

    def internal_error(self, channel: Channel | None) -> None:
        """Tell ``channel`` that a bug ended its session."""
        self._emit(
            channel, error(ErrorCode.INTERNAL, "Internal server error; start a new session.")
        )

    def tick(self, now: float) -> None:
        """Paced figures that are due, timed tests whose time is up, idle sessions."""
        if self.pacer:
            for channel, live in self.pacer.due(now):
                self._emit(channel, metrics_update(live.acked, live.session))
        timed = self.table.timed
        for live in list(timed):
            try:
                if live.complete is not None or not live.session.state.is_open:
                    timed.discard(live)
                elif live.run_out(now, self.config.time_grace_ms):
                    self.finish(live, now)
            except Exception as exc:  # one broken session must not stop the clock for others
                timed.discard(live)
                self.bug(exc, live, now, f"ending session {live.id} on time")
                self.internal_error(live.channel)
        if now >= self._next_expiry:
            self._next_expiry = now + 1.0
            self.expire(now)

    def expire(self, now: float) -> None:
        """Forget sessions idle for longer than the TTL (and close idle untimed tests)."""
        for live in self.table.idle(now):
            self.finish(live, now)
        self.table.expire(now)
