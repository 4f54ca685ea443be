"""Rooms and races: a sans-I/O state machine per room, and the registry of rooms.

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

``_TRANSITIONS`` lists the same edges; ``_move`` refuses any other.

Each racer's keystrokes are replayed by ``TypingSession``, exactly as a solo
test: the same figures. Key times are the racer's milliseconds since the
start signal (``startsAt``, which every client renders against the server's
clock); the finish time that counts is the racer's own, checked against the
server's (``bartype.core.race``).

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
import random
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.normalize import split_words
from bartype.core.race import (
    CheatRules,
    RacerStanding,
    cheat_flags,
    lane_wpm,
    official_time,
    ranked,
)
from bartype.core.session import SessionConfig, TypingSession
from bartype.protocol.messages import (
    MAX_ROOM_PLAYERS,
    RACE_COUNTDOWN,
    RACE_METRICS,
    RACE_PROGRESS,
    RACE_RESULT,
    RACE_STANDINGS,
    RACE_STARTED,
    RACER_FINISHED,
    ROOM_JOINED,
    ROOM_LEFT,
    ROOM_STATE,
    ErrorCode,
    Outgoing,
    ProtocolError,
)
from bartype.protocol.views import analysis_to_json, live_metrics_to_json, metrics_to_json

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ"
"""Room code letters: upper case without I, L, O (one, ell, zero), U and V (alike)."""
CODE_LENGTH = 4
MAX_CODE_LENGTH = 6
MAX_PLAYER_NAME = 20


class RoomState(Enum):
    """Life cycle of a room; see the module docstring."""

    LOBBY = "lobby"
    COUNTDOWN = "countdown"
    RACING = "racing"
    FINISHING = "finishing"
    RESULTS = "results"


_RACE_ON = (RoomState.COUNTDOWN, RoomState.RACING, RoomState.FINISHING)
_TRANSITIONS = {
    RoomState.LOBBY: {RoomState.COUNTDOWN},
    RoomState.COUNTDOWN: {RoomState.RACING, RoomState.LOBBY},
    RoomState.RACING: {RoomState.FINISHING, RoomState.RESULTS},
    RoomState.FINISHING: {RoomState.RESULTS},
    RoomState.RESULTS: {RoomState.LOBBY},
}


class RacerStatus(Enum):
    """Where a racer is in the race."""

    RACING = "racing"
    FINISHED = "finished"
    DNF = "dnf"


class RoomError(ProtocolError):
    """A room message that cannot be accepted; ``extra`` goes into the ``ERROR`` data."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message)
        self.extra = extra


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """The rules of a room. Defaults are the documented ones (docs/protocol.md)."""

    max_players: int = MAX_ROOM_PLAYERS
    """Members of every kind, spectators included."""
    countdown_s: float = 3.0
    finish_deadline_s: float = 30.0
    """After the first finisher, the others have this long."""
    progress_interval_s: float = 0.1
    """``RACE_PROGRESS`` at most this often, and only when something changed."""
    resume_grace_s: float = 30.0
    idle_mark_s: float = 15.0
    idle_dnf_s: float = 60.0
    auto_start_min: int = 2
    """Everyone ready starts the race, with at least this many racers."""
    future_tolerance_ms: float = 1500.0
    """A key time later than the server's time since the start plus this is refused."""
    resend_window_s: float = 5.0
    """Batches arriving this soon after a resume may be resent ones: their arrival
    time is not held against their key times."""
    cheat: CheatRules = field(default_factory=CheatRules)


@dataclass(frozen=True, slots=True)
class RaceText:
    """What a race is typed on: the text and the session rules for it."""

    text: str
    config: SessionConfig
    mode: str
    mode2: str = ""
    text_id: str | None = None


# -- names and codes ---------------------------------------------------------

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_name(raw: str) -> str:
    """A player name fit to show anywhere, or ``RoomError(BAD_NAME)``.

    NFC-normalised and trimmed; 1 to ``MAX_PLAYER_NAME`` characters; no control
    or format characters (escape sequences, bidirectional overrides, zero-width
    characters), no line breaks or tabs. Anything else is kept as typed:
    ``[red]x[/]`` is a name, shown literally, never markup.
    """
    name = unicodedata.normalize("NFC", raw).strip(" ")
    bad = next(
        (
            ch
            for ch in name
            if unicodedata.category(ch) in _REFUSED_CATEGORIES or (ch.isspace() and ch != " ")
        ),
        None,
    )
    if bad is not None:
        raise RoomError(
            ErrorCode.BAD_NAME,
            f"A name cannot contain the character U+{ord(bad):04X}; use letters, digits, "
            "punctuation and spaces.",
        )
    if not name or len(name) > MAX_PLAYER_NAME:
        raise RoomError(ErrorCode.BAD_NAME, f"A name has 1 to {MAX_PLAYER_NAME} characters.")
    return name


