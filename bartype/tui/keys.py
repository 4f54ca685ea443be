"""Map terminal key events to keystroke names, without importing Textual.

Terminals send Ctrl+Backspace in several ways (``ctrl+backspace`` with the
Kitty protocol, ``ctrl+w`` as in readline, ``alt+backspace`` from macOS-style
setups, and the byte 0x08 (^H) from GNOME Terminal/VTE, Windows Terminal and
kitty's legacy mode, which send 0x7f for Backspace); all of them delete a
word. Textual names both 0x08 and 0x7f ``backspace``, so the byte the driver
received (the event's character) tells them apart. Keys
that carry no printable character — bare Shift, Ctrl, Alt, function keys —
are never keystrokes.
"""

from __future__ import annotations

from bartype.core.keystrokes import BACKSPACE_NAME, DELETE_WORD_NAME

CTRL_H = "\x08"
"""The byte most terminals send for Ctrl+Backspace (Backspace itself is 0x7f)."""
BACKSPACE_KEYS = frozenset({"backspace", "shift+backspace"})
DELETE_WORD_KEYS = frozenset(
    {"ctrl+backspace", "ctrl+h", "ctrl+w", "alt+backspace", "ctrl+shift+backspace"}
)
ENTER_KEYS = frozenset({"enter", "ctrl+j", "ctrl+m"})


def keystroke_name(key: str, character: str | None) -> str | None:
    """The keystroke a key event stands for, or ``None`` if it must be ignored.

    Args:
        key: Textual's key name (``"a"``, ``"space"``, ``"ctrl+h"``, ``"left_shift"``).
        character: the text the key produced, if any.
    """
    if key in BACKSPACE_KEYS:
        return DELETE_WORD_NAME if character == CTRL_H else BACKSPACE_NAME
    if key in DELETE_WORD_KEYS:
        return DELETE_WORD_NAME
    if key in ENTER_KEYS:
        return "\n"  # a separator: it ends a word like space, and is the line break in code
    if key == "tab":
        return "\t"  # indentation, where the text has some (elsewhere Tab is a binding)
    if not character or not character.isprintable():
        return None
    if key.startswith(("ctrl+", "super+", "hyper+", "meta+")):
        return None  # a shortcut, even when the terminal reports a character with it
    return character
