"""Results history in SQLite: every finished test with its full keystroke log.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed result
survives the process being killed at any moment (it may not survive a power
cut within the last checkpoint, which is acceptable for a typing history).
The schema version lives in ``PRAGMA user_version``; ``MIGRATIONS[i]``
upgrades a database from version ``i`` to ``i + 1``, each in one transaction.
Paths are passed in; nothing happens at import.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bartype.core.keystrokes import Keystroke, keystrokes_from_key
from bartype.core.metrics import KeyStat, SecondSeries
from bartype.core.options import Mode
from bartype.core.race import RacePlace
from bartype.core.session import Result, SessionConfig


class HistoryError(Exception):
    """The history database cannot be used; the message says what to do."""


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One stored test. ``keystrokes`` is loaded by ``History.get`` only."""

    id: int
    created_at: float
    mode: str
    mode2: str
    language: str | None
    wpm: float
    raw: float
    accuracy: float
    consistency: float
    duration_s: float
    correct: int
    incorrect: int
    extra: int
    missed: int
    valid: bool
    invalid_reasons: tuple[str, ...]
    state: str
    text: str | None
    series: SecondSeries
    keys: Mapping[str, KeyStat]
    text_id: str | None = None
    key_consistency: float = 0.0
    keypresses: int = 0
    errors: int = 0
    afk: bool = False
    duration_limit_s: float | None = None
    word_count: int | None = None
    options: str = ""
    """Text options the test had, space-separated: "punctuation", "numbers"."""
    race: RacePlace | None = None
    """The room, race and place, for a result typed in a race."""
    keystrokes: tuple[Keystroke, ...] | None = field(default=None, repr=False)

    def session_config(self) -> SessionConfig:
        """The configuration to replay this test with ``bartype.core.session.replay``."""
        core_mode = {m.value: m for m in Mode}.get(self.mode, Mode.CUSTOM)
        return SessionConfig(
            core_mode, duration_s=self.duration_limit_s, word_count=self.word_count
        )


BestKey = tuple[str, str, str | None, str, str]
"""What makes two results the same test: mode, mode2 (the quote id, the word
count...), language, text options, and for a custom text its content
(``text_key``). One rule for the results screen and the History screen."""


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
        _add_keys(totals, _keys_from_json(keys_json))
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


def text_key(mode: str, text: str | None) -> str:
    """What makes a custom text the same test as another: a digest of its content.

    Other modes are told apart by ``mode2`` (the quote id, the word count...),
    so their key is empty.
    """
    if mode != "custom" or not text:
        return ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


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


def result_uid(created_at: float, mode: str, mode2: str, text: str | None, log: str) -> str:
    """A result's identity across machines: a digest of when it was typed, what and how.

    ``log`` is the keystroke log as stored (JSON). An exported result keeps its
    ``uid``, so importing it again finds it instead of adding it twice.
    """
    content = json.dumps([repr(float(created_at)), mode, mode2, text, log], ensure_ascii=True)
    return hashlib.sha256(content.encode("ascii")).hexdigest()[:32]


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
)
SCHEMA_VERSION = len(MIGRATIONS)


def _add_keys(totals: dict[str, KeyStat], keys: Mapping[str, KeyStat]) -> None:
    for key, stat in keys.items():
        total = totals.get(key)
        if total is None:
            total = totals[key] = KeyStat()
        total.presses += stat.presses
        total.errors += stat.errors
        total.interval_total_ms += stat.interval_total_ms
        total.interval_count += stat.interval_count


def _keys_to_json(keys: Mapping[str, KeyStat]) -> str:
    return json.dumps(
        {k: [s.presses, s.errors, s.interval_total_ms, s.interval_count] for k, s in keys.items()},
        ensure_ascii=False,
    )


def _keys_from_json(text: str) -> dict[str, KeyStat]:
    raw: dict[str, list[Any]] = json.loads(text)
    return {k: KeyStat(int(v[0]), int(v[1]), float(v[2]), int(v[3])) for k, v in raw.items()}


def _series_to_json(series: SecondSeries) -> str:
    return json.dumps(
        {
            "wpm": list(series.wpm),
            "raw": list(series.raw),
            "burst": list(series.burst),
            "errors": list(series.errors),
            "times": list(series.times),
        }
    )


def _series_from_json(text: str, duration_s: float) -> SecondSeries:
    raw = json.loads(text)
    wpm = tuple(raw["wpm"])
    times = raw.get("times")
    if times is None:  # stored before the times were: whole seconds, then maybe the end
        times = [float(i) for i in range(1, len(wpm) + 1)]
        if times and times[-1] > duration_s:
            times[-1] = duration_s
    return SecondSeries(
        wpm, tuple(raw["raw"]), tuple(raw["burst"]), tuple(raw["errors"]), tuple(times)
    )


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


