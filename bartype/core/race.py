"""Race standings, official times and cheat flags: pure functions of what each racer did.

A race is won by finish time, measured from the start signal. The time that
counts is the racer's own (the client time of their finishing keystroke,
TypeRacer's "unlagged" time), so a slow link does not change the standings.
It is checked against what the server saw: a finishing key that reached the
server much later than it claims to have been typed means the times were
compressed, and then the server's own time counts instead, and the result is
flagged.

Ordering (``ranked``):

1. finishers, by official time (whole milliseconds), then higher accuracy;
2. everyone else (still racing, or DNF), by progress (characters reached),
   then higher accuracy;
3. any remaining tie by the order the racers joined the room (``slot``), a
   rule no latency can influence.

Places are 1, 2, 3, ... without gaps or shared places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from bartype.core.normalize import split_words
from bartype.core.records import frozen
from bartype.core.session import (
    MIN_RESULT_DURATION_S,
    Result,
    SessionConfig,
    config_for,
    text_options,
)

LANE_MIN_TYPING_MS = MIN_RESULT_DURATION_S * 1000
"""A lane shows no WPM until its racer has typed this long (first key to latest).
Over a few keys read at once (a paste, a burst a terminal delivers together) the
rate is thousands of WPM and means nothing; a final figure over less is "too short"."""

FLAG_PASTED = "pasted input"
FLAG_BURST = "inhuman burst"
FLAG_TIME = "claimed time shorter than the server saw"
NOT_FINISHED = "did not finish"
"""Why a DNF racer's result (what they typed) is kept but invalid."""


@frozen
class CheatRules:
    """Thresholds of the cheat flags. A flag marks a result; it never removes a racer."""

    paste_chars: int = 12
    """This many characters with one and the same time were pasted, not typed
    (a composed character or a burst caught in one terminal read is a few)."""
    burst_chars: int = 20
    burst_min_ms: float = 400.0
    """``burst_chars`` characters within less than this (over 600 WPM) are not human."""
    short_text_chars: int = 6
    """Input shorter than ``paste_chars`` or ``burst_chars`` (a short text) is judged over
    all of it, from this many characters: a short text pasted or typed by a program is
    caught too, where a person's fastest roll over a few keys is not."""
    lag_tolerance_ms: float = 2000.0
    """A finishing key may reach the server this much later than it claims to have
    been typed (one-way latency, batching, clock error) before its time is refused."""


@frozen
class TimeCheck:
    """The official time of a finisher and whether the claimed one was refused."""

    official_ms: float
    flagged: bool


def official_time(claimed_ms: float, observed_ms: float | None, tolerance_ms: float) -> TimeCheck:
    """The time that counts for a finisher.

    Args:
        claimed_ms: the client time of the finishing keystroke, ms since the start signal.
        observed_ms: when the server received it, ms since the start signal on the
            server's clock; ``None`` when the key came in a batch resent after a
            reconnection (its arrival then says nothing about when it was typed).
        tolerance_ms: how much later than claimed a key may arrive.

    Returns:
        The claimed time, unless it is more than ``tolerance_ms`` shorter than
        the observed one: then the observed time, flagged.
    """
    if observed_ms is not None and claimed_ms < observed_ms - tolerance_ms:
        return TimeCheck(observed_ms, True)
    return TimeCheck(claimed_ms, False)


def pasted(char_times: Sequence[float], run: int, least: int | None = None) -> bool:
    """Were at least ``run`` characters entered at one and the same time? (Fewer than
    ``run`` in all, but at least ``least``: were they all?)"""
    if least is not None and least <= len(char_times) < run:
        run = len(char_times)
    same = 0
    previous: float | None = None
    for t in char_times:
        same = same + 1 if t == previous else 1
        if same >= run:
            return True
        previous = t
    return False


def inhuman_burst(
    char_times: Sequence[float], chars: int, min_ms: float, least: int | None = None
) -> bool:
    """Did any ``chars`` consecutive characters span less than ``min_ms``?

    Fewer than ``chars`` characters in all (but at least ``least``) are held to
    the same rate over all of them: their span must not be under ``min_ms``
    scaled to their intervals. Runs entered at a single instant are
    ``pasted``'s business; they are skipped here so that one paste does not
    raise two flags.
    """
    window = min(chars, len(char_times))
    if window < chars and (least is None or window < least):
        return False
    limit = min_ms * (window - 1) / (chars - 1)
    for i in range(window - 1, len(char_times)):
        first, last = char_times[i - window + 1], char_times[i]
        if first != last and last - first < limit:
            return True
    return False


