"""History export and import (JSON Lines) on real SQLite files: nothing lost, nothing twice."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from support.history import TEXT, fill, keys_for, result_for

from bartype.storage.exchange import ExchangeError, export_lines, export_to, import_lines
from bartype.storage.history import History, migrate


def _rows(path: Path) -> list[tuple[object, ...]]:
    """Every result and its keystroke log, as stored, without the local id."""
    db = sqlite3.connect(path)
    cursor = db.execute(
        "SELECT r.*, k.log FROM results r JOIN keystrokes k ON k.result_id = r.id "
        "ORDER BY r.created_at"
    )
    names = [d[0] for d in cursor.description]
    rows = [tuple(v for n, v in zip(names, row, strict=True) if n != "id") for row in cursor]
    db.close()
    return rows


def _moved(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A filled history, its export, and a second history it was imported into."""
    source, target = tmp_path / "old" / "h.sqlite3", tmp_path / "new" / "h.sqlite3"
    fill(source)
    with History(source) as history:
        history.save_tutor_profile("english", "qwerty", {"lessons": 3, "letters": "etaoin"})
        lines = list(export_lines(history))
    with History(target) as history:
        summary = import_lines(history, lines)
    assert (summary.added, summary.present, summary.profiles) == (10, 0, 1)
    return source, target, lines


def test_a_moved_history_loses_nothing(tmp_path: Path) -> None:
    """Results, keystroke logs, per-key totals, bests and tutor profiles arrive unchanged."""
    source, target, _ = _moved(tmp_path)
    assert _rows(target) == _rows(source)
    with History(source) as old, History(target) as new:
        assert new.key_stats() == old.key_stats()
        old_bests = {k: (r.wpm, r.created_at) for k, r in old.personal_bests().items()}
        assert {k: (r.wpm, r.created_at) for k, r in new.personal_bests().items()} == old_bests
        assert new.tutor_profile("english", "qwerty") == {"lessons": 3, "letters": "etaoin"}
        first = new.results()[0]
        assert first.keystrokes == old.results()[0].keystrokes and first.text == TEXT


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    """The second import finds every result by its uid: no duplicate, key totals unchanged."""
    _, target, lines = _moved(tmp_path)
    with History(target) as history:
        stats = history.key_stats()
        summary = import_lines(history, lines)
        assert (summary.added, summary.present, summary.profiles) == (0, 10, 0)
        assert history.count() == 10 and history.key_stats() == stats


def test_a_history_merges_with_another(tmp_path: Path) -> None:
    """Importing into a history with results of its own keeps both, and a new test saved
    after the move is exported with a uid of its own."""
    _, target, lines = _moved(tmp_path)
    with History(target) as history:
        history.save(result_for(keys_for(TEXT, 90.0)), text=TEXT, created_at=1.0)
        again = list(export_lines(history))
    other = tmp_path / "third.sqlite3"
    with History(other) as history:
        assert import_lines(history, again).added == 11
        assert import_lines(history, lines).present == 10


