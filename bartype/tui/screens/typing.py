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
        Binding("escape", "escape('menu')", "menu", priority=True),
        Binding("escape", "escape('end')", "end test", priority=True),
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

    def _zen_running(self) -> bool:
        attempt = self.bartype.attempt
        return (
            attempt is not None and attempt.spec.mode == "zen" and attempt.started and attempt.open
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show "end test" for Esc while a zen test runs, "menu" otherwise."""
        if action == "escape" and parameters:
            return (parameters[0] == "end") == self._zen_running()
        return True

    def action_escape(self, what: str) -> None:
        self.bartype.action_escape()

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
        name = keystroke_name(event.key, event.character)
        if name is None:
            return
        event.stop()
        event.prevent_default()
        self.bartype.type_key(name)

    def on_paste(self, event: events.Paste) -> None:
        """A paste is not typing."""
        event.stop()
        event.prevent_default()
