"""The line above the text: timer or word counter, live WPM and accuracy."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatsBar(Widget):
    """Live figures while typing; the app decides what they are.

    A plain widget rather than a ``Static``: its size never changes, so a new
    figure repaints one line instead of asking for a layout of the screen.
    """

    DEFAULT_CSS = """
    StatsBar { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._shown: tuple[object, ...] | None = None

    def show_figures(self, counter: str, wpm: float | None, accuracy: float | None) -> None:
        """Show the counter (``"17"`` seconds left or ``"12/25"`` words) and the figures.

        Nothing is repainted when nothing changed: the countdown calls this often.
        """
        key = (counter, None if wpm is None else round(wpm), accuracy and round(accuracy))
        if key == self._shown:
            return
        self._shown = key
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(counter)
        if wpm is not None:
            text.append(f"   {wpm:.0f} wpm")
        if accuracy is not None:
            text.append(f"   {accuracy:.0f}% acc")
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text
