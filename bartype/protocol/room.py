"""A room: a sans-I/O state machine, from its lobby through races to their results.

A ``Room`` is driven by calls (join, ready, start, input, leave, ...) and by
``tick(now)``; ``now`` (seconds, monotonic) is always passed in and nothing
here sleeps, reads a clock or touches a socket. What a room has to say goes
into its outbox as ``(to, message)`` pairs, ``to`` being a member id or
``None`` for every member; ``take_outbox()`` hands them to whoever fans them
out (``RoomRegistry.publish``). docs/protocol.md ("Races") describes every
message.

::

                  join, leave, ready
                    ┌─────┐
                    ▼     │
    (created) ──▶ LOBBY ──┴── START_RACE (host), or all ready (2 or more) ──▶ COUNTDOWN
                  ▲  ▲                                                        │     │
                  │  └──────────────── every racer left ──────────────────────┘     │ starts_at
                  │                                                                 ▼
                  │                                        first finisher        RACING
                  │                                    ┌──────────────────────────┤
                  │ REMATCH (host)                     ▼                          │ nobody racing
               RESULTS ◀── deadline, or nobody ──── FINISHING                     │ any more
                  ▲          racing any more                                      │ (all DNF)
                  └───────────────────────────────────────────────────────────────┘

``room_rules.TRANSITIONS`` lists the same edges; ``_move`` refuses any other.

The room is in parts: this module (the lobby, the members and what they
see), ``room_race`` (the race: keys, finishes, the clock), ``racers`` (a
race's racers, their keys replayed by ``TypingSession`` exactly as a solo
test, and their standings), ``race_views`` (the messages' data) and
``room_rules`` (settings, states, codes, names); ``rooms`` holds the
registry of rooms and every name of these parts.

Members: the host (the first to join; handed to the next by order of joining
when the host leaves), racers, and spectators (anyone who joined during a
race, until the next one; or who asked to watch). A member whose link drops
keeps their place for ``resume_grace_s`` and comes back with their token
(``resume``); after that they are gone (DNF if racing). A racer without input
for ``idle_mark_s`` is marked idle, after ``idle_dnf_s`` DNF.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from bartype.core.session import TypingSession
from bartype.protocol.messages import (
    RACE_COUNTDOWN,
    RACE_RESULT,
    RACE_STANDINGS,
    ROOM_JOINED,
    ROOM_LEFT,
    ROOM_STATE,
    ErrorCode,
    Outgoing,
)
from bartype.protocol.race_views import countdown_data, standings_data
from bartype.protocol.racers import Member, Race, Racer, word_offsets
from bartype.protocol.room_race import RoomRace
from bartype.protocol.room_rules import (
    RACE_ON,
    TRANSITIONS,
    RaceText,
    RoomConfig,
    RoomError,
    RoomState,
    clean_name,
)

# -- the room ----------------------------------------------------------------


class Room(RoomRace):
    """One room; see the module docstring for its states and rules."""

    def __init__(
        self,
        code: str,
        make_text: Callable[[], RaceText],
        now: float,
        *,
        config: RoomConfig | None = None,
        options: dict[str, Any] | None = None,
        new_token: Callable[[], str] | None = None,
    ) -> None:
        self.code = code
        self.config = config or RoomConfig()
        self.options = dict(options or {})
        """The text options of the room, as shown in ``ROOM_STATE`` (JSON-ready)."""
        self._make_text = make_text
        self._new_token = new_token or (lambda: secrets.token_urlsafe(18))
        self.state = RoomState.LOBBY
        self.members: dict[str, Member] = {}
        self.host_id: str | None = None
        self.race: Race | None = None
        self._next_slot = 0
        self._races = 0
        self._outbox: list[tuple[str | None, Outgoing]] = []
        self._over: list[Race] = []
        self._sweep_at = -math.inf

    # -- output --------------------------------------------------------------

    @property
    def has_finished(self) -> bool:
        """Has a race ended since the last ``take_finished``?"""
        return bool(self._over)

    def take_finished(self) -> list[Race]:
        """The races that ended since the last call (their standings final), to keep."""
        over, self._over = self._over, []
        return over

    def take_outbox(self) -> Sequence[tuple[str | None, Outgoing]]:
        """The messages to deliver since the last call: ``(member id or None for all, message)``."""
        out = self._outbox
        if not out:
            return ()  # the usual answer, after a key or a quiet tick: nothing made
        self._outbox = []
        return out

    def _send(self, to: str | None, type_: str, data: dict[str, Any]) -> None:
        self._outbox.append((to, Outgoing(type_, data)))

    def _move(self, state: RoomState) -> None:
        if state not in TRANSITIONS[self.state]:
            raise AssertionError(f"room {self.code}: no transition {self.state} -> {state}")
        self.state = state

    # -- membership ----------------------------------------------------------

    def join(self, name: str, now: float, *, watch: bool = False) -> Member:
        """Add a member; during a race (or with ``watch``) a spectator.

        Raises:
            RoomError: ``BAD_NAME``, ``NAME_TAKEN`` or ``ROOM_FULL``.
        """
        self._advance(now, sweep=True)
        name = clean_name(name)
        if len(self.members) >= self.config.max_players:
            raise RoomError(
                ErrorCode.ROOM_FULL,
                f"Room {self.code} is full ({self.config.max_players} players); "
                "ask its host to start another room.",
            )
        folded = name.casefold()
        if any(m.name.casefold() == folded for m in self.members.values()):
            raise RoomError(
                ErrorCode.NAME_TAKEN,
                f"Someone in room {self.code} is already called {name!r}; choose another name.",
            )
        self._next_slot += 1
        member = Member(f"p{self._next_slot}", name, self._next_slot, self._new_token(), watch)
        self.members[member.id] = member
        if self.host_id is None:
            self.host_id = member.id
        self._welcome(member, now, resumed=False)
        return member

    def resume(self, token: str, now: float) -> Member:
        """The member holding ``token`` is back on a new link.

        Raises:
            RoomError: ``RESUME_EXPIRED`` when no member holds this token (any more).
        """
        self._advance(now, sweep=True)
        member = next(
            (m for m in self.members.values() if hmac.compare_digest(m.token, token)), None
        )
        if member is None:
            raise RoomError(
                ErrorCode.RESUME_EXPIRED,
                f"Nobody in room {self.code} holds this token any more (the grace period "
                "is over, or you left); join the room again.",
            )
        member.connected = True
        member.dropped_at = None
        member.resumed_at = now
        self._welcome(member, now, resumed=True)
        return member

    def _welcome(self, member: Member, now: float, *, resumed: bool) -> None:
        """Tell the member they are in, everyone who is in, and the member what is on."""
        self._send(
            member.id,
            ROOM_JOINED,
            {"code": self.code, "playerId": member.id, "token": member.token, "resumed": resumed},
        )
        self._room_state()
        self._catch_up(member, now)

    def disconnect(self, member_id: str, now: float) -> None:
        """The member's link dropped: they keep their place for the grace period."""
        self._advance(now)
        member = self.members.get(member_id)
        if member is None or not member.connected:
            return
        member.connected = False
        member.dropped_at = now
        self._sweep_at = min(self._sweep_at, now + self.config.resume_grace_s)
        self._changed()
        self._room_state()

    def leave(self, member_id: str, now: float) -> None:
        """The member leaves for good (DNF if racing)."""
        self._advance(now)
        member = self.members.get(member_id)
        if member is None:
            return
        self._send(member_id, ROOM_LEFT, {"code": self.code})
        self._remove(member, now)

    def _remove(self, member: Member, now: float) -> None:
        del self.members[member.id]
        race = self.race
        if race is not None and member.id in race.racers:
            if self.state is RoomState.COUNTDOWN:
                del race.racers[member.id]
            else:
                self._dnf(race.racers[member.id])
        if self.host_id == member.id:
            # The next by order of joining, preferring someone still connected.
            rest = sorted(self.members.values(), key=lambda m: (not m.connected, m.slot))
            self.host_id = rest[0].id if rest else None
        self._room_state()
        if self.state is RoomState.COUNTDOWN and race is not None and not race.racers:
            self._move(RoomState.LOBBY)  # everyone who was to race left
            self.race = None
            self._room_state()
        self._check_race_over(now)
        self._maybe_autostart(now)

    def set_ready(self, member_id: str, ready: bool, now: float) -> None:
        """A member is ready (or not) for the next race; everyone ready starts it."""
        self._advance(now)
        member = self._member(member_id)
        if self.state is not RoomState.LOBBY:
            raise RoomError(
                ErrorCode.BAD_STATE,
                f"Ready applies in the lobby; room {self.code} is {self.state.value}.",
            )
        if member.ready != ready:
            member.ready = ready
            self._room_state()
        else:
            self._send(member.id, ROOM_STATE, self.state_data())  # an answer all the same
        self._maybe_autostart(now)

    def _member(self, member_id: str) -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise RoomError(ErrorCode.NOT_IN_ROOM, f"You are not in room {self.code}.")
        return member

    def _lobby_racers(self) -> list[Member]:
        return sorted(
            (m for m in self.members.values() if not m.watch_only and m.connected),
            key=lambda m: m.slot,
        )

    def _maybe_autostart(self, now: float) -> None:
        if self.state is not RoomState.LOBBY:
            return
        racers = self._lobby_racers()
        if len(racers) >= self.config.auto_start_min and all(m.ready for m in racers):
            self._countdown(racers, now)

    # -- the race ------------------------------------------------------------

    def start(self, member_id: str, now: float) -> None:
        """The host starts the race: the countdown begins.

        Raises:
            RoomError: ``NOT_HOST``, ``BAD_STATE`` (not in the lobby, or nobody to race).
        """
        self._host_in(
            member_id, RoomState.LOBBY, "starts the race", "A race starts from the lobby", now
        )
        racers = self._lobby_racers()
        if not racers:
            raise RoomError(ErrorCode.BAD_STATE, "Nobody in the room is there to race.")
        self._countdown(racers, now)

    def _host_in(self, member_id: str, state: RoomState, does: str, rule: str, now: float) -> None:
        """Check that the host asks, in ``state``; time is brought up to ``now`` first."""
        self._advance(now)
        self._member(member_id)
        if member_id != self.host_id:
            raise RoomError(ErrorCode.NOT_HOST, f"Only the host {does}.")
        if self.state is not state:
            raise RoomError(ErrorCode.BAD_STATE, f"{rule}; room {self.code} is {self.state.value}.")

    def _countdown(self, members: list[Member], now: float) -> None:
        made = self._make_text()
        self._races += 1
        starts_at = now + self.config.countdown_s
        racers = {
            m.id: Racer(m, TypingSession(made.config, made.text), last_input_at=starts_at)
            for m in members
        }
        self.race = Race(self._races, made, starts_at, racers, word_offsets(made.text))
        self._sweep_at = min(self._sweep_at, starts_at + self.config.idle_mark_s)
        self._move(RoomState.COUNTDOWN)
        self._room_state()
        self._send(None, RACE_COUNTDOWN, countdown_data(self.race, now))

    def rematch(self, member_id: str, now: float) -> None:
        """The host takes the room from the results back to the lobby for another race."""
        self._host_in(
            member_id,
            RoomState.RESULTS,
            "calls a rematch",
            "A rematch follows a race's results",
            now,
        )
        for member in self.members.values():
            member.ready = False
        self._move(RoomState.LOBBY)
        self._room_state()

    def expired(self, now: float) -> bool:
        """Should the room be closed? When nobody is in it: everyone left, or their links
        dropped and the grace period passed."""
        self._advance(now, sweep=True)
        return not self.members

    # -- state for members ---------------------------------------------------

    def role(self, member: Member) -> str:
        """``racer`` or ``spectator`` (in the race now, or to race the next one)."""
        race = self.race
        if member.watch_only:
            return "spectator"
        if race is not None and self.state in RACE_ON:
            return "racer" if member.id in race.racers else "spectator"
        return "racer"

    def _room_state(self) -> None:
        self._send(None, ROOM_STATE, self.state_data())

    def state_data(self) -> dict[str, Any]:
        """``ROOM_STATE``: the room as everyone in it sees it."""
        cfg = self.config
        return {
            "code": self.code,
            "state": self.state.value,
            "hostId": self.host_id,
            "raceId": None if self.race is None else self.race.id,
            "options": self.options,
            "maxPlayers": cfg.max_players,
            "countdownS": cfg.countdown_s,
            "finishDeadlineS": cfg.finish_deadline_s,
            "players": [
                {
                    "id": m.id,
                    "name": m.name,
                    "role": self.role(m),
                    "ready": m.ready,
                    "connected": m.connected,
                }
                for m in sorted(self.members.values(), key=lambda m: m.slot)
            ],
        }

    def _catch_up(self, member: Member, now: float) -> None:
        """Bring a member who (re)joins during or after a race up to date."""
        race = self.race
        if race is None:
            return
        if self.state in RACE_ON:
            self._send(member.id, RACE_COUNTDOWN, countdown_data(race, now))
            racer = race.racers.get(member.id)
            if racer is not None:
                self._metrics(race, racer)
            race.changed = True  # the next tick shows everyone, the newcomer included
        elif self.state is RoomState.RESULTS and race.standings is not None:
            racer = race.racers.get(member.id)
            if racer is not None and racer.result is not None:
                self._send(member.id, RACE_RESULT, racer.result)  # it may have been missed
            self._send(member.id, RACE_STANDINGS, standings_data(race))

    def __repr__(self) -> str:
        return f"Room({self.code!r}, {self.state.value}, {len(self.members)} members)"
