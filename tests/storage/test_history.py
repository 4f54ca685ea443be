"""History: SQLite round trips, personal bests, per-key totals and migrations."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bartype.core.keystrokes import type_text
from bartype.core.options import Mode
from bartype.core.session import Result, SessionConfig, TypingSession, replay
from bartype.protocol.live import token_digest
from bartype.storage.history import MIGRATIONS, SCHEMA_VERSION, History, HistoryError, migrate

TEXT = "one two three four five six seven eight nine ten"


def finished(text: str = TEXT, interval: float = 150.0) -> Result:
    config = SessionConfig(Mode.WORDS, word_count=len(text.split()))
    session = TypingSession(config, text)
    for key in type_text(text, interval=interval):
        if session.state.is_open:
            session.apply(key)
    result = session.result
    assert result is not None
    return result


def test_round_trip_with_keystrokes(tmp_path: Path) -> None:
    """A saved result reads back with its metrics, series, per-key stats and keystroke log."""
    result = finished()
    with History(tmp_path / "h.sqlite3") as history:
        rid = history.save(result, text=TEXT, text_id="custom", language="english", created_at=5.0)
        stored = history.get(rid)
    assert stored.id == rid and stored.created_at == 5.0
    assert (stored.mode, stored.mode2, stored.language) == ("words", "10", "english")
    assert stored.wpm == result.metrics.wpm and stored.accuracy == result.metrics.accuracy
    assert stored.series == result.metrics.series
    assert dict(stored.keys) == dict(result.metrics.keys)
    assert stored.valid is result.is_valid and stored.invalid_reasons == result.invalid_reasons
    assert stored.text == TEXT and stored.state == "completed"
    assert stored.keystrokes == result.keystrokes


def test_stored_log_replays_to_the_same_result(tmp_path: Path) -> None:
    """Replaying a stored keystroke log gives the stored metrics."""
    result = finished()
    with History(tmp_path / "h.sqlite3") as history:
        stored = history.get(history.save(result, text=TEXT))
    assert stored.keystrokes is not None
    again = replay(stored.session_config(), stored.text, list(stored.keystrokes))
    assert again.result is not None and again.result.metrics.wpm == stored.wpm


def test_recent_personal_bests_and_key_stats(tmp_path: Path) -> None:
    """Recent is newest first; bests keep the fastest valid result; key stats add up."""
    slow, fast = finished(interval=200.0), finished(interval=120.0)
    with History(tmp_path / "h.sqlite3") as history:
        assert history.is_personal_best(slow)
        history.save(slow, text=TEXT, created_at=1.0)
        assert history.is_personal_best(fast)
        fast_id = history.save(fast, text=TEXT, created_at=2.0)
        assert not history.is_personal_best(slow)
        assert [r.created_at for r in history.recent()] == [2.0, 1.0]
        assert history.recent()[0].keystrokes is None
        bests = history.personal_bests()
        key = ("words", "10", None, "", "")
        assert list(bests) == [key] and bests[key].id == fast_id
        stats = history.key_stats()
        assert stats["o"].presses == slow.metrics.keys["o"].presses * 2
        with pytest.raises(KeyError):
            history.get(999)


def test_each_language_has_its_own_bests(tmp_path: Path) -> None:
    """A German words test is a best of its own, not measured against English ones."""
    slow, fast = finished(interval=200.0), finished(interval=120.0)
    with History(tmp_path / "h.sqlite3") as history:
        history.save(fast, text=TEXT, language="english")
        assert not history.is_personal_best(slow, language="english")
        assert history.is_personal_best(slow, language="german")
        history.save(slow, text=TEXT, language="german")
        bests = history.personal_bests()
        assert set(bests) == {
            ("words", "10", "english", "", ""),
            ("words", "10", "german", "", ""),
        }


def test_text_options_have_their_own_bests(tmp_path: Path) -> None:
    """A test with punctuation is a best of its own, and the options are stored."""
    from bartype.core.session import text_options

    slow, fast = finished(interval=200.0), finished(interval=120.0)
    punctuated = text_options("words", True, False)
    assert punctuated == "punctuation"
    assert text_options("quote", True, True) == ""
    with History(tmp_path / "h.sqlite3") as history:
        history.save(fast, text=TEXT, language="english")
        assert history.is_personal_best(slow, language="english", options=punctuated)
        history.save(slow, text=TEXT, language="english", options=punctuated)
        assert history.recent()[0].options == punctuated
        assert set(history.personal_bests()) == {
            ("words", "10", "english", "", ""),
            ("words", "10", "english", "punctuation", ""),
        }


def test_invalid_results_are_never_bests(tmp_path: Path) -> None:
    """An invalid result is stored but is not a personal best."""
    config = SessionConfig(Mode.WORDS, word_count=2)
    session = TypingSession(config, "hi you")
    for key in type_text("hi you"):
        session.apply(key)
    result = session.result
    assert result is not None and not result.is_valid
    with History(tmp_path / "h.sqlite3") as history:
        assert not history.is_personal_best(result)
        history.save(result, text="hi you", mode="code", mode2="python")
        assert history.personal_bests() == {}
        assert history.recent()[0].mode == "code"


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    """The database is in WAL mode and carries the current schema version."""
    path = tmp_path / "h.sqlite3"
    History(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migration_from_version_1_backfills_key_stats(tmp_path: Path) -> None:
    """A version-1 database is upgraded in place and its per-key totals are backfilled."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=1)
    db.close()
    result = finished()
    db = sqlite3.connect(path, isolation_level=None)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "key_stats" not in tables
    db.close()
    # A row as version 1 stored it: the results table is unchanged by version 2.
    with History(tmp_path / "tmp.sqlite3") as history:
        history.save(result, text=TEXT)
    src = sqlite3.connect(tmp_path / "tmp.sqlite3")
    # Columns as version 1 had them: ``options`` came with version 3, the others later.
    later = {"options", "text_key", "uid", "room", "race_id", "place", "racers"}
    cols = [d[0] for d in src.execute("SELECT * FROM results").description if d[0] not in later]
    row = src.execute(f"SELECT {', '.join(cols)} FROM results").fetchone()
    src.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        f"INSERT INTO results ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", row
    )
    db.close()
    with History(path) as history:
        assert history.count() == 1
        assert history.key_stats()["o"].presses == result.metrics.keys["o"].presses
        assert history.recent()[0].options == ""  # version 3 gave old rows no options
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database from a newer version is refused with advice, not silently changed."""
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(HistoryError, match="Upgrade bartype"):
        History(path)


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    """A file that is not SQLite gives a HistoryError saying what to do."""
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="Move it aside"):
        History(path)


def test_live_sessions_are_kept_once_and_replaced(tmp_path: Path) -> None:
    """Snapshots of sessions: kept across a reopen, taken once, replaced whole, per server."""
    path = tmp_path / "server.sqlite3"
    with History(path) as history:
        history.keep_live_sessions("a:1", [{"id": "a", "n": 1}, {"id": "b", "n": 2}])
        history.keep_live_sessions("a:1", [{"id": "c", "n": 3}])
        history.keep_live_sessions("b:2", [{"id": "c", "n": 4}])
    with History(path) as history:
        history._db.execute("INSERT INTO live_sessions VALUES ('a:1', 'd', 0, 'not json')")
        history._db.execute(
            "INSERT INTO live_sessions VALUES ('a:1', 'e', 0, ?)", ("[" * 100_000 + "]" * 100_000,)
        )
        kept = history.take_live_sessions("a:1")
        assert [k.snapshot for k in kept] == [{"id": "c", "n": 3}]
        assert abs(kept[0].saved_at - time.time()) < 60
        assert history.take_live_sessions("a:1") == []
        assert [k.snapshot for k in history.take_live_sessions("b:2")] == [{"id": "c", "n": 4}]


def test_kept_sessions_nobody_took_back_are_dropped_after_a_day(tmp_path: Path) -> None:
    with History(tmp_path / "server.sqlite3") as history:
        history._db.execute(
            "INSERT INTO live_sessions VALUES ('gone:1', 'x', ?, '{}')", (time.time() - 90_000,)
        )
        history._db.execute(
            "INSERT INTO live_sessions VALUES ('b:2', 'y', ?, '{}')", (time.time(),)
        )
        history.keep_live_sessions("a:1", [])
        assert history.take_live_sessions("gone:1") == []
        assert len(history.take_live_sessions("b:2")) == 1


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The database file (and its write-ahead log) is created with mode 0600, not 0644."""
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.save(finished(), text=TEXT)
        assert (path.stat().st_mode & 0o777) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert (wal.stat().st_mode & 0o777) == 0o600


