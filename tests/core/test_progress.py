"""Progress from stored results: key and bigram timing, trends per day, the calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bartype.core.keystrokes import BACKSPACE_NAME, Keystroke, keystrokes_from_key, type_text
from bartype.core.progress import (
    KeyTotals,
    Tally,
    calendar,
    key_totals,
    local_date,
    progress,
    tally_keys,
)

UTC = dt.UTC


def keys(*pairs: tuple[str, float]) -> list[Keystroke]:
    return [k for name, t in pairs for k in keystrokes_from_key(name, t)]


def test_a_key_is_timed_from_the_keystroke_before_it() -> None:
    """Each letter right the first time is timed from the previous keystroke."""
    per_key: dict[str, Tally] = {}
    per_bigram: dict[str, Tally] = {}
    tally_keys(
        "ab cd", keys(("a", 0), ("b", 100), (" ", 250), ("c", 300), ("d", 700)), per_key, per_bigram
    )
    assert per_key["b"].mean_ms == 100 and per_key["d"].mean_ms == 400
    assert per_key[" "].mean_ms == 150
    assert per_key["a"].timed == 0 and per_key["a"].hits == 1  # the first key has no interval
    assert {b: t.mean_ms for b, t in per_bigram.items()} == {"ab": 100, "cd": 400}


def test_pauses_are_not_typing() -> None:
    """An interval over 3 s is a pause: neither the key nor its bigram is timed by it."""
    per_key: dict[str, Tally] = {}
    per_bigram: dict[str, Tally] = {}
    tally_keys("abc", keys(("a", 0), ("b", 4_308), ("c", 4_408)), per_key, per_bigram)
    assert per_key["b"].timed == 0 and per_key["b"].hits == 1
    assert per_key["c"].mean_ms == 100
    assert set(per_bigram) == {"bc"}


def test_a_position_typed_wrong_first_is_a_miss_and_not_timed() -> None:
    """A wrong key then Backspace then the right one: a miss for the expected key, no time."""
    per_key: dict[str, Tally] = {}
    per_bigram: dict[str, Tally] = {}
    typed = keys(("a", 0), ("x", 100), (BACKSPACE_NAME, 200), ("b", 300), ("c", 400))
    tally_keys("abc", typed, per_key, per_bigram)
    assert (per_key["b"].hits, per_key["b"].misses, per_key["b"].timed) == (0, 1, 0)
    assert per_key["b"].accuracy == 0.0
    assert "ab" not in per_bigram and "bc" not in per_bigram  # b was not right the first time
    assert per_key["c"].mean_ms == 100


def test_bigrams_stay_inside_words() -> None:
    """The last letter of a word and the first of the next are not a bigram."""
    per_bigram: dict[str, Tally] = {}
    tally_keys("ab cd", type_text("ab cd", interval=100), {}, per_bigram)
    assert set(per_bigram) == {"ab", "cd"}


@dataclass(frozen=True)
class Stored:
    created_at: float
    wpm: float
    accuracy: float = 100.0
    mode: str = "words"
    language: str | None = "english"
    duration_s: float = 30.0
    valid: bool = True
    text: str | None = None
    keystrokes: tuple[Keystroke, ...] | None = None


DAY = 86_400.0
MONDAY = 1_764_547_200.0  # 2025-12-01 00:00 UTC


def test_trends_are_per_mode_language_and_day() -> None:
    """Valid tests are averaged per day for each mode and language; invalid ones only add time."""
    results = [
        Stored(MONDAY + 3_600, 50),
        Stored(MONDAY + 7_200, 60),
        Stored(MONDAY + DAY, 70),
        Stored(MONDAY + DAY, 99, valid=False),
        Stored(MONDAY + DAY, 40, language="german"),
    ]
    p = progress(results, UTC)
    words_en, words_de = p.trends
    assert (words_en.mode, words_en.language, words_en.tests) == ("words", "english", 3)
    assert [(d.day.day, d.tests, d.wpm, d.best_wpm) for d in words_en.days] == [
        (1, 2, 55, 60),
        (2, 1, 70, 70),
    ]
    assert words_de.language == "german" and words_de.best_wpm == 40
    assert (p.tests, p.valid_tests, p.seconds) == (5, 4, 150.0)
    assert p.days == {dt.date(2025, 12, 1): (60.0, 2), dt.date(2025, 12, 2): (90.0, 3)}


def test_days_follow_the_time_zone() -> None:
    """A test at 23:30 UTC is on the next day in a time zone ahead of UTC."""
    late = MONDAY + DAY - 1_800
    assert local_date(late, UTC) == dt.date(2025, 12, 1)
    assert local_date(late, dt.timezone(dt.timedelta(hours=2))) == dt.date(2025, 12, 2)


def test_weakest_keys_rank_slow_and_error_prone_keys_first() -> None:
    """The key with the most time per correct press ranks first; rare keys do not rank."""
    text = "aaaaaaaaaaaabbbbbbbbbbbbq"
    typed: list[Keystroke] = []
    t = 0.0
    for ch in text:
        t += 300.0 if ch == "b" else 100.0
        typed += type_text(ch, start=t)
    p = progress([Stored(MONDAY, 50, text=text, keystrokes=tuple(typed))], UTC)
    assert [f.key for f in p.weakest_keys] == ["b", "a"]  # q was pressed once
    assert p.weakest_keys[0].mean_ms == 300 and p.weakest_keys[0].cpm == 200
    assert [f.key for f in p.slowest_bigrams] == ["bb", "aa"]  # "ab" and "bq" came once


def test_the_calendar_ends_with_this_week_and_shades_by_time() -> None:
    """Columns are weeks from Monday; days after today are blank; the busiest day is darkest."""
    today = dt.date(2025, 12, 3)  # a Wednesday
    days = {dt.date(2025, 12, 1): (600.0, 3), dt.date(2025, 12, 2): (60.0, 1)}
    columns = calendar(days, today, weeks=2)
    assert len(columns) == 2 and all(len(c) == 7 for c in columns)
    this_week = columns[-1]
    assert this_week[0] is not None and this_week[0].day == dt.date(2025, 12, 1)
    assert [c.level if c else None for c in this_week] == [4, 1, 0, None, None, None, None]
    assert columns[0][0] is not None and columns[0][0].day == dt.date(2025, 11, 24)


def test_streak_counts_days_in_a_row() -> None:
    """Three days in a row up to yesterday is a streak of three until today's test."""
    results = [Stored(MONDAY + i * DAY, 50) for i in (0, 2, 3, 4)]
    p = progress(results, UTC)
    assert p.streak(dt.date(2025, 12, 6)) == 3
    assert p.streak(dt.date(2025, 12, 5)) == 3
    assert p.streak(dt.date(2025, 12, 8)) == 0


