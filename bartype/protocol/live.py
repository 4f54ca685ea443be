"""A test in progress on the server: ``LiveSession``, its connection, and its input rules.

A ``LiveSession`` wraps the core's ``TypingSession`` with the protocol state
around it (batch numbers, server times, flags, the connection typing it).
Its life cycle, ``Phase``::

    CREATED --START_SESSION--> RUNNING --text done / time up / END_SESSION--> COMPLETE
       |                                  / idle / replaced / over budget       ^
       '--END_SESSION, replaced, idle expiry, a bug---------------------------'

``COMPLETE`` means ``SESSION_COMPLETE`` is made (the result stored, if any):
the session is kept, and resumable, until its TTL, so that a client that
missed it can ask again. Moves not in ``TRANSITIONS`` raise ``PhaseError``: a
bug in the handler, never a reaction to a client (whose out-of-order messages
get an ``ERROR`` before any move is tried).

The input rules are here as pure functions of the session and the time
passed in: a batch's key times must not decrease nor run ahead of the
server's clock (``first_bad_time``), characters typed too fast flag the
result (``LiveSession.feed``), the whole-text legacy input becomes
keystrokes (``LiveSession.legacy_keys``), and a timed test ends by the
client's clock extrapolated from its last key (``LiveSession.run_out``).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bartype.core.keystrokes import KeyKind, keystrokes_from_key, plain_keystroke
from bartype.core.normalize import split_words
from bartype.core.race import FLAG_BURST
from bartype.core.session import SessionConfig, SessionState, TypingSession, config_for
from bartype.protocol.budget import Usage
from bartype.protocol.messages import (
    SESSION_CREATED,
    Action,
    CreateSession,
    ErrorCode,
    Outgoing,
    error,
)
from bartype.protocol.textgen import MadeText

Keys = list[tuple[str, float]]
"""A batch's keys: ``[(key name, client ms since START), ...]``."""


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a resume token: what a session keeps, in memory and on disk.

    A token is 144 random bits, so a fast hash is enough; a stolen database or
    snapshot then resumes nobody's test.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Phase(Enum):
    """Where a ``LiveSession`` is in its life cycle; see the module docstring."""

    CREATED = "created"
    RUNNING = "running"
    COMPLETE = "complete"


TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.CREATED: frozenset({Phase.RUNNING, Phase.COMPLETE}),
    Phase.RUNNING: frozenset({Phase.COMPLETE}),
    Phase.COMPLETE: frozenset(),
}


# The phases as module names: an enum class's attribute costs a lookup through its
# metaclass, on the path of every batch.
_CREATED = Phase.CREATED
_RUNNING = Phase.RUNNING
_COMPLETE = Phase.COMPLETE


class PhaseError(RuntimeError):
    """A move of a ``LiveSession`` not in ``TRANSITIONS``: a bug in the caller."""


