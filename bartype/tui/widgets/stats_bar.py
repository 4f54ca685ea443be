"""The line above the text: test kind, timer or word counter, live WPM and accuracy."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatsBar(Static):
    """Live figures while typing; the app decides what they are."""

    def show_figures(
        self,
        counter: str,
        wpm: float | None,
        accuracy: float | None,
        label: str,
    ) -> None:
        """Show the counter (``"17"`` seconds left or ``"12/25"`` words) and the figures."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(counter, "bold")
        if wpm is not None:
            text.append(f"   {wpm:.0f} wpm")
        if accuracy is not None:
            text.append(f"   {accuracy:.0f}% acc")
        if label:
            text.append(f"   {label}", "dim")
        self.update(text)
