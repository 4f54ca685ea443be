"""Each result's key and bigram totals: a table of the history database (schema v11).

``bartype stats`` used to replay every stored keystroke log on each run. Now
each result's totals (``bartype.core.progress.key_totals``: hits, misses, timed
presses and their summed intervals, per key and per bigram) are stored once, in
``result_key_totals``, and a report sums them in SQL. The sums are integers, so
they are exactly what replaying every log gives (``progress``'s docstring).

Results saved before the table existed, and imported ones, wait in
``key_totals_pending`` until a reader fills them (``fill_key_totals``): the
migration itself only lists them, because every program that opens the history
runs it (``bartype play``, ``bartype serve``) and replaying a large history
there would hold the database's write lock for seconds. The filling is done in
short transactions, so a result saved meanwhile waits one batch at most and an
interrupted run keeps what it did.

``KeyTotalsTable`` is part of ``bartype.storage.history.History``, which opens
the database (``_db``) and migrates it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bartype.storage.result_rows import log_from_json

if TYPE_CHECKING:  # imported when a result's totals are counted or read: not at start-up
    from bartype.core.progress import KeyTotals

FILL_BATCH = 200
"""Results filled per transaction (a few hundred milliseconds of replay)."""


_SUMS = "SUM(hits), SUM(misses), SUM(time_units), SUM(timed)"


def create_tables(db: sqlite3.Connection) -> None:
    """The tables and triggers (schema v11), if missing; every result without totals is
    queued."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS result_key_totals ("
        "result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE, "
        "bigram INTEGER NOT NULL, key TEXT NOT NULL, hits INTEGER NOT NULL, "
        "misses INTEGER NOT NULL, time_units INTEGER NOT NULL, timed INTEGER NOT NULL, "
        "PRIMARY KEY (result_id, bigram, key)) WITHOUT ROWID"
    )
    # The sum over every result, kept by triggers so it cannot disagree with the rows:
    # a report over the whole history reads it instead of summing them. Summed afresh
    # here, so running this again mends it whatever it held.
    db.execute(
        "CREATE TABLE IF NOT EXISTS all_key_totals (bigram INTEGER NOT NULL, key TEXT NOT NULL, "
        "hits INTEGER NOT NULL, misses INTEGER NOT NULL, time_units INTEGER NOT NULL, "
        "timed INTEGER NOT NULL, PRIMARY KEY (bigram, key)) WITHOUT ROWID"
    )
    db.execute("DELETE FROM all_key_totals")
    db.execute(
        f"INSERT INTO all_key_totals SELECT bigram, key, {_SUMS} FROM result_key_totals "
        "GROUP BY bigram, key"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS result_key_totals_added AFTER INSERT ON result_key_totals "
        "BEGIN INSERT INTO all_key_totals VALUES (NEW.bigram, NEW.key, NEW.hits, NEW.misses, "
        "NEW.time_units, NEW.timed) ON CONFLICT (bigram, key) DO UPDATE SET "
        "hits = hits + excluded.hits, misses = misses + excluded.misses, "
        "time_units = time_units + excluded.time_units, timed = timed + excluded.timed; END"
    )
    # A key's row counts at least one press, a bigram's one timed press: a sum back to
    # zero has no result left in it.
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS result_key_totals_removed AFTER DELETE ON "
        "result_key_totals BEGIN UPDATE all_key_totals SET hits = hits - OLD.hits, "
        "misses = misses - OLD.misses, time_units = time_units - OLD.time_units, "
        "timed = timed - OLD.timed WHERE bigram = OLD.bigram AND key = OLD.key; "
        "DELETE FROM all_key_totals WHERE bigram = OLD.bigram AND key = OLD.key "
        "AND hits = 0 AND misses = 0 AND timed = 0; END"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS key_totals_pending ("
        "result_id INTEGER PRIMARY KEY REFERENCES results(id) ON DELETE CASCADE)"
    )
    db.execute(
        "INSERT OR IGNORE INTO key_totals_pending SELECT id FROM results "
        "WHERE id NOT IN (SELECT result_id FROM result_key_totals)"
    )


