"""Results history in SQLite: every finished test with its full keystroke log.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed result
survives the process being killed at any moment (it may not survive a power
cut within the last checkpoint, which is acceptable for a typing history).
The schema and its migrations are in ``bartype.storage.schema``, how a row
holds a result in ``bartype.storage.result_rows``; the tutor's and lessons'
tables (``progress_tables``) and the sessions kept across a server restart
(``kept_sessions``) are parts of ``History``. Paths are passed in; nothing
happens at import.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bartype.core.metrics import KeyStat
from bartype.core.race import RacePlace
from bartype.core.session import Result
from bartype.storage.kept_sessions import KEPT_SESSIONS_MAX_AGE_S, KeptSession, KeptSessionsTable
from bartype.storage.key_totals import KeyTotalsTable, store_key_totals
from bartype.storage.progress_tables import LessonRecord, ProgressTables
from bartype.storage.result_rows import (
    RESULT_COLUMNS,
    BestKey,
    ResultSample,
    StoredResult,
    keys_from_json,
    keys_to_json,
    log_from_json,
    log_to_json,
    result_uid,
    row_to_result,
    series_to_json,
    text_key,
)
from bartype.storage.schema import MIGRATIONS, SCHEMA_VERSION, HistoryError, migrate
from bartype.storage.schema import _v10 as _v10  # the migration's tests reach it here

__all__ = [
    "KEPT_SESSIONS_MAX_AGE_S",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "BestKey",
    "History",
    "HistoryError",
    "KeptSession",
    "LessonRecord",
    "StoredResult",
    "migrate",
    "result_uid",
    "text_key",
]


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist.

    SQLite creates its write-ahead log and shared-memory files with the
    database's own mode, so the results, keystroke logs and kept sessions
    are readable by their owner only.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class History(ProgressTables, KeptSessionsTable, KeyTotalsTable):
    """The results database at ``path`` (created and migrated on open).

    ``totals_on_save``: a result's key totals (``bartype.storage.key_totals``) are
    computed as it is saved, a replay of its log (a few milliseconds); ``False`` queues
    it for the next report instead, for a server, whose saves run on the event loop
    every typist shares and whose history seldom gets a report.
    """

    def __init__(self, path: Path | str, *, totals_on_save: bool = True) -> None:
        self.path = Path(path)
        self.totals_on_save = totals_on_save
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _create_private(self.path)
            self._db = sqlite3.connect(str(path), isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(
                f"Cannot open the history database {path} ({exc}). "
                "Check the folder exists and is writable, or pass another path."
            ) from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            migrate(self._db)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(
                f"{path} is not a usable BARtype history ({exc}). "
                "Move it aside or pass another path."
            ) from exc
        except HistoryError:
            self._db.close()
            raise

    # -- writing ----------------------------------------------------------

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
        """Store a result with its keystroke log; committed when this returns.

        ``mode``/``mode2`` override the labels taken from ``result.config``
        (e.g. ``"code"``/``"python"`` for a code test run as a custom text);
        ``options`` names the text options (``bartype.core.session.text_options``);
        ``race`` is where a race result was typed.
        """
        m = result.metrics
        config = result.config
        log = log_to_json(result.keystrokes)
        created_at = time.time() if created_at is None else created_at
        mode = mode or config.mode.value
        mode2 = config.mode2 if mode2 is None else mode2
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            cursor = self._db.execute(
                "INSERT INTO results (created_at, mode, mode2, language, text_id, text, state, "
                "duration_limit_s, word_count, wpm, raw, accuracy, consistency, key_consistency, "
                "duration_s, correct, incorrect, extra, missed, keypresses, errors, afk, valid, "
                "invalid_reasons, series, keys, options, text_key, uid, room, race_id, place, "
                f"racers) VALUES ({', '.join('?' * 33)})",
                (
                    created_at,
                    mode,
                    mode2,
                    language,
                    text_id,
                    text,
                    result.state.value,
                    config.duration_s,
                    config.word_count,
                    m.wpm,
                    m.raw,
                    m.accuracy,
                    m.consistency,
                    m.key_consistency,
                    m.duration_s,
                    m.correct,
                    m.incorrect,
                    m.extra,
                    m.missed,
                    m.keypresses,
                    m.errors,
                    int(m.afk),
                    int(result.is_valid),
                    json.dumps(list(result.invalid_reasons)),
                    series_to_json(m.series),
                    keys_to_json(m.keys),
                    options,
                    text_key(mode, text),
                    result_uid(created_at, mode, mode2, text, log),
                    *(
                        (None, None, None, None)
                        if race is None
                        else (race.room, race.race_id, race.place, race.racers)
                    ),
                ),
            )
            result_id = int(cursor.lastrowid or 0)
            self._db.execute("INSERT INTO keystrokes VALUES (?, ?)", (result_id, log))
            self._add_key_stats(m.keys)
            if self.totals_on_save:
                store_key_totals(self._db, result_id, text, log)
            else:
                self._db.execute("INSERT INTO key_totals_pending VALUES (?)", (result_id,))
        return result_id

    def _add_key_stats(self, keys: Mapping[str, KeyStat]) -> None:
        self._db.executemany(
            "INSERT INTO key_stats VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "presses = presses + excluded.presses, errors = errors + excluded.errors, "
            "interval_total_ms = interval_total_ms + excluded.interval_total_ms, "
            "interval_count = interval_count + excluded.interval_count",
            [
                (k, s.presses, s.errors, s.interval_total_ms, s.interval_count)
                for k, s in keys.items()
            ],
        )

    def add_rows(self, result: Mapping[str, Any], log: str) -> bool:
        """Add one result as exported (its columns by name, its keystroke log as JSON).

        Nothing is added if a result with the same ``uid`` is there already;
        returns whether it was added. The row must have been checked
        (``bartype.storage.exchange`` does); its per-key totals join ``key_stats``.
        """
        names = [name for name in result if name != "id"]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            cursor = self._db.execute(
                f"INSERT INTO results ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                "ON CONFLICT(uid) DO NOTHING",
                [result[name] for name in names],
            )
            if cursor.rowcount != 1:
                return False
            result_id = int(cursor.lastrowid or 0)
            self._db.execute("INSERT INTO keystrokes VALUES (?, ?)", (result_id, log))
            self._add_key_stats(keys_from_json(str(result["keys"])))
            # Its key totals wait for the next report (``fill_key_totals``): an import of
            # thousands of results replays none of them.
            self._db.execute("INSERT INTO key_totals_pending VALUES (?)", (result_id,))
        return True

    def result_columns(self) -> dict[str, tuple[str, bool, bool]]:
        """The results table's columns but ``id``: name to (declared type, NOT NULL, has a
        default)."""
        return {
            row[1]: (str(row[2]).upper(), bool(row[3]), row[4] is not None)
            for row in self._db.execute("PRAGMA table_info(results)")
            if row[1] != "id"
        }

    def rows(self) -> Iterator[tuple[dict[str, Any], str]]:
        """Every result as stored (its columns by name but ``id``) with its keystroke log
        (JSON), oldest first: what ``bartype history export`` writes."""
        cursor = self._db.execute(
            "SELECT r.*, COALESCE(k.log, '[]') FROM results r "
            "LEFT JOIN keystrokes k ON k.result_id = r.id ORDER BY r.created_at, r.id"
        )
        names = [d[0] for d in cursor.description][:-1]
        for row in cursor.fetchall():
            record = dict(zip(names, row[:-1], strict=True))
            del record["id"]
            yield record, row[-1]

    def set_race_place(self, result_id: int, place: int, racers: int) -> None:
        """The final place of a race result saved before the race was over."""
        self._db.execute(
            "UPDATE results SET place = ?, racers = ? WHERE id = ? AND room IS NOT NULL",
            (place, racers, result_id),
        )

    # -- reading ----------------------------------------------------------

    def recent(self, limit: int = 200) -> list[StoredResult]:
        """The latest results, newest first (without keystroke logs)."""
        rows = self._db.execute(
            f"SELECT {RESULT_COLUMNS} FROM results ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [row_to_result(row, None) for row in rows]

    def results(self, since: float | None = None) -> list[StoredResult]:
        """Every result from ``since`` (Unix time) on, oldest first, with its keystroke log."""
        rows = self._db.execute(
            f"SELECT {', '.join('r.' + c for c in RESULT_COLUMNS.split(', '))}, k.log "
            "FROM results r LEFT JOIN keystrokes k ON k.result_id = r.id WHERE r.created_at >= ? "
            "ORDER BY r.created_at, r.id",
            (float("-inf") if since is None else since,),
        ).fetchall()
        return [row_to_result(row[:-1], log_from_json(row[-1])) for row in rows]

    def samples(self, since: float | None = None, until: float | None = None) -> list[ResultSample]:
        """Every result typed from ``since`` until before ``until`` (Unix times; ``None``: no
        bound), oldest first, with only what ``bartype.core.progress`` reads of it."""
        rows = self._db.execute(
            "SELECT created_at, mode, language, wpm, accuracy, duration_s, valid FROM results "
            "WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
            (float("-inf") if since is None else since, float("inf") if until is None else until),
        )
        return [
            ResultSample(at, mode, language, wpm, accuracy, seconds, bool(valid))
            for at, mode, language, wpm, accuracy, seconds, valid in rows
        ]

    def get(self, result_id: int) -> StoredResult:
        """One result with its keystroke log.

        Raises:
            KeyError: no result has this id.
        """
        row = self._db.execute(
            f"SELECT {RESULT_COLUMNS} FROM results WHERE id = ?", (result_id,)
        ).fetchone()
        if row is None:
            raise KeyError(result_id)
        log_row = self._db.execute(
            "SELECT log FROM keystrokes WHERE result_id = ?", (result_id,)
        ).fetchone()
        return row_to_result(row, log_from_json(None if log_row is None else log_row[0]))

    def personal_bests(self) -> dict[BestKey, StoredResult]:
        """The best valid result per test, by WPM (the earliest on a tie).

        A test is its mode, mode2, language, text options and, for a custom
        text, its content (``BestKey``): German words are not English words,
        punctuation makes any text slower to type, each quote and each file is
        a text of its own. A race result is a result of its test like any other
        (its flags, or not finishing, made it invalid when it was kept).
        """
        rows = self._db.execute(
            f"SELECT {RESULT_COLUMNS}, text_key FROM results r WHERE valid = 1 AND id = ("
            "SELECT id FROM results s WHERE s.valid = 1 AND s.mode = r.mode AND s.mode2 = r.mode2 "
            "AND s.language IS r.language AND s.options = r.options AND s.text_key = r.text_key "
            "ORDER BY s.wpm DESC, s.id ASC LIMIT 1)"
        )
        return {
            (row[2], row[3], row[4], row[27], row[-1]): row_to_result(row[:-1], None)
            for row in rows
        }

    def is_personal_best(
        self,
        result: Result,
        *,
        mode: str | None = None,
        mode2: str | None = None,
        language: str | None = None,
        options: str = "",
        text: str | None = None,
    ) -> bool:
        """Would ``result`` beat the stored best for the same test? Call before ``save``.

        ``text`` is the text typed: it tells custom texts apart (see ``BestKey``).
        """
        if not result.is_valid:
            return False
        mode = mode or result.config.mode.value
        row = self._db.execute(
            "SELECT MAX(wpm) FROM results WHERE valid = 1 AND mode = ? AND mode2 = ? "
            "AND language IS ? AND options = ? AND text_key = ?",
            (
                mode,
                result.config.mode2 if mode2 is None else mode2,
                language,
                options,
                text_key(mode, text),
            ),
        ).fetchone()
        return row[0] is None or result.metrics.wpm > row[0]

    def key_stats(self) -> dict[str, KeyStat]:
        """Per-key totals over every stored result (presses, errors, timing)."""
        return {
            row[0]: KeyStat(row[1], row[2], row[3], row[4])
            for row in self._db.execute(
                "SELECT key, presses, errors, interval_total_ms, interval_count FROM key_stats "
                "ORDER BY key"
            )
        }

    def count(self) -> int:
        """Number of stored results."""
        (n,) = self._db.execute("SELECT COUNT(*) FROM results").fetchone()
        return int(n)

    def close(self) -> None:
        """Checkpoint and close the database."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # another connection may hold the WAL; it is checkpointed later
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