def test_a_bad_line_names_its_number_and_keeps_the_lines_before(tmp_path: Path) -> None:
    """Line 5 with a text for a number stops the import there; lines 2-4 are imported, and
    importing the fixed file adds the rest and nothing twice."""
    _, _, lines = _moved(tmp_path)
    record = json.loads(lines[4])
    record["wpm"] = "fast"
    broken = [*lines[:4], json.dumps(record), *lines[5:]]
    path = tmp_path / "fresh.sqlite3"
    with History(path) as history:
        with pytest.raises(ExchangeError) as caught:
            import_lines(history, broken)
        assert caught.value.line == 5
        assert "line 5: field 'wpm' must be a number, not 'fast'" in str(caught.value)
        assert caught.value.summary is not None and caught.value.summary.added == 3
        assert history.count() == 3
        assert import_lines(history, lines).added == 7
        assert history.count() == 10


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        ('{"type": "pizza"}', "line 2: unknown record type 'pizza'"),
        ('{"type": "result", "mode": "words"}', "line 2: a result needs the field"),
        ('{"type": "result", "colour": "red"}', "unknown field 'colour'"),
        (
            '{"type": "result", "series": {"wpm": "x"}}',
            "line 2: field 'series' is not a valid series",
        ),
        ('{"type": "result", "keystrokes": [["a"]]}', "list of [key, milliseconds]"),
        ('{"type": "tutorProfile", "language": "english"}', "a tutor profile needs"),
    ],
)
def test_malformed_records_are_refused_clearly(tmp_path: Path, line: str, message: str) -> None:
    """Each kind of bad record gets an error naming the line and what is wrong; none is kept."""
    header = '{"format": "bartype-history", "version": 1}'
    with History(tmp_path / "h.sqlite3") as history:
        with pytest.raises(ExchangeError, match=message.replace("[", r"\[")):
            import_lines(history, [header, line])
        assert history.count() == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "the file is empty"),
        (['{"type": "result"}'], "line 1: not the header of a BARtype history export"),
        (['{"format": "bartype-history", "version": 2}'], "Upgrade bartype"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    """An empty file, a file without the header or from a newer format is refused as such."""
    with History(tmp_path / "h.sqlite3") as history, pytest.raises(ExchangeError, match=message):
        import_lines(history, lines)


def test_a_newer_profile_replaces_an_older_one_only(tmp_path: Path) -> None:
    """An imported tutor profile is kept when newer than the one here, never when older."""
    header = '{"format": "bartype-history", "version": 1}'

    def profile(saved_at: float, lessons: int) -> str:
        data = {"lessons": lessons}
        return json.dumps(
            {
                "type": "tutorProfile",
                "language": "en",
                "layout": "qwerty",
                "savedAt": saved_at,
                "data": data,
            }
        )

    with History(tmp_path / "h.sqlite3") as history:
        assert import_lines(history, [header, profile(10.0, 1)]).profiles == 1
        assert import_lines(history, [header, profile(5.0, 2)]).profiles == 0
        assert history.tutor_profile("en", "qwerty") == {"lessons": 1}
        assert import_lines(history, [header, profile(20.0, 3)]).profiles == 1
        assert history.tutor_profile("en", "qwerty") == {"lessons": 3}


def test_the_export_is_ascii_and_private(tmp_path: Path) -> None:
    """The file is ASCII (a control character or an accent is an escape), mode 0600, and
    written whole: a text with ESC and é survives the trip."""
    text = "caf\u00e9 \x1b[2J ok"
    with History(tmp_path / "h.sqlite3") as history:
        history.save(result_for(keys_for("café ok", 100.0), "café ok"), text=text, created_at=3.0)
        out = tmp_path / "export.jsonl"
        assert export_to(history, out) == 1
    raw = out.read_bytes()
    assert raw.isascii() and b"\x1b" not in raw
    assert out.stat().st_mode & 0o777 == 0o600
    with History(tmp_path / "b.sqlite3") as history:
        import_lines(history, io.StringIO(raw.decode("ascii")))
        assert history.results()[0].text == text


def test_migration_8_gives_old_results_a_uid(tmp_path: Path) -> None:
    """A version-7 history gets a uid for each result, the same as a fresh save would give,
    and two identical copied rows stay two results."""
    path = tmp_path / "h.sqlite3"
    fill(path, days=1, per_day=1)
    with History(path) as history:
        (exported_uid,) = [json.loads(line)["uid"] for line in list(export_lines(history))[1:]]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP INDEX results_uid")
    db.execute("UPDATE results SET uid = NULL")
    names = [row[1] for row in db.execute("PRAGMA table_info(results)") if row[1] != "id"]
    columns = ", ".join(names)
    db.execute(f"INSERT INTO results ({columns}) SELECT {columns} FROM results")  # a copy
    db.execute("INSERT INTO keystrokes SELECT 2, log FROM keystrokes")
    db.execute("PRAGMA user_version = 7")
    assert migrate(db) == 7
    uids = [uid for (uid,) in db.execute("SELECT uid FROM results ORDER BY id")]
    db.close()
    assert uids[0] == exported_uid and uids[1] and uids[1] != uids[0]
