"""Worked examples of docs/metrics.md, asserted: every number here was derived by hand."""

from __future__ import annotations

import math

import pytest

from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.metrics import (
    consistency,
    kogasa,
    round_half_up,
    round_to_2,
    words_per_minute,
)
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, SessionState, TypingSession, replay


def timed_keys(pairs: list[tuple[float, str]]) -> list[Keystroke]:
    out = []
    for t, item in pairs:
        if item == "BS":
            out.append(Keystroke.backspace(t))
        elif item == "CBS":
            out.append(Keystroke.delete_word(t))
        else:
            out.append(Keystroke(KeyKind.CHAR, t, item))
    return out


def even(items: list[str], step: float) -> list[Keystroke]:
    return timed_keys([(i * step, item) for i, item in enumerate(items)])


def test_round_to_2_rounds_half_up() -> None:
    """round_to_2 rounds halves up like JavaScript's Math.round."""
    assert round_to_2(1.005) == 1.01
    assert round_to_2(64.615384) == 64.62
    assert round_half_up(2.5) == 3
    assert round_half_up(-0.5) == 0


def test_wpm_formula() -> None:
    """WPM is characters / 5 per minute, and 0 for no time."""
    assert words_per_minute(5, 3.2) == pytest.approx(18.75)
    assert words_per_minute(10, 0) == 0


def test_kogasa_and_consistency() -> None:
    """Consistency is 100 for a constant series and 0 when undefined."""
    assert kogasa(0) == 100
    assert consistency([48, 48]) == 100
    assert consistency([]) == 0
    assert consistency([0, 0]) == 0
    assert consistency([36, 36, 24]) == 82.32


def test_example_a_one_wrong_letter_left() -> None:
    """Example A: "the quick" typed "thx quick" in 3.2 s."""
    session = replay(
        SessionConfig(Mode.WORDS, word_count=2), "the quick", even(list("thx quick"), 400)
    )
    assert session.state is SessionState.COMPLETED
    result = session.result
    assert result is not None
    m = result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (18.75, 33.75, 88.89, 3.2)
    assert (m.correct, m.incorrect, m.extra, m.missed) == (5, 1, 1, 0)
    assert m.series.burst == (36, 36, 24)
    assert m.series.wpm == (0, 12, 16)
    assert m.series.raw == (36, 36, 32)
    assert m.series.errors == (1, 0, 0)
    assert m.consistency == 82.32
    assert m.key_consistency == 100
    assert m.keys["e"].presses == 1 and m.keys["e"].errors == 1
    assert m.keys["q"].mean_interval_ms == 400


def test_example_a_with_the_typo_fixed() -> None:
    """Example A, corrected: wpm = raw = 33.75 and accuracy 9/10."""
    items = ["t", "h", "x", "BS", "e", " ", "q", "u", "i", "c", "k"]
    session = replay(SessionConfig(Mode.WORDS, word_count=2), "the quick", even(items, 320))
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy) == (33.75, 33.75, 90.0)


def test_example_b_time_mode_partial_word() -> None:
    """Example B: a 2 s timed test credits the correct part of the open word."""
    items = ["a", "x", "BS", "b", " ", "c", " ", "e", "f", "g"]
    session = replay(SessionConfig(Mode.TIME, duration_s=2), "ab cd ef gh", even(items, 250))
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (30.0, 42.0, 75.0, 2.0)
    assert m.series.burst == (48, 48)
    assert m.consistency == 100
    assert m.key_consistency == 68.06
    assert m.keypresses == 8  # the g at 2250 ms is after the end


def test_example_c_going_back() -> None:
    """Example C: Backspace re-enters a wrong word, never a correct one."""
    items = ["o", "n", "x", " ", "BS", "CBS", "o", "n", "e", " ", "BS", "t", "w", "o"]
    session = replay(SessionConfig(Mode.WORDS, word_count=2), "one two", even(items, 100))
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (64.62, 64.62, 90.91, 1.3)


def test_example_d_extra_letter_and_space_on_last_word() -> None:
    """Example D: a space ends a wrong last word; raw counts the extra letters."""
    pairs = list(zip([0.0, 200.0, 400.0, 600.0, 800.0, 1000.0, 1600.0], "hii ya ", strict=True))
    session = replay(SessionConfig(Mode.WORDS, word_count=2), "hi yo", timed_keys(pairs))
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (0.0, 45.0, 42.86, 1.6)
    assert m.series.burst == (72, 20)
    assert m.consistency == 43.72


