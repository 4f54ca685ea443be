"""The storage the protocol and the server depend on, declared as ``typing.Protocol``.

The handler and the server see storage only through these interfaces, never
through a concrete class nor by probing what an object has:
``bartype.storage.history.History`` implements all of them (a test checks it
does), and another results store (race results, a shared database) would
implement the one it needs.

- ``ResultSink``: where the handler files finished results.
- ``SessionStore``: where the server keeps tests in progress across a restart.
- ``ResultStore``: both, and ``close``: what ``bartype serve`` is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bartype.core.race import RacePlace
from bartype.core.session import Result


class ResultSink(Protocol):
    """Where finished results go (``bartype.storage.history.History`` fits)."""

    def save(
        self,
        result: Result,
        *,
        text: str | None,
        text_id: str | None = None,
        language: str | None = None,
        created_at: float | None = None,
        mode: str | None = None,
        mode2: str | None = None,
        options: str = "",
        race: RacePlace | None = None,
    ) -> int:
        """Store ``result``; ``race``: where it was typed, for a race result."""
        ...

    def is_personal_best(
        self,
        result: Result,
        *,
        mode: str | None = None,
        mode2: str | None = None,
        language: str | None = None,
        options: str = "",
        text: str | None = None,
    ) -> bool: ...


class SessionStore(Protocol):
    """Where sessions wait while the server restarts, under the server's ``owner`` name."""

    def keep_live_sessions(self, owner: str, snapshots: Sequence[Mapping[str, Any]]) -> None:
        """Keep ``owner``'s snapshots (``SessionHandler.export_sessions``), replacing any."""
        ...

    def take_live_sessions(self, owner: str) -> Sequence[tuple[float, dict[str, Any]]]:
        """``owner``'s kept snapshots with when each was kept (Unix time), oldest first, and
        forget them: each is restored once."""
        ...


class ResultStore(ResultSink, SessionStore, Protocol):
    """A results store a server owns: results, kept sessions, and closing it on shutdown."""

    def close(self) -> None: ...
