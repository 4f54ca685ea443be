"""The storage the protocol and the server depend on, declared as ``typing.Protocol``.

The handler and the server see storage only through these interfaces;
``bartype.storage.history.History`` implements them (a test checks it does).
"""

from __future__ import annotations

from typing import Protocol

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
    ) -> int: ...

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
