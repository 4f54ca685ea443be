"""A race and its racers: who is in it, the keys they typed, and where each one stands.

Each racer's keystrokes are replayed by ``TypingSession``, exactly as a solo
test: the same figures. Key times are the racer's milliseconds since the
start signal (``startsAt``); ``take_keys`` checks a batch against the racer's
numbering and the server's clock before any key is applied. A racer's
standing (``RacerStanding``, ordered by ``bartype.core.race.ranked``) is kept
until they type again, so a tick recomputes only the racers who typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any, Final

from bartype.core.keystrokes import keystrokes_from_key, plain_keystroke
from bartype.core.metrics import LiveMetrics
from bartype.core.normalize import split_words
from bartype.core.race import RacerStanding, lane_wpm, rank_key
from bartype.core.session import TypingSession
from bartype.protocol.messages import ErrorCode
from bartype.protocol.room_rules import RaceText, RoomError, wire_ms


class RacerStatus(Enum):
    """Where a racer is in the race."""

    RACING = "racing"
    FINISHED = "finished"
    DNF = "dnf"


# Python 3.11 reads a member off its Enum class through ``EnumType.__getattr__``, some ten
# times a module global's cost: the paths every key takes compare with these.
RACING: Final = RacerStatus.RACING
FINISHED: Final = RacerStatus.FINISHED


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
    rank: tuple[int, float, float, int] = (1, 0.0, 0.0, 0)
    """``rank_key(standing)``, made with it (the tick sorts by it)."""
    lane: tuple[RacerStanding, str] | None = None
    """The JSON of the racer's lane up to its place, and the standing it shows (made again
    only when that changes: a finished racer's lane is made once)."""
    lane_figures: tuple[float, float, int] | None = None
    """The lane's ``(wpm, accuracy, position)`` as of the racer's last batch (from its
    ``RACE_METRICS``' figures, made while the session is at hand): the tick reads them."""


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


def word_offsets(text: str) -> list[int]:
    offsets = [0]
    for word in split_words(text):
        offsets.append(offsets[-1] + len(word))
    return offsets


def take_keys(
    race: Race,
    racer: Racer,
    seq: int,
    keys: list[tuple[str, float]],
    now: float,
    future_tolerance_ms: float,
) -> float | None:
    """Apply the racer's batch ``seq`` of keys ``(key, t)``; the finishing key's time, if any.

    Numbered like ``INPUT_UPDATE``: ``seq`` = ack + 1 is applied, an older one
    must be acknowledged again by the caller (nothing is applied), a gap is
    refused. A key time must not decrease, nor be later than the server's time
    since the start plus ``future_tolerance_ms``.

    Raises:
        RoomError: ``NOT_RACING``, ``SEQ_GAP`` or ``BAD_TIMESTAMP`` (with ``ack``).
    """
    if racer.status is not RACING:
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
    horizon = (now - race.starts_at) * 1000 + future_tolerance_ms
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
    apply = session.apply
    for key, t in keys:
        stroke = plain_keystroke(key, t)
        if stroke is not None:  # one character: the common case
            if apply(stroke).finished:
                return t
        else:
            for stroke in keystrokes_from_key(key, t):
                if apply(stroke).finished:
                    return t
        if not session.state.is_open:
            break
    return None


def false_start(race: Race, racer: Racer, now: float) -> RoomError:
    """The error for keys sent during the countdown (not consumed: resent after the start)."""
    return RoomError(
        ErrorCode.NOT_RACING,
        f"A false start: the race starts at {wire_ms(race.starts_at)} (server ms), "
        f"{wire_ms(race.starts_at - now)} ms from now. Send keys after it.",
        ack=racer.acked,
    )


def position(race: Race, racer: Racer) -> int:
    """Characters of the text the racer has reached (the caret's place)."""
    if racer.status is FINISHED:
        return race.length
    inputs = racer.session.analyzer.inputs
    i = len(inputs) - 1  # the analyzer's index: the word in progress
    return race.offsets[i] + min(len(inputs[i]), len(racer.session.analyzer.targets[i]))


def typed(race: Race, racer: Racer, live: LiveMetrics) -> tuple[float, float, int]:
    """The racer typed (``live``: their figures now): their lane's figures, kept for the
    tick (their standing is made again from them)."""
    figures = racer.lane_figures = (
        lane_wpm(live.wpm, racer.session.elapsed_ms),
        live.accuracy,
        position(race, racer),
    )
    racer.standing = None
    return figures


def standing(race: Race, racer: Racer) -> RacerStanding:
    """The racer's standing, as of their last change (kept until the next)."""
    made = racer.standing
    if made is not None:
        return made
    result = racer.session.result
    finished = racer.status is RacerStatus.FINISHED
    if result is not None:  # finished or DNF: the final figures
        wpm, accuracy, at = result.metrics.wpm, result.metrics.accuracy, position(race, racer)
    else:
        figures = racer.lane_figures
        if figures is None:  # nothing typed yet
            figures = typed(race, racer, racer.session.live())
        wpm, accuracy, at = figures
    member = racer.member
    made = racer.standing = RacerStanding(
        member.id,
        member.slot,
        finished,
        racer.time_ms if finished else None,
        at,
        wpm,
        accuracy,
        racer.flags,
    )
    racer.rank = rank_key(made)
    return made


_RANK = attrgetter("rank")


def ordered(race: Race) -> list[Racer]:
    """The racers, best first (``bartype.core.race.ranked``'s order), their standings made."""
    racers = list(race.racers.values())
    for racer in racers:
        if racer.standing is None:
            standing(race, racer)
    racers.sort(key=_RANK)
    return racers


def places(race: Race) -> dict[str, tuple[int, RacerStanding]]:
    """Every racer's place and standing, by member id."""
    return {
        racer.member.id: (place, standing(race, racer))
        for place, racer in enumerate(ordered(race), start=1)
    }


def char_times(racer: Racer) -> list[float]:
    """The times of the racer's characters (not their editing keys), for the cheat flags."""
    return [t for name, t in racer.session.log.entries() if len(name) == 1]
