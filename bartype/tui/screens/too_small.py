"""Shown instead of a squashed layout while the terminal is too small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 18
NARROW_WIDTH = 80
WIDE_WIDTH = 140
TALL_HEIGHT = 36
SHORT_HEIGHT = 24


def size_classes(width: int, height: int) -> dict[str, bool]:
    """The app's classes for a terminal of this size, on or off (see the sheets in styles/)."""
    return {
        "-narrow": width < NARROW_WIDTH,  # the results' figures stack in two rows
        "-wide": width >= WIDE_WIDTH,  # a wider results column and a taller chart
        "-tall": height >= TALL_HEIGHT,
        "-short": height < SHORT_HEIGHT,  # History gives its table more rows
    }


def too_small(width: int, height: int) -> bool:
    """Whether the app is covered by ``TooSmallScreen`` at this size."""
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(Screen[None]):
    """A plain message with the size needed; it goes away by itself when there is room."""

    BINDINGS = [("ctrl+c", "app.quit", "quit")]

    def __init__(self, min_width: int = MIN_WIDTH, min_height: int = MIN_HEIGHT) -> None:
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
