"""A recorded test as a ghost: its keys at their times since its first character."""

from __future__ import annotations

import pytest

from bartype.core.ghost import Ghost, GhostError
from bartype.core.keystrokes import KeyKind, Keystroke


def char(ch: str, t: float) -> Keystroke:
    return Keystroke(KeyKind.CHAR, t, ch)


def test_keys_are_timed_from_the_first_character() -> None:
    """Each key keeps its name; its time counts from the first character, as the session's."""
    log = [char("a", 1500.5), Keystroke.backspace(1600.0), char("b", 1700.25), char(" ", 1810)]
    ghost = Ghost.from_recording("words", "b", log)
    assert ghost.keys == (("a", 0.0), ("Backspace", 99.5), ("b", 199.75), (" ", 309.5))
    assert ghost.duration_ms == 309.5 and ghost.text == "b"


def test_keys_before_the_first_character_are_left_out() -> None:
    """A Backspace before anything was typed changes nothing and is not replayed."""
    log = [Keystroke.backspace(10), Keystroke.delete_word(20), char("x", 50), char("y", 90)]
    assert Ghost.from_recording("custom", "xy", log).keys == (("x", 0.0), ("y", 40.0))


def test_times_never_go_back() -> None:
    """A log whose clock stepped back still replays in order (the room refuses earlier keys)."""
    log = [char("a", 100), char("b", 90), char("c", 130)]
    assert Ghost.from_recording("quote", "abc", log).keys == (("a", 0), ("b", 0), ("c", 30))


@pytest.mark.parametrize("mode", ["time", "zen"])
def test_a_test_without_a_finish_line_is_refused(mode: str) -> None:
    """A timed test or zen has no end of text to race to."""
    with pytest.raises(GhostError, match="no finish line"):
        Ghost.from_recording(mode, "a b", [char("a", 0)])


def test_no_text_or_no_character_is_refused() -> None:
    """A result with no text, or with no character typed, makes no ghost."""
    with pytest.raises(GhostError, match="no text"):
        Ghost.from_recording("words", None, [char("a", 0)])
    with pytest.raises(GhostError, match="no keystrokes"):
        Ghost.from_recording("words", "a", [Keystroke.backspace(5)])


def test_every_mode_with_a_finish_line_can_be_raced_as_a_ghost() -> None:
    """Lessons and texts made from a profile race as ghosts; timed tests and zen do not."""
    from bartype.core.ghost import RACEABLE_MODES

    assert {"words", "quote", "custom", "code", "lesson", "adaptive", "bigrams"} == RACEABLE_MODES
