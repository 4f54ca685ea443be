"""``MetricsPacer``: how often each connection gets live figures (``HELLO.metricsMs``).

A client that draws its own figures (``bartype play`` does: it runs the same
core on its keys) needs only the acknowledgement of each batch; a thin client
needs the server's figures, but not after every key. So each connection
says in its ``HELLO`` how often it wants ``METRICS_UPDATE``: ``0`` (the
default, the seed's behaviour) with every batch; ``N`` ms at most every N ms,
each batch in between answered by a lean ``INPUT_ACK {ack}`` and the latest
figures sent by the clock once N ms have passed (so the last ones are never
lost); ``null``, never (``SESSION_COMPLETE`` carries the final figures).
"""

from __future__ import annotations

from collections.abc import Iterator

from bartype.protocol.live import Channel, LiveSession, Phase


class MetricsPacer:
    """The connections whose figures are held back, and when each is due."""

    __slots__ = ("_due",)

    def __init__(self) -> None:
        self._due: set[Channel] = set()

    def __bool__(self) -> bool:
        return bool(self._due)

    def full(self, channel: Channel, now: float) -> bool:
        """Should ``channel``'s answer to a batch at ``now`` be the figures (not a lean ack)?"""
        every = channel.metrics_ms
        if every == 0:
            return True
        if every is not None and (now - channel.metrics_at) * 1000 >= every:
            self._due.discard(channel)
            channel.metrics_at = now
            return True
        if every is not None:
            self._due.add(channel)  # the clock sends them when they are due
        return False

    def due(self, now: float) -> Iterator[tuple[Channel, LiveSession]]:
        """The connections (and their running sessions) whose held-back figures are due now."""
        for channel in list(self._due):
            live = channel.session
            every = channel.metrics_ms
            if channel.closed or live is None or live.phase is not Phase.RUNNING or not every:
                self._due.discard(channel)
            elif (now - channel.metrics_at) * 1000 >= every:
                self._due.discard(channel)
                channel.metrics_at = now
                yield channel, live
