"""The history database's schema: its migrations, in order.

The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS[i]``
upgrades a database from version ``i`` to ``i + 1``, each in one transaction
(``migrate``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable

from bartype.core.metrics import KeyStat
from bartype.storage import key_totals
from bartype.storage.result_rows import add_keys, keys_from_json, result_uid, text_key


class HistoryError(Exception):
    """The history database cannot be used; the message says what to do."""


def _v1(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            mode TEXT NOT NULL,
            mode2 TEXT NOT NULL,
            language TEXT,
            text_id TEXT,
            text TEXT,
            state TEXT NOT NULL,
            duration_limit_s REAL,
            word_count INTEGER,
            wpm REAL NOT NULL,
            raw REAL NOT NULL,
            accuracy REAL NOT NULL,
            consistency REAL NOT NULL,
            key_consistency REAL NOT NULL,
            duration_s REAL NOT NULL,
            correct INTEGER NOT NULL,
            incorrect INTEGER NOT NULL,
            extra INTEGER NOT NULL,
            missed INTEGER NOT NULL,
            keypresses INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            afk INTEGER NOT NULL,
            valid INTEGER NOT NULL,
            invalid_reasons TEXT NOT NULL,
            series TEXT NOT NULL,
            keys TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE keystrokes (
            result_id INTEGER PRIMARY KEY REFERENCES results(id) ON DELETE CASCADE,
            log TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX results_created ON results(created_at)")


def _v2(db: sqlite3.Connection) -> None:
    """Per-key totals kept up to date on save, so the tutor reads them in O(keys)."""
    db.execute("CREATE INDEX results_best ON results(mode, mode2, valid, wpm)")
    db.execute(
        """
        CREATE TABLE key_stats (
            key TEXT PRIMARY KEY,
            presses INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            interval_total_ms REAL NOT NULL,
            interval_count INTEGER NOT NULL
        )
        """
    )
    totals: dict[str, KeyStat] = {}
    for (keys_json,) in db.execute("SELECT keys FROM results"):
        add_keys(totals, keys_from_json(keys_json))
    db.executemany(
        "INSERT INTO key_stats VALUES (?, ?, ?, ?, ?)",
        [
            (k, s.presses, s.errors, s.interval_total_ms, s.interval_count)
            for k, s in totals.items()
        ],
    )


def _v3(db: sqlite3.Connection) -> None:
    """Text options (punctuation, numbers): a test with them is a different test."""
    db.execute("ALTER TABLE results ADD COLUMN options TEXT NOT NULL DEFAULT ''")


def _v4(db: sqlite3.Connection) -> None:
    """Sessions kept by a server across a restart (one JSON snapshot each), per server."""
    db.execute(
        "CREATE TABLE live_sessions (owner TEXT NOT NULL, id TEXT NOT NULL, "
        "saved_at REAL NOT NULL, data TEXT NOT NULL, PRIMARY KEY (owner, id))"
    )


def _v5(db: sqlite3.Connection) -> None:
    """Kept sessions hold a hash of their resume token, never the token."""
    rows = db.execute("SELECT rowid, data FROM live_sessions").fetchall()
    for rowid, data in rows:
        try:
            snapshot = json.loads(data)
            token = snapshot.pop("token")
            # The digest bartype.protocol.handler.token_digest makes (a test checks).
            snapshot["tokenHash"] = hashlib.sha256(
                str(token).encode("utf-8", "surrogatepass")
            ).hexdigest()
        except (ValueError, RecursionError, TypeError, AttributeError, KeyError):
            db.execute("DELETE FROM live_sessions WHERE rowid = ?", (rowid,))
            continue
        db.execute(
            "UPDATE live_sessions SET data = ? WHERE rowid = ?", (json.dumps(snapshot), rowid)
        )


def _v6(db: sqlite3.Connection) -> None:
    """Custom texts are told apart by content: each file has bests of its own."""
    db.execute("ALTER TABLE results ADD COLUMN text_key TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, text FROM results WHERE mode = 'custom'").fetchall()
    db.executemany(
        "UPDATE results SET text_key = ? WHERE id = ?",
        [(text_key("custom", text), result_id) for result_id, text in rows],
    )


def _v7(db: sqlite3.Connection) -> None:
    """The adaptive tutor's profile (bartype.core.tutor's to_json), per language and layout."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS tutor_profiles (language TEXT NOT NULL, layout TEXT NOT NULL, "
        "saved_at REAL NOT NULL, data TEXT NOT NULL, PRIMARY KEY (language, layout))"
    )


def _v8(db: sqlite3.Connection) -> None:
    """Each result gets a stable identity (``result_uid``) so imports duplicate nothing."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    if "uid" not in columns:
        db.execute("ALTER TABLE results ADD COLUMN uid TEXT")
    rows = db.execute(
        "SELECT r.id, r.created_at, r.mode, r.mode2, r.text, COALESCE(k.log, '[]') "
        "FROM results r LEFT JOIN keystrokes k ON k.result_id = r.id WHERE r.uid IS NULL"
    ).fetchall()
    seen = {uid for (uid,) in db.execute("SELECT uid FROM results WHERE uid IS NOT NULL")}
    for result_id, created_at, mode, mode2, text, log in rows:
        uid = result_uid(created_at, mode, mode2, text, log)
        if uid in seen:  # two identical rows (a copied result): keep both, told apart by id
            uid = result_uid(created_at, mode, f"{mode2}#{result_id}", text, log)
        seen.add(uid)
        db.execute("UPDATE results SET uid = ? WHERE id = ?", (uid, result_id))
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS results_uid ON results(uid)")


def _v9(db: sqlite3.Connection) -> None:
    """Race results: the room's code, the race's number in it, the place, how many raced."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    for name, kind in (("room", "TEXT"), ("race_id", "INTEGER"), ("place", "INTEGER")):
        if name not in columns:
            db.execute(f"ALTER TABLE results ADD COLUMN {name} {kind}")
    if "racers" not in columns:
        db.execute("ALTER TABLE results ADD COLUMN racers INTEGER")


def _v10(db: sqlite3.Connection) -> None:
    """Lesson progress per layout and lesson: attempts, bests, and when it was first passed."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS lesson_progress (layout TEXT NOT NULL, "
        "lesson INTEGER NOT NULL, attempts INTEGER NOT NULL, best_wpm REAL NOT NULL, "
        "best_accuracy REAL NOT NULL, "
        "passed_at REAL, last_at REAL NOT NULL, PRIMARY KEY (layout, lesson))"
    )


def _v11(db: sqlite3.Connection) -> None:
    """Each result's key and bigram totals, stored once (``bartype.storage.key_totals``);
    the results already there are queued, for the first reader to fill."""
    key_totals.create_tables(db)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
    _v11,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring ``db`` up to schema ``target``; return the version it was at.

    Raises:
        HistoryError: the database was written by a newer BARtype.
    """
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"The history database has schema version {version}, newer than this BARtype "
            f"understands ({SCHEMA_VERSION}). Upgrade bartype, or use another --data-dir / --db."
        )
    start = version
    while version < target:
        with db:
            db.execute("BEGIN IMMEDIATE")
            MIGRATIONS[version](db)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")
    return start