_COLUMNS = (
    "id, created_at, mode, mode2, language, wpm, raw, accuracy, consistency, duration_s, "
    "correct, incorrect, extra, missed, valid, invalid_reasons, state, text, series, keys, "
    "text_id, key_consistency, keypresses, errors, afk, duration_limit_s, word_count, options, "
    "room, race_id, place, racers"
)


def _row_to_result(row: tuple[Any, ...], keystrokes: tuple[Keystroke, ...] | None) -> StoredResult:
    return StoredResult(
        id=row[0],
        created_at=row[1],
        mode=row[2],
        mode2=row[3],
        language=row[4],
        wpm=row[5],
        raw=row[6],
        accuracy=row[7],
        consistency=row[8],
        duration_s=row[9],
        correct=row[10],
        incorrect=row[11],
        extra=row[12],
        missed=row[13],
        valid=bool(row[14]),
        invalid_reasons=tuple(json.loads(row[15])),
        state=row[16],
        text=row[17],
        series=_series_from_json(row[18], row[9]),
        keys=_keys_from_json(row[19]),
        text_id=row[20],
        key_consistency=row[21],
        keypresses=row[22],
        errors=row[23],
        afk=bool(row[24]),
        duration_limit_s=row[25],
        word_count=row[26],
        options=row[27],
        race=None if row[28] is None else RacePlace(row[28], row[29], row[30], row[31]),
        keystrokes=keystrokes,
    )


def _log_from_json(log: str | None) -> tuple[Keystroke, ...]:
    keystrokes: list[Keystroke] = []
    for name, t in json.loads(log or "[]"):
        keystrokes.extend(keystrokes_from_key(name, float(t)))
    return tuple(keystrokes)


KEPT_SESSIONS_MAX_AGE_S = 86_400.0
"""Kept sessions no server has taken back after a day are dropped (their TTL is long over)."""


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


@dataclass(frozen=True, slots=True)
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


class KeptSession(NamedTuple):
    """A session snapshot kept across a server restart, and when it was kept (Unix time)."""

    saved_at: float
    snapshot: dict[str, Any]


class History:
    """The results database at ``path`` (created and migrated on open)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
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
        log = json.dumps([[k.name, k.t] for k in result.keystrokes], ensure_ascii=False)
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
                    _series_to_json(m.series),
                    _keys_to_json(m.keys),
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
            self._add_key_stats(_keys_from_json(str(result["keys"])))
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
            f"SELECT {_COLUMNS} FROM results ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
        )
        return [_row_to_result(row, None) for row in rows]

    def results(self, since: float | None = None) -> list[StoredResult]:
        """Every result from ``since`` (Unix time) on, oldest first, with its keystroke log."""
        rows = self._db.execute(
            f"SELECT {', '.join('r.' + c for c in _COLUMNS.split(', '))}, k.log FROM results r "
            "LEFT JOIN keystrokes k ON k.result_id = r.id WHERE r.created_at >= ? "
            "ORDER BY r.created_at, r.id",
            (float("-inf") if since is None else since,),
        ).fetchall()
        return [_row_to_result(row[:-1], _log_from_json(row[-1])) for row in rows]

    def get(self, result_id: int) -> StoredResult:
        """One result with its keystroke log.

        Raises:
            KeyError: no result has this id.
        """
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM results WHERE id = ?", (result_id,)
        ).fetchone()
        if row is None:
            raise KeyError(result_id)
        log_row = self._db.execute(
            "SELECT log FROM keystrokes WHERE result_id = ?", (result_id,)
        ).fetchone()
        return _row_to_result(row, _log_from_json(None if log_row is None else log_row[0]))

    def personal_bests(self) -> dict[BestKey, StoredResult]:
        """The best valid result per test, by WPM (the earliest on a tie).

        A test is its mode, mode2, language, text options and, for a custom
        text, its content (``BestKey``): German words are not English words,
        punctuation makes any text slower to type, each quote and each file is
        a text of its own. A race result is a result of its test like any other
        (its flags, or not finishing, made it invalid when it was kept).
        """
        rows = self._db.execute(
            f"SELECT {_COLUMNS}, text_key FROM results r WHERE valid = 1 AND id = ("
            "SELECT id FROM results s WHERE s.valid = 1 AND s.mode = r.mode AND s.mode2 = r.mode2 "
            "AND s.language IS r.language AND s.options = r.options AND s.text_key = r.text_key "
            "ORDER BY s.wpm DESC, s.id ASC LIMIT 1)"
        )
        return {
            (row[2], row[3], row[4], row[27], row[-1]): _row_to_result(row[:-1], None)
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