def test_migration_to_version_5_keeps_only_a_hash_of_each_kept_token(tmp_path: Path) -> None:
    """Kept sessions from before version 5 held their resume token: the upgrade replaces
    it by the digest the handler checks a token against."""
    path = tmp_path / "server.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=4)
    snapshot = '{"id": "s1", "token": "tok-123", "idleS": 1.0}'
    db.execute("INSERT INTO live_sessions VALUES ('a:1', 's1', ?, ?)", (time.time(), snapshot))
    db.close()
    with History(path) as history:
        (kept,) = history.take_live_sessions("a:1")
    assert "token" not in kept.snapshot
    assert kept.snapshot["tokenHash"] == token_digest("tok-123")
    assert kept.snapshot["idleS"] == 1.0


def _custom(text: str, interval: float) -> Result:
    session = TypingSession(SessionConfig(Mode.CUSTOM), text)
    for key in type_text(text, interval=interval):
        if session.state.is_open:
            session.apply(key)
    assert session.result is not None and session.result.is_valid
    return session.result


def test_each_custom_text_has_its_own_best(tmp_path: Path) -> None:
    """A custom text's best is per content: a short file does not compete with a long one."""
    short = "five little words to type"
    long = "a much longer text of about ninety characters that takes a while longer to type well"
    with History(tmp_path / "h.sqlite3") as history:
        assert history.is_personal_best(_custom(short, 80.0), text=short)
        history.save(_custom(short, 80.0), text=short, text_id="custom")
        assert history.is_personal_best(_custom(long, 150.0), text=long)
        history.save(_custom(long, 150.0), text=long, text_id="custom")
        assert not history.is_personal_best(_custom(long, 160.0), text=long)
        assert history.is_personal_best(_custom(long, 120.0), text=long)
        assert not history.is_personal_best(_custom(short, 90.0), text=short)
        assert len(history.personal_bests()) == 2


