"""The tutor's profiles and the lessons' progress: two tables of the history database.

``ProgressTables`` is part of ``bartype.storage.history.History``, which
opens the database (``_db``) and migrates it; these methods only read and
write their own tables (``tutor_profiles``, schema v7; ``lesson_progress``, v10).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from bartype.core.records import frozen


@frozen
class LessonRecord:
    """How a typist has done on one lesson of one layout."""

    lesson: int
    attempts: int
    best_wpm: float
    best_accuracy: float
    passed_at: float | None
    """When it was first passed (Unix time); ``None``: not passed yet."""

    @property
    def passed(self) -> bool:
        return self.passed_at is not None


class ProgressTables:
    """``History``'s tutor profiles and lesson progress."""

    _db: sqlite3.Connection

    # -- the tutor's profiles --------------------------------------------------

    def save_tutor_profile(self, language: str, layout: str, data: Mapping[str, Any]) -> None:
        """Store the tutor's state for a language and layout, replacing the last one."""
        self._db.execute(
            "INSERT INTO tutor_profiles VALUES (?, ?, ?, ?) ON CONFLICT(language, layout) "
            "DO UPDATE SET saved_at = excluded.saved_at, data = excluded.data",
            (language, layout, time.time(), json.dumps(data)),
        )

    def tutor_profiles(self) -> list[tuple[str, str, float, str]]:
        """Every stored profile: language, layout, when it was saved, its data (JSON)."""
        return self._db.execute(
            "SELECT language, layout, saved_at, data FROM tutor_profiles ORDER BY language, layout"
        ).fetchall()

    def add_tutor_profile(self, language: str, layout: str, saved_at: float, data: str) -> bool:
        """Keep an imported profile if it is newer than ours; returns whether it was kept."""
        cursor = self._db.execute(
            "INSERT INTO tutor_profiles VALUES (?, ?, ?, ?) ON CONFLICT(language, layout) "
            "DO UPDATE SET saved_at = excluded.saved_at, data = excluded.data "
            "WHERE excluded.saved_at > tutor_profiles.saved_at",
            (language, layout, saved_at, data),
        )
        return cursor.rowcount == 1

    def tutor_profile(self, language: str, layout: str) -> dict[str, Any] | None:
        """The stored tutor state for a language and layout; ``None`` if none or unreadable."""
        row = self._db.execute(
            "SELECT data FROM tutor_profiles WHERE language = ? AND layout = ?",
            (language, layout),
        ).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except (ValueError, RecursionError):
            return None  # damaged: the tutor starts a new profile rather than fail
        return data if isinstance(data, dict) else None

    # -- lessons -------------------------------------------------------------

    def record_lesson(
        self,
        layout: str,
        lesson: int,
        *,
        wpm: float,
        accuracy: float,
        passed: bool,
        at: float | None = None,
    ) -> LessonRecord:
        """Count one finished attempt at a lesson; a pass is kept for good."""
        now = time.time() if at is None else at
        self._db.execute(
            "INSERT INTO lesson_progress VALUES (?, ?, 1, ?, ?, ?, ?) "
            "ON CONFLICT(layout, lesson) DO UPDATE SET attempts = attempts + 1, "
            "best_wpm = MAX(best_wpm, excluded.best_wpm), "
            "best_accuracy = MAX(best_accuracy, excluded.best_accuracy), "
            "passed_at = COALESCE(passed_at, excluded.passed_at), last_at = excluded.last_at",
            (layout, lesson, wpm, accuracy, now if passed else None, now),
        )
        return self.lesson_progress(layout)[lesson]

    def lesson_progress(self, layout: str) -> dict[int, LessonRecord]:
        """Every lesson of ``layout`` tried so far, by number."""
        rows = self._db.execute(
            "SELECT lesson, attempts, best_wpm, best_accuracy, passed_at FROM lesson_progress "
            "WHERE layout = ? ORDER BY lesson",
            (layout,),
        )
        return {row[0]: LessonRecord(*row) for row in rows}
