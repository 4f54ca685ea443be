"""MetricsCalculator: Monkeytype-compatible speed, accuracy and consistency.

Definitions (docs/metrics.md has them in full, with worked examples):

* WPM = characters of correctly typed words, separators included, / 5 per minute;
* raw WPM = every character still in the input / 5 per minute;
* accuracy = correct keypresses / keypresses (Backspace is not a keypress);
* consistency = ``kogasa`` of the coefficient of variation of per-second burst speed;
* the per-second series are sampled at whole seconds since the first keystroke
  (plus the end, if the last partial second is at least half a second).

The calculator is fed each keystroke as it happens and keeps every running
figure up to date, so a keystroke costs O(1) regardless of the test's length.
All times are milliseconds since the first keystroke.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from bartype.core.analyzer import CharCounts, Effect, KeyOutcome
from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.records import frozen

_CHAR = KeyKind.CHAR
_TYPED = Effect.TYPED
_COMMITTED = Effect.COMMITTED

_EPSILON = sys.float_info.epsilon
AFK_INTERVALS = 5
"""A test whose last this-many sample intervals hold no typed character is AFK."""
PAUSE_MS = 3000.0
"""A longer interval before a key is a pause, not the time it took to find the key:
it is not timed in the per-key statistics (the tutor uses the same rule)."""


def hundredths(value: float) -> int:
    """``value`` in hundredths, rounded half up: ``round_to_2(value) * 100`` as an int."""
    return math.floor((value + _EPSILON) * 100 + 0.5)


def round_to_2(value: float) -> float:
    """Round to 2 decimals, half up, as Monkeytype's ``roundTo2`` (JS ``Math.round``)."""
    return hundredths(value) / 100


def round_half_up(value: float) -> int:
    """JS ``Math.round``: halves round up."""
    return math.floor(value + 0.5)


def words_per_minute(chars: int, seconds: float) -> float:
    """``chars / 5`` per minute; 0 for a non-positive duration."""
    if seconds <= 0:
        return 0.0
    return chars / 5 / (seconds / 60)


def kogasa(cov: float) -> float:
    """Monkeytype's map from a coefficient of variation to a 0–100 consistency."""
    return 100 * (1 - math.tanh(cov + cov**3 / 3 + cov**5 / 5))


def _accuracy_hundredths(correct: int, keypresses: int) -> int:
    """Monkeytype's accuracy, correct keypresses of all, in hundredths of a percent (0 before
    the first key)."""
    return hundredths(correct / keypresses * 100) if keypresses else 0


def _consistency_hundredths(count: int, total: float, total_sq: float) -> int:
    """``hundredths(kogasa(sd / mean))`` from running sums (population sd); 0 if undefined."""
    if count == 0 or total <= 0:
        return 0
    mean = total / count
    variance = max(total_sq / count - mean * mean, 0.0)
    return hundredths(kogasa(math.sqrt(variance) / mean))


def consistency(values: Sequence[float]) -> float:
    """Consistency of a series (e.g. per-second burst WPM) in two passes; 0 if undefined."""
    if not values:
        return 0.0
    mean = sum(values) / len(values)
    if mean <= 0:
        return 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return round_to_2(kogasa(sd / mean))


@dataclass(slots=True)
class KeyStat:
    """Per expected key: presses, mistyped presses, and time before correct presses."""

    presses: int = 0
    errors: int = 0
    interval_total_ms: float = 0.0
    interval_count: int = 0

    @property
    def mean_interval_ms(self) -> float | None:
        """Mean time from the previous keystroke to a correct press of this key."""
        if self.interval_count == 0:
            return None
        return self.interval_total_ms / self.interval_count


@frozen
class SecondSeries:
    """Per-sample-point series: cumulative wpm and raw, per-interval burst and errors,
    and ``times``, each sample point in seconds since the first keystroke."""

    wpm: tuple[int, ...] = ()
    raw: tuple[int, ...] = ()
    burst: tuple[int, ...] = ()
    errors: tuple[int, ...] = ()
    times: tuple[float, ...] = ()


