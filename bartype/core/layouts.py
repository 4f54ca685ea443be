"""Keyboard layouts as data: where each character is and which finger types it.

Five layouts: QWERTY (US), Dvorak (US), Colemak, QWERTZ (German, ISO) and
AZERTY (French, ISO). Each has four rows of keys (numbers, top, home,
bottom), unshifted and shifted, and characters reached through a dead key
(AZERTY's ``^`` and ``¨``, QWERTZ's ``^`` and ``´``).

Fingers follow the usual touch-typing assignment on a row-staggered board:
the columns of a row map to pinky, ring, middle, index, index | index, index,
middle, ring, pinky, and the pinky keeps whatever is further right. The
space bar belongs to the thumbs. Lessons and the on-screen keyboard use it;
nothing here reads a file.
"""

from __future__ import annotations

from enum import Enum

from bartype.core.records import frozen

__all__ = [
    "LAYOUTS",
    "Finger",
    "KeyPosition",
    "Layout",
    "Row",
    "layout",
]


class Finger(Enum):
    """The finger that types a key."""

    LEFT_PINKY = "left pinky"
    LEFT_RING = "left ring"
    LEFT_MIDDLE = "left middle"
    LEFT_INDEX = "left index"
    RIGHT_INDEX = "right index"
    RIGHT_MIDDLE = "right middle"
    RIGHT_RING = "right ring"
    RIGHT_PINKY = "right pinky"
    THUMB = "thumb"

    @property
    def hand(self) -> str:
        """``"left"``, ``"right"``, or ``"both"`` for the thumbs."""
        return "both" if self is Finger.THUMB else self.value.split()[0]


class Row(Enum):
    """Rows from the top; the value is the row's index in :attr:`Layout.rows`."""

    NUMBER = 0
    TOP = 1
    HOME = 2
    BOTTOM = 3


_F = Finger
_LEFT = (_F.LEFT_PINKY, _F.LEFT_RING, _F.LEFT_MIDDLE, _F.LEFT_INDEX, _F.LEFT_INDEX)
_RIGHT = (_F.RIGHT_INDEX, _F.RIGHT_INDEX, _F.RIGHT_MIDDLE, _F.RIGHT_RING)
# Fingers by column, per row. The number row starts one column further left
# (` or ^ or ²), so its columns run one to the right of the letter rows'.
_NUMBER_FINGERS = (_F.LEFT_PINKY, *_LEFT, *_RIGHT)
_LETTER_FINGERS = (*_LEFT, *_RIGHT)


@frozen
class KeyPosition:
    """Where a character is typed: row, column (0 = leftmost key of the row), finger, shift."""

    row: Row
    column: int
    finger: Finger
    shift: bool = False


def _finger(row: Row, column: int) -> Finger:
    fingers = _NUMBER_FINGERS if row is Row.NUMBER else _LETTER_FINGERS
    return fingers[column] if column < len(fingers) else _F.RIGHT_PINKY


@frozen
class Layout:
    """One keyboard layout.

    ``rows`` and ``shifted`` hold the characters of the number, top, home and
    bottom rows from left to right (for ISO boards the bottom row starts with
    the extra key left of the first letter, typed by the left pinky).
    ``dead_keys`` maps a composed character to the dead key and the key that
    follow each other to type it.
    """

    name: str
    title: str
    rows: tuple[str, str, str, str]
    shifted: tuple[str, str, str, str]
    iso: bool = False
    dead_keys: tuple[tuple[str, str, str], ...] = ()

    def position(self, char: str) -> KeyPosition | None:
        """Where ``char`` is typed directly (``None``: not on this layout, or via a dead key)."""
        if char == " ":
            return KeyPosition(Row.BOTTOM, -1, Finger.THUMB)
        for layer, shift in ((self.rows, False), (self.shifted, True)):
            for row in Row:
                keys = layer[row.value]
                column = keys.find(char)
                if column < 0:
                    continue
                if row is Row.BOTTOM and self.iso:
                    finger = _F.LEFT_PINKY if column == 0 else _finger(row, column - 1)
                else:
                    finger = _finger(row, column)
                return KeyPosition(row, column, finger, shift)
        return None

    def finger(self, char: str) -> Finger | None:
        """The finger for ``char`` (for a dead-key character, the finger of its base key)."""
        pos = self.position(char)
        if pos is None:
            strokes = self.strokes(char)
            pos = self.position(strokes[-1]) if strokes else None
        return None if pos is None else pos.finger

    def strokes(self, char: str) -> tuple[str, ...]:
        """The keys that type ``char``: itself, or a dead key then its base; ``()`` if none."""
        if self.position(char) is not None:
            return (char,)
        for composed, dead, base in self.dead_keys:
            if composed == char:
                return (dead, base)
        return ()

    def row_letters(self, row: Row) -> str:
        """The letters of one row (unshifted), e.g. QWERTY's home row ``"asdfghjkl"``."""
        return "".join(ch for ch in self.rows[row.value] if ch.isalpha())


