"""Per-result key and bigram totals: stored on save, queued by the migration, summed exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.history import varied_history

from bartype.core.progress import KeyTotals, Tally, progress, tally_keys
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.drills import load_drill_source
from bartype.storage.history import MIGRATIONS, History, migrate
from bartype.storage.tutor_profiles import profile_language

from .test_history import TEXT, finished


def replayed(history: History, since: float | None = None, until: float | None = None) -> KeyTotals:
    """The totals of those results, replayed from their logs (what ``stats`` once did)."""
    totals = KeyTotals()
    for r in history.results(since):
        if (until is None or r.created_at < until) and r.text and r.keystrokes:
            tally_keys(r.text, r.keystrokes, totals.keys, totals.bigrams)
    return totals


def rows_summed(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    summed = db.execute(
        "SELECT bigram, key, SUM(hits), SUM(misses), SUM(time_units), SUM(timed) "
        "FROM result_key_totals GROUP BY bigram, key ORDER BY bigram, key"
    ).fetchall()
    kept = db.execute("SELECT * FROM all_key_totals ORDER BY bigram, key").fetchall()
    db.close()
    assert kept == summed  # the triggers' sum is the rows' sum
    return kept


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("varied") / "history.sqlite3"
    varied_history(path, 90)
    return path


def test_an_old_file_queues_its_results_and_the_first_fill_matches_a_replay(
    varied: Path,
) -> None:
    """Results saved before version 11 wait in key_totals_pending; one fill, in batches,
    gives each the totals a replay of its log gives, and leaves nothing queued."""
    with History(varied) as history:
        pending = history._db.execute("SELECT COUNT(*) FROM key_totals_pending").fetchone()[0]
        assert 0 < pending < history.count()  # the old third, not the new results
        assert history.fill_key_totals(batch=7) == pending
        assert history.fill_key_totals() == 0
        assert history.key_totals() == replayed(history)
    rows_summed(varied)


def test_a_range_sums_exactly_what_a_replay_of_its_results_gives(varied: Path) -> None:
    """Every range, whether summed from its results or the whole sum less the others, has
    the replay's totals exactly (integer sums: no figure differs in any digit)."""
    with History(varied) as history:
        history.fill_key_totals()
        times = sorted(r.created_at for r in history.results())
        cuts = [None, times[5], times[len(times) // 2], times[-5], times[-1] + 1]
        for since in cuts:
            for until in cuts:
                if since is not None and until is not None and since >= until:
                    continue
                assert history.key_totals(since, until) == replayed(history, since, until)


def test_save_stores_the_totals_at_once_and_a_deleted_result_takes_them_away(
    tmp_path: Path,
) -> None:
    """A saved result's totals are there without a fill; deleting a result removes its rows
    and its share of the whole sum."""
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        first = history.save(finished(), text=TEXT, created_at=1.0)
        history.save(finished(interval=220.0), text=TEXT, created_at=2.0)
        assert history.fill_key_totals() == 0
        assert history.key_totals() == replayed(history)
        # "o" of one, two and four each time; the very first key has no interval.
        o = history.key_totals().keys["o"]
        assert o == Tally(hits=6, misses=0, time_units=(2 * 150 + 2 * 220) * 2**26, timed=4)
        assert o.mean_ms == 185.0
        history._db.execute("DELETE FROM results WHERE id = ?", (first,))
        assert history.key_totals() == replayed(history)
    rows_summed(path)


def test_an_imported_result_and_a_server_s_wait_for_the_next_fill(tmp_path: Path) -> None:
    """``add_rows``, and ``save`` on a history opened with ``totals_on_save=False`` (a
    server's), queue the result rather than replay it; the fill gives its totals."""
    with History(tmp_path / "a.sqlite3", totals_on_save=False) as source:
        source.save(finished(), text=TEXT, created_at=5.0)
        assert source.key_totals() == KeyTotals()
        exported = list(source.rows())
        assert source.fill_key_totals() == 1
        assert source.key_totals() == replayed(source) != KeyTotals()
    with History(tmp_path / "b.sqlite3") as history:
        assert history.add_rows(*exported[0])
        assert history.key_totals() == KeyTotals()
        assert history.fill_key_totals() == 1
        assert history.key_totals() == replayed(history)


def test_migration_11_can_run_again_and_mends_the_whole_sum(tmp_path: Path) -> None:
    """Version 11 on a version 10 file queues its results; run again, it adds no row twice
    and sums all_key_totals afresh from the rows."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=10)
    db.close()
    with History(path) as history:
        for n in range(3):
            history.save(finished(interval=150.0 + 10 * n), text=TEXT, created_at=float(n))
    expected = rows_summed(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE all_key_totals SET hits = hits + 1")  # damaged
    MIGRATIONS[10](db)
    assert db.execute("SELECT COUNT(*) FROM key_totals_pending").fetchone()[0] == 0
    db.close()
    assert rows_summed(path) == expected


@pytest.mark.parametrize("language", ["english", "german_1k"])
def test_bigram_drills_read_the_stored_totals_of_their_language(
    varied: Path, language: str
) -> None:
    """A drill's slowest bigrams, summed from the stored totals of the results of its
    language (English: quotes and texts too), are those a replay of those results gives."""
    library = TextLibrary(default_texts_root())
    base = profile_language(language)
    with History(varied) as history:
        history.fill_key_totals()
        kept = [
            r
            for r in history.results()
            if (profile_language(r.language) if r.language else "english") == base
        ]
    expected = [(f.key, f.mean_ms) for f in progress(kept).slowest_bigrams]
    assert expected and load_drill_source(varied, library, language).bigrams == expected
