"""The keystroke log a session keeps."""

from __future__ import annotations

from bartype.core.keystrokes import KeyKind, Keystroke, KeystrokeLog


def test_keystroke_log_gives_back_what_it_was_given() -> None:
    """The compact log round-trips characters (any code point) and both editing keys."""
    keys = [
        Keystroke(KeyKind.CHAR, 0.0, "a"),
        Keystroke(KeyKind.CHAR, 10.5, "é"),
        Keystroke(KeyKind.CHAR, 11.0, "😀"),
        Keystroke.backspace(20.0),
        Keystroke.delete_word(30.0),
        Keystroke(KeyKind.CHAR, 31.0, "\n"),
    ]
    log = KeystrokeLog(keys)
    assert list(log) == keys and len(log) == len(keys)
    assert list(log.entries())[3:5] == [("Backspace", 20.0), ("CtrlBackspace", 30.0)]
    assert log.pop() == keys[-1] and list(log) == keys[:-1]