@dataclass(eq=False, slots=True)
class Channel:
    """One client connection as the handler sees it."""

    id: int
    peer: str = ""
    """The client's address as the per-address limits count it (``address_key``: IPv6 by /64)."""
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
    metrics_ms: int | None = 0
    """How often it wants ``METRICS_UPDATE`` (``HELLO.metricsMs``): 0 with every batch, N at
    most every N ms (batches are answered by ``INPUT_ACK``), ``None`` never."""
    metrics_at: float = float("-inf")
    """When the last ``METRICS_UPDATE`` was made for it (server seconds)."""

    def take(self) -> list[Action]:
        """Return and clear the pending actions."""
        actions = self.actions
        self.actions = []
        return actions

    def detach(self) -> None:
        """No longer type in a session (its session no longer sends here)."""
        live = self.session
        if live is not None and live.channel is self:
            live.channel = None
        self.session = None

    def spend_keys(self, count: int, now: float, rate: float, burst: float) -> bool:
        """Take ``count`` keys from the bucket (``rate`` a second, up to ``burst``), if it can."""
        tokens = self.key_tokens
        if tokens < 0:
            tokens = burst
        else:
            tokens += (now - self.key_stamp) * rate
            if tokens > burst:  # not min(): this runs for every batch
                tokens = burst
        self.key_stamp = now
        if count > tokens:
            self.key_tokens = tokens
            return False
        self.key_tokens = tokens - count
        return True


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
    phase: Phase = Phase.CREATED
    """Moved only by ``start`` and ``complete_with`` (or set by a restore)."""
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
    """The address key (``address_key``) that created the session: its ``Usage`` counts it."""
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

    def _move(self, to: Phase) -> None:
        if to not in TRANSITIONS[self.phase]:
            raise PhaseError(f"session {self.id}: {self.phase.name} -> {to.name} is not a move")
        self.phase = to

    def start(self, now: float) -> None:
        """``START_SESSION`` accepted at server time ``now``: keys may come."""
        self._move(Phase.RUNNING)
        self.started_at = now
        self.last_key_at = now

    def complete_with(self, message: Outgoing) -> None:
        """The test is over and ``message`` (its ``SESSION_COMPLETE``) says how."""
        self._move(Phase.COMPLETE)
        self.complete = message

    def start_refusal(self) -> Outgoing | None:
        """Why ``START_SESSION`` is refused now, or ``None`` if it may start."""
        if self.phase is _COMPLETE:
            return error(
                ErrorCode.SESSION_FINISHED,
                "The session is finished; create a new one.",
                ack=self.acked,
            )
        if self.phase is _RUNNING:
            return error(ErrorCode.ALREADY_STARTED, "The session was already started.")
        return None

    def input_refusal(self) -> Outgoing | None:
        """Why input is refused now, or ``None`` if the session is running."""
        if self.phase is _COMPLETE:  # first: a finished session is never "not started"
            return error(
                ErrorCode.SESSION_FINISHED,
                "The session is finished; further input is ignored.",
                ack=self.acked,
            )
        if self.phase is _CREATED:
            return error(ErrorCode.NOT_STARTED, "Send START_SESSION before INPUT_UPDATE.", ack=0)
        return None

    def gap_refusal(self, seq: int) -> Outgoing | None:
        """``SEQ_GAP`` if batch ``seq`` is not the next one after ``acked`` (nor a resent one)."""
        acked = self.acked
        if seq == acked + 1:
            return None
        return error(
            ErrorCode.SEQ_GAP,
            f"Expected batch seq {acked + 1}, got {seq}; resend every batch after ack.",
            ack=acked,
        )

    def take_batch(self, seq: int, keys: Keys, horizon: float) -> Outgoing | None:
        """Number the next batch ``seq`` received; ``BAD_TIMESTAMP`` if its times break the rules.

        Key times must not decrease, nor pass ``horizon`` (``horizon_ms``). A
        refused batch is acknowledged all the same: resending it cannot help.
        """
        self.acked = seq
        bad = first_bad_time(keys, self.last_t, horizon)
        if bad is None:
            return None
        t, reason = bad
        return error(
            ErrorCode.BAD_TIMESTAMP,
            f"Batch {seq} rejected: key time {t:g} ms is {reason}. "
            "Times are ms since the test started and must not decrease.",
            ack=seq,
            seq=seq,
        )

    def horizon_ms(self, now: float, tolerance_ms: float | None) -> float:
        """The latest key time (client ms) believable at ``now``: the server's elapsed time plus
        the tolerance (no limit if it is ``None``)."""
        assert self.started_at is not None
        if tolerance_ms is None:
            return math.inf
        return (now - self.started_at) * 1000 + tolerance_ms

    def feed(self, keys: Keys, now: float, burst_keys: int, burst_min_ms: float) -> None:
        """Apply ``keys`` to the typing session, stopping where it closes.

        ``burst_keys`` characters within less than ``burst_min_ms`` (over 600
        WPM) flag the result as an inhuman burst.
        """
        session = self.session
        apply = session.apply
        for key, t in keys:
            stroke = plain_keystroke(key, t)
            if stroke is not None:  # one character: the common case
                finished = apply(stroke).finished
                self._count_char(t, burst_keys, burst_min_ms)
                if finished:  # the only way a keystroke closes a session
                    break
            elif not self._feed_named(key, t, burst_keys, burst_min_ms):
                break
        if keys:
            self.last_t = keys[-1][1]
            self.last_key_at = now
            if self.first_key_at is None and session.start_t is not None:
                self.first_key_at = now

    def _feed_named(self, key: str, t: float, burst_keys: int, burst_min_ms: float) -> bool:
        """Apply a named key (Enter, Backspace, Ctrl+Backspace...); ``False`` once the
        session is closed."""
        session = self.session
        for stroke in keystrokes_from_key(key, t):
            session.apply(stroke)
            if stroke.kind is KeyKind.CHAR:
                self._count_char(t, burst_keys, burst_min_ms)
            if not session.state.is_open:
                return False
        return True

    def _count_char(self, t: float, burst_keys: int, burst_min_ms: float) -> None:
        """Note a character typed at ``t``: the last ``burst_keys`` of them within
        ``burst_min_ms`` flag the result."""
        burst = self.burst
        burst.append(t)
        if len(burst) > burst_keys:
            burst.popleft()
            if t - burst[0] < burst_min_ms:
                self.flags.add(FLAG_BURST)

    def legacy_keys(self, typed: str, now: float) -> Keys:
        """``INPUT_UPDATE {input}``: the keys that turn the text typed so far into ``typed``.

        Backspaces back to the common prefix, then the new characters, all at
        the server's elapsed time (never before the last key).
        """
        assert self.started_at is not None
        old = self.legacy_typed
        common = 0
        limit = min(len(old), len(typed))
        while common < limit and old[common] == typed[common]:
            common += 1
        t = (now - self.started_at) * 1000
        if self.last_t is not None:
            t = max(t, self.last_t)
        keys = [("Backspace", t)] * (len(old) - common)
        keys.extend((ch, t) for ch in typed[common:])
        self.legacy_typed = typed
        return keys

    def run_out(self, now: float, grace_ms: float) -> bool:
        """Close a timed test whose time is up by the client's clock; ``True`` if it closed.

        The client's clock is extrapolated from its last key; ``grace_ms``
        later, keys still on their way have had their chance. A test just
        restored after a restart waits for its typist (``hold_until``).
        """
        session = self.session
        if session.start_t is None or self.last_t is None:
            return False  # the clock starts on the first character
        if now < self.hold_until:
            return False
        limit = session.time_limit_ms
        assert limit is not None
        client_now = self.last_t + (now - self.last_key_at) * 1000
        if client_now - session.start_t < limit + grace_ms:
            return False
        session.tick(session.start_t + limit)
        return True

    def idle_out(self, now: float, idle_ms: float) -> bool:
        """Abandon an untimed test with no key for ``idle_ms``; ``True`` if it was abandoned."""
        session = self.session
        if self.phase is not Phase.RUNNING or session.state is not SessionState.RUNNING:
            return False
        if session.time_limit_ms is not None or now < self.hold_until:
            return False
        if (now - self.last_key_at) * 1000 <= idle_ms:
            return False
        session.abandon()
        return True