def store_key_totals(db: sqlite3.Connection, result_id: int, text: str | None, log: str) -> None:
    """Store the totals of one result, typed against ``text`` with the keystroke ``log``
    (JSON, as stored), replacing any; inside the caller's transaction."""
    db.execute("DELETE FROM result_key_totals WHERE result_id = ?", (result_id,))
    if not text:
        return
    keystrokes = log_from_json(log)
    if not keystrokes:
        return
    from bartype.core.progress import key_totals

    totals = key_totals(text, keystrokes)
    db.executemany(
        "INSERT INTO result_key_totals VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (result_id, bigram, key, t.hits, t.misses, t.time_units, t.timed)
            for bigram, table in ((0, totals.keys), (1, totals.bigrams))
            for key, t in table.items()
        ],
    )


def _totals(rows: Iterable[tuple[int, str, int, int, int, int]]) -> KeyTotals:
    from bartype.core.progress import KeyTotals, Tally

    totals = KeyTotals()
    for bigram, key, hits, misses, units, timed in rows:
        (totals.bigrams if bigram else totals.keys)[key] = Tally(hits, misses, units, timed)
    return totals


class KeyTotalsTable:
    """``History``'s per-result key totals."""

    _db: sqlite3.Connection

    def fill_key_totals(self, batch: int = FILL_BATCH) -> int:
        """Compute the totals of the results still waiting for them; return how many."""
        filled = 0
        while True:
            if self._db.execute("SELECT 1 FROM key_totals_pending LIMIT 1").fetchone() is None:
                return filled  # nothing waits: no write lock taken
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                rows = self._db.execute(
                    "SELECT p.result_id, r.text, COALESCE(k.log, '[]') FROM key_totals_pending p "
                    "JOIN results r ON r.id = p.result_id "
                    "LEFT JOIN keystrokes k ON k.result_id = p.result_id "
                    "ORDER BY p.result_id LIMIT ?",
                    (batch,),
                ).fetchall()
                for result_id, text, log in rows:
                    store_key_totals(self._db, result_id, text, log)
                self._db.executemany(
                    "DELETE FROM key_totals_pending WHERE result_id = ?",
                    [(row[0],) for row in rows],
                )
            filled += len(rows)
            if len(rows) < batch:
                return filled

    def key_totals(
        self,
        since: float | None = None,
        until: float | None = None,
        languages: Collection[str | None] | None = None,
    ) -> KeyTotals:
        """The key and bigram totals of the results typed from ``since`` until before
        ``until`` (Unix times; ``None``: no bound), in one of ``languages`` if given, as
        stored: call ``fill_key_totals`` first for every result to count.

        The work is the smaller of the results in the range and those out of it: the
        sum over all of them is kept (``all_key_totals``), and integer sums subtract
        exactly.
        """
        low = float("-inf") if since is None else since
        high = float("inf") if until is None else until
        inside, count = self._db.execute(
            "SELECT COUNT(*) FILTER (WHERE created_at >= ? AND created_at < ?), COUNT(*) "
            "FROM results",
            (low, high),
        ).fetchone()
        summed = (
            f"SELECT bigram, key, {_SUMS} FROM result_key_totals t "
            "JOIN results r ON r.id = t.result_id WHERE {} GROUP BY bigram, key"
        )
        if languages is not None or 2 * inside <= count:
            where = "r.created_at >= ? AND r.created_at < ?"
            named = [lang for lang in languages or () if lang is not None]
            if languages is not None:
                where += (
                    f" AND (r.language IN ({', '.join('?' * len(named))})"
                    f" OR (r.language IS NULL AND {int(None in languages)}))"
                )
            return _totals(self._db.execute(summed.format(where), (low, high, *named)))
        totals = _totals(
            self._db.execute(
                "SELECT bigram, key, hits, misses, time_units, timed FROM all_key_totals"
            )
        )
        if inside == count:
            return totals
        where = "(r.created_at < ? OR r.created_at >= ?)"
        for bigram, key, hits, misses, units, timed in self._db.execute(
            summed.format(where), (low, high)
        ):
            table = totals.bigrams if bigram else totals.keys
            tally = table[key]
            tally.hits -= hits
            tally.misses -= misses
            tally.time_units -= units
            tally.timed -= timed
            if tally.presses == 0 and tally.timed == 0:
                del table[key]  # each press of it was out of the range
        return totals

    def languages(self) -> set[str | None]:
        """Every language a result is filed under (``None``: quotes, texts)."""
        return {lang for (lang,) in self._db.execute("SELECT DISTINCT language FROM results")}

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read inside one transaction: what is read together was stored together."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")
