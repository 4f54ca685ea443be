"""``RaceClock``: the server's race times on this client's clock.

A race starts at a server time (``RACE_COUNTDOWN.startsAt``, server ms); each
racer's keys are timed from that start on its own clock. The server's clock
minus ours is taken from the countdown's ``serverTime``, sent half a round trip
before it came: the shortest round trip seen on the connection (from ``HELLO`` to
``WELCOME`` and from each ``RACE_INPUT`` to its ``RACE_METRICS``), since the
others waited in a queue somewhere. Times are seconds of any monotonic clock.
"""

from __future__ import annotations


class RaceClock:
    """The shortest round trip seen on a connection, and the server's clock against ours."""

    __slots__ = ("_hello_at", "_sent_at", "offset", "rtt")

    def __init__(self) -> None:
        self.rtt: float | None = None
        """The shortest round trip seen on this connection (seconds); ``None`` before one."""
        self.offset = 0.0
        """The server's clock minus ours (seconds), as of the last ``sync``."""
        self._hello_at: float | None = None
        self._sent_at: dict[int, float] = {}
        """Batch seq -> when it was first sent, for a round-trip sample from its ack."""

    def connected(self, now: float | None) -> None:
        """A new connection (maybe another route): ``HELLO`` goes at ``now``, if known."""
        self.rtt = None
        self._hello_at = now
        self._sent_at.clear()

    def welcomed(self, now: float) -> None:
        """``WELCOME`` came: a round trip from ``HELLO``."""
        if self._hello_at is not None:
            self._sample(now - self._hello_at)
            self._hello_at = None

    def sent(self, seq: int, now: float) -> None:
        """Batch ``seq`` went at ``now``."""
        self._sent_at[seq] = now

    def answered(self, seq: int, now: float) -> None:
        """Batch ``seq``'s answer came at ``now``: a round trip, if it was timed."""
        sent = self._sent_at.pop(seq, None)
        if sent is not None:
            self._sample(now - sent)

    def forget(self, seq: int) -> None:
        """Batch ``seq`` needs no timing any more (acknowledged by a later answer)."""
        self._sent_at.pop(seq, None)

    def forget_all(self) -> None:
        """No batch is timed any more (a race ended)."""
        self._sent_at.clear()

    def sync(self, server_time_ms: int, now: float) -> None:
        """The server's clock read ``server_time_ms`` half a round trip before ``now``."""
        self.offset = server_time_ms / 1000 - (now - (self.rtt or 0.0) / 2)

    def local(self, server_ms: int) -> float:
        """Server time ``server_ms`` (ms) on this client's clock (seconds)."""
        return server_ms / 1000 - self.offset

    def _sample(self, seconds: float) -> None:
        """A request answered after ``seconds``: the shortest is the one to trust."""
        if seconds >= 0 and (self.rtt is None or seconds < self.rtt):
            self.rtt = seconds