def cheat_flags(
    char_times: Sequence[float], rules: CheatRules, time_flagged: bool = False
) -> tuple[str, ...]:
    """The flags a racer's input earns, in a fixed order."""
    flags = []
    short = rules.short_text_chars
    if pasted(char_times, rules.paste_chars, short):
        flags.append(FLAG_PASTED)
    if inhuman_burst(char_times, rules.burst_chars, rules.burst_min_ms, short):
        flags.append(FLAG_BURST)
    if time_flagged:
        flags.append(FLAG_TIME)
    return tuple(flags)


@frozen
class RacePlace:
    """Where a result was typed in a race: the room's code, the race's number in that
    room, and the final place among how many racers."""

    room: str
    race_id: int
    place: int
    racers: int

    @property
    def ghost(self) -> bool:
        """Raced against a ghost of one's own (``GHOST_ROOM``), not in a room of people."""
        return self.room == GHOST_ROOM


GHOST_ROOM = "ghost"
"""The room a race against a ghost is kept under: never a room's code (codes are upper
case, without O). Filed under the recording's test, it counts for that test's personal
best as a solo result would: the racer typed the test alone, the ghost was only a lane."""


def race_config(mode: str, text: str) -> SessionConfig:
    """How a race's text is typed (the server's rules, and a racer's replay of their keys):
    to its end, whatever the room's mode."""
    return config_for(mode, word_count=len(split_words(text)))


def history_labels(mode: str, room_options: Mapping[str, Any]) -> tuple[str | None, str]:
    """``(language, text options)`` a race result is kept under, from the room's options
    (``ROOM_STATE.options``): only generated words have a language and text options."""
    if mode not in ("time", "words"):
        return None, ""
    options = text_options(
        mode, bool(room_options.get("punctuation")), bool(room_options.get("numbers"))
    )
    language = room_options.get("language")
    return (language if isinstance(language, str) else None), options


def kept_result(result: Result, flags: Sequence[str], finished: bool) -> Result:
    """A racer's result as history keeps it: the race's flags, and not finishing, are
    reasons it is invalid, so that it is never a personal best (a clean finish counts
    like any result of its test: the same engine, timed from the first key)."""
    reasons = [*result.invalid_reasons]
    for reason in (*flags, *(() if finished else (NOT_FINISHED,))):
        if reason not in reasons:
            reasons.append(reason)
    return dataclasses.replace(result, invalid_reasons=tuple(reasons))


def ordinal(place: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st."""
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"


class RacerStanding(NamedTuple):
    """What a racer achieved, as the standings need it (a tuple: a tick makes one for every
    racer who typed since the last, in every room)."""

    id: str
    slot: int
    """Order of joining the room: the last tie-break."""
    finished: bool
    time_ms: float | None
    """Official time of a finisher (``official_time``); ``None`` otherwise."""
    position: int
    """Characters of the text reached (the caret's place)."""
    wpm: float
    accuracy: float
    flags: tuple[str, ...] = ()


def lane_wpm(wpm: float, typing_ms: float) -> float:
    """The WPM a lane shows: the live figure (the racer's own key times, from their first
    key, as the final one), once they have typed for ``LANE_MIN_TYPING_MS``; 0 before."""
    return wpm if typing_ms >= LANE_MIN_TYPING_MS else 0.0


def rank_key(racer: RacerStanding) -> tuple[int, float, float, int]:
    """The sort key of the module docstring's ordering."""
    if racer.finished and racer.time_ms is not None:
        return (0, float(round(racer.time_ms)), -racer.accuracy, racer.slot)
    return (1, -float(racer.position), -racer.accuracy, racer.slot)


def ranked(racers: Iterable[RacerStanding]) -> list[tuple[int, RacerStanding]]:
    """``(place, racer)`` pairs, best first; places are 1, 2, 3, ..."""
    ordered = sorted(racers, key=rank_key)
    return [(place, racer) for place, racer in enumerate(ordered, start=1)]
