"""Progress over time, from stored results: trends, weak keys, slow bigrams, days practised.

``bartype stats`` and the History screen show what this computes. The input is
any sequence of results with the attributes of :class:`Sample` (the history's
``StoredResult`` has them); days are calendar days in the time zone passed in.

* **Trend.** Per mode and language, per day: the number of tests and the mean
  WPM, mean accuracy and best WPM of the *valid* ones (an invalid test is not a
  fair measure). Practice time counts every stored test.
* **Keys.** Replayed from the keystroke logs through the analyzer, as the tutor
  does (``bartype.core.tutor``): a key's time is the interval from the keystroke
  before it, over presses right the first time; a position first typed wrong is
  a miss for the key it should have been; intervals over ``PAUSE_MS`` are pauses
  and are dropped. The weakest keys have the most time per correct press
  (mean time divided by accuracy), so slow and error-prone keys both rank.
* **Bigrams.** Two letters typed right the first time, one after the other in a
  word: the second's interval, pauses dropped.
* **Totals add up.** What a result shows about its keys and bigrams is a
  :class:`KeyTotals` (``key_totals``): counts, and intervals summed as whole
  multiples of ``TIME_UNIT_MS``. Integer sums are exact in any order, so the
  history stores each result's totals once and ``progress`` given their sum
  (``keys=``) shows exactly what replaying every log shows.

Pure: no I/O and no clock (``today`` is passed in).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bartype.core.key_times import first_presses
from bartype.core.keystrokes import Keystroke
from bartype.core.records import frozen

__all__ = [
    "CalendarDay",
    "DayFigures",
    "KeyFigure",
    "KeyTotals",
    "Progress",
    "Sample",
    "Tally",
    "TrendLine",
    "average_of_last",
    "calendar",
    "key_totals",
    "local_date",
    "per_day",
    "progress",
    "tally_keys",
]

MIN_KEY_PRESSES = 10
"""A key needs this many presses (and half as many timed) before it can rank as weak."""
MIN_BIGRAMS = 3
"""A bigram needs this many timed occurrences before it can rank as slow."""
SHOWN = 10
"""Weakest keys and slowest bigrams kept."""
LEVELS = 4
"""Shades of a practised day in the calendar (0 is a day without practice)."""
TIME_UNIT_MS = 2.0**-26
"""Intervals are summed in whole multiples of this (about 15 ps, far below a printed
figure): integer sums are exact in any order and grouping, so totals stored per
result add up to the very figures a replay of every log gives."""


class Sample(Protocol):
    """What progress needs of a stored result."""

    @property
    def created_at(self) -> float: ...  # Unix time
    @property
    def mode(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def wpm(self) -> float: ...
    @property
    def accuracy(self) -> float: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def valid(self) -> bool: ...
    @property
    def text(self) -> str | None: ...
    @property
    def keystrokes(self) -> Sequence[Keystroke] | None: ...


def local_date(created_at: float, tz: dt.tzinfo | None) -> dt.date:
    """The calendar day of a Unix time in ``tz`` (``None``: the machine's local time)."""
    when = dt.datetime.fromtimestamp(created_at, dt.UTC)
    return (when.astimezone(tz) if tz is not None else when.astimezone()).date()


# --- keys and bigrams ----------------------------------------------------------


@dataclass
class Tally:
    """Presses of a key (or a bigram): right the first time, missed, and their timing."""

    hits: int = 0
    misses: int = 0
    time_units: int = 0
    """The timed presses' intervals, summed in ``TIME_UNIT_MS``."""
    timed: int = 0

    @property
    def presses(self) -> int:
        return self.hits + self.misses

    @property
    def accuracy(self) -> float:
        """Share of positions typed right the first time, 0 to 1."""
        return self.hits / self.presses if self.presses else 0.0

    @property
    def total_ms(self) -> float:
        return self.time_units * TIME_UNIT_MS

    @property
    def mean_ms(self) -> float | None:
        return self.total_ms / self.timed if self.timed else None

    def time(self, ms: float) -> None:
        self.time_units += round(ms / TIME_UNIT_MS)
        self.timed += 1


@dataclass
class KeyTotals:
    """Tallies per key and per bigram, for one result or any number added up."""

    keys: dict[str, Tally] = field(default_factory=dict)
    bigrams: dict[str, Tally] = field(default_factory=dict)


def key_totals(text: str, keys: Iterable[Keystroke]) -> KeyTotals:
    """What typing ``text`` with ``keys`` shows about each key and bigram (``tally_keys``)."""
    totals = KeyTotals()
    tally_keys(text, keys, totals.keys, totals.bigrams)
    return totals


def tally_keys(
    text: str, keys: Iterable[Keystroke], per_key: dict[str, Tally], per_bigram: dict[str, Tally]
) -> None:
    """Add what typing ``text`` with ``keys`` shows about each key and bigram."""
    try:
        presses = list(first_presses(text, keys))
    except ValueError:
        return  # an empty text: nothing was typed against it
    for press in presses:
        tally = per_key.setdefault(press.expected, Tally())
        if not press.hit:
            tally.misses += 1
            continue
        tally.hits += 1
        if press.interval_ms is not None:
            tally.time(press.interval_ms)
            if press.after is not None:
                per_bigram.setdefault(press.after + press.expected, Tally()).time(press.interval_ms)


@frozen
class KeyFigure:
    """A key or a bigram as shown: presses, accuracy (percent) and mean time per press."""

    key: str
    presses: int
    accuracy: float
    mean_ms: float

    @property
    def cpm(self) -> float:
        """Characters per minute at this key's mean time."""
        return 60_000.0 / self.mean_ms if self.mean_ms > 0 else 0.0


def _weakest_keys(per_key: Mapping[str, Tally]) -> list[KeyFigure]:
    ranked = [
        (mean / max(t.accuracy, 0.01), KeyFigure(k, t.presses, 100.0 * t.accuracy, mean))
        for k, t in per_key.items()
        if t.presses >= MIN_KEY_PRESSES
        and t.timed * 2 >= MIN_KEY_PRESSES
        and (mean := t.mean_ms) is not None
    ]
    ranked.sort(key=lambda pair: (-pair[0], pair[1].key))
    return [figure for _, figure in ranked[:SHOWN]]


def _slowest_bigrams(per_bigram: Mapping[str, Tally]) -> list[KeyFigure]:
    figures = [
        KeyFigure(b, t.timed, 100.0, mean)
        for b, t in per_bigram.items()
        if t.timed >= MIN_BIGRAMS and (mean := t.mean_ms) is not None
    ]
    figures.sort(key=lambda f: (-f.mean_ms, f.key))
    return figures[:SHOWN]


# --- trends and days -------------------------------------------------------------


@frozen
class DayFigures:
    """One day of one kind of test: valid tests, their mean WPM and accuracy, the best."""

    day: dt.date
    tests: int
    wpm: float
    accuracy: float
    best_wpm: float


@frozen
class TrendLine:
    """WPM and accuracy day by day for one mode and language, oldest day first."""

    mode: str
    language: str | None
    days: tuple[DayFigures, ...]

    @property
    def tests(self) -> int:
        return sum(d.tests for d in self.days)

    @property
    def best_wpm(self) -> float:
        return max(d.best_wpm for d in self.days)


@frozen
class CalendarDay:
    """A day of the practice calendar: seconds typed, tests, and its shade (0 to ``LEVELS``)."""

    day: dt.date
    seconds: float
    tests: int
    level: int


@dataclass(frozen=True)
class Progress:
    """Everything ``bartype stats`` shows, for the results it was given."""

    tests: int
    valid_tests: int
    seconds: float
    first_day: dt.date | None
    last_day: dt.date | None
    trends: tuple[TrendLine, ...]
    weakest_keys: tuple[KeyFigure, ...]
    slowest_bigrams: tuple[KeyFigure, ...]
    days: Mapping[dt.date, tuple[float, int]] = field(default_factory=dict)
    """Per day practised: seconds typed and number of tests."""

    def streak(self, today: dt.date) -> int:
        """Days in a row with practice, up to today (or yesterday, if not yet today)."""
        day = today if today in self.days else today - dt.timedelta(days=1)
        count = 0
        while day in self.days:
            count += 1
            day -= dt.timedelta(days=1)
        return count


def progress(
    results: Iterable[Sample], tz: dt.tzinfo | None = None, keys: KeyTotals | None = None
) -> Progress:
    """Aggregate ``results`` (in any order) into trends, weak keys and days practised.

    ``keys``: the results' key totals added up (as the history stores them); without
    them each result's keystroke log is replayed.
    """
    replay = keys is None
    totals = KeyTotals() if keys is None else keys
    per_key, per_bigram = totals.keys, totals.bigrams
    groups: dict[tuple[str, str | None], list[Sample]] = {}
    days: dict[dt.date, tuple[float, int]] = {}
    tests = valid = 0
    seconds = 0.0
    for r in results:
        tests += 1
        day = local_date(r.created_at, tz)
        spent, count = days.get(day, (0.0, 0))
        days[day] = (spent + r.duration_s, count + 1)
        seconds += r.duration_s
        if r.valid:
            valid += 1
            groups.setdefault((r.mode, r.language), []).append(r)
        if replay and r.text and r.keystrokes:
            tally_keys(r.text, r.keystrokes, per_key, per_bigram)
    trends = [
        TrendLine(mode, language, tuple(per_day(group, tz)))
        for (mode, language), group in groups.items()
    ]
    trends.sort(key=lambda line: (-line.tests, line.mode, line.language or ""))
    ordered = sorted(days)
    return Progress(
        tests=tests,
        valid_tests=valid,
        seconds=seconds,
        first_day=ordered[0] if ordered else None,
        last_day=ordered[-1] if ordered else None,
        trends=tuple(trends),
        weakest_keys=tuple(_weakest_keys(per_key)),
        slowest_bigrams=tuple(_slowest_bigrams(per_bigram)),
        days={d: days[d] for d in ordered},
    )


def per_day(results: Iterable[Sample], tz: dt.tzinfo | None = None) -> list[DayFigures]:
    """The valid ``results`` averaged per day, oldest day first (the History screen's
    "per day" trend)."""
    by_day: dict[dt.date, list[Sample]] = {}
    for r in results:
        if r.valid:
            by_day.setdefault(local_date(r.created_at, tz), []).append(r)
    return [_day_figures(d, by_day[d]) for d in sorted(by_day)]


def average_of_last(results: Sequence[Sample], n: int = 10) -> tuple[float, float, int] | None:
    """Mean WPM and accuracy of the latest ``n`` valid results (given oldest first), and
    how many there were; ``None`` if there is none."""
    last = [r for r in results if r.valid][-n:]
    if not last:
        return None
    return (
        sum(r.wpm for r in last) / len(last),
        sum(r.accuracy for r in last) / len(last),
        len(last),
    )


def _day_figures(day: dt.date, results: Sequence[Sample]) -> DayFigures:
    n = len(results)
    return DayFigures(
        day,
        n,
        sum(r.wpm for r in results) / n,
        sum(r.accuracy for r in results) / n,
        max(r.wpm for r in results),
    )


def calendar(
    days: Mapping[dt.date, tuple[float, int]], today: dt.date, weeks: int
) -> list[list[CalendarDay | None]]:
    """The last ``weeks`` weeks as columns of seven days, Monday first, the last ending
    with ``today``'s week (days after today are ``None``).

    A practised day's level grows with its time against the busiest day shown, in
    ``LEVELS`` equal steps (as GitHub's contribution graph shades days).
    """
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    shown = [start + dt.timedelta(days=i) for i in range(7 * weeks)]
    busiest = max((days.get(d, (0.0, 0))[0] for d in shown if d <= today), default=0.0)
    columns: list[list[CalendarDay | None]] = []
    for w in range(weeks):
        column: list[CalendarDay | None] = []
        for d in shown[7 * w : 7 * w + 7]:
            if d > today:
                column.append(None)
                continue
            spent, count = days.get(d, (0.0, 0))
            level = 0
            if count:
                level = max(1, min(LEVELS, math.ceil(LEVELS * spent / busiest))) if busiest else 1
            column.append(CalendarDay(d, spent, count, level))
        columns.append(column)
    return columns
