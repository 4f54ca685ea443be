"""A one-line text that repaints without asking for a layout (unlike ``Static.update``)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TextLine(Widget):
    """One line of text whose size is set by CSS, so a new text only repaints it."""

    DEFAULT_CSS = """
    TextLine { height: 1; }
    """

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text: str | Text = text

    @property
    def text(self) -> str:
        return str(self._text)

    def set_text(self, text: str | Text) -> None:
        if text == self._text:
            return
        self._text = text
        self.refresh()

    def render(self) -> str | Text:
        return self._text
