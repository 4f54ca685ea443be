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
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import math
import random
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from bartype import __version__
from bartype.core.keystrokes import KeyKind, Keystroke, keystrokes_from_key
from bartype.core.normalize import normalize_text, split_words
from bartype.core.options import Mode
from bartype.core.race import FLAG_BURST
from bartype.core.session import (
    Result,
    SessionConfig,
    SessionState,
    TypingSession,
    config_for,
    replay,
    text_options,
)
from bartype.core.state import InvalidSessionError, StateManager
from bartype.protocol import codec
from bartype.protocol.budget import Budget, Ledger, Usage
from bartype.protocol.messages import (
    ERROR,
    INPUT_UPDATE,
    MAX_KEYS_PER_BATCH,
    MAX_TEXT_CHARS,
    METRICS_UPDATE,
    PROTOCOL_VERSION,
    ROOM_MESSAGES,
    SESSION_ATTACHED,
    SESSION_COMPLETE,
    SESSION_CREATED,
    SESSION_STARTED,
    SESSION_TYPES,
    SUPPORTED_VERSIONS,
    WELCOME,
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
from bartype.protocol.race_handler import RaceHandler
from bartype.protocol.textgen import MadeText, TextSource, TextUnavailable
from bartype.protocol.views import (
    analysis_to_json,
    live_metrics_to_json,
    metrics_to_json,
    metrics_update_frame,
)

log = logging.getLogger("bartype.protocol")

KeyBatch = tuple[int, list[tuple[str, float]]]
"""A plain ``INPUT_UPDATE`` as ``codec.parse_key_batch`` gives it: ``(seq, [(key, t), ...])``."""


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a resume token: what a session keeps, in memory and on disk.

    A token is 144 random bits, so a fast hash is enough; a stolen database or
    snapshot then resumes nobody's test.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


FLAG_TIMING = "timing mismatch"


def report_bug(logger: logging.Logger, seen: set[str], exc: BaseException, doing: str) -> None:
    """Log an internal error in one line, with its traceback only the first time of its kind.

    A hostile client that finds a bug must not flood the log: each connection
    that hits it is answered and logged, but a traceback is written once per
    exception type and place.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
    kind = f"{type(exc).__name__} at {where}"
    first = kind not in seen
    seen.add(kind)
    logger.error(
        "internal error %s: %s: %r%s",
        doing,
        type(exc).__name__,
        str(exc)[:200],
        "" if first else " (traceback logged before)",
        exc_info=exc if first else None,
    )


class ResultSink(Protocol):
    """Where finished results go (``bartype.storage.history.History`` fits)."""

    def save(
        self,
        result: Result,
        *,
        text: str | None,
        text_id: str | None = None,
        language: str | None = None,
        created_at: float | None = None,
        mode: str | None = None,
        mode2: str | None = None,
        options: str = "",
    ) -> int: ...

    def is_personal_best(
        self,
        result: Result,
        *,
        mode: str | None = None,
        mode2: str | None = None,
        language: str | None = None,
        options: str = "",
        text: str | None = None,
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class HandlerConfig:
    """Tunable rules. Defaults are the documented ones (docs/protocol.md)."""

    session_ttl_s: float = 600.0
    """Sessions unused for this long are forgotten (resume no longer possible)."""
    future_tolerance_ms: float | None = 1500.0
    """A key time later than the server's elapsed time since START plus this is rejected."""
    time_grace_ms: float = 1500.0
    """A timed test is closed by the server's clock this long after its time is up (by the
    client's clock, extrapolated from its last key): the last keys of a client whose
    batches lag by up to this much still count. As much as ``future_tolerance_ms``."""
    burst_keys: int = 20
    burst_min_ms: float = 400.0
    """``burst_keys`` characters within less than this (over 600 WPM) flag the result."""
    idle_limit_ms: float = 60_000.0
    restore_grace_s: float = 30.0
    """After a restart, restored tests wait this long for their typists to reconnect
    before the clock may end them (a client retries for about 30 s)."""
    max_sessions: int = 20_000
    max_frame: int = 65_536
    rate: float = 50.0
    """Advertised in ``WELCOME``; enforced by the server."""
    budget: Budget = field(default_factory=Budget)
    """What a session, and the sessions of one address, may hold."""
    key_rate: float = 60.0
    key_burst: float = 3000.0
    """Keys a connection may send: ``key_rate`` a second (720 WPM) sustained, bursts of
    ``key_burst`` (the resend after a reconnection); beyond, RATE_LIMITED and close 1008."""


@dataclass(eq=False, slots=True)
class Channel:
    """One client connection as the handler sees it."""

    id: int
    peer: str = ""
    session: LiveSession | None = None
    hello: bool = False
    closed: bool = False
    actions: list[Action] = field(default_factory=list)
    listed: bool = False
    """On the handler's dirty list: its actions will be handed out."""
    spoke: bool = False
    """Sent a well-formed message (or resumed a session): not a stranger holding a slot."""
    key_tokens: float = -1.0
    """Keys it may still send now (a token bucket; negative: not filled yet)."""
    key_stamp: float = 0.0

    def take(self) -> list[Action]:
        """Return and clear the pending actions."""
        actions = self.actions
        self.actions = []
        return actions


@dataclass(eq=False, slots=True)
class LiveSession:
    """A session and the protocol state around it."""

    id: str
    token_hash: str
    """``token_digest`` of the resume token: the token itself is never kept."""
    session: TypingSession
    text: str | None
    mode: str
    mode2: str
    language: str | None
    text_id: str | None
    options: dict[str, Any]
    started_at: float | None = None
    acked: int = 0
    channel: Channel | None = None
    last_t: float | None = None
    last_key_at: float = 0.0
    first_key_at: float | None = None
    flags: set[str] = field(default_factory=set)
    burst: deque[float] = field(default_factory=deque)
    complete: Outgoing | None = None
    legacy_typed: str = ""
    hold_until: float = 0.0
    """Restored after a restart: the clock does not end the test before this time."""
    paused_s: float = 0.0
    """Server time since the first key in which no key could arrive: restarts, and the
    wait for the typist to reconnect after one. The timing check leaves it out."""
    restored_at: float | None = None
    """When a restart restored the test, until its typist reconnects."""
    peer: str = ""
    """The address that created the session: its ``Usage`` counts this session."""
    usage: Usage | None = None
    """Its address's ``Usage`` while the session is held (``None`` once it is not)."""
    keys_held: int = 0
    """Keystrokes of its log counted in ``usage``."""

    @property
    def state(self) -> str:
        """The state on the wire: created, running, completed, ended or abandoned."""
        if self.complete is not None:
            return str(self.complete.data["state"])
        state = self.session.state
        if state.is_open:
            return "created" if self.started_at is None else "running"
        return state.value


def _mode_config(options: CreateSession, text: str | None, idle_ms: float) -> SessionConfig:
    # A text the client sent decides the count: "words 10" must mean ten words typed.
    given = text if options.mode == "words" and options.text is not None else None
    return config_for(
        options.mode,
        duration_s=options.duration,
        word_count=len(split_words(given)) if given else options.words,
        idle_limit_ms=idle_ms,
    )


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
        self.sessions: StateManager[LiveSession] = StateManager(self.config.session_ttl_s)
        self._new_id = new_id or (lambda: secrets.token_urlsafe(12))
        self._new_seed = new_seed or (lambda: secrets.randbits(48))
        self._timed: set[LiveSession] = set()
        self._dirty: deque[Channel] = deque()
        self._bugs: set[str] = set()
        self.ledger = Ledger(self.config.budget)
        self._restored_keys = 0
        self._next_channel = 0
        self._next_expiry = 0.0
        self.connections = 0
        self._direct: Channel | None = None
        self._reply: str | None = None
        self.races = RaceHandler(self.texts, self._emit)
        """Rooms and races (``bartype.protocol.race_handler``)."""

    # -- plumbing -------------------------------------------------------------

    def _emit(self, channel: Channel | None, action: Action) -> None:
        if channel is None or channel.closed:
            return
        if self._reply is not None and channel is self._direct:
            # Something follows a direct reply: queue the reply first, in order.
            reply, self._reply = self._reply, None
            self._emit(channel, Outgoing(METRICS_UPDATE, json.loads(reply)["data"]))
        if not channel.listed:
            channel.listed = True
            self._dirty.append(channel)
        channel.actions.append(action)
        if isinstance(action, Close):
            channel.closed = True
            self._detach(channel)

    def _error(self, channel: Channel, code: str, message: str, **extra: Any) -> None:
        self._emit(channel, error(code, message, **extra))

    @property
    def has_dirty(self) -> bool:
        """Has any channel actions pending (``take_dirty`` would return some)?"""
        return bool(self._dirty)

    def take_dirty(self) -> list[Channel]:
        """Channels that have actions pending since the last call (take each one's actions)."""
        dirty = list(self._dirty)
        self._dirty.clear()
        for channel in dirty:
            channel.listed = False
        return dirty

    def pending(self) -> Iterator[tuple[Channel, list[Action]]]:
        """Each channel with actions pending, and its actions, handed out one channel at a time.

        A channel leaves the dirty list only as it is handed out: a caller that
        fails on one channel and stops leaves every other listed for its next
        call, and actions emitted meanwhile are handed out in the same pass.
        """
        dirty = self._dirty
        while dirty:
            channel = dirty.popleft()
            channel.listed = False
            yield channel, channel.take()

    def _detach(self, channel: Channel) -> None:
        live = channel.session
        if live is not None and live.channel is channel:
            live.channel = None
        channel.session = None

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
            self._attach(channel, session_id, token, now)
        return channel

    def disconnect(self, channel: Channel, now: float) -> None:
        """The connection is gone; its session stays resumable until it expires."""
        self.races.disconnect(channel, now)
        if not channel.closed or channel.session is not None:
            self._detach(channel)
        channel.closed = True
        channel.actions.clear()
        self.connections -= 1

    def _attach(self, channel: Channel, session_id: str, token: str | None, now: float) -> None:
        try:
            live = self.sessions.get(session_id, now)
        except InvalidSessionError:
            live = None
        if (
            live is None
            or token is None
            or not hmac.compare_digest(live.token_hash, token_digest(token))
        ):
            self._error(
                channel,
                ErrorCode.INVALID_SESSION,
                "Invalid session: unknown or expired id, or wrong token. Create a new session.",
            )
            self._emit(channel, close(CloseCode.INVALID_SESSION))
            return
        old = live.channel
        if old is not None and old is not channel:
            self._error(
                old, ErrorCode.SESSION_TAKEN_OVER, "This session was resumed on another connection."
            )
            self._emit(old, close(CloseCode.TAKEN_OVER))
        live.channel = channel
        channel.session = live
        if live.restored_at is not None:  # back after a restart: the wait was not typing
            live.paused_s += self._reconnect_wait(live, now)
            live.restored_at = None
        self._emit(
            channel,
            Outgoing(
                SESSION_ATTACHED,
                {
                    "sessionId": live.id,
                    "state": live.state,
                    "ack": live.acked,
                    "mode": live.mode,
                },
            ),
        )
        if live.complete is not None:
            self._emit(channel, live.complete)

    def _reconnect_wait(self, live: LiveSession, now: float) -> float:
        """How long a restored test has waited for its typist (at most the restore grace)."""
        if live.restored_at is None:
            return 0.0
        return min(now - live.restored_at, self.config.restore_grace_s)

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
        ``None`` and every action is queued as ``receive_text`` would.
        """
        if channel.closed:
            return None
        batch = codec.parse_key_batch(text)
        if batch is None:
            self.receive_text(channel, text, now)
            return None
        self._direct = channel
        try:
            self.receive(channel, batch, now)
        finally:
            self._direct = None
        reply, self._reply = self._reply, None
        return reply

    def receive(self, channel: Channel, message: ClientMessage | KeyBatch, now: float) -> None:
        """Handle one decoded message (or a ``(seq, [(key, t), ...])`` batch of keys)."""
        if channel.closed:
            return
        channel.spoke = True
        try:
            self._dispatch(channel, message, now)
        except ProtocolError as exc:
            self._error(channel, exc.code, exc.message)
            if exc.close is not None:
                self._emit(channel, close(exc.close))
        except Exception as exc:  # a bug, not bad input: report it, keep serving others
            name = "InputUpdate" if type(message) is tuple else type(message).__name__
            self._bug(exc, channel.session, now, f"handling {name} on connection {channel.id}")
            self._error(channel, ErrorCode.INTERNAL, "Internal server error; start a new session.")

    def _bug(self, exc: Exception, live: LiveSession | None, now: float, doing: str) -> None:
        """A bug hit while ``doing``: log it (the traceback once per kind), fail the session."""
        report_bug(log, self._bugs, exc, doing)
        if live is not None and live.complete is None:
            try:
                live.session.fail()
                self._finish(live, now)
            except Exception as again:  # the session is beyond saving: forget it
                report_bug(log, self._bugs, again, f"failing session {live.id}")
                self._timed.discard(live)
                self._forget(live)

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
        try:
            self.sessions.get(live.id, now)
        except InvalidSessionError:
            self._expired(live)
            return None
        return live

    def _hold(self, live: LiveSession, now: float) -> None:
        """Keep ``live`` among the sessions, counted against its address's budget."""
        self.sessions.create(live.id, live, now)
        live.usage = self.ledger.opened(live.peer, len(live.text or ""))
        live.keys_held = 0
        self._count_keys(live)

    def _forget(self, live: LiveSession) -> None:
        """No longer hold ``live`` (its address's budget gets back what it held)."""
        self.sessions.delete(live.id)
        if live.usage is not None:
            live.usage = None
            self.ledger.released(live.peer, len(live.text or ""), live.keys_held)

    def _count_keys(self, live: LiveSession) -> bool:
        """Count the session's log against the budgets; ``True`` if a budget is passed."""
        usage = live.usage
        if usage is None:
            return False
        held = len(live.session.log)
        usage.keys += held - live.keys_held
        live.keys_held = held
        budget = self.config.budget
        return held > budget.session_keys or usage.keys > budget.address_keys

    def _over_budget(self, live: LiveSession) -> None:
        """A batch took the session past a budget: the test ends, as END_SESSION would end it."""
        budget = self.config.budget
        self._emit(
            live.channel,
            error(
                ErrorCode.LIMIT_REACHED,
                f"The test is ended: a session holds at most {budget.session_keys:,} "
                f"keystrokes, and the sessions of one address {budget.address_keys:,}.",
                ack=live.acked,
            ),
        )
        live.session.end()

    def _expired(self, live: LiveSession) -> None:
        self._forget(live)
        self._timed.discard(live)
        channel = live.channel
        if channel is not None:
            self._detach(channel)
            self._error(
                channel,
                ErrorCode.SESSION_EXPIRED,
                "The session expired after being idle; create a new one.",
                sessionId=live.id,
            )

    def _hello(self, channel: Channel, message: Hello) -> None:
        if channel.hello:
            self._error(
                channel, ErrorCode.ALREADY_HELLO, "HELLO was already received; send it once."
            )
            return
        if message.version not in SUPPORTED_VERSIONS:
            self._error(
                channel,
                ErrorCode.VERSION_MISMATCH,
                f"This server speaks protocol version {PROTOCOL_VERSION}, not {message.version}. "
                "Update bartype on the older side.",
                supported=list(SUPPORTED_VERSIONS),
            )
            self._emit(channel, close(CloseCode.VERSION_MISMATCH))
            return
        channel.hello = True
        cfg = self.config
        self._emit(
            channel,
            Outgoing(
                WELCOME,
                {
                    "version": PROTOCOL_VERSION,
                    "server": f"bartype/{__version__}",
                    "limits": {
                        "maxFrame": cfg.max_frame,
                        "rate": cfg.rate,
                        "maxKeys": MAX_KEYS_PER_BATCH,
                        "maxText": MAX_TEXT_CHARS,
                        "sessionTtlS": cfg.session_ttl_s,
                    },
                },
            ),
        )

    # -- create / start / end ---------------------------------------------

    def _create(self, channel: Channel, message: CreateSession, now: float) -> None:
        if len(self.sessions) >= self.config.max_sessions:
            self.sessions_expire(now)
            if len(self.sessions) >= self.config.max_sessions:
                self._error(
                    channel,
                    ErrorCode.SERVER_BUSY,
                    "The server holds too many sessions; retry later.",
                )
                return
        if message.mode == "zen" and message.text is not None:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, "Zen mode has no text; omit text.")
        seed = message.seed if message.seed is not None else self._new_seed()
        if message.text is not None:
            made = MadeText(message.text, "custom")
        else:
            try:
                made = self.texts.make(message, random.Random(seed))
            except TextUnavailable as exc:
                self._error(
                    channel,
                    ErrorCode.TEXT_UNAVAILABLE,
                    f"No text for these options ({exc}); change the options or send a text.",
                )
                return
        text = None if made.text is None else normalize_text(made.text)
        if text is not None and (not text or len(text) > MAX_TEXT_CHARS):
            self._error(
                channel,
                ErrorCode.TEXT_UNAVAILABLE,
                f"The text must have 1 to {MAX_TEXT_CHARS} characters after normalisation.",
            )
            return
        refusal = self.ledger.refusal(channel.peer, len(text or ""))
        if refusal is not None:
            self._error(
                channel,
                ErrorCode.LIMIT_REACHED,
                f"No new session: {refusal}. Finish or end tests, or wait for them to expire.",
            )
            return
        config = _mode_config(message, text, self.config.idle_limit_ms)
        session = TypingSession(config, text)
        old = channel.session
        if old is not None:
            if old.complete is None:
                # Replaced: abandoned as END_SESSION abandons a test (no result), and
                # told so; like any finished session, it can be resumed until its TTL.
                old.session.abandon()
                self._finish(old, now)
            self._detach(channel)
        session_id = self._new_id()
        while session_id in self.sessions:
            session_id = self._new_id()
        options = {
            "mode": message.mode,
            "duration": config.duration_s,
            "words": config.word_count,
            "quoteLength": message.quote_length,
            "language": message.language,
            "punctuation": message.punctuation,
            "numbers": message.numbers,
            "seed": seed,
            "code": message.code,
        }
        label = message.label_for(made.text_id, config.word_count)
        mode2 = label.mode2
        token = secrets.token_urlsafe(18)
        live = LiveSession(
            id=session_id,
            token_hash=token_digest(token),
            session=session,
            text=text,
            mode=message.mode,
            mode2=mode2,
            language=label.language,
            text_id=made.text_id,
            options=options,
            channel=channel,
            peer=channel.peer,
        )
        self._hold(live, now)
        channel.session = live
        log.info("session %s created (%s)", session_id, f"{message.mode} {mode2}".strip())
        self._emit(
            channel,
            Outgoing(
                SESSION_CREATED,
                {
                    "sessionId": session_id,
                    "token": token,
                    "text": text,
                    "mode": message.mode,
                    "mode2": mode2,
                    "textId": made.text_id,
                    "options": options,
                },
            ),
        )

    def _start(self, channel: Channel, live: LiveSession, now: float) -> None:
        if live.complete is not None:
            self._error(
                channel,
                ErrorCode.SESSION_FINISHED,
                "The session is finished; create a new one.",
                ack=live.acked,
            )
            return
        if live.started_at is not None:
            self._error(channel, ErrorCode.ALREADY_STARTED, "The session was already started.")
            return
        live.started_at = now
        live.last_key_at = now
        if live.session.config.mode is Mode.TIME:
            self._timed.add(live)
        self._emit(channel, Outgoing(SESSION_STARTED, {"sessionId": live.id}))

    def _end(self, live: LiveSession, message: EndSession, now: float) -> None:
        if live.complete is None:
            session = live.session
            t = message.t
            if t is not None and live.started_at is not None:
                tolerance = self.config.future_tolerance_ms
                if tolerance is not None:
                    t = min(t, (now - live.started_at) * 1000 + tolerance)
            session.end(t)
            self._finish(live, now)  # emits SESSION_COMPLETE
        elif live.channel is not None:
            self._emit(live.channel, live.complete)  # already over: say so again

    # -- input ------------------------------------------------------------

    def _input(self, channel: Channel, live: LiveSession, message: InputUpdate, now: float) -> None:
        if message.input is not None:
            if self._accepts_input(channel, live):
                self._legacy_input(live, message.input, now)
            return
        seq = message.seq
        assert seq is not None
        self._input_keys(channel, live, seq, [(event.key, event.t) for event in message.keys], now)

    def _accepts_input(self, channel: Channel, live: LiveSession) -> bool:
        """Is the session running? If not, tell the client why."""
        if live.complete is not None:  # first: a finished session is never "not started"
            self._error(
                channel,
                ErrorCode.SESSION_FINISHED,
                "The session is finished; further input is ignored.",
                ack=live.acked,
            )
            return False
        if live.started_at is None:
            self._error(
                channel, ErrorCode.NOT_STARTED, "Send START_SESSION before INPUT_UPDATE.", ack=0
            )
            return False
        return True

    def _input_keys(
        self,
        channel: Channel,
        live: LiveSession,
        seq: int,
        keys: list[tuple[str, float]],
        now: float,
    ) -> None:
        started_at = live.started_at
        if started_at is None or live.complete is not None:
            self._accepts_input(channel, live)
            return
        acked = live.acked
        if seq <= acked:
            self._metrics(live)  # a resent batch: applied once already, acknowledge again
            return
        if seq != acked + 1:
            self._error(
                channel,
                ErrorCode.SEQ_GAP,
                f"Expected batch seq {acked + 1}, got {seq}; resend every batch after ack.",
                ack=acked,
            )
            return
        if not self._spend_keys(channel, len(keys), now):
            return
        last = live.last_t
        tolerance = self.config.future_tolerance_ms
        horizon = math.inf if tolerance is None else (now - started_at) * 1000 + tolerance
        for _, t in keys:
            if (last is not None and t < last) or t > horizon:
                live.acked = seq
                reason = "earlier than the previous key" if t <= horizon else "in the future"
                self._error(
                    channel,
                    ErrorCode.BAD_TIMESTAMP,
                    f"Batch {seq} rejected: key time {t:g} ms is {reason}. "
                    "Times are ms since the test started and must not decrease.",
                    ack=seq,
                    seq=seq,
                )
                return
            last = t
        live.acked = seq
        self._apply(live, keys, now)

    def _spend_keys(self, channel: Channel, count: int, now: float) -> bool:
        """Take ``count`` keys from the connection's bucket, or refuse the batch (1008)."""
        cfg = self.config
        tokens = channel.key_tokens
        if tokens < 0:
            tokens = cfg.key_burst
        else:
            tokens = min(cfg.key_burst, tokens + (now - channel.key_stamp) * cfg.key_rate)
        channel.key_stamp = now
        if count > tokens:
            channel.key_tokens = tokens
            self._error(
                channel,
                ErrorCode.RATE_LIMITED,
                f"More than {cfg.key_rate:g} keys/s (bursts of {cfg.key_burst:g}): "
                "nobody types that fast.",
            )
            self._emit(channel, Close(CloseCode.POLICY_VIOLATION, "Rate limit exceeded"))
            return False
        channel.key_tokens = tokens - count
        return True

    def _legacy_input(self, live: LiveSession, typed: str, now: float) -> None:
        """``INPUT_UPDATE {input}``: turn the change of the whole text into keystrokes."""
        assert live.started_at is not None
        old = live.legacy_typed
        common = 0
        limit = min(len(old), len(typed))
        while common < limit and old[common] == typed[common]:
            common += 1
        t = (now - live.started_at) * 1000
        if live.last_t is not None:
            t = max(t, live.last_t)
        keys = [("Backspace", t)] * (len(old) - common)
        keys.extend((ch, t) for ch in typed[common:])
        live.legacy_typed = typed
        if keys:
            self._apply(live, keys, now)
        else:
            self._metrics(live)

    def _apply(self, live: LiveSession, keys: list[tuple[str, float]], now: float) -> None:
        session = live.session
        apply = session.apply
        burst = live.burst
        window = self.config.burst_keys
        burst_min_ms = self.config.burst_min_ms
        char = KeyKind.CHAR
        for key, t in keys:
            if len(key) == 1 and key != "\r":  # one character: the common case
                finished = apply(Keystroke(char, t, key)).finished
                burst.append(t)
                if len(burst) > window:
                    burst.popleft()
                    if t - burst[0] < burst_min_ms:
                        live.flags.add(FLAG_BURST)
                if finished:  # the only way a keystroke closes a session
                    break
                continue
            for stroke in keystrokes_from_key(key, t):
                apply(stroke)
                if stroke.kind is char:
                    burst.append(t)
                    if len(burst) > window:
                        burst.popleft()
                        if t - burst[0] < burst_min_ms:
                            live.flags.add(FLAG_BURST)
                if not session.state.is_open:
                    break
            if not session.state.is_open:
                break
        if keys:
            live.last_t = keys[-1][1]
            live.last_key_at = now
            if live.first_key_at is None and session.start_t is not None:
                live.first_key_at = now
        self._metrics(live)
        if self._count_keys(live) and session.state.is_open:
            self._over_budget(live)
        if not session.state.is_open:
            self._finish(live, now)

    def _metrics(self, live: LiveSession) -> None:
        channel = live.channel
        if (
            channel is not None
            and channel is self._direct
            and not channel.actions
            and live.session.state.is_open
        ):
            # Nothing is queued before it, and an open session means nothing follows.
            self._reply = metrics_update_frame(live.acked, live.session)
            return
        self._emit(
            live.channel,
            Outgoing(
                METRICS_UPDATE,
                {
                    "ack": live.acked,
                    "analysis": analysis_to_json(live.session.analyzer),
                    "metrics": live_metrics_to_json(live.session),
                },
            ),
        )

    # -- completion -------------------------------------------------------

    def _finish(self, live: LiveSession, now: float) -> None:
        """Store the result (if any), then queue ``SESSION_COMPLETE``."""
        if live.complete is not None:
            return
        self._timed.discard(live)
        session = live.session
        if session.state.is_open:
            session.abandon()
        result = session.result
        data: dict[str, Any] = {
            "sessionId": live.id,
            "state": session.state.value,
            "mode": live.mode,
            "mode2": live.mode2,
            "ack": live.acked,
            "metrics": None,
            "valid": False,
            "invalidReasons": [],
            "flags": [],
            "resultId": None,
            "personalBest": False,
        }
        if result is not None:
            flags = set(live.flags)
            if live.first_key_at is not None:
                observed = live.last_key_at - live.first_key_at - live.paused_s
                claimed = result.metrics.duration_s
                if claimed < 0.5 * observed - 2.0:
                    flags.add(FLAG_TIMING)
            if flags:
                reasons = result.invalid_reasons + tuple(
                    sorted(flags - set(result.invalid_reasons))
                )
                result = dataclasses.replace(result, invalid_reasons=reasons)
            data["metrics"] = metrics_to_json(result.metrics)
            data["valid"] = result.is_valid
            data["invalidReasons"] = list(result.invalid_reasons)
            data["flags"] = sorted(flags)
            # An empty or AFK test is shown but not kept: it says nothing about the typist.
            worth_keeping = result.metrics.keypresses > 0 and not result.metrics.afk
            if self.history is not None and worth_keeping:
                try:
                    options = text_options(
                        live.mode,
                        bool(live.options.get("punctuation")),
                        bool(live.options.get("numbers")),
                    )
                    data["personalBest"] = self.history.is_personal_best(
                        result,
                        mode=live.mode,
                        mode2=live.mode2,
                        language=live.language,
                        options=options,
                        text=live.text,
                    )
                    data["resultId"] = self.history.save(
                        result,
                        text=live.text,
                        text_id=live.text_id,
                        language=live.language,
                        mode=live.mode,
                        mode2=live.mode2,
                        options=options,
                    )
                except Exception as exc:  # storage trouble must not lose the live result
                    log.exception("could not store the result of session %s", live.id)
                    data["personalBest"] = False
                    self._emit(
                        live.channel,
                        error(
                            ErrorCode.STORAGE_FAILED,
                            f"The result could not be stored ({type(exc).__name__}); it is "
                            "shown but not kept.",
                        ),
                    )
        log.info(
            "session %s %s%s",
            live.id,
            data["state"],
            "" if data["metrics"] is None else f" ({data['metrics']['wpm']} wpm)",
        )
        live.complete = Outgoing(SESSION_COMPLETE, data)
        self._emit(live.channel, live.complete)

    # -- time ---------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass: close timed tests whose time is up, drop idle sessions."""
        self.races.tick(now)
        for live in list(self._timed):
            try:
                self._tick_timed(live, now)
            except Exception as exc:  # one broken session must not stop the clock for others
                self._timed.discard(live)
                self._bug(exc, live, now, f"ending session {live.id} on time")
                self._error_live(live)
        if now >= self._next_expiry:
            self._next_expiry = now + 1.0
            self.sessions_expire(now)

    def _tick_timed(self, live: LiveSession, now: float) -> None:
        session = live.session
        if live.complete is not None or not session.state.is_open:
            self._timed.discard(live)
            return
        if session.start_t is None or live.last_t is None:
            return  # the clock starts on the first character
        if now < live.hold_until:
            return  # just restored: its typist may still be reconnecting
        limit = session.time_limit_ms
        assert limit is not None
        client_now = live.last_t + (now - live.last_key_at) * 1000
        if client_now - session.start_t >= limit + self.config.time_grace_ms:
            session.tick(session.start_t + limit)
            self._finish(live, now)

    def _error_live(self, live: LiveSession) -> None:
        if live.channel is not None:
            self._error(
                live.channel, ErrorCode.INTERNAL, "Internal server error; start a new session."
            )

    def sessions_expire(self, now: float) -> None:
        """Forget sessions idle for longer than the TTL (and close idle untimed tests)."""
        idle_ms = self.config.idle_limit_ms
        for sid in list(self.sessions):
            live = self.sessions.peek(sid)
            if live is None or live.complete is not None or live.started_at is None:
                continue
            session = live.session
            if session.state is SessionState.RUNNING and session.time_limit_ms is None:
                if (now - live.last_key_at) * 1000 > idle_ms and now >= live.hold_until:
                    session.abandon()
                    self._finish(live, now)
        for _, live in self.sessions.expire(now):
            self._expired(live)

    # -- keeping tests in progress across a restart ------------------------

    def export_sessions(self, now: float) -> list[dict[str, Any]]:
        """Snapshots (JSON-able) of every session a client may still resume, for a restart.

        A test in progress is its options, its text and its keystroke log
        (replaying the log rebuilds the typing state), the protocol state
        around it, and its server times as seconds before ``now``. A finished
        test is its ``SESSION_COMPLETE`` (its client may not have received it).
        """

        def ago(at: float | None) -> float | None:
            return None if at is None else now - at

        snapshots = []
        for sid in list(self.sessions):
            live = self.sessions.peek(sid)
            last_used = self.sessions.last_used(sid)
            if live is None or last_used is None:
                continue
            finished = live.complete is not None
            if not finished and not live.session.state.is_open:
                continue  # closed, its SESSION_COMPLETE about to be made: nothing to resume
            config = live.session.config
            snapshots.append(
                {
                    "id": live.id,
                    "tokenHash": live.token_hash,
                    "idleS": now - last_used,
                    "text": live.text,
                    "mode": live.mode,
                    "mode2": live.mode2,
                    "language": live.language,
                    "textId": live.text_id,
                    "options": live.options,
                    "config": {
                        "mode": config.mode.value,
                        "durationS": config.duration_s,
                        "wordCount": config.word_count,
                        "idleLimitMs": config.idle_limit_ms,
                    },
                    "complete": live.complete.data if live.complete is not None else None,
                    "log": [] if finished else [[n, t] for n, t in live.session.log.entries()],
                    "acked": live.acked,
                    "lastT": live.last_t,
                    "flags": sorted(live.flags),
                    "burst": list(live.burst),
                    "legacyTyped": live.legacy_typed,
                    "startedAgoS": ago(live.started_at),
                    "lastKeyAgoS": ago(live.last_key_at) if live.started_at is not None else None,
                    "firstKeyAgoS": ago(live.first_key_at),
                    "pausedS": live.paused_s + self._reconnect_wait(live, now),
                    "peer": live.peer,
                }
            )
        return snapshots

    def import_sessions(
        self, snapshots: list[dict[str, Any]], now: float, downtime_s: float = 0.0
    ) -> int:
        """Restore ``export_sessions`` snapshots; return how many were restored.

        Server times are moved so that ``downtime_s`` (how long the server was
        away) has passed for each session, as it has for its typist: a session
        unused for longer than the TTL, downtime included, is not restored. A
        restored test is not ended by the clock (time up, idle) for
        ``HandlerConfig.restore_grace_s``, so that its typist can reconnect
        and send the keys typed meanwhile first. A snapshot that does not
        rebuild (damaged, or from an incompatible version) is skipped with a
        warning.
        """
        downtime_s = max(0.0, downtime_s)
        restored = 0
        for snapshot in snapshots:
            try:
                idle_s = float(snapshot["idleS"]) + downtime_s
                if idle_s > self.config.session_ttl_s:
                    continue  # it would have expired meanwhile
                keys = len(snapshot["log"])
                if self._restored_keys + keys > self.config.budget.restore_keys:
                    log.warning(
                        "not restoring session %s: replaying its %d keys would pass the "
                        "restore budget of %d",
                        snapshot.get("id"),
                        keys,
                        self.config.budget.restore_keys,
                    )
                    continue
                live = self._restore(snapshot, now - downtime_s)
                self._restored_keys += keys
            except Exception as exc:  # never let one bad snapshot stop the server
                log.warning("could not restore a session from before the restart: %r", exc)
                continue
            if live.id in self.sessions or len(self.sessions) >= self.config.max_sessions:
                continue
            live.hold_until = now + self.config.restore_grace_s
            if live.first_key_at is not None:
                # Keys typed meanwhile arrive late through no fault of the typist's.
                live.paused_s += downtime_s
                live.restored_at = now
            self._hold(live, now - idle_s)
            if (
                live.complete is None
                and live.started_at is not None
                and live.session.config.mode is Mode.TIME
            ):
                self._timed.add(live)
            restored += 1
        return restored

    def _restore(self, snap: dict[str, Any], then: float) -> LiveSession:
        """One session from its snapshot; ``then`` is the server time the snapshot means by now."""
        cfg = snap["config"]
        config = SessionConfig(
            Mode(cfg["mode"]),
            duration_s=cfg["durationS"],
            word_count=cfg["wordCount"],
            idle_limit_ms=float(cfg["idleLimitMs"]),
        )
        token_hash = snap["tokenHash"]
        if not isinstance(token_hash, str) or len(token_hash) != 64:
            raise ValueError("a snapshot without a token hash")
        complete = snap["complete"]
        keys = [stroke for name, t in snap["log"] for stroke in keystrokes_from_key(name, t)]
        session = replay(config, snap["text"], keys)
        if complete is None and not session.state.is_open:
            raise ValueError(f"session {snap['id']} does not replay to an open test")

        def at(ago: float | None) -> float | None:
            return None if ago is None else then - float(ago)

        started_at = at(snap["startedAgoS"])
        last_key_at = at(snap["lastKeyAgoS"])
        return LiveSession(
            id=str(snap["id"]),
            token_hash=token_hash,
            session=session,
            text=snap["text"],
            mode=str(snap["mode"]),
            mode2=str(snap["mode2"]),
            language=snap["language"],
            text_id=snap["textId"],
            options=dict(snap["options"]),
            started_at=started_at,
            acked=int(snap["acked"]),
            last_t=snap["lastT"],
            last_key_at=0.0 if last_key_at is None else last_key_at,
            first_key_at=at(snap["firstKeyAgoS"]),
            paused_s=float(snap.get("pausedS", 0.0)),
            peer=str(snap.get("peer", "")),
            flags=set(snap["flags"]),
            burst=deque(float(t) for t in snap["burst"]),
            complete=None if complete is None else Outgoing(SESSION_COMPLETE, dict(complete)),
            legacy_typed=str(snap["legacyTyped"]),
        )

    @property
    def live_sessions(self) -> int:
        """Sessions currently held (for the health endpoint)."""
        return len(self.sessions)


__all__ = [
    "Channel",
    "HandlerConfig",
    "LiveSession",
    "ResultSink",
    "SessionHandler",
    "ERROR",
]
