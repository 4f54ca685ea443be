"""The typing screen: the text, the live figures, and every key the typist presses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from bartype.tui.keys import keystroke_name
from bartype.tui.widgets.line import TextLine
from bartype.tui.widgets.stats_bar import StatsBar
from bartype.tui.widgets.status import ConnectionStatus
from bartype.tui.widgets.typing_text import TypingText

if TYPE_CHECKING:
    from bartype.tui.app import BartypeApp


class TypingScreen(Screen[None]):
    """Where the test is typed. Keys go to the app, which owns the test."""

    BINDINGS = [
        Binding("tab", "app.new_test", "new text", priority=True),
        Binding("escape", "app.escape", "menu", priority=True),
        Binding("ctrl+r", "app.retry", "same text", show=False, priority=True),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    AUTO_FOCUS = None

    def compose(self) -> ComposeResult:
        with Vertical(id="typing-column"):
            with Horizontal(id="typing-top"):
                yield TextLine(id="test-label")
                yield ConnectionStatus(id="connection")
            yield StatsBar(id="stats")
            yield TypingText(id="text")
            yield TextLine(id="typing-hint")
        yield Footer()

    @property
    def bartype(self) -> BartypeApp:
        from bartype.tui.app import BartypeApp

        assert isinstance(self.app, BartypeApp)
        return self.app

    @property
    def text_view(self) -> TypingText:
        return self.query_one("#text", TypingText)

    @property
    def stats(self) -> StatsBar:
        return self.query_one("#stats", StatsBar)

    def on_mount(self) -> None:
        self.set_interval(0.1, self.bartype.tick, name="typing tick")
        self.bartype.typing_screen_ready()

    def on_screen_resume(self) -> None:
        self.bartype.refresh_typing()

    async def on_key(self, event: events.Key) -> None:
        attempt = self.bartype.attempt
        multiline = attempt.multiline if attempt is not None else False
        name = keystroke_name(event.key, event.character, multiline)
        if name is None:
            return
        event.stop()
        event.prevent_default()
        self.bartype.type_key(name)

    def on_paste(self, event: events.Paste) -> None:
        """A paste is not typing."""
        event.stop()
        event.prevent_default()
