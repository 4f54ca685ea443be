"""The race a room runs: its countdown's end, the racers' keys, finishes, DNFs, the finish
deadline, idle racers and lost links, the lanes at each tick, and the race's end.

``RoomRace`` is the half of ``bartype.protocol.rooms.Room`` that the clock and
the racers' keys drive (the lobby and the members are the other half, in
``rooms``); the states and their transitions are ``room_rules.RoomState``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bartype.core.race import cheat_flags, official_time
from bartype.protocol.messages import (
    RACE_METRICS,
    RACE_PROGRESS,
    RACE_RESULT,
    RACE_STANDINGS,
    RACE_STARTED,
    RACER_FINISHED,
    Encoded,
    ErrorCode,
    Outgoing,
)
from bartype.protocol.race_views import (
    finished_data,
    metrics_frame,
    progress_frame,
    result_data,
    standings_data,
    standings_rows,
)
from bartype.protocol.racers import (
    Member,
    Race,
    Racer,
    RacerStatus,
    char_times,
    false_start,
    places,
    take_keys,
    typed,
)
from bartype.protocol.room_rules import (
    RACE_UNDER_WAY,
    ROOM_COUNTDOWN,
    ROOM_LOBBY,
    RaceText,
    RoomConfig,
    RoomError,
    RoomState,
    wire_ms,
)


class RoomRace:
    """The race of a room (see the module docstring); ``Room`` is the rest."""

    code: str
    config: RoomConfig
    state: RoomState
    members: dict[str, Member]
    race: Race | None
    _make_text: Callable[[], RaceText]
    _outbox: list[tuple[str | None, Outgoing]]
    _over: list[Race]
    _sweep_at: float
    """No lost link nor idle racer is due before this: until then a sweep finds nothing.
    Anything that brings a deadline earlier lowers it."""

    if TYPE_CHECKING:  # the room's, in ``Room``

        def _send(self, to: str | None, type_: str, data: dict[str, Any]) -> None: ...

        def _move(self, state: RoomState) -> None: ...

        def _room_state(self) -> None: ...

        def _member(self, member_id: str) -> Member: ...

        def _remove(self, member: Member, now: float) -> None: ...

    def input(
        self,
        member_id: str,
        seq: int,
        keys: list[tuple[str, float]],
        now: float,
        *,
        direct: bool = False,
    ) -> str | None:
        """A racer's batch of keys ``(key, t)``, ``t`` in ms since the start signal.

        Numbered like ``INPUT_UPDATE``: ``seq`` = ack + 1 is applied, an older
        one is acknowledged again, a gap is refused. The answer is the racer's
        ``RACE_METRICS``; with ``direct`` it is returned as its frame, not
        queued, when it is all the batch brings (nothing queued before it, no
        finish after it), for a server to send at once.

        Raises:
            RoomError: ``NOT_RACING``, ``SEQ_GAP`` or ``BAD_TIMESTAMP`` (with ``ack``).
        """
        self._advance(now)
        self._member(member_id)
        race = self.race
        racer = race.racers.get(member_id) if race is not None else None
        if race is None or racer is None or self.state is ROOM_LOBBY:
            raise RoomError(
                ErrorCode.NOT_RACING,
                "You are not racing: a spectator races from the next race on.",
            )
        if self.state is ROOM_COUNTDOWN:
            raise false_start(race, racer, now)
        if seq <= racer.acked:  # a resend: applied once already
            return self._answer(racer, metrics_frame(race, racer)[0], direct)
        finished_at = take_keys(race, racer, seq, keys, now, self.config.future_tolerance_ms)
        frame, metrics = metrics_frame(race, racer)
        if keys:
            racer.last_t = keys[-1][1]
            racer.last_input_at = now
            if racer.idle:
                racer.idle = False
                self._sweep_at = min(self._sweep_at, now + self.config.idle_mark_s)
            typed(race, racer, metrics)
            race.changed = True
        if finished_at is None:
            return self._answer(racer, frame, direct)
        self._answer(racer, frame, False)
        member = racer.member
        resent = member.resumed_at is not None and (
            now - member.resumed_at <= self.config.resend_window_s
        )
        observed = None if resent else (now - race.starts_at) * 1000
        self._finish(race, racer, finished_at, observed, now)
        return None

    def _answer(self, racer: Racer, frame: str, direct: bool) -> str | None:
        """The racer's ``RACE_METRICS`` (its ``frame``): returned when ``direct`` and
        nothing is queued before it, else queued."""
        if direct and not self._outbox:
            return frame
        self._outbox.append((racer.member.id, Encoded(RACE_METRICS, frame)))
        return None

    def _metrics(self, race: Race, racer: Racer) -> None:
        """Send the racer their ``RACE_METRICS``."""
        self._answer(racer, metrics_frame(race, racer)[0], False)

    def _finish(
        self, race: Race, racer: Racer, claimed_ms: float, observed_ms: float | None, now: float
    ) -> None:
        rules = self.config.cheat
        check = official_time(claimed_ms, observed_ms, rules.lag_tolerance_ms)
        racer.status = RacerStatus.FINISHED
        racer.time_ms = round(check.official_ms, 1)
        racer.flags = cheat_flags(char_times(racer), rules, check.flagged)
        racer.standing = None
        race.changed = True
        if self.state is RoomState.RACING:
            race.deadline_at = now + self.config.finish_deadline_s
            self._move(RoomState.FINISHING)
            self._room_state()
        place, standing = places(race)[racer.member.id]
        self._send(None, RACER_FINISHED, finished_data(race, racer, place, standing))
        self._send_result(race, racer, place)
        self._check_race_over(now)

    def _send_result(self, race: Race, racer: Racer, place: int) -> None:
        """The racer's own full figures, once their race is over."""
        if racer.result is not None:
            return
        racer.result = result_data(race, racer, place)
        self._send(racer.member.id, RACE_RESULT, racer.result)

    def _dnf(self, racer: Racer) -> None:
        if racer.status is not RacerStatus.RACING:
            return
        racer.status = RacerStatus.DNF
        racer.session.end()
        racer.flags = cheat_flags(char_times(racer), self.config.cheat)
        racer.standing = None
        if self.race is not None:
            self.race.changed = True

    def _check_race_over(self, now: float) -> None:
        race = self.race
        if race is None or self.state not in (RoomState.RACING, RoomState.FINISHING):
            return
        if any(r.status is RacerStatus.RACING for r in race.racers.values()):
            return
        self._move(RoomState.RESULTS)
        ranks = places(race)
        race.standings = standings_rows(race, ranks)

        for racer in race.racers.values():
            place = ranks[racer.member.id][0]
            if racer.result is not None:
                # Final now, for a member who resumes (a copy: the one sent is not changed).
                racer.result = {**racer.result, "place": place}
            elif racer.member.id in self.members:
                self._send_result(race, racer, place)
        self._send(None, RACE_STANDINGS, standings_data(race))
        self._room_state()
        self._over.append(race)

    def _changed(self) -> None:
        if self.race is not None:
            self.race.changed = True

    # -- time ----------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass: countdown, idle racers, deadline, lost links, progress."""
        self._advance(now, sweep=True)
        race = self.race
        if race is None or self.state not in (RoomState.RACING, RoomState.FINISHING):
            return
        # One update per slot of progress_interval_s: a tick a hair early or late
        # (the server's ticks are about as far apart) is neither skipped nor doubled.
        slot = math.floor(now / self.config.progress_interval_s + 1e-6)
        if race.changed and slot > race.progress_slot:
            race.progress_slot = slot
            self.broadcast_progress(now)

    def broadcast_progress(self, now: float) -> None:
        """Send every member every racer's lane now (``RACE_PROGRESS``). The tick does, at
        most once per ``progress_interval_s``; keybr's design does after every key
        (``bench/races.py`` measures both)."""
        race = self.race
        if race is None or self.state not in (RoomState.RACING, RoomState.FINISHING):
            return
        race.changed = False
        race.tick += 1
        self._outbox.append((None, Encoded(RACE_PROGRESS, progress_frame(race, now, self.members))))

    def _advance(self, now: float, *, sweep: bool = False) -> None:
        """Apply what the clock decides, up to ``now``.

        Every call starts the race and applies the deadline (constant time);
        with ``sweep`` (the tick, and the rare joins and resumes) it also
        visits every member and racer for lost links and idle racers, which
        a racer's key must not pay for; and only once one of them is due
        (``_sweep_at``), which a tick of many rooms must not pay for either.
        """
        sweep = sweep and now >= self._sweep_at
        if sweep:
            grace = self.config.resume_grace_s
            for member in list(self.members.values()):
                if member.dropped_at is not None and now - member.dropped_at >= grace:
                    self._remove(member, now)
        self._advance_race(now, sweep)
        if sweep:
            self._sweep_at = self._next_sweep()

    def _advance_race(self, now: float, sweep: bool) -> None:
        race = self.race
        if race is None:
            return
        if self.state is ROOM_COUNTDOWN and now >= race.starts_at:
            self._move(RoomState.RACING)
            race.changed = True
            self._send(
                None, RACE_STARTED, {"raceId": race.id, "startedAt": wire_ms(race.starts_at)}
            )
            self._room_state()
        if self.state not in RACE_UNDER_WAY:
            return
        if sweep:
            cfg = self.config
            for racer in race.racers.values():
                if racer.status is not RacerStatus.RACING:
                    continue
                quiet = now - racer.last_input_at
                if quiet >= cfg.idle_dnf_s:
                    self._dnf(racer)
                elif quiet >= cfg.idle_mark_s and not racer.idle:
                    racer.idle = True
                    race.changed = True
        if race.deadline_at is not None and now >= race.deadline_at:
            for racer in race.racers.values():
                self._dnf(racer)
        if sweep or race.deadline_at is not None and now >= race.deadline_at:
            self._check_race_over(now)

    def _next_sweep(self) -> float:
        """When the next lost link is gone or the next racer idle (or DNF), as things stand."""
        cfg = self.config
        due = math.inf
        for member in self.members.values():
            if member.dropped_at is not None:
                due = min(due, member.dropped_at + cfg.resume_grace_s)
        race = self.race
        if race is not None:
            for racer in race.racers.values():
                if racer.status is RacerStatus.RACING:
                    wait = cfg.idle_dnf_s if racer.idle else cfg.idle_mark_s
                    due = min(due, racer.last_input_at + wait)
        return due
