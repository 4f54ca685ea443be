"""``SessionTable``: the sessions a handler holds, what they cost, and when they go.

A session is held (resumable by its id and token) from ``CREATE_SESSION``
until it has been unused for the TTL, finished or not. The table keeps them
in the core's ``StateManager``, counts each against its address's budget
(``Ledger``), knows which timed tests the clock may end, finds a session for
a connection that resumes it (``find``), expires idle ones, and carries them
across a restart (``export`` / ``restore``, through ``protocol.snapshots``).
What it has to tell a connection (resumed, taken over, expired) goes out
through ``emit``, the handler's outbox.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterator
from typing import Any

from bartype.core.options import Mode
from bartype.core.state import InvalidSessionError, StateManager
from bartype.protocol import snapshots
from bartype.protocol.budget import Ledger
from bartype.protocol.config import HandlerConfig
from bartype.protocol.live import Channel, LiveSession, Phase, token_digest
from bartype.protocol.messages import (
    SESSION_ATTACHED,
    Action,
    CloseCode,
    ErrorCode,
    Outgoing,
    ProtocolError,
    close,
    error,
)

log = logging.getLogger("bartype.protocol")


class SessionTable:
    """The held sessions of one ``SessionHandler``."""

    def __init__(
        self, config: HandlerConfig, emit: Callable[[Channel | None, Action], None]
    ) -> None:
        self.config = config
        self._emit = emit
        self.held: StateManager[LiveSession] = StateManager(config.session_ttl_s)
        self.ledger = Ledger(config.budget)
        self.timed: set[LiveSession] = set()
        """Running timed tests: ``tick`` ends them when their time is up."""
        self._restored_keys = 0

    def __len__(self) -> int:
        return len(self.held)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self.held

    @property
    def full(self) -> bool:
        """Does it hold as many sessions as it may?"""
        return len(self.held) >= self.config.max_sessions

    def hold(self, live: LiveSession, now: float) -> None:
        """Keep ``live`` among the sessions, counted against its address's budget."""
        self.held.create(live.id, live, now)
        live.usage = self.ledger.opened(live.peer, len(live.text or ""))
        live.keys_held = 0
        self.count_keys(live)

    def forget(self, live: LiveSession) -> None:
        """No longer hold ``live`` (its address's budget gets back what it held)."""
        self.timed.discard(live)
        self.held.delete(live.id)
        if live.usage is not None:
            live.usage = None
            self.ledger.released(live.peer, len(live.text or ""), live.keys_held)

    def started(self, live: LiveSession) -> None:
        """``live`` was started: if it is a timed test, the clock may now end it."""
        if live.session.config.mode is Mode.TIME:
            self.timed.add(live)

    def count_keys(self, live: LiveSession) -> bool:
        """Count the session's log against the budgets; ``True`` if a budget is passed."""
        usage = live.usage
        if usage is None:
            return False
        held = len(live.session.log)
        usage.keys += held - live.keys_held
        live.keys_held = held
        budget = self.config.budget
        return held > budget.session_keys or usage.keys > budget.address_keys

    def over_budget(self, live: LiveSession) -> Outgoing:
        """A batch took ``live`` past a budget: end the test (as END_SESSION would); say why."""
        budget = self.config.budget
        live.session.end()
        return error(
            ErrorCode.LIMIT_REACHED,
            f"The test is ended: a session holds at most {budget.session_keys:,} "
            f"keystrokes, and the sessions of one address {budget.address_keys:,}.",
            ack=live.acked,
        )

    def check_budget(self, peer: str, text_chars: int) -> None:
        """Raise ``ProtocolError`` unless ``peer`` may open a session with this much text."""
        refusal = self.ledger.refusal(peer, text_chars)
        if refusal is not None:
            raise ProtocolError(
                ErrorCode.LIMIT_REACHED,
                f"No new session: {refusal}. Finish or end tests, or wait for them to expire.",
            )

    def touch(self, live: LiveSession, now: float) -> bool:
        """Mark ``live`` used at ``now``; ``False`` (and forgotten, its typist told) if expired."""
        try:
            self.held.get(live.id, now)
        except InvalidSessionError:
            self.forget(live)
            self._expired(live)
            return False
        return True

    def attach(self, channel: Channel, session_id: str, token: str | None, now: float) -> None:
        """Resume a session on ``channel``; a connection that held it is taken over (4002)."""
        live = self.find(session_id, token, now)
        if live is None:
            self._emit(
                channel,
                error(
                    ErrorCode.INVALID_SESSION,
                    "Invalid session: unknown or expired id, or wrong token. Create a new session.",
                ),
            )
            self._emit(channel, close(CloseCode.INVALID_SESSION))
            return
        old = live.channel
        if old is not None and old is not channel:
            taken = "This session was resumed on another connection."
            self._emit(old, error(ErrorCode.SESSION_TAKEN_OVER, taken))
            self._emit(old, close(CloseCode.TAKEN_OVER))
        live.channel = channel
        channel.session = live
        if live.restored_at is not None:  # back after a restart: the wait was not typing
            live.paused_s += self.reconnect_wait(live, now)
            live.restored_at = None
        attached = {"sessionId": live.id, "state": live.state, "ack": live.acked, "mode": live.mode}
        self._emit(channel, Outgoing(SESSION_ATTACHED, attached))
        if live.complete is not None:
            self._emit(channel, live.complete)

    def _expired(self, live: LiveSession) -> None:
        """``live`` is no longer held: tell its connection, if it has one."""
        channel = live.channel
        if channel is not None:
            channel.detach()
            self._emit(
                channel,
                error(
                    ErrorCode.SESSION_EXPIRED,
                    "The session expired after being idle; create a new one.",
                    sessionId=live.id,
                ),
            )

    def find(self, session_id: str, token: str | None, now: float) -> LiveSession | None:
        """The session a connection resumes with this id and token, or ``None``."""
        try:
            live = self.held.get(session_id, now)
        except InvalidSessionError:
            return None
        if token is None or not hmac.compare_digest(live.token_hash, token_digest(token)):
            return None
        return live

    def reconnect_wait(self, live: LiveSession, now: float) -> float:
        """How long a restored test has waited for its typist (at most the restore grace)."""
        if live.restored_at is None:
            return 0.0
        return min(now - live.restored_at, self.config.restore_grace_s)

    def idle(self, now: float) -> Iterator[LiveSession]:
        """Abandon, one by one, the untimed tests idle for longer than the idle limit."""
        idle_ms = self.config.idle_limit_ms
        for sid in list(self.held):
            live = self.held.peek(sid)
            if live is not None and live.idle_out(now, idle_ms):
                yield live

    def expire(self, now: float) -> None:
        """Forget the sessions unused for longer than the TTL (their typists are told)."""
        for _, live in self.held.expire(now):
            self.forget(live)
            self._expired(live)

    # -- across a restart ---------------------------------------------------

    def export(self, now: float) -> list[dict[str, Any]]:
        """Snapshots of every session a client may still resume (see ``protocol.snapshots``)."""
        kept = []
        for sid in list(self.held):
            live = self.held.peek(sid)
            last_used = self.held.last_used(sid)
            if live is None or last_used is None:
                continue
            if live.phase is not Phase.COMPLETE and not live.session.state.is_open:
                continue  # closed, its SESSION_COMPLETE about to be made: nothing to resume
            paused_s = live.paused_s + self.reconnect_wait(live, now)
            kept.append(snapshots.snapshot(live, now - last_used, paused_s, now))
        return kept

    def restore(self, kept: list[dict[str, Any]], now: float, downtime_s: float) -> int:
        """Hold the sessions of ``export`` snapshots again; return how many came back.

        See ``SessionHandler.import_sessions``.
        """
        cfg = self.config
        downtime_s = max(0.0, downtime_s)
        restored = 0
        for snap in kept:
            try:
                idle_s = float(snap["idleS"]) + downtime_s
                if idle_s > cfg.session_ttl_s:
                    continue  # it would have expired meanwhile
                keys = len(snap["log"])
                if self._restored_keys + keys > cfg.budget.restore_keys:
                    log.warning(
                        "not restoring session %s: replaying its %d keys would pass the "
                        "restore budget of %d",
                        snap.get("id"),
                        keys,
                        cfg.budget.restore_keys,
                    )
                    continue
                live = snapshots.restore(snap, now - downtime_s)
                self._restored_keys += keys
            except Exception as exc:  # never let one bad snapshot stop the server
                log.warning("could not restore a session from before the restart: %r", exc)
                continue
            if live.id in self.held or self.full:
                continue
            live.hold_until = now + cfg.restore_grace_s
            if live.first_key_at is not None:
                # Keys typed meanwhile arrive late through no fault of the typist's.
                live.paused_s += downtime_s
                live.restored_at = now
            self.hold(live, now - idle_s)
            if live.phase is Phase.RUNNING:
                self.started(live)
            restored += 1
        return restored
