"""StateManager: live sessions by id, with expiry.

Ids and tokens are chosen by the caller (the protocol layer draws them from
``secrets``); time is passed in. An unknown or expired id raises
``InvalidSessionError``, which the protocol maps to "Invalid session".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class InvalidSessionError(LookupError):
    """The session id is unknown, expired, or its token is wrong."""


@dataclass(slots=True)
class Entry(Generic[T]):
    """A stored value with the time it was last used (on the caller's clock)."""

    value: T
    last_used: float


class StateManager(Generic[T]):
    """Sessions keyed by id; entries unused for longer than ``ttl`` expire.

    ``ttl`` and every ``now`` are in the same unit, the caller's (the session handler
    passes seconds of its monotonic clock).
    """

    def __init__(self, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self._entries: dict[str, Entry[T]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def create(self, session_id: str, value: T, now: float) -> None:
        """Store a new session. Raises ``ValueError`` if the id is taken."""
        if session_id in self._entries:
            raise ValueError(f"session id {session_id!r} already exists")
        self._entries[session_id] = Entry(value, now)

    def get(self, session_id: str, now: float) -> T:
        """Return a live session and mark it used at ``now``."""
        entry = self._entries.get(session_id)
        if entry is None or now - entry.last_used > self.ttl:
            raise InvalidSessionError(session_id)
        entry.last_used = now
        return entry.value

    def peek(self, session_id: str) -> T | None:
        """Return a session without touching it, or ``None``."""
        entry = self._entries.get(session_id)
        return None if entry is None else entry.value

    def last_used(self, session_id: str) -> float | None:
        """When a session was last used, or ``None`` if there is no such session."""
        entry = self._entries.get(session_id)
        return None if entry is None else entry.last_used

    def update(self, session_id: str, value: T, now: float) -> None:
        """Replace a live session's value."""
        self.get(session_id, now)
        self._entries[session_id] = Entry(value, now)

    def delete(self, session_id: str) -> None:
        """Forget a session (no error if it is already gone)."""
        self._entries.pop(session_id, None)

    def expire(self, now: float) -> list[tuple[str, T]]:
        """Remove and return every session unused for longer than the TTL."""
        expired = [
            (sid, entry.value)
            for sid, entry in self._entries.items()
            if now - entry.last_used > self.ttl
        ]
        for sid, _ in expired:
            del self._entries[sid]
        return expired
