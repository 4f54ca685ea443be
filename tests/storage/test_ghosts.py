"""Choosing the recording to race: a result by id, or the best on the latest test's kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bartype.core.ghost import GhostError
from bartype.core.keystrokes import type_text
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, replay
from bartype.storage.ghosts import describe, ghost_of, ghost_result
from bartype.storage.history import History

TEN = "one two three four five six seven eight nine ten"


def save(history: History, mode: Mode, text: str, interval: float, **config: Any) -> int:
    """Type ``text`` at ``interval`` ms a key and store the result."""
    session = replay(SessionConfig(mode, **config), text, type_text(text, 1000, interval))
    if session.result is None:
        session.end(1000 + interval * len(text))
    assert session.result is not None
    return history.save(session.result, text=text, language="english")


def test_the_best_of_the_latest_test_kind_is_raced(tmp_path: Path) -> None:
    """Without an id: the personal best on the test taken last (a timed test after it
    does not count: it has no finish line), with its keystroke log."""
    with History(tmp_path / "h.sqlite3") as history:
        slow = save(history, Mode.WORDS, TEN, 120, word_count=10)
        fast = save(history, Mode.WORDS, TEN, 60, word_count=10)
        save(history, Mode.WORDS, TEN, 90, word_count=10)  # the latest, not the best
        save(history, Mode.CUSTOM, "another text, faster", 30)  # another test
        save(history, Mode.WORDS, TEN, 100, word_count=10)  # the latest raceable one
        save(history, Mode.TIME, TEN, 50, duration_s=15)
        chosen = ghost_result(history)
        assert chosen.id == fast and chosen.keystrokes
        assert ghost_of(chosen).text == TEN
        assert ghost_result(history, slow).id == slow
        assert "words 10" in describe(chosen) and f"#{fast}" in describe(chosen)


def test_what_cannot_be_raced_says_why(tmp_path: Path) -> None:
    """An empty history, an unknown id, a timed test and a test ended early are refused."""
    with History(tmp_path / "h.sqlite3") as history:
        with pytest.raises(GhostError, match="no finished"):
            ghost_result(history)
        with pytest.raises(GhostError, match="no result #7"):
            ghost_result(history, 7)
        timed = save(history, Mode.TIME, TEN, 50, duration_s=15)
        with pytest.raises(GhostError, match="no finish line"):
            ghost_result(history, timed)
        session = replay(SessionConfig(Mode.CUSTOM), TEN, type_text("one two", 0, 100))
        session.end(800)
        assert session.result is not None
        ended = history.save(session.result, text=TEN)
        with pytest.raises(GhostError, match="did not reach the end"):
            ghost_result(history, ended)