def new_code(rng: random.Random, length: int = CODE_LENGTH) -> str:
    """A room code of ``length`` letters from ``CODE_ALPHABET``."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str | None:
    """A code as typed (any case, spaces around) in its canonical form; ``None`` if malformed."""
    code = raw.strip().upper()
    if CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        return code
    return None


def _ms(seconds: float) -> int:
    """Server time as whole milliseconds, as on the wire."""
    return round(seconds * 1000)


# -- members and racers -------------------------------------------------------


@dataclass(eq=False, slots=True)
class Member:
    """Someone in the room."""

    id: str
    name: str
    slot: int
    token: str
    watch_only: bool = False
    ready: bool = False
    connected: bool = True
    dropped_at: float | None = None
    resumed_at: float | None = None


@dataclass(eq=False, slots=True)
class Racer:
    """One member's run in one race."""

    member: Member
    session: TypingSession
    last_input_at: float
    status: RacerStatus = RacerStatus.RACING
    idle: bool = False
    acked: int = 0
    last_t: float | None = None
    time_ms: float | None = None
    flags: tuple[str, ...] = ()
    result: dict[str, Any] | None = None
    """``RACE_RESULT`` once the racer's race is over (sent again on resuming)."""
    standing: RacerStanding | None = None
    """As of the last change: the tick recomputes only the racers who typed."""
    live: tuple[float, float] | None = None
    """Live ``(wpm, accuracy)`` as of the racer's last batch (its ``RACE_METRICS``'), so that
    the tick does not work them out again."""


@dataclass(eq=False, slots=True)
class Race:
    """One race of a room: the text, the start, the racers."""

    id: int
    text: RaceText
    starts_at: float
    racers: dict[str, Racer]
    offsets: list[int]
    """Index in the text where each word starts: a racer's position in O(1)."""
    deadline_at: float | None = None
    tick: int = 0
    changed: bool = True
    progress_slot: int = -(2**63)
    standings: list[dict[str, Any]] | None = None

    @property
    def length(self) -> int:
        return len(self.text.text)


def _word_offsets(text: str) -> list[int]:
    offsets = [0]
    for word in split_words(text):
        offsets.append(offsets[-1] + len(word))
    return offsets


# -- the room ----------------------------------------------------------------


