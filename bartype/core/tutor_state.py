"""What the tutor tells a reader: each letter's state and where the learner stands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from bartype.core.records import frozen
from bartype.core.tutor_goal import DEFAULT_MIN_ACCURACY, DEFAULT_TARGET_CPM

CLOSE = 0.8
"""The next letter unlocks when every unlocked one is at least this ready."""


@frozen
class KeyState:
    """One letter as the learner sees it.

    ``speed_cpm`` is the speed the policy decides with; ``keybr_cpm`` the one
    keybr's filter gives (both ``None`` before the letter was timed).
    """

    letter: str
    unlocked: bool
    speed_cpm: float | None
    keybr_cpm: float | None
    confidence: float
    accuracy: float
    presses: int
    readiness: float
    ready: bool


@frozen
class TutorState:
    """Where the learner stands: letters in unlocking order, which are unlocked, the focus."""

    letters: tuple[str, ...]
    unlocked: tuple[str, ...]
    focus: str | None
    next_letter: str | None
    keys: Mapping[str, KeyState] = field(default_factory=dict)
    lessons: int = 0
    target_cpm: float = DEFAULT_TARGET_CPM
    min_accuracy: float = DEFAULT_MIN_ACCURACY

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """Unlocked letters that hold back the next one (under ``CLOSE`` readiness)."""
        return tuple(ch for ch in self.unlocked if self.keys[ch].readiness < CLOSE)

    def describe_next(self) -> str:
        """What the next unlock needs, in a sentence."""
        if self.next_letter is None:
            return "Every letter is unlocked."
        waiting = self.waiting_for
        if not waiting:
            return f"{self.next_letter!r} unlocks after the next lesson."
        return (
            f"{self.next_letter!r} unlocks when {', '.join(waiting)} "
            f"reach{'es' if len(waiting) == 1 else ''} {self.target_cpm * CLOSE:g} cpm "
            f"with at most {(1 - self.min_accuracy) / CLOSE:.0%} errors."
        )
