"""The typing screen: the text, the live figures, and every key the typist presses."""

from __future__ import annotations

import asyncio
import contextlib

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen

from bartype.tui.keys import keystroke_name
from bartype.tui.widgets.key_bar import KeyBar
from bartype.tui.widgets.keyboard import BOARD_HEIGHT, LiveKeyboard, board_width
from bartype.tui.widgets.line import TextLine
from bartype.tui.widgets.stats_bar import StatsBar
from bartype.tui.widgets.status import ConnectionStatus
from bartype.tui.widgets.tutor_progress import TutorProgress
from bartype.tui.widgets.typing_text import TypingText

FIRST_TEXT_WAIT_S = {False: 5.0, True: 0.3}
"""How long the first frame waits for the first text, in process (``False``) and from a
server (``True``). An in-process text comes in milliseconds, so 5 s only bounds a fault;
a slow server's typist soon sees the screen, and the text after."""


class TypingScreen(Screen[None]):
    """Where the test is typed.

    Attributes down, messages up: the screen posts what the typist did (`KeyPressed`,
    `EscapePressed`) and when it is there to show a test (`Shown`, `Ticked`); the app, which
    owns the test, answers by setting what the screen shows (`zen_running`, `show_label`,
    `show_hint`, `show_connection`, and the text view and stats bar).
    """

    class KeyPressed(Message):
        """The typist pressed a key that types (a character, a space, a deletion)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class EscapePressed(Message):
        """The typist pressed Esc (the menu, or the end of a zen test)."""

    class Shown(Message):
        """The screen is (again) on top and ready to show the test."""

        def __init__(self, first: bool) -> None:
            super().__init__()
            self.first = first

    class Ticked(Message):
        """A few times a second while the screen is up: time for the countdown."""

    class Pasted(Message):
        """The terminal pasted text (bracketed paste): it is not typed."""

    BINDINGS = [
        # Tab types indentation in a text that has some (code): shift+Tab is then the
        # new-text key, as in Monkeytype.
        Binding("tab", "new_test('tab')", "new text", priority=True),
        Binding("shift+tab", "new_test('shift+tab')", "new text", priority=True),
        Binding("escape", "escape('menu')", "menu", priority=True),
        Binding("escape", "escape('end')", "end test", priority=True),
        Binding("ctrl+r", "app.retry", "same text", show=False, priority=True),
        Binding("ctrl+k", "app.toggle_keyboard", "keyboard", priority=True),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    AUTO_FOCUS = None

    zen_running = False
    """Set by the app: a zen test is running, so Esc ends it rather than opening the menu."""
    tab_types = False
    """Set by the app: the text is indented, so Tab types a tab and shift+Tab restarts."""
    composed = False
    """The screen's widgets are there (from ``on_mount``): the app may set what they show."""

    def __init__(self, first_text_wait_s: float = 0.0) -> None:
        super().__init__()
        self.first_text_wait_s = first_text_wait_s
        """How long the first frame may wait for the first text (see ``on_mount``)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="typing-column"):
            with Horizontal(id="typing-top"):
                yield TextLine(id="test-label")
                yield ConnectionStatus(id="connection")
            yield StatsBar(id="stats")
            yield TypingText(id="text")
            yield TutorProgress(id="typing-progress")
            yield TextLine(id="typing-hint")
            yield LiveKeyboard(id="keyboard")
        yield KeyBar()

    def set_zen_running(self, running: bool) -> None:
        """Esc ends the test while a zen test runs; the footer says so."""
        if running != self.zen_running:
            self.zen_running = running
            self.refresh_bindings()

    def set_tab_types(self, types: bool) -> None:
        """Tab types a tab (the text is indented) or starts a new text; the footer says which."""
        if types != self.tab_types:
            self.tab_types = types
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show "end test" for Esc while a zen test runs, "menu" otherwise; the new-text
        key is Tab, or shift+Tab where Tab types (a disabled Tab reaches ``on_key``)."""
        if action == "escape" and parameters:
            return (parameters[0] == "end") == self.zen_running
        if action == "new_test" and parameters:
            return (parameters[0] == "shift+tab") == self.tab_types
        return True

    def action_new_test(self, key: str) -> None:
        self.app.action_new_test()  # type: ignore[attr-defined]

    def action_escape(self, what: str) -> None:
        self.post_message(self.EscapePressed())

    def show_label(self, text: str) -> None:
        """What test this is (mode, language, options)."""
        self.query_one("#test-label", TextLine).set_text(text)

    def show_hint(self, text: str) -> None:
        """The line under the text: what to do next."""
        self.query_one("#typing-hint", TextLine).set_text(text)

    def show_connection(self, status: str) -> None:
        """The server link's state, for the indicator (empty offline)."""
        self.query_one("#connection", ConnectionStatus).set_status(status)

    def show_keyboard(self, layout: str | None, key: str | None) -> None:
        """The live keyboard on ``layout`` with ``key`` lit; ``None`` hides it. With too
        little room for the board, only its line naming the key and finger is shown."""
        board = self.query_one("#keyboard", LiveKeyboard)
        board.display = layout is not None
        if layout is not None:
            board.show(layout, key)
            if self._fitted_board is not board.board:  # a layout has its own width; on_resize
                self._fit_keyboard()  # refits on a resize, so a keystroke need not

    _fitted_board: object = None
    """The board ``_fit_keyboard`` last sized the keyboard for."""

    def _fit_keyboard(self) -> None:
        board = self.query_one("#keyboard", LiveKeyboard)
        self._fitted_board = board.board
        width, height = self.size
        # The rest of the screen takes about 11 rows; the column has 2 cells of padding a side.
        roomy = height >= BOARD_HEIGHT + 11 + 4 and width >= board_width(board.board) + 4
        board.set_class(not roomy, "-compact")

    def on_resize(self) -> None:
        self._fit_keyboard()

    @property
    def progress(self) -> TutorProgress:
        """Adaptive practice's progress (hidden in other modes)."""
        return self.query_one("#typing-progress", TutorProgress)

    @property
    def text_view(self) -> TypingText:
        return self.query_one("#text", TypingText)

    @property
    def stats(self) -> StatsBar:
        return self.query_one("#stats", StatsBar)

    async def on_mount(self) -> None:
        self.composed = True
        self.set_interval(0.1, lambda: self.post_message(self.Ticked()), name="typing tick")
        # Straight to the app: this screen's own messages (its first frame) wait below.
        self.app.post_message(self.Shown(first=True))
        # The first frame waits for the first text, so that start-up lays the screen out
        # and draws it once, with the text, its label and the keys together (a local
        # text takes milliseconds); past the wait the screen is drawn without it.
        if self.first_text_wait_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.text_view.given.wait(), self.first_text_wait_s)

    def on_screen_resume(self) -> None:
        self.post_message(self.Shown(first=False))

    def on_key(self, event: events.Key) -> None:
        name = keystroke_name(event.key, event.character)
        if name is None:
            return
        event.stop()
        event.prevent_default()
        # Straight to the app, which handles it: bubbling up would take every key
        # through the screen's queue first.
        self.app.post_message(self.KeyPressed(name))

    def on_paste(self, event: events.Paste) -> None:
        """A paste is not typing (the app says so)."""
        event.stop()
        event.prevent_default()
        self.post_message(self.Pasted())
