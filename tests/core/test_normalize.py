"""Text normalisation: what a typist is asked to type is what can be seen and typed;
foreign text made safe to show (``visible``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bartype.core.normalize import INVISIBLE, find_control, needs_escape, normalize_text, visible

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


def test_escapes_are_shown_literally() -> None:
    """An escape sequence, a bidi override and a newline show as their escapes."""
    assert visible("a\x1b[2Jb\u202ec\nd", 80) == "a\\x1b[2Jb\\u202ec\\nd"


def test_markup_and_joined_emoji_are_left_alone() -> None:
    """Rich markup is plain text here; zero-width joiners inside emoji are kept."""
    assert visible("[red]x[/]", 80) == "[red]x[/]"
    assert visible("👩\u200d💻", 80) == "👩\u200d💻"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    """Text longer than the limit ends in an ellipsis, within the limit."""
    assert visible("abcdef", 4) == "abc…"
    assert visible("abcd", 4) == "abcd"


@given(st.text(), st.integers(min_value=1, max_value=100))
def test_nothing_invisible_survives(text: str, limit: int) -> None:
    """Whatever the input, the output holds no control or formatting character."""
    shown = visible(text, limit)
    assert len(shown) <= limit
    assert not any(needs_escape(ch) for ch in shown)


def test_indentation_is_kept_as_one_tab_a_level() -> None:
    """Leading spaces or tabs become one tab per level (the text's smallest step), so
    code keeps its shape; blank lines and trailing spaces still go."""
    python = "def f(x):\n    if x:\n        return 1\n\n    return 2  \n"
    assert normalize_text(python) == "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2"
    two = "fn main() {\n  let x = 1;\n  if x {\n    go();\n  }\n}"
    assert normalize_text(two) == "fn main() {\n\tlet x = 1;\n\tif x {\n\t\tgo();\n\t}\n}"
    assert normalize_text("a\n\tb\n\t\tc") == "a\n\tb\n\t\tc"


def test_a_block_indented_as_a_whole_is_dedented() -> None:
    """Indentation common to every line goes, and the first line starts at the margin
    (a test cannot start on a tab)."""
    assert normalize_text("    a\n        b\n    c") == "a\n\tb\nc"
    assert normalize_text("      x\n  y\n    z") == "x\ny\n\tz"


def test_spaces_inside_a_line_still_collapse() -> None:
    """Only leading whitespace is indentation: runs of spaces or tabs inside a line are a space."""
    assert normalize_text("a  =\t\t1\n    b   c") == "a = 1\n\tb c"


@given(st.text(alphabet=" \t\nab", max_size=40))
def test_normalising_twice_changes_nothing(text: str) -> None:
    """A normalised text is its own normal form (the handler and the analyzer both normalise)."""
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert not once.startswith(("\t", " ", "\n"))
