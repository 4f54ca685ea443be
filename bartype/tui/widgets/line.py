"""A one-line text that repaints without asking for a layout (unlike ``Static.update``).

A string given to it is shown as it is, never parsed as markup: labels quote the
command line, the settings file and servers (``--language '[/oops]'``).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from bartype.tui.safe import foreign


class TextLine(Widget):
    """One line of text whose size is set by CSS, so a new text only repaints it."""

    DEFAULT_CSS = """
    TextLine { height: 1; }
    """

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text: Text = foreign(text) if isinstance(text, str) else text

    @property
    def text(self) -> str:
        return str(self._text)

    def set_text(self, text: str | Text) -> None:
        shown = foreign(text) if isinstance(text, str) else text
        if shown == self._text:
            return
        self._text = shown
        self.refresh()

    def render(self) -> Text:
        return self._text
