"""Tests for the keyboard layouts data."""

from __future__ import annotations

import string

import pytest

from bartype.core.layouts import LAYOUTS, Finger, Row, layout


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_latin_letter_has_a_key_and_a_finger(name: str) -> None:
    """Each layout types all 26 letters, in both cases, each with one finger (never a thumb)."""
    board = LAYOUTS[name]
    for ch in string.ascii_lowercase:
        low, high = board.position(ch), board.position(ch.upper())
        assert low is not None and high is not None, ch
        assert not low.shift and high.shift
        assert (low.row, low.column, low.finger) == (high.row, high.column, high.finger)
        assert low.finger is not Finger.THUMB
    assert board.finger(" ") is Finger.THUMB


def test_rows_have_the_same_length_shifted_and_not() -> None:
    """A shifted row has one character per key of the unshifted row."""
    for board in LAYOUTS.values():
        for plain, shifted in zip(board.rows, board.shifted, strict=True):
            assert len(plain) == len(shifted), board.name


def test_home_rows_and_fingers() -> None:
    """Home rows are the well-known ones, and the index fingers rest on f/j (u/h, t/n...)."""
    assert layout("qwerty").row_letters(Row.HOME) == "asdfghjkl"
    assert layout("dvorak").row_letters(Row.HOME) == "aoeuidhtns"
    assert layout("colemak").row_letters(Row.HOME) == "arstdhneio"
    assert layout("QWERTY").finger("f") is Finger.LEFT_INDEX
    assert layout("qwerty").finger("j") is Finger.RIGHT_INDEX
    assert layout("qwerty").finger("p") is Finger.RIGHT_PINKY
    assert layout("dvorak").finger("u") is Finger.LEFT_INDEX
    assert layout("colemak").finger("n") is Finger.RIGHT_INDEX


def test_iso_layouts_put_their_letters_where_they_are() -> None:
    """QWERTZ types ä ö ü ß directly and z with the right index; AZERTY types é è à ç ù."""
    qwertz, azerty = layout("qwertz"), layout("azerty")
    for ch in "äöüß":
        assert qwertz.strokes(ch) == (ch,)
    assert qwertz.finger("z") is Finger.RIGHT_INDEX
    assert qwertz.finger("y") is Finger.LEFT_PINKY  # bottom row, after the extra ISO key
    for ch in "éèàçù":
        assert azerty.strokes(ch) == (ch,)
    assert azerty.finger("a") is Finger.LEFT_PINKY and azerty.finger("q") is Finger.LEFT_PINKY
    assert azerty.finger("m") is Finger.RIGHT_PINKY


def test_dead_keys_compose_accents() -> None:
    """Characters without a key of their own are a dead key then the base letter."""
    assert layout("azerty").strokes("ê") == ("^", "e")
    assert layout("azerty").strokes("ë") == ("¨", "e")
    assert layout("qwertz").strokes("é") == ("´", "e")
    assert layout("azerty").finger("ê") is Finger.LEFT_MIDDLE
    assert layout("qwerty").strokes("ñ") == ()
    assert layout("qwerty").finger("ñ") is None


def test_unknown_layout_names_the_choices() -> None:
    """Asking for a layout that does not exist says which do."""
    with pytest.raises(ValueError, match="qwerty, dvorak, colemak, qwertz, azerty"):
        layout("workman")
