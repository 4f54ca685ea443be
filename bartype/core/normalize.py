"""Text normalisation shared by the analyzer, the text generators and custom files.

A typing target is a sequence of words separated by exactly one separator
character: a space, or a newline where the text has a line break. Typists
cannot see the difference between one space and three, so runs of spaces are
one space. Indentation is kept, as one tab per level at the start of a line
(code must keep its shape): the analyzer types it after a line break, as an
editor indents, and the Tab key types a tab.
"""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = frozenset(" \n")
"""Characters that end (commit) a word."""

INVISIBLE = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"  # zero width
)
"""Characters a text loses: bidi controls (they reorder what is shown, so a word
would not read as it must be typed) and zero-width ones (a word holding one
looks like a word without it, yet cannot be typed)."""
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters other than tab, LF and CR: nobody can type them."""

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
INDENT = "\t"
"""One level of indentation in a normalised text."""
TAB_SPACES = 4
"""Spaces a tab stands for when a line mixes them (Python's and most editors' width)."""


def normalize_key(text: str) -> str:
    """NFC-normalise typed text and map Enter (CR) to the newline separator."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def find_control(text: str) -> int:
    """Index of the first control character other than tab, LF and CR, or -1.

    A text holding one cannot be typed (and must not reach a terminal raw):
    it is refused, not repaired.
    """
    found = _CONTROL.search(text)
    return -1 if found is None else found.start()


def normalize_text(text: str) -> str:
    """Return ``text`` as a typing target.

    Drops bidi controls and zero-width characters (``INVISIBLE``),
    NFC-normalises, turns CRLF/CR into LF, drops blank lines and trailing
    spaces, and collapses runs of spaces (tabs, no-break spaces...) inside a
    line into one space. Indentation becomes one ``INDENT`` per level (the
    smallest indentation of the text is one level), less what every line
    shares; the first line starts at the margin.
    """
    text = text.translate(_DROP_INVISIBLE)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[tuple[int, str]] = []  # (indentation in columns, the line's words)
    for line in text.split("\n"):
        words = _HORIZONTAL_SPACE.sub(" ", line).strip()
        if words:
            lead = line[: len(line) - len(line.lstrip())]
            lines.append((len(lead.expandtabs(TAB_SPACES)), words))
    if not lines:
        return ""
    indents = [indent for indent, _ in lines]
    if "\t" in text and all(i % TAB_SPACES == 0 for i in indents):
        step = TAB_SPACES  # tab-indented (or as wide as tabs): one tab a level
    else:
        step = min((i - min(indents) for i in indents if i > min(indents)), default=1)
    base = min(indents)
    out = [lines[0][1]]
    out.extend(INDENT * ((indent - base) // step) + words for indent, words in lines[1:])
    return "\n".join(out)


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


_ESCAPED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
"""Control, formatting (bidi overrides, zero-width marks), line/paragraph separators, and
lone surrogates (JSON can carry them; no terminal encoding can)."""
_JOINERS = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners: formatting characters that emoji and some scripts need."""


def needs_escape(ch: str) -> bool:
    """Must ``ch`` be escaped to be shown? (A terminal would obey or hide it, not show it.)"""
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES and ch not in _JOINERS


def visible(text: str, limit: int | None = None, *, lines: bool = False) -> str:
    """Text that is not ours (from the network, a file) made safe to show in a terminal or log.

    Control and formatting characters become Python-style escapes
    (``"\\x1b[2J"`` shows as ``\\x1b[2J``), so nothing reaches the terminal
    but printable text; with ``lines`` line breaks stay line breaks. The
    result is cut to ``limit`` characters (the last one then an ellipsis).
    Render it as ``rich.text.Text``: Rich markup in it (``[red]``) stays literal.
    """
    if lines:
        shown = "\n".join(visible(line) for line in text.split("\n"))
    elif text.isprintable():  # the fast path: isprintable() is False for all of them
        shown = text
    else:
        shown = "".join(
            ch.encode("unicode_escape").decode("ascii") if needs_escape(ch) else ch for ch in text
        )
    if limit is not None and len(shown) > limit:
        shown = shown[: max(0, limit - 1)] + "…"
    return shown
