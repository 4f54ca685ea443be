"""The line above the text: timer or word counter, live WPM and accuracy."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from bartype.core.metrics import round_half_up


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
        shown_wpm = None if wpm is None else round_half_up(wpm)
        # Floored, as Monkeytype shows it: 99.6 % with an error is not 100 %.
        shown_accuracy = None if accuracy is None else math.floor(accuracy)
        key = (counter, shown_wpm, shown_accuracy)
        if key == self._shown:
            return
        self._shown = key
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(counter)
        if shown_wpm is not None:
            text.append(f"   {shown_wpm} wpm")
        if shown_accuracy is not None:
            text.append(f"   {shown_accuracy}% acc")
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text
