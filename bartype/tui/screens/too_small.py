"""Shown instead of a squashed layout while the terminal is too small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen[None]):
    """A plain message with the size needed; it goes away by itself when there is room."""

    BINDINGS = [("ctrl+c", "app.quit", "quit")]

    def __init__(self, min_width: int, min_height: int) -> None:
        super().__init__()
        self.min_width = min_width
        self.min_height = min_height

    def compose(self) -> ComposeResult:
        yield Static(self._message(), id="too-small-message")

    def _message(self) -> str:
        width, height = self.app.size
        return (
            f"The terminal is too small ({width}×{height}).\n"
            f"BARtype needs at least {self.min_width}×{self.min_height}: "
            "enlarge the window to go on."
        )

    def on_resize(self) -> None:
        self.query_one("#too-small-message", Static).update(self._message())