def test_quotes_have_a_best_each_and_all_are_listed(tmp_path: Path) -> None:
    """Every quote is a test of its own, and each best is among the personal bests."""
    result = finished()
    with History(tmp_path / "h.sqlite3") as history:
        for quote_id in ("7", "12"):
            assert history.is_personal_best(result, mode="quote", mode2=quote_id)
            history.save(result, text=TEXT, mode="quote", mode2=quote_id)
        assert not history.is_personal_best(result, mode="quote", mode2="7")
        assert {key[:2] for key in history.personal_bests()} == {("quote", "7"), ("quote", "12")}


def test_migration_gives_old_custom_results_their_text_key(tmp_path: Path) -> None:
    """Custom results stored before text keys existed compete with the same text after."""
    text = "five little words to type"
    path = tmp_path / "old.sqlite3"
    with History(path) as history:
        history.save(_custom(text, 80.0), text=text)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("ALTER TABLE results DROP COLUMN text_key")  # as before the key existed
    db.execute("PRAGMA user_version = 5")  # before v6, which adds the key
    db.close()
    with History(path) as history:
        assert not history.is_personal_best(_custom(text, 90.0), text=text)


def test_tutor_profile_round_trip(tmp_path: Path) -> None:
    """A tutor saved for a language and layout comes back from the SQLite file, per layout."""
    from bartype.core.tutor import Tutor
    from bartype.storage.corpus import TextLibrary, default_texts_root

    words = TextLibrary(default_texts_root()).words("english_1k")
    tutor = Tutor(words, layout="dvorak", seed=3)
    text = tutor.next_text()
    tutor.record(text, [(ch, i * 300.0) for i, ch in enumerate(text)])
    path = tmp_path / "history.db"
    with History(path) as history:
        assert history.tutor_profile("english", "dvorak") is None
        history.save_tutor_profile("english", "dvorak", tutor.to_json())
        history.save_tutor_profile("english", "qwerty", Tutor(words).to_json())
    with History(path) as history:
        data = history.tutor_profile("english", "dvorak")
        other = history.tutor_profile("english", "qwerty")
    assert data is not None and other is not None
    restored = Tutor.from_json(data, words)
    assert restored.state() == tutor.state()
    assert Tutor.from_json(other, words).lessons == 0


