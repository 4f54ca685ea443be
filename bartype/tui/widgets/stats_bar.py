"""The line above the text: timer or word counter, live WPM and accuracy."""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from bartype.core.metrics import round_half_up

_OFFSET = Style.from_meta({"offset": (0, 0)})
"""The line's offset, as Textual's own rendering marks text (for selection)."""


class StatsBar(Widget):
    """Live figures while typing; the app decides what they are.

    A plain widget rather than a ``Static``: its size never changes, so a new
    figure repaints one line instead of asking for a layout of the screen. The
    line is drawn straight into a strip in the widget's own style (the figures
    have none of their own): Textual's way from a ``Text`` to a strip costs more
    than the rest of a key's frame put together.
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

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        line = self._text.plain if y == 0 else ""
        cells = cell_len(line)
        if cells > width:  # cut as the Text's overflow="ellipsis" cuts it
            cut = Text(line)
            cut.truncate(width, overflow="ellipsis")
            line = cut.plain
            cells = cell_len(line)
        if not line:
            return Strip([])
        # The widget pads the rest of the line.
        return Strip([Segment(line, self.rich_style + _OFFSET)], cells)