def first_bad_time(keys: Keys, last_t: float | None, horizon: float) -> tuple[float, str] | None:
    """The first key time of a batch that breaks the rules, and why; ``None`` if none does."""
    last = last_t
    for _, t in keys:
        if (last is not None and t < last) or t > horizon:
            return t, ("earlier than the previous key" if t <= horizon else "in the future")
        last = t
    return None


def mode_config(options: CreateSession, text: str | None, idle_ms: float) -> SessionConfig:
    """The core's ``SessionConfig`` for a ``CREATE_SESSION`` and its (normalised) text."""
    # A text the client sent decides the count: "words 10" must mean ten words typed.
    given = text if options.mode == "words" and options.text is not None else None
    return config_for(
        options.mode,
        duration_s=options.duration,
        word_count=len(split_words(given)) if given else options.words,
        idle_limit_ms=idle_ms,
    )


def new_live_session(
    session_id: str,
    message: CreateSession,
    made: MadeText,
    text: str | None,
    seed: int,
    idle_ms: float,
    channel: Channel,
) -> tuple[LiveSession, Outgoing]:
    """A session for ``CREATE_SESSION`` (its text made), and the ``SESSION_CREATED`` to answer."""
    config = mode_config(message, text, idle_ms)
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
    token = secrets.token_urlsafe(18)
    live = LiveSession(
        id=session_id,
        token_hash=token_digest(token),
        session=TypingSession(config, text),
        text=text,
        mode=message.mode,
        mode2=label.mode2,
        language=label.language,
        text_id=made.text_id,
        options=options,
        channel=channel,
        peer=channel.peer,
    )
    created = Outgoing(
        SESSION_CREATED,
        {
            "sessionId": session_id,
            "token": token,
            "text": text,
            "mode": message.mode,
            "mode2": label.mode2,
            "textId": made.text_id,
            "options": options,
        },
    )
    return live, created


def phase_of(started_at: float | None, complete: Outgoing | None) -> Phase:
    """The phase a session restored with these fields is in."""
    if complete is not None:
        return Phase.COMPLETE
    return Phase.CREATED if started_at is None else Phase.RUNNING


__all__ = [
    "TRANSITIONS",
    "Channel",
    "Keys",
    "LiveSession",
    "Phase",
    "PhaseError",
    "first_bad_time",
    "mode_config",
    "new_live_session",
    "phase_of",
    "token_digest",
]