LiveHundredths = tuple[int, int, int, int, int]
"""``MetricsCalculator.live_hundredths``: wpm, raw, accuracy, elapsed_s and consistency × 100."""


class LiveMetrics(NamedTuple):
    """Figures shown while typing."""

    wpm: float
    raw: float
    accuracy: float
    errors: int
    elapsed_s: float
    consistency: float


@frozen
class Metrics:
    """Final figures of a test.

    ``correct``/``incorrect``/``extra``/``missed`` are Monkeytype's charStats:
    ``correct`` counts the characters credited to WPM.
    """

    wpm: float
    raw: float
    accuracy: float
    consistency: float
    key_consistency: float
    correct: int
    incorrect: int
    extra: int
    missed: int
    keypresses: int
    errors: int
    duration_s: float
    afk: bool
    series: SecondSeries = field(default_factory=SecondSeries)
    keys: Mapping[str, KeyStat] = field(default_factory=dict)


class MetricsCalculator:
    """Running metrics of one test, updated keystroke by keystroke.

    Call ``advance(t, counts)`` before applying a keystroke at ``t`` later than
    ``next_point`` (it closes the sample points the keystroke has passed, using
    the input as it stood), then ``record(t, key, outcome)`` with what the
    keystroke did.
    """

    def __init__(self) -> None:
        self.keypresses = 0
        self.correct_keypresses = 0
        self.keys: dict[str, KeyStat] = {}
        self.next_point = 1000.0
        """The next sample point (ms): ``advance`` has nothing to do until a key passes it."""
        self._last_point = 0.0
        self._interval_inserts = 0
        self._interval_errors = 0
        self._wpm: list[int] = []
        self._raw: list[int] = []
        self._burst: list[int] = []
        self._errors: list[int] = []
        self._times: list[float] = []
        self._inserts: list[int] = []
        self._burst_sum = 0
        self._burst_sq = 0
        self._live_consistency = 0  # hundredths, made when a second closes
        self._last_key_t: float | None = None
        self._last_keydown_t: float | None = None
        self._key_spacing = array("d")  # a float each: 8 bytes, not 32

    def advance(self, t: float, counts: Callable[[bool], CharCounts]) -> None:
        """Close every sample point before ``t``.

        ``counts(True)`` gives the input's counts now (with partial credit);
        it is only called when ``t`` has passed a sample point.
        """
        if t <= self.next_point:
            return
        snapshot = counts(True)
        while t > self.next_point:
            self._close_interval(self.next_point, snapshot)
            self.next_point += 1000.0

    def _close_interval(self, point: float, counts: CharCounts) -> None:
        seconds = (point - self._last_point) / 1000
        burst = round_half_up(words_per_minute(self._interval_inserts, seconds))
        self._burst.append(burst)
        self._burst_sum += burst
        self._burst_sq += burst * burst
        self._live_consistency = _consistency_hundredths(
            len(self._burst), self._burst_sum, self._burst_sq
        )
        self._inserts.append(self._interval_inserts)
        self._errors.append(self._interval_errors)
        self._times.append(round(point / 1000, 3))
        self._wpm.append(round_half_up(words_per_minute(counts.correct_word, point / 1000)))
        self._raw.append(round_half_up(words_per_minute(counts.typed, point / 1000)))
        self._interval_inserts = 0
        self._interval_errors = 0
        self._last_point = point

    def record(self, t: float, key: Keystroke, outcome: KeyOutcome) -> None:
        """Count one keystroke at ``t`` with its outcome."""
        previous_t = self._last_key_t
        self._last_key_t = t
        if key.kind is _CHAR:
            keydown = t if t > 0.0 else 0.0
            if self._last_keydown_t is not None:
                self._key_spacing.append(keydown - self._last_keydown_t)
            self._last_keydown_t = keydown
        effect = outcome.effect
        if effect is not _TYPED and effect is not _COMMITTED:
            return  # not a keypress: only TYPED and COMMITTED keystrokes are
        self.keypresses += 1
        self._interval_inserts += 1
        correct = outcome.correct
        if correct:
            self.correct_keypresses += 1
        else:
            self._interval_errors += 1
        expected = outcome.expected
        if expected is None:
            return
        stat = self.keys.get(expected)
        if stat is None:
            stat = self.keys[expected] = KeyStat()
        stat.presses += 1
        if not correct:
            stat.errors += 1
        elif previous_t is not None and t - previous_t <= PAUSE_MS:
            stat.interval_total_ms += t - previous_t
            stat.interval_count += 1

    @property
    def errors(self) -> int:
        """Incorrect keypresses so far."""
        return self.keypresses - self.correct_keypresses

    @property
    def accuracy(self) -> float:
        return _accuracy_hundredths(self.correct_keypresses, self.keypresses) / 100

    def live(self, t: float, counts: CharCounts) -> LiveMetrics:
        """Figures at ``t`` ms, with ``counts`` taken with partial credit for the open word."""
        return self.as_live(self.live_hundredths(t, counts.correct_word, counts.typed))

    def live_hundredths(self, t: float, correct_word: int, typed: int) -> LiveHundredths:
        """``live``'s rounded figures in hundredths, ``(wpm, raw, accuracy, elapsed_s,
        consistency)``: what a reply formats, from a table keyed by them (it is made for
        every reply). ``correct_word`` and ``typed`` are ``live``'s counts."""
        seconds = t / 1000
        return (
            hundredths(words_per_minute(correct_word, seconds)),
            hundredths(words_per_minute(typed, seconds)),
            _accuracy_hundredths(self.correct_keypresses, self.keypresses),
            hundredths(seconds),
            self._live_consistency,
        )

    def as_live(self, figures: LiveHundredths) -> LiveMetrics:
        """The ``LiveMetrics`` of ``live_hundredths``' ``figures``."""
        wpm, raw, accuracy, elapsed, live_consistency = figures
        fields = (wpm / 100, raw / 100, accuracy / 100, self.errors, elapsed / 100)
        return tuple.__new__(LiveMetrics, (*fields, live_consistency / 100))  # no keyword calls

    def final(self, end: float, counts: CharCounts, partial_counts: CharCounts) -> Metrics:
        """Close the test at ``end`` ms and compute the final figures.

        ``counts`` scores the result (partial credit as the mode says);
        ``partial_counts`` scores the input for the per-second series.
        This consumes the calculator's open interval: call it once.
        """
        duration_s = round_to_2(end / 1000)
        while self.next_point <= end:
            self._close_interval(self.next_point, partial_counts)
            self.next_point += 1000.0
        tail = duration_s % 1
        if end > self._last_point and round_half_up(tail) >= 1:
            self._close_interval(end, partial_counts)
            self.next_point = math.inf
        recent = self._inserts[-AFK_INTERVALS:]
        return Metrics(
            wpm=round_to_2(words_per_minute(counts.correct_word, duration_s)),
            raw=round_to_2(words_per_minute(counts.typed, duration_s)),
            accuracy=self.accuracy,
            consistency=consistency(self._burst),
            # As Monkeytype: the gap before the last keydown is left out.
            key_consistency=consistency(self._key_spacing[:-1]),
            correct=counts.correct_word,
            incorrect=counts.incorrect,
            extra=counts.extra,
            missed=counts.missed,
            keypresses=self.keypresses,
            errors=self.errors,
            duration_s=duration_s,
            afk=all(n == 0 for n in recent),
            series=SecondSeries(
                tuple(self._wpm),
                tuple(self._raw),
                tuple(self._burst),
                tuple(self._errors),
                tuple(self._times),
            ),
            keys={key: replace(stat) for key, stat in sorted(self.keys.items())},
        )