def _circumflex_and_diaeresis(circumflex: str, diaeresis: str) -> tuple[tuple[str, str, str], ...]:
    keys = [(v, circumflex, b) for v, b in zip("âêîôû", "aeiou", strict=True)]
    keys += [(v, diaeresis, b) for v, b in zip("ëïüÿ", "eiuy", strict=True)]
    return tuple(keys)


LAYOUTS: dict[str, Layout] = {
    "qwerty": Layout(
        "qwerty",
        "QWERTY (US)",
        ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"),
        ("~!@#$%^&*()_+", "QWERTYUIOP{}|", 'ASDFGHJKL:"', "ZXCVBNM<>?"),
    ),
    "dvorak": Layout(
        "dvorak",
        "Dvorak (US)",
        ("`1234567890[]", "',.pyfgcrl/=\\", "aoeuidhtns-", ";qjkxbmwvz"),
        ("~!@#$%^&*(){}", '"<>PYFGCRL?+|', "AOEUIDHTNS_", ":QJKXBMWVZ"),
    ),
    "colemak": Layout(
        "colemak",
        "Colemak",
        ("`1234567890-=", "qwfpgjluy;[]\\", "arstdhneio'", "zxcvbkm,./"),
        ("~!@#$%^&*()_+", "QWFPGJLUY:{}|", 'ARSTDHNEIO"', "ZXCVBKM<>?"),
    ),
    "qwertz": Layout(
        "qwertz",
        "QWERTZ (German)",
        ("^1234567890ß´", "qwertzuiopü+", "asdfghjklöä#", "<yxcvbnm,.-"),
        ('°!"§$%&/()=?`', "QWERTZUIOPÜ*", "ASDFGHJKLÖÄ'", ">YXCVBNM;:_"),
        iso=True,
        dead_keys=(
            *((v, "^", b) for v, b in zip("âêîôû", "aeiou", strict=True)),
            *((v, "´", b) for v, b in zip("áéíóú", "aeiou", strict=True)),
        ),
    ),
    "azerty": Layout(
        "azerty",
        "AZERTY (French)",
        ("²&é\"'(-è_çà)=", "azertyuiop^$", "qsdfghjklmù*", "<wxcvbn,;:!"),
        ("³1234567890°+", "AZERTYUIOP¨£", "QSDFGHJKLM%µ", ">WXCVBN?./§"),
        iso=True,
        dead_keys=_circumflex_and_diaeresis("^", "¨"),
    ),
}
"""Every layout by name."""

LANGUAGE_LAYOUTS = {"german": "qwertz", "french": "azerty"}
"""The usual layout of a language, where it is not QWERTY."""


def layout(name: str) -> Layout:
    """The layout called ``name`` (case-insensitive); ``ValueError`` names the choices."""
    found = LAYOUTS.get(name.strip().casefold())
    if found is None:
        raise ValueError(f"Unknown keyboard layout {name!r}. Choose one of: {', '.join(LAYOUTS)}.")
    return found