class Room:
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
        """No lost link nor idle racer is due before this: until then a sweep finds nothing.
        Anything that brings a deadline earlier lowers it."""

    # -- output --------------------------------------------------------------

    @property
    def has_finished(self) -> bool:
        """Has a race ended since the last ``take_finished``?"""
        return bool(self._over)

    def take_finished(self) -> list[Race]:
        """The races that ended since the last call (their standings final), to keep."""
        over, self._over = self._over, []
        return over

    def take_outbox(self) -> list[tuple[str | None, Outgoing]]:
        """The messages to deliver since the last call: ``(member id or None for all, message)``."""
        out, self._outbox = self._outbox, []
        return out

    def _send(self, to: str | None, type_: str, data: dict[str, Any]) -> None:
        self._outbox.append((to, Outgoing(type_, data)))

    def _move(self, state: RoomState) -> None:
        if state not in _TRANSITIONS[self.state]:
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
        self.race = Race(self._races, made, starts_at, racers, _word_offsets(made.text))
        self._sweep_at = min(self._sweep_at, starts_at + self.config.idle_mark_s)
        self._move(RoomState.COUNTDOWN)
        self._room_state()
        self._send(None, RACE_COUNTDOWN, self._countdown_data(self.race, now))

    def _countdown_data(self, race: Race, now: float) -> dict[str, Any]:
        return {
            "raceId": race.id,
            "text": race.text.text,
            "mode": race.text.mode,
            "mode2": race.text.mode2,
            "textId": race.text.text_id,
            "startsAt": _ms(race.starts_at),
            "serverTime": _ms(now),
            "racers": list(race.racers),
        }

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

    def input(self, member_id: str, seq: int, keys: list[tuple[str, float]], now: float) -> None:
        """A racer's batch of keys ``(key, t)``, ``t`` in ms since the start signal.

        Numbered like ``INPUT_UPDATE``: ``seq`` = ack + 1 is applied, an older
        one is acknowledged again, a gap is refused.

        Raises:
            RoomError: ``NOT_RACING``, ``SEQ_GAP`` or ``BAD_TIMESTAMP`` (with ``ack``).
        """
        self._advance(now)
        self._member(member_id)
        race = self.race
        racer = race.racers.get(member_id) if race is not None else None
        if race is None or racer is None or self.state is RoomState.LOBBY:
            raise RoomError(
                ErrorCode.NOT_RACING,
                "You are not racing: a spectator races from the next race on.",
            )
        if self.state is RoomState.COUNTDOWN:
            # Not consumed: a client whose clock runs a little ahead resends it after the start.
            raise RoomError(
                ErrorCode.NOT_RACING,
                f"A false start: the race starts at {_ms(race.starts_at)} (server ms), "
                f"{_ms(race.starts_at - now)} ms from now. Send keys after it.",
                ack=racer.acked,
            )
        if seq <= racer.acked:
            self._metrics(race, racer)  # a resend: applied once already
            return
        if racer.status is not RacerStatus.RACING:
            raise RoomError(
                ErrorCode.NOT_RACING,
                f"Your race is over ({racer.status.value}); further keys are ignored.",
                ack=racer.acked,
            )
        if seq != racer.acked + 1:
            raise RoomError(
                ErrorCode.SEQ_GAP,
                f"Expected batch seq {racer.acked + 1}, got {seq}; resend every batch after ack.",
                ack=racer.acked,
            )
        horizon = (now - race.starts_at) * 1000 + self.config.future_tolerance_ms
        last = racer.last_t
        for _, t in keys:
            if (last is not None and t < last) or t > horizon:
                racer.acked = seq
                reason = (
                    "earlier than the previous key"
                    if t <= horizon
                    else "ahead of the server's clock (a false start?)"
                )
                raise RoomError(
                    ErrorCode.BAD_TIMESTAMP,
                    f"Batch {seq} rejected: key time {t:g} ms is {reason}. Times are ms since "
                    "the race's startsAt and must not decrease.",
                    ack=seq,
                    seq=seq,
                )
            last = t
        racer.acked = seq
        session = racer.session
        finished_at: float | None = None
        for key, t in keys:
            for stroke in keystrokes_from_key(key, t):
                if session.apply(stroke).finished:
                    finished_at = t
                    break
            if finished_at is not None or not session.state.is_open:
                break
        metrics = self._metrics(race, racer)
        if keys:
            racer.last_t = keys[-1][1]
            racer.last_input_at = now
            if racer.idle:
                racer.idle = False
                self._sweep_at = min(self._sweep_at, now + self.config.idle_mark_s)
            racer.standing = None
            racer.live = (metrics["wpm"], metrics["accuracy"])
            race.changed = True
        if finished_at is not None:
            member = racer.member
            resent = member.resumed_at is not None and (
                now - member.resumed_at <= self.config.resend_window_s
            )
            observed = None if resent else (now - race.starts_at) * 1000
            self._finish(race, racer, finished_at, observed, now)

    def _metrics(self, race: Race, racer: Racer) -> dict[str, Any]:
        """Send the racer their ``RACE_METRICS``; its live figures are returned."""
        metrics = live_metrics_to_json(racer.session)
        self._send(
            racer.member.id,
            RACE_METRICS,
            {
                "raceId": race.id,
                "ack": racer.acked,
                "analysis": analysis_to_json(racer.session.analyzer),
                "metrics": metrics,
            },
        )
        return metrics

    def _position(self, race: Race, racer: Racer) -> int:
        if racer.status is RacerStatus.FINISHED:
            return race.length
        analyzer = racer.session.analyzer
        i = analyzer.index
        return race.offsets[i] + min(len(analyzer.inputs[i]), len(analyzer.targets[i]))

    def _standing(self, race: Race, racer: Racer) -> RacerStanding:
        if racer.standing is not None:
            return racer.standing
        session = racer.session
        result = session.result
        finished = racer.status is RacerStatus.FINISHED
        if result is not None:
            wpm, accuracy = result.metrics.wpm, result.metrics.accuracy
        else:
            if racer.live is None:
                live = session.live()
                racer.live = (live.wpm, live.accuracy)
            wpm, accuracy = lane_wpm(racer.live[0], session.elapsed_ms), racer.live[1]
        racer.standing = RacerStanding(
            id=racer.member.id,
            slot=racer.member.slot,
            finished=finished,
            time_ms=racer.time_ms if finished else None,
            position=self._position(race, racer),
            wpm=wpm,
            accuracy=accuracy,
            flags=racer.flags,
        )
        return racer.standing

    def _places(self, race: Race) -> dict[str, tuple[int, RacerStanding]]:
        standings = (self._standing(race, racer) for racer in race.racers.values())
        return {s.id: (place, s) for place, s in ranked(standings)}

    def _char_times(self, racer: Racer) -> list[float]:
        return [t for name, t in racer.session.log.entries() if len(name) == 1]

    def _finish(
        self, race: Race, racer: Racer, claimed_ms: float, observed_ms: float | None, now: float
    ) -> None:
        rules = self.config.cheat
        check = official_time(claimed_ms, observed_ms, rules.lag_tolerance_ms)
        racer.status = RacerStatus.FINISHED
        racer.time_ms = round(check.official_ms, 1)
        racer.flags = cheat_flags(self._char_times(racer), rules, check.flagged)
        racer.standing = None
        race.changed = True
        if self.state is RoomState.RACING:
            race.deadline_at = now + self.config.finish_deadline_s
            self._move(RoomState.FINISHING)
            self._room_state()
        place, standing = self._places(race)[racer.member.id]
        self._send(
            None,
            RACER_FINISHED,
            {
                "raceId": race.id,
                "id": racer.member.id,
                "place": place,
                "timeMs": racer.time_ms,
                "wpm": standing.wpm,
                "accuracy": standing.accuracy,
                "flags": list(racer.flags),
                "deadlineAt": None if race.deadline_at is None else _ms(race.deadline_at),
            },
        )
        self._send_result(race, racer, place)
        self._check_race_over(now)

    def _send_result(self, race: Race, racer: Racer, place: int) -> None:
        """The racer's own full figures, once their race is over."""
        if racer.result is not None:
            return
        result = racer.session.result
        racer.result = {
            "raceId": race.id,
            "status": racer.status.value,
            "place": place,
            "timeMs": racer.time_ms,
            "metrics": None if result is None else metrics_to_json(result.metrics),
            "flags": list(racer.flags),
        }
        self._send(racer.member.id, RACE_RESULT, racer.result)

    def _dnf(self, racer: Racer) -> None:
        if racer.status is not RacerStatus.RACING:
            return
        racer.status = RacerStatus.DNF
        racer.session.end()
        racer.flags = cheat_flags(self._char_times(racer), self.config.cheat)
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
        places = self._places(race)
        standings = []
        for place, standing in sorted(places.values(), key=lambda p: p[0]):
            racer = race.racers[standing.id]
            standings.append(
                {
                    "place": place,
                    "id": standing.id,
                    "name": racer.member.name,
                    "status": racer.status.value,
                    "timeMs": standing.time_ms,
                    "wpm": standing.wpm,
                    "accuracy": standing.accuracy,
                    "position": standing.position,
                    "flags": list(standing.flags),
                }
            )
        race.standings = standings
        for racer in race.racers.values():
            place = places[racer.member.id][0]
            if racer.result is not None:
                # Final now, for a member who resumes (a copy: the one sent is not changed).
                racer.result = {**racer.result, "place": place}
            elif racer.member.id in self.members:
                self._send_result(race, racer, place)
        self._send(None, RACE_STANDINGS, self._standings_data(race))
        self._room_state()
        self._over.append(race)

    def _standings_data(self, race: Race) -> dict[str, Any]:
        return {"raceId": race.id, "length": race.length, "standings": race.standings}

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
            race.changed = False
            race.progress_slot = slot
            race.tick += 1
            self._send(None, RACE_PROGRESS, self._progress_data(race, now))

    def _progress_data(self, race: Race, now: float) -> dict[str, Any]:
        places = self._places(race)
        racers = []
        for racer_id, racer in race.racers.items():
            place, standing = places[racer_id]
            member = racer.member
            racers.append(
                {
                    "id": racer_id,
                    "position": standing.position,
                    "wpm": standing.wpm,
                    "accuracy": standing.accuracy,
                    "place": place,
                    "status": "idle"
                    if racer.idle and racer.status is RacerStatus.RACING
                    else racer.status.value,
                    "connected": member.connected and member.id in self.members,
                }
            )
        return {
            "raceId": race.id,
            "tick": race.tick,
            "elapsedMs": _ms(now - race.starts_at),
            "length": race.length,
            "racers": racers,
        }

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
        if self.state is RoomState.COUNTDOWN and now >= race.starts_at:
            self._move(RoomState.RACING)
            race.changed = True
            self._send(None, RACE_STARTED, {"raceId": race.id, "startedAt": _ms(race.starts_at)})
            self._room_state()
        if self.state not in (RoomState.RACING, RoomState.FINISHING):
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
        if race is not None and self.state in _RACE_ON:
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
        if self.state in _RACE_ON:
            self._send(member.id, RACE_COUNTDOWN, self._countdown_data(race, now))
            racer = race.racers.get(member.id)
            if racer is not None:
                self._metrics(race, racer)
            race.changed = True  # the next tick shows everyone, the newcomer included
        elif self.state is RoomState.RESULTS and race.standings is not None:
            racer = race.racers.get(member.id)
            if racer is not None and racer.result is not None:
                self._send(member.id, RACE_RESULT, racer.result)  # it may have been missed
            self._send(member.id, RACE_STANDINGS, self._standings_data(race))

    def __repr__(self) -> str:
        return f"Room({self.code!r}, {self.state.value}, {len(self.members)} members)"