def test_no_results_give_empty_progress() -> None:
    """An empty history is no trend, no key, no day: not an error."""
    p = progress([], UTC)
    assert (p.tests, p.trends, p.weakest_keys, p.first_day) == (0, (), (), None)
    assert p.streak(dt.date(2025, 12, 1)) == 0


def test_key_totals_add_up_exactly_in_any_order() -> None:
    """Intervals are summed in whole time units, so results' totals added in any order give
    the very tallies of one pass over every log, mean times included."""
    logs = [
        ("the cat", type_text("the cat", interval=101.3)),
        ("cat the", type_text("cat the", start=5.0, interval=0.1 + 0.2)),
        ("tea", keys(("t", 0), ("e", 97.77), ("x", 150), (BACKSPACE_NAME, 300), ("a", 410.9))),
    ]
    one_pass = KeyTotals()
    for text, typed in logs:
        tally_keys(text, typed, one_pass.keys, one_pass.bigrams)
    for order in (logs, logs[::-1]):
        summed = KeyTotals()
        for text, typed in order:
            part_of = key_totals(text, typed)
            for table, part in ((summed.keys, part_of.keys), (summed.bigrams, part_of.bigrams)):
                for key, t in part.items():
                    total = table.setdefault(key, Tally())
                    total.hits += t.hits
                    total.misses += t.misses
                    total.time_units += t.time_units
                    total.timed += t.timed
        assert summed == one_pass
    assert one_pass.keys["a"].misses == 1 and one_pass.bigrams["at"].timed == 2
