"""Sessions a server keeps across a restart: a table of the history database.

``KeptSessionsTable`` is part of ``bartype.storage.history.History``, which
opens the database (``_db``) and migrates it; these methods only read and
write ``live_sessions`` (schema v4), one JSON snapshot per session, per server.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

KEPT_SESSIONS_MAX_AGE_S = 86_400.0
"""Kept sessions no server has taken back after a day are dropped (their TTL is long over)."""


class KeptSession(NamedTuple):
    """A session snapshot kept across a server restart, and when it was kept (Unix time)."""

    saved_at: float
    snapshot: dict[str, Any]


class KeptSessionsTable:
    """``History``'s sessions kept across a server restart."""

    _db: sqlite3.Connection

    # -- sessions across a server restart ----------------------------------

    def keep_live_sessions(self, owner: str, snapshots: Sequence[Mapping[str, Any]]) -> None:
        """Store ``owner``'s session snapshots, replacing any it kept before.

        ``owner`` names the server (its address), so that servers sharing a
        database keep their own. Each snapshot needs a string ``id``.
        """
        now = time.time()
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            # Ours, and any left by a server that never came back (another port, say).
            self._db.execute(
                "DELETE FROM live_sessions WHERE owner = ? OR saved_at < ?",
                (owner, now - KEPT_SESSIONS_MAX_AGE_S),
            )
            self._db.executemany(
                "INSERT INTO live_sessions VALUES (?, ?, ?, ?)",
                [(owner, str(snap["id"]), now, json.dumps(snap)) for snap in snapshots],
            )

    def take_live_sessions(self, owner: str) -> list[KeptSession]:
        """Return ``owner``'s kept snapshots, oldest first, and forget them (restored once)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            rows = self._db.execute(
                "SELECT saved_at, data FROM live_sessions WHERE owner = ? ORDER BY saved_at",
                (owner,),
            ).fetchall()
            self._db.execute("DELETE FROM live_sessions WHERE owner = ?", (owner,))
        kept: list[KeptSession] = []
        for saved_at, data in rows:
            try:
                snapshot = json.loads(data)
            except (ValueError, RecursionError):
                continue  # a damaged row must not stop the server from starting
            if isinstance(snapshot, dict):
                kept.append(KeptSession(float(saved_at), snapshot))
        return kept
