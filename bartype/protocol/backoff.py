"""When to try a dropped connection again, and when to give up (docs/protocol.md's pacing)."""

from __future__ import annotations

RECONNECT_DELAYS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
"""Waits between reconnection attempts; the last one repeats (docs/protocol.md)."""
RECONNECT_GIVE_UP_S = 30.0


class Backoff:
    """The attempts since a drop: the wait before each, and giving up after ``give_up_after``."""

    def __init__(
        self,
        delays: tuple[float, ...] = RECONNECT_DELAYS_S,
        give_up_after: float = RECONNECT_GIVE_UP_S,
    ) -> None:
        self.delays = delays
        self.give_up_after = give_up_after
        self.lost_at: float | None = None
        self.attempts = 0

    @property
    def waiting(self) -> bool:
        """A drop is being retried."""
        return self.lost_at is not None

    def lost(self, now: float | None) -> None:
        """The link dropped at ``now`` (``None``: nothing to retry)."""
        self.lost_at = now
        self.attempts = 0

    def next_delay(self, now: float) -> float | None:
        """The wait before the next attempt; ``None`` once ``give_up_after`` has passed
        since the drop and one attempt at least was made (it then stops waiting)."""
        if self.lost_at is None:
            return None
        if self.attempts > 0 and now - self.lost_at >= self.give_up_after:
            self.lost_at = None
            return None
        delay = self.delays[min(self.attempts, len(self.delays) - 1)]
        self.attempts += 1
        return delay
