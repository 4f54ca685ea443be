"""Keystroke events: what the typist did, and when.

A keystroke is a printable character (any Unicode, NFC-normalised; a dead key
or compose sequence arrives already composed), Backspace, or Ctrl+Backspace
(delete the previous word). ``t`` is the client's time in milliseconds since
the test was shown; the session re-bases it on the first accepted character.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from bartype.core.normalize import normalize_key


class KeyKind(Enum):
    """What a keystroke does."""

    CHAR = "char"
    BACKSPACE = "backspace"
    DELETE_WORD = "delete_word"


BACKSPACE_NAME = "Backspace"
DELETE_WORD_NAME = "CtrlBackspace"
"""Names used for the two editing keys in keystroke logs and on the wire."""


class Keystroke(NamedTuple):
    """One key event: ``char`` is a single code point for CHAR, empty otherwise.

    A NamedTuple (immutable, and cheap to build: one per keystroke)."""

    kind: KeyKind
    t: float
    char: str = ""

    @classmethod
    def backspace(cls, t: float) -> Keystroke:
        return cls(KeyKind.BACKSPACE, t)

    @classmethod
    def delete_word(cls, t: float) -> Keystroke:
        return cls(KeyKind.DELETE_WORD, t)

    @property
    def name(self) -> str:
        """The key as written in logs: the character itself, or an editing key's name."""
        if self.kind is KeyKind.CHAR:
            return self.char
        return BACKSPACE_NAME if self.kind is KeyKind.BACKSPACE else DELETE_WORD_NAME


def keystrokes_from_key(key: str, t: float) -> list[Keystroke]:
    """Turn a logged or received key into keystrokes.

    ``"Backspace"`` and ``"CtrlBackspace"`` are the editing keys; anything
    else is typed text, NFC-normalised, one keystroke per code point (an IME
    may commit several characters at once). Carriage returns become the
    newline separator. An empty key gives no keystroke.
    """
    if key == BACKSPACE_NAME:
        return [Keystroke.backspace(t)]
    if key == DELETE_WORD_NAME:
        return [Keystroke.delete_word(t)]
    return [Keystroke(KeyKind.CHAR, t, ch) for ch in normalize_key(key)]


def type_text(text: str, start: float = 0.0, interval: float = 100.0) -> list[Keystroke]:
    """Keystrokes that type ``text`` at a steady pace: a helper for tests and benchmarks."""
    return [
        Keystroke(KeyKind.CHAR, start + i * interval, ch)
        for i, ch in enumerate(normalize_key(text))
    ]