def test_race_results_keep_room_race_and_place_and_count_for_bests(tmp_path: Path) -> None:
    """A race result reads back with its room, race and place; its final place can follow;
    a valid one is a best of its test like any other, a flagged one never."""
    from dataclasses import replace

    from bartype.core.race import FLAG_PASTED, RacePlace

    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        solo = history.save(finished(interval=150.0), text=TEXT)
        race = RacePlace("YJNZ", 3, 2, 4)
        raced = history.save(finished(interval=120.0), text=TEXT, race=race)
        history.set_race_place(raced, 1, 4)  # the standings came after the result
        history.set_race_place(solo, 1, 4)  # a solo result has no place to change
        flagged = replace(finished(interval=90.0), invalid_reasons=(FLAG_PASTED,))
        history.save(flagged, text=TEXT, race=RacePlace("YJNZ", 4, 1, 4))
    with History(path) as history:  # from the file again
        assert history.get(solo).race is None
        assert history.get(raced).race == RacePlace("YJNZ", 3, 1, 4)
        (best,) = history.personal_bests().values()
        assert best.id == raced
        assert [r.race for r in history.recent()][0] == RacePlace("YJNZ", 4, 1, 4)


def test_migration_to_version_9_adds_race_columns_and_can_run_again(tmp_path: Path) -> None:
    """A version 8 file gets the race columns, its results none; the step is idempotent."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=8)
    db.close()
    with History(path) as history:  # migrates to the latest
        rid = history.save(finished(), text=TEXT)
        assert history.get(rid).race is None
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[8](db)  # again: nothing to add, nothing fails
    columns = [row[1] for row in db.execute("PRAGMA table_info(results)")]
    db.close()
    assert [c for c in columns if c in ("room", "race_id", "place", "racers")] == [
        "room",
        "race_id",
        "place",
        "racers",
    ]


def test_lesson_progress_round_trip_and_idempotent_migration(tmp_path: Path) -> None:
    """Lesson attempts are counted per layout on a real file, bests kept, a pass kept for
    good (a later failure does not undo it); the migration that adds them can run twice."""
    from bartype.storage.history import _v10

    path = tmp_path / "history.db"
    with History(path) as history:
        assert history.lesson_progress("dvorak") == {}
        first = history.record_lesson("dvorak", 1, wpm=18, accuracy=97, passed=False, at=10.0)
        assert not first.passed and first.attempts == 1
        history.record_lesson("dvorak", 1, wpm=24, accuracy=96, passed=True, at=20.0)
        history.record_lesson("dvorak", 1, wpm=12, accuracy=80, passed=False, at=30.0)
        history.record_lesson("qwerty", 2, wpm=40, accuracy=99, passed=True, at=40.0)
    with History(path) as history:
        dvorak = history.lesson_progress("dvorak")
        assert list(dvorak) == [1]
        record = dvorak[1]
        assert (record.attempts, record.best_wpm, record.best_accuracy) == (3, 24, 97)
        assert record.passed and record.passed_at == 20.0
        assert history.lesson_progress("qwerty")[2].passed
    db = sqlite3.connect(path, isolation_level=None)
    _v10(db)  # again: nothing lost, nothing raised
    assert db.execute("SELECT COUNT(*) FROM lesson_progress").fetchone()[0] == 2
    db.close()
