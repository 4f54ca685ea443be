"""``Outbox``: what the handler has to send, per connection, in order.

Each ``Channel`` keeps its own actions; the outbox lists the channels that
have some (each once) so that the I/O layer drains only those. On a server's
hot path one reply may be handed straight back instead (``direct`` /
``reply``, see ``SessionHandler.receive_text_direct``): if anything else is
emitted for that channel meanwhile, the reply is queued first, so order holds.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator

from bartype.protocol.live import Channel
from bartype.protocol.messages import Action, Close, Outgoing


class Outbox:
    """The channels with actions pending, and the direct reply being made."""

    __slots__ = ("_dirty", "direct", "reply")

    def __init__(self) -> None:
        self._dirty: deque[Channel] = deque()
        self.direct: Channel | None = None
        """The channel whose frame is being handled on the hot path, if one is."""
        self.reply: str | None = None
        """The encoded ``METRICS_UPDATE`` or ``INPUT_ACK`` for ``direct``, not queued (yet)."""

    def emit(self, channel: Channel | None, action: Action) -> None:
        """Queue ``action`` for ``channel`` (nothing if it is gone); a ``Close`` detaches it."""
        if channel is None or channel.closed:
            return
        if self.reply is not None and channel is self.direct:
            # Something follows a direct reply: queue the reply first, in order.
            reply, self.reply = json.loads(self.reply), None
            self.emit(channel, Outgoing(reply["type"], reply["data"]))
        if not channel.listed:
            channel.listed = True
            self._dirty.append(channel)
        channel.actions.append(action)
        if isinstance(action, Close):
            channel.closed = True
            channel.detach()

    @property
    def has_dirty(self) -> bool:
        """Has any channel actions pending?"""
        return bool(self._dirty)

    def take_dirty(self) -> list[Channel]:
        """Channels that have actions pending since the last call (take each one's actions)."""
        dirty = list(self._dirty)
        self._dirty.clear()
        for channel in dirty:
            channel.listed = False
        return dirty

    def pending(self) -> Iterator[tuple[Channel, list[Action]]]:
        """Each channel with actions pending, and its actions, handed out one channel at a time.

        A channel leaves the dirty list only as it is handed out: a caller that
        fails on one channel and stops leaves every other listed for its next
        call, and actions emitted meanwhile are handed out in the same pass.
        """
        dirty = self._dirty
        while dirty:
            channel = dirty.popleft()
            channel.listed = False
            yield channel, channel.take()
