"""The BARtype Textual app: composition, screens and key bindings.

The life cycle of the test — asking for it, each key, finishing it, keeping its
result — is ``PlayController``'s (``bartype.tui.controller``, no Textual). The
app hands it what the screens post up (``TypingScreen.KeyPressed``, ...), and
sets on the screens what it returns ("attributes down, messages up"), so a
screen can be replaced or resized without losing anything. Everything slow —
the transport, the history file — runs in workers and reports back on the
app's loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from bartype.storage.settings import Settings, save_settings
from bartype.tui.attempt import Attempt, TestSpec
from bartype.tui.controller import Escape, PlayController, Tick, TypingClient
from bartype.tui.notice import Toasts, server_notice
from bartype.tui.safe import visible
from bartype.tui.screens.typing import FIRST_TEXT_WAIT_S, TypingScreen
from bartype.tui.stylesheets import StyledApp
from bartype.tui.widgets.keyboard import next_key

if TYPE_CHECKING:
    from bartype.core.tutor import Tutor
    from bartype.tui.result_view import ResultView
    from bartype.tui.screens.menu import MenuChoice

ClientFactory = Callable[[], Awaitable[TypingClient]]


class BartypeApp(StyledApp[int]):
    """The typing tutor."""

    CSS_PATH = ["styles/app.tcss"]
    TITLE = "BARtype"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "quit", show=False, priority=True),
        # Priority: a modal screen (the menu, help) hides the app's other bindings.
        Binding("ctrl+t", "toggle_theme", "theme", show=False, priority=True),
    ]

    def __init__(
        self,
        spec: TestSpec,
        client_factory: ClientFactory,
        *,
        settings: Settings | None = None,
        settings_path: Path | None = None,
        history_path: Path | None = None,
        remote: bool = False,
        clock: Callable[[], float] = time.monotonic,
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.client_factory = client_factory
        self.settings = settings or Settings()
        self.settings_path = settings_path
        self.history_path = history_path
        self.remote = remote
        self.clock = clock
        self.startup_warnings = list(warnings)
        self.toasts = Toasts(self)
        self.controller = PlayController(
            spec, history_path=history_path, remote=remote, clock=clock, on_notice=self.toasts.show
        )
        self.tutor_goal: dict[str, float] = {}
        """The command line's target_cpm and min_accuracy, for this run (not saved)."""
        self.controller.practice.goal = lambda: (
            self.settings.with_changes(**self.tutor_goal).tutor_goal
        )
        self.exit_message: str | None = None
        self.then: str | None = None
        """What to run once the app has closed: ``race`` (on the LAN) or ``ghost``."""
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    # -- the test, as the controller has it ----------------------------------

    @property
    def spec(self) -> TestSpec:
        return self.controller.spec

    @spec.setter
    def spec(self, spec: TestSpec) -> None:
        self.controller.spec = spec

    @property
    def attempt(self) -> Attempt | None:
        return self.controller.attempt

    @property
    def result(self) -> ResultView | None:
        return self.controller.result

    @property
    def tutor(self) -> Tutor | None:
        return self.controller.tutor

    @property
    def client(self) -> TypingClient | None:
        return self.controller.client

    @property
    def connection(self) -> str:
        return self.controller.connection

    # -- screens -------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return TypingScreen(FIRST_TEXT_WAIT_S[self.remote])

    @property
    def typing_screen(self) -> TypingScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, TypingScreen)
        return screen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a toast. Its words are data, whoever calls: notices quote servers, files
        and errors, so no markup is parsed unless asked for, and no control character
        is written (see ``bartype.tui.safe``)."""
        super().notify(
            visible(message, lines=True),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def on_mount(self) -> None:
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=8)
        self.call_after_refresh(self.check_size)

    def on_typing_screen_shown(self, message: TypingScreen.Shown) -> None:
        """The typing screen is up: ask for the first text, or redraw the one there is."""
        if message.first and self.attempt is None:
            self.start_test(self.spec)
        elif not message.first:
            self.refresh_typing()

    def on_typing_screen_key_pressed(self, message: TypingScreen.KeyPressed) -> None:
        self.type_key(message.name)

    def on_typing_screen_escape_pressed(self, message: TypingScreen.EscapePressed) -> None:
        self.action_escape()

    def on_typing_screen_ticked(self, message: TypingScreen.Ticked) -> None:
        self.tick()

    def on_typing_screen_pasted(self, message: TypingScreen.Pasted) -> None:
        self.notify("Pasting does not type: a test is typed key by key.", title="paste", timeout=4)

    def on_resize(self) -> None:
        self.call_after_refresh(self.check_size)

    def check_size(self) -> None:
        """Cover the app with a message while the terminal is too small."""
        from bartype.tui.screens.too_small import TooSmallScreen, size_classes, too_small

        width, height = self.size
        for name, on in size_classes(width, height).items():
            self.set_class(on, name)
        small = too_small(width, height)
        covered = isinstance(self.screen, TooSmallScreen)
        if small and not covered:
            self.push_screen(TooSmallScreen())
        elif covered:
            if small:
                self.screen.refresh()
            else:
                self.pop_screen()

    def _back_to_typing(self) -> None:
        if len(self.screen_stack) > 1:
            while len(self.screen_stack) > 1:
                self.pop_screen()
            self.call_after_refresh(self.check_size)  # the size cover may have gone with them

    def _show(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> None:
        from bartype.tui.screens.too_small import TooSmallScreen

        if isinstance(self.screen, TooSmallScreen):
            self.pop_screen()
        self.push_screen(screen, callback)
        self.call_after_refresh(self.check_size)

    # -- starting a test -----------------------------------------------------

    async def _ensure_client(self) -> TypingClient | None:
        if self.client is not None:
            return self.client
        try:
            client = await self.client_factory()
        except Exception as error:  # the transport's errors carry a message for people
            self.exit_message = f"bartype: {visible(error)}"  # may quote the server
            self.exit(1, 1)  # run_play prints the message, unwrapped
            return None
        client.on_status = self._on_status
        client.on_error = self._on_error
        self.controller.client = client
        if self.remote:
            self._on_status("connected")
        return client

    @work(exclusive=True, group="session")
    async def start_test(self, spec: TestSpec, behind: bool = False) -> None:
        """Ask the handler for a new session and show its text.

        ``behind``: the screens on top (the menu) stay; the text waits under them.
        """
        controller = self.controller
        controller.reset(spec)
        view = self.typing_screen.text_view
        view.show(None)  # a placeholder while the text is made
        if not behind:
            self._back_to_typing()
        if await self._ensure_client() is None:
            return

        def show(message: str) -> None:
            view.show(None, message)

        # Once the text is made, the figures of the test before go.
        started = await controller.start(spec, show, cleared=self._update_stats)
        if started is None:
            return
        attempt, state = started.attempt, started.tutor_state
        view.set_class(attempt.text is not None and "\n" in attempt.text, "-code")
        self.typing_screen.set_tab_types(attempt.indented)
        view.show(attempt.analyzer)
        view.set_focus_letter(state.focus if state is not None else None)
        self.typing_screen.progress.show(state)
        if not behind:
            self._back_to_typing()
        self.refresh_typing()

    # -- typing --------------------------------------------------------------

    def type_key(self, name: str) -> None:
        """One key from the typing screen: colour it now, send it on, maybe finish."""
        typed = self.controller.type_key(name)
        if typed.composed:
            attempt = self.attempt
            assert attempt is not None
            self.typing_screen.text_view.replace_analyzer(attempt.analyzer)
            self._update_stats()
            return
        if typed.words is not None:
            self.typing_screen.text_view.words_changed(*typed.words)
            if typed.started:
                self.refresh_typing()
            else:
                self._update_stats()
        if typed.finished:
            self.finish(by_user=False)

    def tick(self) -> None:
        """Called a few times a second: the countdown, and the end of a timed test."""
        ticked = self.controller.tick()
        if ticked is Tick.OVER:
            self.finish(by_user=False)
        elif ticked is Tick.RUNNING:
            self._update_stats()

    def refresh_typing(self) -> None:
        """Redraw the labels and figures of the typing screen."""
        screen = self.typing_screen
        if not screen.composed:
            return
        screen.show_label(self.controller.heading())
        screen.show_connection(self.connection)
        screen.show_hint(self.controller.hint())
        self._update_stats()

    def _update_stats(self) -> None:
        attempt = self.attempt
        screen = self.typing_screen
        if screen.composed:
            keyboard = self.spec.layout if self.settings.keyboard else None
            screen.show_keyboard(keyboard, next_key(attempt.analyzer if attempt else None))
        figures = self.controller.figures()
        if figures is None:
            if screen.composed:
                screen.set_zen_running(False)
                screen.stats.show_figures("", None, None)
            return
        screen.set_zen_running(figures.zen_running)
        screen.stats.show_figures(figures.counter, figures.wpm, figures.accuracy)

    # -- finishing -----------------------------------------------------------

    def finish(self, by_user: bool) -> None:
        """Stop taking keys and fetch the result."""
        attempt = self.controller.finish()
        if attempt is None:
            return
        self.typing_screen.show_hint("…")
        self._complete(attempt, by_user)

    @work(exclusive=True, group="finish")
    async def _complete(self, attempt: Attempt, by_user: bool) -> None:
        done = await self.controller.complete(attempt, by_user)
        if done is None:
            return  # a new test started meanwhile
        if done.view is None:
            if done.restart is not None:
                self.start_test(done.restart)
            return
        from bartype.tui.screens.results import ResultsScreen

        self._show(
            ResultsScreen(
                done.view, self.clock, done.progress, ghost=done.ghost, same_text=done.same_text
            )
        )

    # -- transport callbacks ---------------------------------------------------

    def server_notice(self, message: str, **how: Any) -> None:
        """Say one thing about the server, in place of the notice before (``notice.server_notice``
        says ``how``)."""
        self.toasts.show(server_notice(message, **how))

    def _on_status(self, status: str) -> None:
        self.toasts.status_changed(status, self.connection)
        self.controller.connection = status
        if self.screen_stack and self.typing_screen.is_mounted:  # not once the app closed
            self.typing_screen.show_connection(status)

    def _on_error(self, data: dict[str, Any]) -> None:
        self.toasts.error_received(data)

    # -- actions -------------------------------------------------------------

    def action_new_test(self) -> None:
        """Restart with a new text (the same file's text in custom mode)."""
        self.start_test(self.controller.new_text_spec())

    def action_retry(self) -> None:
        """Type the same text again."""
        self.start_test(self.controller.retry_spec())

    def action_escape(self) -> None:
        """Esc while typing: zen ends; a test in progress is dropped (as Tab drops it,
        in Monkeytype's way) and a new one waits under the menu, so no clock runs on."""
        escaped = self.controller.escape()
        if escaped is Escape.MENU:
            self.action_menu()
        elif escaped is Escape.END:
            self.finish(by_user=True)
        else:
            # Asking for the next text drops this session on the handler too: nothing
            # of it is scored or kept.
            self.start_test(self.controller.new_text_spec(), behind=True)
            self.action_menu(note="test dropped (esc)")

    def action_menu(self, note: str = "") -> None:
        from bartype.tui.screens.menu import MenuScreen

        shown = self.settings.showing(self.spec).with_changes(**self.tutor_goal)
        menu = MenuScreen(shown, list(self.available_themes), note=note)
        self._show(menu, self._menu_closed)

    def _menu_closed(self, choice: Any) -> None:
        if choice is None:
            return
        from bartype.tui.screens.results import ResultsScreen

        if choice.action == "back" and isinstance(self.screen, ResultsScreen):
            # Back to the results: the new settings wait for the next test (Tab).
            self.apply_settings(choice, restart=False)
            self.spec = spec_from_settings(choice.settings, seed=self.spec.seed)
            self.notify(f"The next test is {self.spec.label}.", title="settings", timeout=3)
            return
        self.apply_settings(choice, restart=choice.action in ("start", "back"))
        if choice.action == "history":
            self.action_history()
        elif choice.action == "help":
            self.action_help()
        elif choice.action == "lessons":
            self.action_lessons()
        elif choice.action == "quit":
            self.run_worker(self.action_quit())
        elif choice.action == "race":
            self.action_hand_over("race")

    def action_hand_over(self, what: str) -> None:
        """Close, for ``bartype race`` to open (``race``: on the LAN; ``ghost``)."""
        self.then = what
        self.run_worker(self.action_quit())

    def action_race_ghost(self) -> None:
        """Race your best on the test just taken (``bartype race --ghost``)."""
        self.action_hand_over("ghost")

    def apply_settings(self, choice: MenuChoice, restart: bool) -> None:
        """Take the menu's choice: save what the typist changed and, if asked, start a
        test with the settings shown (the command line's options stay one-off)."""
        shown = choice.settings
        if "theme" in choice.changed and shown.theme in self.available_themes:
            self.theme = shown.theme
        if choice.changed:
            self.settings = self.settings.with_changes(
                **{name: getattr(shown, name) for name in choice.changed}
            )
            self.save_settings()
            self.tutor_goal = {k: v for k, v in self.tutor_goal.items() if k not in choice.changed}
        if "layout" in choice.changed:  # the keyboard under this text too, and its lessons
            self.spec = replace(self.spec, layout=shown.layout)
        if restart:
            self.start_test(spec_from_settings(shown, seed=self.spec.seed))

    def save_settings(self) -> None:
        if self.settings_path is None:
            return
        try:
            save_settings(self.settings, self.settings_path)
        except OSError as error:
            self.notify(f"cannot save settings: {error}", severity="warning")

    def action_toggle_theme(self) -> None:
        """Switch between the dark and light themes."""
        theme = "textual-light" if self.current_theme.dark else "textual-dark"
        from bartype.tui.screens.menu import MenuScreen

        self.theme = theme
        self.settings = self.settings.with_changes(theme=theme)
        self.save_settings()
        for screen in self.screen_stack:
            if isinstance(screen, MenuScreen):
                screen.theme_switched(theme)

    def action_toggle_keyboard(self) -> None:
        """Show or hide the live keyboard (and keep the choice)."""
        self.settings = self.settings.with_changes(keyboard=not self.settings.keyboard)
        self.save_settings()
        self._update_stats()

    def action_lessons(self) -> None:
        from bartype.tui.screens.lessons import LessonsScreen

        self._show(LessonsScreen(self.spec.layout, self.history_path))

    def on_lessons_screen_chosen(self, message: Any) -> None:
        """Type the lesson chosen on the lessons screen."""
        lesson = replace(self.spec, mode="lesson", lesson=message.number, layout=message.layout)
        self.start_test(replace(lesson, text=None))

    def action_history(self) -> None:
        from bartype.tui.screens.history import HistoryScreen

        self._show(HistoryScreen(self.history_path))

    def action_help(self) -> None:
        from bartype.tui.screens.help import HelpScreen

        self._show(HelpScreen())

    async def action_quit(self) -> None:
        """Quit from anywhere, keeping menu changes and closing the connection first."""
        from bartype.tui.screens.menu import MenuScreen

        for screen in self.screen_stack:
            if isinstance(screen, MenuScreen):
                self.apply_settings(screen.choice("quit"), restart=False)
        client, self.controller.client = self.client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.close(), 2.0)
            except Exception:
                pass  # quitting: a connection that will not close is dropped anyway
        self.exit(0)


def spec_from_settings(settings: Settings, seed: int | None = None) -> TestSpec:
    """The test the settings describe."""
    return settings.test_options(seed)
