"""Keystroke events: what the typist did, and when.

A keystroke is a printable character (any Unicode, NFC-normalised; a dead key
or compose sequence arrives already composed), Backspace, or Ctrl+Backspace
(delete the previous word). ``t`` is the client's time in milliseconds since
the test was shown; the session re-bases it on the first accepted character.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
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


class KeystrokeLog:
    """Keystrokes in order, as a session keeps them for replay and storage.

    Stored as names (the character, or an editing key's name) and an array of
    times: about 16 bytes a key, against about 100 for a list of
    ``Keystroke`` objects, which matters to a server holding many long tests.
    Iterating gives ``Keystroke`` objects again.
    """

    __slots__ = ("_names", "_times")

    def __init__(self, keys: Iterable[Keystroke] = ()) -> None:
        self._names: list[str] = []
        self._times = array("d")
        for key in keys:
            self.append(key)

    def append(self, key: Keystroke) -> None:
        self._names.append(key.char if key.kind is _CHAR else key.name)
        self._times.append(key.t)

    def pop(self) -> Keystroke:
        """Remove and return the last keystroke."""
        return _from_name(self._names.pop(), self._times.pop())

    def entries(self) -> Iterator[tuple[str, float]]:
        """``(name, t)`` pairs, as written in logs."""
        return zip(self._names, self._times, strict=True)

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[Keystroke]:
        for name, t in zip(self._names, self._times, strict=True):
            yield _from_name(name, t)


_CHAR = KeyKind.CHAR


def _from_name(name: str, t: float) -> Keystroke:
    """The keystroke a log name stands for (a character is one code point; names are longer)."""
    if len(name) == 1:
        return Keystroke(_CHAR, t, name)
    return Keystroke(KeyKind.BACKSPACE if name == BACKSPACE_NAME else KeyKind.DELETE_WORD, t)


def plain_keystroke(key: str, t: float) -> Keystroke | None:
    """The one keystroke of ``key`` if it is a character ``keystrokes_from_key`` would leave
    as it is, else ``None``: the common case of a received key, made without its list.

    ASCII other than CR is already NFC and is not mapped; any other character may be
    (U+212B becomes U+00C5), so it goes through ``keystrokes_from_key``.
    """
    if len(key) == 1 and key < "\x80" and key != "\r":
        return _new_keystroke(Keystroke, (_CHAR, t, key))  # no generated ``__new__``
    return None


_new_keystroke = tuple.__new__


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
