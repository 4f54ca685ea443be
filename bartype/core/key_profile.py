"""One letter's statistics, as adaptive practice keeps them: presses, errors, speed.

Its time to type is smoothed by keybr's exponential filter (``KEYBR_ALPHA``) and by
the tutor's own estimate; accuracy decays so old errors weigh less.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

KEYBR_ALPHA = 0.1
"""keybr's filter constant, applied once per lesson."""
PRESS_ALPHA = 0.05
"""The same filter applied once per timed press: the speed the policy decides with."""
ACCURACY_DECAY = 0.01
"""Per press: accuracy remembers about the last 50 presses of a key."""


@dataclass(slots=True)
class KeyProfile:
    """What the tutor knows about one letter, over every lesson recorded."""

    hits: int = 0
    misses: int = 0
    timed: int = 0
    lessons: int = 0
    filtered_ms: float | None = None  # keybr's filter, once per lesson
    best_ms: float | None = None  # lowest filtered_ms so far (keybr's "best")
    recent_ms: float | None = None  # the same filter once per timed press
    recent_weight: float = 0.0  # the decayed count of presses behind recent_ms
    first_ms: float | None = None  # the first lesson's mean
    log_var: float | None = None  # spread of log intervals within a lesson, filtered
    hit_weight: float = 0.0  # decayed counts behind the accuracy
    miss_weight: float = 0.0

    @property
    def accuracy(self) -> float:
        """Share of recent presses right the first time (1.0 before any press)."""
        total = self.hit_weight + self.miss_weight
        return 1.0 if total <= 0 else self.hit_weight / total

    def add_lesson(self, hits: int, misses: int, times: Sequence[float]) -> None:
        """Fold one lesson's presses of this letter into the profile."""
        self.hits += hits
        self.misses += misses
        presses = hits + misses
        if presses:
            decay = (1.0 - ACCURACY_DECAY) ** presses
            self.hit_weight = self.hit_weight * decay + hits
            self.miss_weight = self.miss_weight * decay + misses
        if not times:
            return
        mean = sum(times) / len(times)
        decay = (1.0 - PRESS_ALPHA) ** len(times)
        weight = 1.0 - decay
        if len(times) >= 2:
            logs = [math.log(x) for x in times]
            spread = statistics.pvariance(logs)
            self.log_var = (
                spread if self.log_var is None else (weight * spread + (1 - weight) * self.log_var)
            )
        self.lessons += 1
        self.timed += len(times)
        if self.filtered_ms is None or self.recent_ms is None:
            self.filtered_ms = self.first_ms = mean
        else:
            self.filtered_ms = KEYBR_ALPHA * mean + (1 - KEYBR_ALPHA) * self.filtered_ms
        # Per press, normalised by the filter's weight so far: the first presses
        # are not taken for a long history (the filter's start-up bias removed).
        old = self.recent_weight * decay
        self.recent_weight = old + len(times)
        self.recent_ms = (old * (self.recent_ms or 0.0) + len(times) * mean) / self.recent_weight
        self.best_ms = (
            self.filtered_ms if self.best_ms is None else min(self.best_ms, self.filtered_ms)
        )
