"""Text normalisation shared by the analyzer, the text generators and custom files.

A typing target is a sequence of words separated by exactly one separator
character: a space, or a newline where the text has a line break. Typists
cannot see the difference between one space and three, or type indentation
they cannot see the width of, so both are normalised away here, once.
"""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = frozenset(" \n")
"""Characters that end (commit) a word."""

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalize_key(text: str) -> str:
    """NFC-normalise typed text and map Enter (CR) to the newline separator."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def normalize_text(text: str) -> str:
    """Return ``text`` as a typing target.

    NFC-normalises, turns CRLF/CR into LF, drops indentation and trailing
    spaces, collapses runs of spaces (tabs, no-break spaces...) into one
    space and runs of blank lines into one line break, and strips the ends.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def split_words(text: str) -> list[str]:
    """Split a normalised text into target words, each carrying its separator.

    The last word has no separator. ``"ab cd\\nef"`` gives ``["ab ", "cd\\n", "ef"]``.
    """
    words: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in SEPARATORS:
            words.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        words.append(text[start:])
    return words
