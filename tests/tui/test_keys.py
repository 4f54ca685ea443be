"""Key events become keystrokes only when they type something."""

from __future__ import annotations

import pytest

from bartype.tui.keys import keystroke_name


@pytest.mark.parametrize(
    "key",
    [
        "left_shift",
        "right_shift",
        "left_control",
        "right_control",
        "left_alt",
        "left_super",
        "right_meta",
        "iso_level3_shift",
        "caps_lock",
        "f5",
        "up",
        "home",
    ],
)
def test_bare_modifiers_and_function_keys_are_ignored(key: str) -> None:
    """Keys that carry no character (Textual 8 reports bare modifiers) never count."""
    assert keystroke_name(key, None) is None


@pytest.mark.parametrize("key", ["ctrl+backspace", "ctrl+h", "ctrl+w", "alt+backspace"])
def test_every_terminal_spelling_of_ctrl_backspace_deletes_a_word(key: str) -> None:
    """Ctrl+Backspace arrives in several spellings; each deletes a word."""
    assert keystroke_name(key, None) == "CtrlBackspace"


def test_backspace() -> None:
    """Backspace deletes a character."""
    assert keystroke_name("backspace", "\x7f") == "Backspace"


@pytest.mark.parametrize("char", ["é", "ñ", "ß", "ü", "A", "!", " "])
def test_printable_characters_are_typed(char: str) -> None:
    """Non-ASCII letters and symbols are typed as themselves."""
    assert keystroke_name(char, char) == char


def test_enter_is_a_separator() -> None:
    """Enter types a newline: the line break in code, a word's end anywhere."""
    assert keystroke_name("enter", "\r") == "\n"
    assert keystroke_name("ctrl+m", None) == "\n"


def test_control_shortcuts_do_not_type() -> None:
    """Ctrl+letter shortcuts are not characters, even if the terminal sends one."""
    assert keystroke_name("ctrl+a", "\x01") is None
    assert keystroke_name("ctrl+x", "x") is None
    assert keystroke_name("shift+tab", None) is None


def test_tab_types_a_tab() -> None:
    """Tab types the indentation of code (where it is not the new-text key)."""
    assert keystroke_name("tab", "\t") == "\t"


def test_an_ime_commit_of_several_characters_is_typed_whole() -> None:
    """An input method may commit several characters in one event; all are typed."""
    assert keystroke_name("你好", "你好") == "你好"


def test_ctrl_h_byte_deletes_a_word() -> None:
    """Textual names 0x08 `backspace` too; its byte says it is Ctrl+Backspace."""
    assert keystroke_name("backspace", "\x08") == "CtrlBackspace"
    assert keystroke_name("backspace", "\x7f") == "Backspace"
