"""What a keystroke log says about each key: the first press at each place of the text.

The tutor and ``bartype stats`` read logs by the same rule (keybr's): a place of
the text counts once, as a miss if its first press was wrong, else as a hit; a hit
is timed by the interval since the previous keystroke, unless that is a pause
(``metrics.PAUSE_MS``). Replayed through the analyzer, so Backspace and extra
letters count as they did while typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from bartype.core.analyzer import Effect, IncrementalAnalyzer
from bartype.core.keystrokes import Keystroke
from bartype.core.metrics import PAUSE_MS
from bartype.core.normalize import SEPARATORS


class Press(NamedTuple):
    """The first press at one place of the text (see the module docstring)."""

    expected: str
    """The character the place holds."""
    hit: bool
    interval_ms: float | None
    """For a hit: the time since the previous keystroke; ``None`` after a pause or first."""
    after: str | None
    """For a hit on a letter right after a hit on the letter before it in the word (the
    previous keystroke): that letter, the bigram's first half."""


def first_presses(text: str, keys: Iterable[Keystroke]) -> Iterator[Press]:
    """The first press at each place ``keys`` reached in ``text`` (not empty), in order."""
    analyzer = IncrementalAnalyzer(text)
    missed: set[tuple[int, int]] = set()
    previous_t: float | None = None
    last_right: tuple[int, int, str] | None = None
    """The letter the last keystroke typed right the first time: word, position, letter."""
    for key in keys:
        word, position = analyzer.index, len(analyzer.inputs[-1])
        outcome = analyzer.apply(key)
        effect = outcome.effect
        if effect is Effect.BLOCKED:
            continue
        right: tuple[int, int, str] | None = None
        expected = outcome.expected
        if (effect is Effect.TYPED or effect is Effect.COMMITTED) and expected is not None:
            place = (word, position)
            if not outcome.correct:
                if place not in missed:
                    missed.add(place)
                    yield Press(expected, False, None, None)
            elif place not in missed:
                interval = None if previous_t is None else key.t - previous_t
                timed = interval if interval is not None and 0.0 < interval <= PAUSE_MS else None
                letter = expected not in SEPARATORS
                after = None
                if timed is not None and letter and last_right is not None:
                    if last_right[:2] == (word, position - 1):
                        after = last_right[2]
                yield Press(expected, True, timed, after)
                if letter:
                    right = (word, position, expected)
        last_right = right
        previous_t = key.t
        if outcome.finished:
            break