def test_example_e_zen() -> None:
    """Example E: zen mode counts everything typed; the half-second tail is sampled."""
    session = TypingSession(SessionConfig(Mode.ZEN), None)
    for key in even(list("hi there"), 250):
        session.apply(key)
    session.end(2500)
    assert session.state is SessionState.COMPLETED
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (38.4, 38.4, 100.0, 2.5)
    assert m.series.burst == (60, 36, 0)
    sd = math.sqrt((28**2 + 4**2 + 32**2) / 3)
    assert m.consistency == round_to_2(kogasa(sd / 32))
    assert session.result.invalid_reasons == ("too short",)


def test_example_f_afk_time_test() -> None:
    """Example F: one key then nothing in a 15 s test is AFK and invalid."""
    session = TypingSession(SessionConfig(Mode.TIME, duration_s=15), "a b c")
    session.apply(Keystroke(KeyKind.CHAR, 0, "a"))
    session.tick(15_000)
    assert session.state is SessionState.COMPLETED
    assert session.result is not None
    m = session.result.metrics
    assert (m.wpm, m.raw, m.accuracy, m.duration_s) == (0.8, 0.8, 100.0, 15.0)
    assert m.series.burst == (12,) + (0,) * 14
    assert m.afk
    assert session.result.invalid_reasons == ("afk",)
    assert not session.result.is_valid


@pytest.mark.parametrize(
    ("last", "duration", "wpm", "burst", "consistency"),
    [(4519.0, 4.52, 69.03, 116, 70.51), (4634.0, 4.63, 67.39, 95, 80.38)],
)
def test_example_g_the_last_sample_point_is_the_exact_end(
    last: float, duration: float, wpm: float, burst: int, consistency: float
) -> None:
    """Example G: the end point is the last key's exact time, not the rounded duration;
    its interval holds every key up to it and is measured over its exact length."""
    text = "the quick brown fox jumped"
    times = [i * 200.0 for i in range(21)] + [4100.0, 4200.0, 4300.0, 4400.0, last]
    keys = [Keystroke(KeyKind.CHAR, t, ch) for t, ch in zip(times, text, strict=True)]
    session = replay(SessionConfig(Mode.WORDS, word_count=5), text, keys)
    assert session.result is not None
    m = session.result.metrics
    assert (m.duration_s, m.wpm, m.raw) == (duration, wpm, wpm)
    assert m.series.times == (1.0, 2.0, 3.0, 4.0, last / 1000)
    assert m.series.burst == (72, 60, 60, 60, burst)
    assert m.consistency == consistency
    if last == 4519.0:
        assert m.series.wpm == (72, 66, 64, 63, 69)


def test_example_h_the_live_figures_while_typing() -> None:
    """Example H: the figures sent while typing give the open word partial credit."""
    keys = [Keystroke(KeyKind.CHAR, i * 400.0, ch) for i, ch in enumerate("thx quic")]
    session = replay(SessionConfig(Mode.WORDS, word_count=2), "the quick", keys)
    live = session.live()
    assert (live.wpm, live.raw, live.accuracy, live.errors) == (17.14, 34.29, 87.5, 1)
    assert (live.elapsed_s, live.consistency) == (2.8, 100.0)


def test_a_pause_is_not_timed_for_the_key_after_it() -> None:
    """A 4 s pause before a key counts the press but not its time: the key's mean interval
    is that of its quick presses only (intervals over PAUSE_MS are pauses)."""
    from bartype.core.metrics import PAUSE_MS

    times = [0, 200, 400, 1400 + PAUSE_MS, 1600 + PAUSE_MS, 1800 + PAUSE_MS]
    keys = timed_keys(list(zip(times, "an nan", strict=True)))
    session = replay(SessionConfig(Mode.WORDS, word_count=2), "an nan", keys)
    assert session.result is not None
    n = session.result.metrics.keys["n"]
    assert n.presses == 3 and n.interval_count == 2
    assert n.mean_interval_ms == 200
