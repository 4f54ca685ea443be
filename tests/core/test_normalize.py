"""Text normalisation: what a typist is asked to type is what can be seen and typed."""

from __future__ import annotations

import pytest

from bartype.core.normalize import INVISIBLE, find_control, normalize_text

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


@pytest.mark.parametrize("ch", list(BIDI + ZERO_WIDTH))
def test_bidi_controls_and_zero_width_characters_are_removed(ch: str) -> None:
    """A bidi control or an invisible character inside a word is removed, so the word is
    what it looks like and can be typed."""
    assert ch in INVISIBLE
    assert normalize_text(f"zero{ch}width {ch}words{ch}") == "zerowidth words"


def test_a_text_of_invisible_characters_only_becomes_empty() -> None:
    """Nothing typeable is left: the empty text is refused by whoever asked for it."""
    assert normalize_text(BIDI + " " + ZERO_WIDTH) == ""


def test_visible_text_is_left_alone() -> None:
    """Letters of every script, accents and emoji pass unchanged (NFC aside)."""
    text = "naïve café Ελληνικά שלום 日本語 🙂"
    assert normalize_text(text) == text


def test_find_control_names_the_first_control_character() -> None:
    """Tabs and line breaks are fine; ESC, BEL, DEL and C1 controls are not."""
    assert find_control("a\tb\nc\r\n") == -1
    for ch in "\x00\x07\x1b\x7f\x85\x9b":
        assert find_control(f"ok {ch}") == 3
