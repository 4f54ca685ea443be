"""``KeyBatcher``: keys waiting to share a frame, numbered batches, and what goes again.

Both clients (``ClientProtocol`` for a test, ``RaceClient`` for a race) send keys
the same way (docs/protocol.md, "Batches"): a key waits at most ``flush_delay``
seconds for others to share its frame, a full batch goes at once, batches are
numbered from 1, and each is kept until the server's ``ack`` covers it, so that
it can go again after a resume or a gap. This is that part, sans-I/O: it makes
frames and keeps them; sending them, and when to send them again, is the
client's policy.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from bartype.protocol.json_frames import encode_message


class KeyBatcher:
    """The keys of one session (or race) on their way to the server."""

    __slots__ = ("_buffer", "_next_seq", "_type", "_unacked", "batch_size", "flush_delay", "since")

    def __init__(self, type_: str, batch_size: int, flush_delay: float) -> None:
        self._type = type_
        """``INPUT_UPDATE`` or ``RACE_INPUT``: the message a batch is sent as."""
        self.batch_size = batch_size
        self.flush_delay = flush_delay
        self._buffer: list[dict[str, Any]] = []
        self.since: float | None = None
        """When the oldest waiting key was queued (``None``: none waits)."""
        self._next_seq = 1
        self._unacked: deque[tuple[int, str]] = deque()

    @property
    def buffered(self) -> int:
        """Keys waiting for their batch."""
        return len(self._buffer)

    @property
    def unacked(self) -> int:
        """Batches made but not yet acknowledged."""
        return len(self._unacked)

    def add(self, key: str, t: float, now: float) -> bool:
        """Queue one key at time ``t`` ms; ``True`` when the batch is full (``flush`` it)."""
        buffer = self._buffer
        buffer.append({"key": key, "t": t})
        if len(buffer) >= self.batch_size:
            return True
        if len(buffer) == 1:
            self.since = now
        return False

    def deadline(self) -> float | None:
        """When the waiting keys must go (``None``: none wait)."""
        since = self.since
        return None if since is None else since + self.flush_delay

    def due(self, now: float) -> bool:
        """Have the waiting keys waited ``flush_delay``?"""
        since = self.since
        return since is not None and now >= since + self.flush_delay

    def flush(self) -> tuple[int, str] | None:
        """Make the waiting keys the next numbered batch, kept until acknowledged:
        ``(seq, frame)``, or ``None`` if no key waits."""
        if not self._buffer:
            return None
        seq = self._next_seq
        self._next_seq += 1
        frame = encode_message(self._type, {"seq": seq, "keys": self._buffer})
        self._buffer = []
        self.since = None
        self._unacked.append((seq, frame))
        return seq, frame

    def ack(self, ack: int) -> list[int]:
        """The server has the batches up to ``ack``: forget them; returns their numbers."""
        unacked = self._unacked
        acked = []
        while unacked and unacked[0][0] <= ack:
            acked.append(unacked.popleft()[0])
        return acked

    def unacked_frames(self, after: int = 0) -> list[str]:
        """The frames of the batches not acknowledged, after batch ``after``, oldest first:
        what goes again after a resume (every one) or a ``SEQ_GAP`` (those after its ack)."""
        return [frame for seq, frame in self._unacked if seq > after]

    def drop_batches(self) -> None:
        """Forget the batches not acknowledged: nothing will take them any more."""
        self._unacked.clear()

    def drop(self) -> None:
        """Forget the waiting keys and every batch: the server needs none of them any more."""
        self._buffer = []
        self.since = None
        self._unacked.clear()

    def reset(self) -> None:
        """``drop``, and number the next session's batches from 1 again."""
        self.drop()
        self._next_seq = 1
