"""Tests for bartype.core.session: the state machine and its completion rules."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.core.keystrokes import KeyKind, Keystroke, keystrokes_from_key, type_text
from bartype.core.options import Mode
from bartype.core.session import (
    SessionClosedError,
    SessionConfig,
    SessionState,
    TypingSession,
    replay,
)


def words(n: int) -> SessionConfig:
    return SessionConfig(Mode.WORDS, word_count=n)


def test_config_validation() -> None:
    """Time mode needs a duration and words mode a count."""
    with pytest.raises(ValueError):
        SessionConfig(Mode.TIME)
    with pytest.raises(ValueError):
        SessionConfig(Mode.WORDS, word_count=0)
    assert SessionConfig(Mode.TIME, duration_s=30).mode2 == "30"


def test_test_starts_on_first_character_not_space_or_backspace() -> None:
    """Leading spaces and Backspace do not start the test; the first character does."""
    session = TypingSession(words(1), "ab")
    session.apply(Keystroke(KeyKind.CHAR, 100, " "))
    session.apply(Keystroke.backspace(200))
    assert session.state is SessionState.CREATED
    session.apply(Keystroke(KeyKind.CHAR, 500, "a"))
    # mypy keeps its narrowing from before the call, but the state did change.
    assert session.state is SessionState.RUNNING  # type: ignore[comparison-overlap]
    assert session.start_t == 500
    session.apply(Keystroke(KeyKind.CHAR, 1500, "b"))
    assert session.result is not None
    assert session.result.metrics.duration_s == 1.0


def test_words_mode_does_not_end_on_length_alone() -> None:
    """A wrong last word of the right length keeps the test open."""
    session = replay(words(2), "ab cd", type_text("ab cx"))
    assert session.state is SessionState.RUNNING
    session.apply(Keystroke.backspace(600))
    session.apply(Keystroke(KeyKind.CHAR, 700, "d"))
    # mypy keeps its narrowing from before the call, but the state did change.
    assert session.state is SessionState.COMPLETED  # type: ignore[comparison-overlap]


def test_time_mode_drops_late_keystrokes() -> None:
    """A keystroke after the time limit completes the test and is not counted."""
    session = TypingSession(SessionConfig(Mode.TIME, duration_s=1), "aaa bbb ccc")
    for key in type_text("aaa bbb", interval=200):
        session.apply(key)
    assert session.state is SessionState.COMPLETED
    assert session.result is not None
    assert session.result.metrics.keypresses == 6
    assert session.result.metrics.duration_s == 1.0


def test_time_mode_ends_when_text_runs_out() -> None:
    """A timed test whose whole text is typed completes early."""
    session = replay(SessionConfig(Mode.TIME, duration_s=60), "ab", type_text("ab"))
    assert session.state is SessionState.COMPLETED


def test_end_early_is_ended_and_invalid() -> None:
    """Ending a words test early keeps the result but marks it ended early."""
    session = replay(words(10), "one two three", type_text("one tw"))
    session.end(2000)
    assert session.state is SessionState.ENDED
    assert session.result is not None
    assert "ended early" in session.result.invalid_reasons
    assert session.result.metrics.duration_s == 2.0


def test_end_before_start_abandons() -> None:
    """Ending a test nobody started leaves no result."""
    session = TypingSession(words(1), "a")
    session.end(100)
    assert session.state is SessionState.ABANDONED
    assert session.result is None


def test_idle_untimed_test_is_abandoned() -> None:
    """An untimed test idle past its limit is abandoned without a result."""
    session = TypingSession(SessionConfig(Mode.WORDS, word_count=1, idle_limit_ms=1000), "abc")
    session.apply(Keystroke(KeyKind.CHAR, 0, "a"))
    session.tick(900)
    assert session.state is SessionState.RUNNING
    session.tick(1001)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert session.state is SessionState.ABANDONED  # type: ignore[comparison-overlap]


def test_closed_session_rejects_keystrokes() -> None:
    """Keystrokes after completion raise SessionClosedError."""
    session = replay(words(1), "a", type_text("a"))
    with pytest.raises(SessionClosedError):
        session.apply(Keystroke(KeyKind.CHAR, 999, "b"))


def test_decreasing_times_are_rejected() -> None:
    """Keystroke times must not go backwards."""
    session = TypingSession(words(1), "abc")
    session.apply(Keystroke(KeyKind.CHAR, 100, "a"))
    with pytest.raises(ValueError):
        session.apply(Keystroke(KeyKind.CHAR, 50, "b"))


def test_keystrokes_from_key_names_and_text() -> None:
    """Editing-key names become editing keys; other text becomes one key per code point."""
    assert keystrokes_from_key("Backspace", 1)[0].kind is KeyKind.BACKSPACE
    assert keystrokes_from_key("CtrlBackspace", 1)[0].kind is KeyKind.DELETE_WORD
    assert [k.char for k in keystrokes_from_key("e\u0301", 1)] == ["é"]
    assert [k.char for k in keystrokes_from_key("\r", 1)] == ["\n"]
    assert [k.char for k in keystrokes_from_key("你好", 1)] == ["你", "好"]


def test_valid_result_is_valid() -> None:
    """A clean ten-word test at a human pace is valid."""
    text = " ".join(["word"] * 10)
    session = replay(words(10), text, type_text(text, interval=150))
    assert session.result is not None
    assert session.result.is_valid, session.result.invalid_reasons


def test_impossible_speed_is_invalid() -> None:
    """A test typed at thousands of WPM is flagged as impossible."""
    text = " ".join(["word"] * 10)
    session = replay(words(10), text, type_text(text, interval=5))
    assert session.result is not None
    assert "impossible speed" in session.result.invalid_reasons


KEYS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=700),
        st.sampled_from(["a", "b", " ", "é", "Backspace", "CtrlBackspace"]),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(KEYS, st.sampled_from([Mode.WORDS, Mode.TIME, Mode.ZEN]))
def test_replay_is_deterministic(gaps: list[tuple[int, str]], mode: Mode) -> None:
    """Feeding a session's own log to a new session gives the same result."""
    config = {
        Mode.WORDS: SessionConfig(Mode.WORDS, word_count=4),
        Mode.TIME: SessionConfig(Mode.TIME, duration_s=5),
        Mode.ZEN: SessionConfig(Mode.ZEN),
    }[mode]
    text = None if mode is Mode.ZEN else "ab bé a ba"
    session = TypingSession(config, text)
    t = 0
    for gap, key in gaps:
        t += gap
        for ks in keystrokes_from_key(key, t):
            if session.state.is_open:
                session.apply(ks)
    session.end(t + 100)
    again = TypingSession(config, text)
    for ks in session.log:
        if again.state.is_open:
            again.apply(ks)
    again.end(t + 100)
    assert again.state == session.state
    assert again.result == session.result


def test_long_random_test_completes() -> None:
    """A long random test with mistakes completes with consistent counts."""
    rng = random.Random(7)
    text = " ".join(rng.choice(["alpha", "beta", "gamma"]) for _ in range(200))
    session = TypingSession(SessionConfig(Mode.WORDS, word_count=200), text)
    t = 0.0
    for ch in text:
        t += 120
        if rng.random() < 0.05:
            session.apply(Keystroke(KeyKind.CHAR, t, "z"))
            t += 50
            session.apply(Keystroke.backspace(t))
        session.apply(Keystroke(KeyKind.CHAR, t, ch))
    assert session.state is SessionState.COMPLETED
    assert session.result is not None
    m = session.result.metrics
    assert m.wpm == m.raw
    assert m.correct == len(text)


def test_config_for_protocol_mode_names() -> None:
    """Protocol mode names map to session modes; code texts are custom texts."""
    from bartype.core.session import config_for

    assert config_for("time", duration_s=15).duration_s == 15
    assert config_for("time").duration_s == 30
    assert config_for("words").word_count == 25
    assert config_for("code").mode is Mode.CODE
    assert config_for("nonsense").mode is Mode.CUSTOM
    assert config_for("zen").mode is Mode.ZEN
