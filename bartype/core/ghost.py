"""A ghost: a recorded test raced again, its keys replayed at their recorded times.

A stored result keeps its text and its full keystroke log. As a ghost, each
key is played at its time since the recording's first character (as the
session measured it: a test starts on its first character), from the moment
the ghost sets off. Replayed through the same engine, its figures are the
recorded ones. Pure: no clock; times are milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.options import MODE_RULES, TestLabel
from bartype.core.records import frozen

RACEABLE_MODES = frozenset(str(mode) for mode, rules in MODE_RULES.items() if rules.finish_line)
"""Tests with a finish line (``ModeRules.finish_line``): a timed test or zen has none to
race to. Unlike a room's race (``protocol.messages.RACE_MODES``), a ghost also races a text
made from one typist's profile (adaptive, bigrams): the recording carries its text, and
the one typist racing it is the one it was made for."""


class GhostError(ValueError):
    """This result cannot be raced as a ghost; the message says why."""


@frozen
class Ghost:
    """The text and the keys of a recording; ``keys[i]`` is ``(name, ms after the first)``."""

    text: str
    keys: tuple[tuple[str, float], ...]
    label: TestLabel | None = None
    """The test recorded: a race against the ghost is filed under it (``None``: unknown)."""

    @classmethod
    def from_recording(
        cls,
        mode: str,
        text: str | None,
        keystrokes: Iterable[Keystroke],
        label: TestLabel | None = None,
    ) -> Ghost:
        """The ghost of a test of ``mode`` on ``text`` typed with ``keystrokes``.

        Raises:
            GhostError: the test has no finish line, no text, or no character typed.
        """
        if mode not in RACEABLE_MODES:
            raise GhostError(
                f"a {mode} test has no finish line to race to; race a test of one of "
                f"these modes: {', '.join(sorted(RACEABLE_MODES))}"
            )
        if not text:
            raise GhostError("the result has no text to race on")
        strokes = list(keystrokes)
        first = next((i for i, k in enumerate(strokes) if k.kind is KeyKind.CHAR), None)
        if first is None:
            raise GhostError("the result has no keystrokes to replay")
        origin = strokes[first].t
        keys: list[tuple[str, float]] = []
        last = 0.0
        for stroke in strokes[first:]:  # keys before the first character change nothing
            last = max(last, stroke.t - origin)  # a log's times never go back; make sure
            keys.append((stroke.name, last))
        return cls(text, tuple(keys), label)

    @property
    def duration_ms(self) -> float:
        """From the first key to the last."""
        return self.keys[-1][1]