# -- the registry --------------------------------------------------------------

Deliver = Callable[[Outgoing], None]
"""Hands one message to one member's connection."""


class RoomRegistry(Protocol):
    """Rooms by code, and fan-out of their messages to their members.

    One process keeps them in memory (``InMemoryRooms``); a server spanning
    machines would back this with a shared store and pub/sub (Redis), each
    process delivering to the members connected to it.
    """

    def new_code(self) -> str:
        """A code no open room uses."""
        ...

    def add(self, room: Room) -> None: ...

    def get(self, code: str) -> Room | None: ...

    def remove(self, code: str) -> None: ...

    def rooms(self) -> Iterator[Room]: ...

    def subscribe(self, code: str, member_id: str, deliver: Deliver) -> None:
        """Deliver the room's messages for ``member_id`` with ``deliver`` (replacing any)."""
        ...

    def unsubscribe(self, code: str, member_id: str) -> None: ...

    def publish(self, code: str, message: Outgoing, to: str | None = None) -> None:
        """Deliver ``message`` to one member (``to``) or to every subscribed member."""
        ...


class InMemoryRooms:
    """``RoomRegistry`` for one process."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._rooms: dict[str, Room] = {}
        self._subscribers: dict[str, dict[str, Deliver]] = {}

    def new_code(self) -> str:
        length = CODE_LENGTH
        tries = 0
        while True:
            code = new_code(self._rng, length)
            if code not in self._rooms:
                return code
            tries += 1
            if tries % 20 == 0 and length < MAX_CODE_LENGTH:
                length += 1  # crowded: longer codes

    def add(self, room: Room) -> None:
        if room.code in self._rooms:
            raise ValueError(f"room {room.code} exists")
        self._rooms[room.code] = room
        self._subscribers[room.code] = {}

    def get(self, code: str) -> Room | None:
        return self._rooms.get(code)

    def remove(self, code: str) -> None:
        self._rooms.pop(code, None)
        self._subscribers.pop(code, None)

    def rooms(self) -> Iterator[Room]:
        return iter(list(self._rooms.values()))

    def subscribe(self, code: str, member_id: str, deliver: Deliver) -> None:
        self._subscribers[code][member_id] = deliver

    def unsubscribe(self, code: str, member_id: str) -> None:
        subscribers = self._subscribers.get(code)
        if subscribers is not None:
            subscribers.pop(member_id, None)

    def publish(self, code: str, message: Outgoing, to: str | None = None) -> None:
        subscribers = self._subscribers.get(code, {})
        if to is not None:
            deliver = subscribers.get(to)
            if deliver is not None:
                deliver(message)
            return
        for deliver in list(subscribers.values()):
            deliver(message)

    def __len__(self) -> int:
        return len(self._rooms)
