"""Text that is not ours, made safe for the terminal: shown as data, never obeyed.

Everything the TUI did not write itself (a server's texts, labels, error messages and
close reasons; the history and settings files; the command line) is shown through this
module, for two reasons:

- **No markup.** A string handed to Textual or Rich is parsed as markup: ``[/nope]``
  raises ``MarkupError`` (ending the app) and ``[link=http://evil.example]`` writes a
  hyperlink. ``foreign`` returns a ``rich.text.Text``, whose brackets are characters.
- **No control characters.** A ``Text`` (or a ``Segment``) is written to the terminal as
  it is: ``ESC ] 0 ;`` retitles the window, ``ESC [ 2 J`` clears it, a bidi override
  reverses what follows. Such characters are shown as escapes a person can read
  (``\\x1b``, ``\\u202e``; see ``bartype.core.normalize.visible``), so only printable
  text reaches the terminal.
"""

from __future__ import annotations

from rich.text import Text

from bartype.core import normalize

MAX_SHOWN = 500
"""Longest foreign string shown (a megabyte-long error message is not a message)."""


def visible(text: object, limit: int = MAX_SHOWN, *, lines: bool = False) -> str:
    """``text`` with every character a terminal would obey shown as an escape.

    ``"\\x1b]0;hi"`` becomes ``\\x1b]0;hi``; with ``lines`` line breaks stay line
    breaks. The result is cut to ``limit`` characters (the last one then ``…``).
    Printable text comes back unchanged.
    """
    # An escape is never shorter than its character: the rest would be cut anyway.
    return normalize.visible(str(text)[: limit + 1], limit, lines=lines)


def foreign(text: object, style: str = "", *, limit: int = MAX_SHOWN) -> Text:
    """A ``Text`` showing ``text`` literally: no markup, no control character (see ``visible``)."""
    return Text(visible(text, limit), style=style)


def cell(ch: str) -> str:
    """One character of a text being typed, as the one cell it takes on screen.

    Control characters become their Unicode pictures (``␛`` for ESC), other
    invisible ones ``�``: the text keeps its layout, and nothing is obeyed.
    """
    if ch.isprintable() or ch == "\n" or not normalize.needs_escape(ch):
        return ch
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    if code == 0x7F:
        return "␡"
    return "�"
