"""The BARtype Textual app: owns the test, the client and the settings.

Screens and widgets only draw what the app tells them and hand key presses
back; the state of the test lives here (in an ``Attempt``), so a screen can be
replaced or resized without losing anything. Everything slow — the transport,
the history file — runs in workers and reports back on the app's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from bartype.core.ghost import RACEABLE_MODES
from bartype.core.options import Mode
from bartype.storage.settings import Settings, save_settings
from bartype.transport.base import ChannelClosed, ConnectionFailed
from bartype.tui.attempt import Attempt, TestSpec
from bartype.tui.heading import heading_for, quote_source
from bartype.tui.result_view import ResultView, from_complete, from_result
from bartype.tui.safe import visible
from bartype.tui.screens.typing import TypingScreen
from bartype.tui.widgets.keyboard import next_key

if TYPE_CHECKING:
    from bartype.core.tutor import Tutor, TutorState
    from bartype.storage.drills import DrillSource
    from bartype.storage.tutor_profiles import LoadedTutor
    from bartype.tui.screens.menu import MenuChoice

MIN_WIDTH = 60
MIN_HEIGHT = 18
NARROW_WIDTH = 80
WIDE_WIDTH = 140
TALL_HEIGHT = 36
SHORT_HEIGHT = 24
COMPLETE_TIMEOUT_S = 1.5
"""How long to wait for the handler to finish a test by itself before ending it."""
END_TIMEOUT_S = 5.0
"""How long to wait for the handler's result before showing the one computed here."""
CREATE_RETRY_S = 2.0
"""How often a new test is asked for again while the server is unreachable."""
OFFLINE_WAIT_S = 1.0
"""Both waits when the link to the server is down at the end of a test: long
enough for a reconnect under way to finish, short enough not to keep the
typist staring at a finished test."""


FRIENDLY_ERRORS = {
    "INVALID_SESSION": "The server no longer knows this test (did it crash?). "
    "Finish it here and it is kept locally, or press Tab for a new one.",
    "SESSION_EXPIRED": "The server forgot this test after a long pause. Press Tab for a new one.",
    "SERVER_SHUTDOWN": "The server is stopping. A test in progress goes on here and resumes "
    "there if the server is back soon; its result is kept here either way.",
    "RATE_LIMITED": "The server asks to slow down: keys are being sent in bigger batches.",
}
"""Server errors a typist can hit, said in their terms."""


REQUEST_ERRORS = frozenset(
    {"TEXT_UNAVAILABLE", "BAD_MESSAGE", "UNKNOWN_FIELD", "VERSION_MISMATCH", "SERVER_BUSY"}
)
"""Errors that answer a request (create a session...): the request reports them."""


class TypingClient(Protocol):
    """The part of ``bartype.transport.client.SessionClient`` the app uses."""

    on_metrics: Callable[[dict[str, Any]], None] | None
    on_status: Callable[[str], None] | None
    on_error: Callable[[dict[str, Any]], None] | None

    async def create(self, options: Any) -> Any: ...

    def send_key(self, key: str, t: float) -> None: ...

    async def end(self, t: float | None = None) -> dict[str, Any]: ...

    async def wait_complete(self) -> dict[str, Any]: ...

    def drop_session(self) -> None: ...

    async def close(self) -> None: ...


ClientFactory = Callable[[], Awaitable[TypingClient]]


COMPOSE_WAIT_MS = 50.0
"""How long a typed letter waits for a combining mark from the same write before it is sent."""


class BartypeApp(App[int]):
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
        self.spec = spec
        self.client_factory = client_factory
        self.settings = settings or Settings()
        self.settings_path = settings_path
        self.history_path = history_path
        self.remote = remote
        self.clock = clock
        self.startup_warnings = list(warnings)
        self.client: TypingClient | None = None
        self.attempt: Attempt | None = None
        self.result: ResultView | None = None
        self.tutor: Tutor | None = None
        """Adaptive practice's tutor for the language in use, loaded on the first lesson."""
        self.lessons_skipped = 0
        """Lessons made since the tutor last learnt one: the next is another variant."""
        self._drill_sources: dict[str, DrillSource] = {}
        """What bigram drills are made from, per language, read on the first drill."""
        self.connection = "connecting" if remote else "local"
        self.tests_started = 0
        self.exit_message: str | None = None
        self.then: str | None = None
        """What to run once the app has closed: ``race`` (on the LAN) or ``ghost``."""
        self.text_name: str | None = None
        """The file a custom text came from, for the headings (set by ``run``)."""
        self._sources: dict[str, str] = {}  # quote text -> its source, for a retry's heading
        self._dropped_note = ""
        """Said under a new text until typing starts: why the test before went."""
        self._notice_until_online = False
        self._pending_notice: tuple[str, str, SeverityLevel, float] | None = None
        self._shown_at = clock()
        self.lesson_next: int | None = None
        """The lesson Tab goes on to from the results, once one was passed."""
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    # -- screens -------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return TypingScreen()

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
        from bartype.tui.screens.too_small import TooSmallScreen

        width, height = self.size
        # Narrow terminals stack the results' figures in two rows (see app.tcss).
        self.set_class(width < NARROW_WIDTH, "-narrow")
        # Large terminals get a wider results column and a taller chart (see app.tcss).
        self.set_class(width >= WIDE_WIDTH, "-wide")
        self.set_class(height >= TALL_HEIGHT, "-tall")
        self.set_class(height < SHORT_HEIGHT, "-short")  # History gives its table more rows
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        covered = isinstance(self.screen, TooSmallScreen)
        if small and not covered:
            self.push_screen(TooSmallScreen(MIN_WIDTH, MIN_HEIGHT))
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

    # -- time ----------------------------------------------------------------

    def now_t(self) -> float:
        """Milliseconds since the typing screen showed the current text."""
        return (self.clock() - self._shown_at) * 1000.0

    # -- starting a test -----------------------------------------------------

    def session_options(self, spec: TestSpec) -> TestSpec:
        """The options to ask the handler for: a new seed each time, still reproducible."""
        if spec.seed is not None and spec.text is None:
            return replace(spec, seed=spec.seed + self.tests_started)
        return spec

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
        self.client = client
        if self.remote:
            self._on_status("connected")
        return client

    @work(exclusive=True, group="session")
    async def start_test(self, spec: TestSpec, behind: bool = False) -> None:
        """Ask the handler for a new session and show its text.

        ``behind``: the screens on top (the menu) stay; the text waits under them.
        """
        self.spec = spec
        self.attempt = None
        self.result = None
        self.lesson_next = None
        self.typing_screen.text_view.show(None, "…")
        if not behind:
            self._back_to_typing()
        client = await self._ensure_client()
        if client is None:
            return
        options = self.session_options(spec)
        tutor = None
        if spec.mode == "bigrams" and options.text is None:
            drill = await self._bigram_drill(spec, options.seed)
            if drill is None:
                return
            options = replace(options, text=drill)
        elif spec.mode == Mode.ADAPTIVE:
            tutor = await self._tutor_for(spec)
            if tutor is None:
                return
            if options.text is None:  # a new lesson; "same text" brings its own
                options = replace(options, text=tutor.next_text(self.lessons_skipped))
                self.lessons_skipped += 1
        self._update_stats()  # clears the figures of the test before
        while True:
            try:
                created = await client.create(options)
                break
            except ConnectionFailed as error:
                # The server is away (restarting?): try again until it is back, or the
                # typist does something else (a new start_test cancels this one).
                self.typing_screen.text_view.show(
                    None,
                    f"{error} Trying again every {CREATE_RETRY_S:g} s; esc for the menu.",
                )
                await asyncio.sleep(CREATE_RETRY_S)
            except Exception as error:
                self.typing_screen.text_view.show(
                    None, f"Cannot start a test: {error} Press esc to change the settings."
                )
                return
        self.tests_started += 1
        self.attempt = Attempt(
            spec, created.text, created.session_id, created.mode2, created.text_id
        )
        self._shown_at = self.clock()
        view = self.typing_screen.text_view
        view.set_class(bool(created.text) and "\n" in created.text, "-code")
        self.typing_screen.set_tab_types(self.attempt.indented)
        view.show(self.attempt.analyzer)
        state = tutor.state() if tutor is not None else None
        view.set_focus_letter(state.focus if state is not None else None)
        self.typing_screen.progress.show(state)
        if not behind:
            self._back_to_typing()
        self.refresh_typing()

    async def _tutor_for(self, spec: TestSpec) -> Tutor | None:
        """The tutor of the test's language, from the local history (None: it cannot be had,
        and the text view says why)."""
        from bartype.storage.tutor_profiles import profile_language

        # One profile per language and the typist's own layout (a Dvorak typist's is Dvorak's).
        language, layout = profile_language(spec.language), spec.layout
        tutor = self.tutor
        if tutor is not None and (tutor.language, tutor.layout) == (language, layout):
            return tutor
        self.lessons_skipped = 0
        try:
            loaded = await asyncio.to_thread(self._load_tutor, language, layout, spec.seed)
        except Exception as error:  # an unknown language, an unusable history...
            self.typing_screen.text_view.show(
                None, f"Cannot start adaptive practice: {error} Press esc for the menu."
            )
            return None
        if loaded.problem is not None:
            self.notify(f"{loaded.problem}: a new profile starts.", severity="warning")
        if loaded.past_tests:
            self.notify(
                f"Your {language} profile starts from {loaded.past_tests} "
                f"test{'s' if loaded.past_tests > 1 else ''} you typed before.",
                timeout=6,
            )
        self.tutor = loaded.tutor
        return loaded.tutor

    async def _bigram_drill(self, spec: TestSpec, seed: int | None) -> str | None:
        """A drill of the typist's slowest bigrams (None: none yet, and the text view says so).
        The history is read once per language; each drill is new (its seed)."""
        import random

        from bartype.core.drills import bigram_drill
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.storage.drills import load_drill_source

        source = self._drill_sources.get(spec.language)
        if source is None:
            library = TextLibrary(default_texts_root())
            try:
                source = await asyncio.to_thread(
                    load_drill_source, self.history_path, library, spec.language
                )
            except Exception as error:  # an unknown language, an unusable history...
                self.typing_screen.text_view.show(
                    None, f"Cannot make a bigram drill: {error} Press esc for the menu."
                )
                return None
            self._drill_sources[spec.language] = source
        drill = bigram_drill(source.words, source.bigrams, random.Random(seed))
        if drill is None:
            self.typing_screen.text_view.show(
                None,
                "No slow bigrams to drill yet: type a few tests first (bartype stats shows "
                "them once they are measured). Press esc for the menu.",
            )
        return drill

    def _load_tutor(self, language: str, layout: str, seed: int | None) -> LoadedTutor:
        """Read the language's words and its stored profile (thread)."""
        from bartype.core.tutor import Tutor
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.storage.history import History
        from bartype.storage.tutor_profiles import LoadedTutor, load_tutor, practice_words

        words = practice_words(TextLibrary(default_texts_root()), language)
        if self.history_path is None:
            return LoadedTutor(Tutor(words, language=language, layout=layout, seed=seed or 0))
        with History(self.history_path) as history:
            return load_tutor(history, words, language=language, layout=layout, seed=seed)

    async def _learn(self, attempt: Attempt) -> tuple[TutorState, TutorState | None] | None:
        """Adaptive practice: the tutor learns from the test just typed and the profile is
        saved; returns its state after and before (None if this was no lesson)."""
        tutor = self.tutor
        spec = attempt.spec
        if tutor is None or spec.mode != Mode.ADAPTIVE or not attempt.text:
            return None
        from bartype.storage.tutor_profiles import profile_language

        if (tutor.language, tutor.layout) != (profile_language(spec.language), spec.layout):
            return None
        before = tutor.state()
        tutor.record(attempt.text, attempt.keys)
        self.lessons_skipped = 0
        data = tutor.to_json()
        if self.history_path is not None:
            await asyncio.to_thread(self._save_tutor, tutor.language, tutor.layout, data)
        return tutor.state(), before

    def _save_tutor(self, language: str, layout: str, data: dict[str, Any]) -> None:
        """Store the tutor's profile in the local history (thread)."""
        from bartype.storage.history import History

        try:
            with History(self.history_path or Path()) as history:
                history.save_tutor_profile(language, layout, data)
        except Exception as error:
            self.call_from_thread(
                self.notify, f"could not save the tutor's profile: {error}", severity="warning"
            )

    # -- typing --------------------------------------------------------------

    def type_key(self, name: str) -> None:
        """One key from the typing screen: colour it now, send it on, maybe finish."""
        attempt = self.attempt
        if attempt is None or not attempt.open:
            return
        before = attempt.analyzer.index
        was_started = attempt.started
        t = self.now_t()
        if attempt.tick(t):
            self.finish(by_user=False)
            return
        if attempt.compose(name):
            self.typing_screen.text_view.replace_analyzer(attempt.analyzer)
            self._update_stats()
            return
        self._send_unsent(attempt)
        was_fast = attempt.too_fast
        sent, finished = attempt.type_key(name, t)
        if not sent:
            return
        if attempt.too_fast and not was_fast:
            self.notify(
                "Keys came faster than anyone types (a paste?): this test will not count.",
                title="too fast",
                severity="warning",
                timeout=6,
            )
        if len(name) == 1 and not finished:
            attempt.unsent = (name, t)  # a combining mark may follow in the same write
        elif self.client is not None:
            self.client.send_key(name, t)
        after = attempt.analyzer.index
        self.typing_screen.text_view.words_changed(min(before, after), max(before, after))
        if was_started:
            self._update_stats()
        else:
            self._dropped_note = ""  # typing again: the note on the test before has served
            self.refresh_typing()
        if finished:
            self.finish(by_user=False)

    def _send_unsent(self, attempt: Attempt) -> None:
        unsent = attempt.take_unsent()
        if unsent is not None and self.client is not None:
            self.client.send_key(*unsent)

    def tick(self) -> None:
        """Called a few times a second: the countdown, and the end of a timed test."""
        attempt = self.attempt
        if attempt is None or not attempt.open or not attempt.started:
            return
        unsent = attempt.unsent
        # A combining mark written with its letter arrives as the very next key event; a
        # tick that fell between the two must not send the letter alone.
        if unsent is not None and self.now_t() - unsent[1] >= COMPOSE_WAIT_MS:
            self._send_unsent(attempt)
        if attempt.tick(self.now_t()):
            self.finish(by_user=False)
        else:
            self._update_stats()

    def refresh_typing(self) -> None:
        """Redraw the labels and figures of the typing screen."""
        screen = self.typing_screen
        if not screen.is_mounted:
            return
        spec = self.spec
        screen.show_label(heading_for(spec, file_name=self.text_name))
        screen.show_connection(self.connection)
        hint = "start typing" if self.attempt is not None and not self.attempt.started else ""
        if hint and self.attempt is not None and self.attempt.indented:
            hint = "start typing; enter indents, tab types a tab"
        if hint and self._dropped_note:
            hint = f"{self._dropped_note}; start typing"
        if spec.mode == "zen" and self.attempt is not None:
            # Esc opens the menu until there is something to end (the footer says the same).
            started = self.attempt.started
            hint = "esc ends the test" if started else "start typing; esc now opens the menu"
        screen.show_hint(hint)
        self._update_stats()

    def _update_stats(self) -> None:
        attempt = self.attempt
        screen = self.typing_screen
        if screen.is_mounted:
            keyboard = self.spec.layout if self.settings.keyboard else None
            screen.show_keyboard(keyboard, next_key(attempt.analyzer if attempt else None))
        if attempt is None:
            if screen.is_mounted:
                screen.set_zen_running(False)
                screen.stats.show_figures("", None, None)
            return
        screen.set_zen_running(attempt.spec.mode == "zen" and attempt.started and attempt.open)
        t = self.now_t()
        remaining = attempt.remaining_s(t)
        if remaining is not None:
            counter = f"{int(-(-remaining // 1))}"
        elif attempt.spec.mode == "zen":
            seconds = int(attempt.elapsed_s(t))
            counter = f"{seconds // 60}:{seconds % 60:02d}"
        else:
            counter = f"{attempt.words_done()}/{attempt.analyzer.word_count()}"
        if attempt.started:
            live = attempt.live(t)
            # Speed over less than a second is noise (a burst of two keys is 1,000 WPM).
            wpm: float | None = live.wpm if live.elapsed_s >= 1 else None
            accuracy: float | None = live.accuracy
        else:
            wpm = accuracy = None
        screen.stats.show_figures(counter, wpm, accuracy)

    # -- finishing -----------------------------------------------------------

    def finish(self, by_user: bool) -> None:
        """Stop taking keys and fetch the result."""
        attempt = self.attempt
        if attempt is None:
            return
        self._send_unsent(attempt)
        if attempt.local_end_t is None:
            limit = attempt.time_limit_ms
            t = self.now_t()
            if limit is not None and attempt.start_t is not None:
                t = min(t, attempt.start_t + limit)
            attempt.end_locally(t)
        if not attempt.started:
            return
        self.typing_screen.show_hint("…")
        self._complete(attempt, by_user)

    @work(exclusive=True, group="finish")
    async def _complete(self, attempt: Attempt, by_user: bool) -> None:
        client = self.client
        if attempt.abandoned:
            # Idle too long: there is no result to show, here or on the server.
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.end(attempt.local_end_t), END_TIMEOUT_S)
            self.notify(
                "No key for a minute: the test was dropped, and a new one is ready. "
                "Idle tests are not kept.",
                title="test dropped",
                timeout=8,
            )
            self._dropped_note = "the last test was dropped (a minute idle)"
            if attempt is self.attempt:
                self.start_test(replace(attempt.spec))
            return
        data: dict[str, Any] | None = None
        natural = attempt.session.result is not None and not by_user
        natural = natural and attempt.time_limit_ms is None and attempt.spec.mode != "zen"
        if client is not None:
            linked = self.connection in ("connected", "local")
            complete_wait = COMPLETE_TIMEOUT_S if linked else OFFLINE_WAIT_S
            end_wait = END_TIMEOUT_S if linked else OFFLINE_WAIT_S
            try:
                if natural:
                    try:
                        data = await asyncio.wait_for(client.wait_complete(), complete_wait)
                    except TimeoutError:
                        data = await asyncio.wait_for(client.end(attempt.local_end_t), end_wait)
                else:
                    data = await asyncio.wait_for(client.end(attempt.local_end_t), end_wait)
            except Exception as error:
                client.drop_session()  # finished here: no resuming it later
                kept = " and kept in your local history" if self.remote else ""
                self.server_notice(
                    f"The result was computed here{kept}: {_in_words(error)}.",
                    title="no answer from the server",
                    timeout=6,
                )
        if attempt is not self.attempt:
            return  # a new test started meanwhile
        attempt.final = data
        result = attempt.session.result
        # A quote's source from our own texts (a server's quote ids may not be ours).
        source = None if self.remote else await asyncio.to_thread(quote_source, attempt.text_id)
        if attempt.text is not None:  # "same text" sends the quote as a text: keep its source
            if source:
                self._sources[attempt.text] = source
            else:
                source = self._sources.get(attempt.text)
        label = heading_for(attempt.spec, source=source, file_name=self.text_name)
        if data is not None and data.get("metrics"):
            view = from_complete(label, data)
        elif result is not None:
            view = from_result(label, result)
        else:
            self.start_test(replace(attempt.spec))
            return
        if self.remote or data is None:
            # The server's history is not ours: the local one decides what is a best.
            mode = str((data or {}).get("mode") or attempt.spec.mode)
            mode2 = str((data or {}).get("mode2") or attempt.mode2 or attempt.config.mode2)
            best = False
            if view.worth_saving and result is not None:
                best = await asyncio.to_thread(self._save_locally, attempt, mode, mode2)
            view = replace(view, personal_best=best and view.valid)
        else:
            view = replace(view, personal_best=bool(data.get("personalBest")) and view.valid)
        view = replace(view, layout=attempt.spec.layout)
        if attempt.spec.mode == "lesson":
            view = await self._judge_lesson(attempt, view)
        progress = await self._learn(attempt) if view.worth_saving else None
        if attempt is not self.attempt:
            return
        self.result = view
        from bartype.tui.screens.results import ResultsScreen

        # A text typed to its end can be raced as a ghost (adaptive lessons are one-offs).
        ghost = natural and attempt.spec.mode in RACEABLE_MODES
        self._show(
            ResultsScreen(
                view, self.clock, progress, ghost=ghost, same_text=attempt.text is not None
            )
        )

    async def _judge_lesson(self, attempt: Attempt, view: ResultView) -> ResultView:
        """Count a finished lesson in the local history; its verdict heads the results."""
        from bartype.core.session import SessionState
        from bartype.tui.screens.lessons import record_lesson_result

        spec = attempt.spec
        try:
            outcome = await asyncio.to_thread(
                record_lesson_result,
                self.history_path,
                spec.layout,
                spec.lesson_number,
                wpm=view.wpm,
                accuracy=view.accuracy,
                completed=attempt.session.state is SessionState.COMPLETED,
            )
        except Exception as error:
            self.notify(f"could not keep the lesson's progress: {error}", severity="warning")
            return view
        if outcome.next is not None:
            self.lesson_next = outcome.next.number
        return replace(view, label=f"{view.label}  ·  {outcome.headline}")

    def _save_locally(self, attempt: Attempt, mode: str, mode2: str) -> bool:
        """Keep a result typed against a server in the local history (thread).

        The keystroke log is replayed through the core, which gives the numbers
        the server computed. Returns whether it is a new personal best.
        """
        if self.history_path is None:
            return False
        from bartype.core.session import replay, text_options

        session = replay(attempt.config, attempt.text, list(attempt.session.log))
        if session.state.is_open:
            session.end(attempt.local_end_t)
        result = session.result
        if result is None:
            return False
        try:
            from bartype.storage.history import History

            with History(self.history_path) as history:
                spec = attempt.spec
                language = spec.label_for(attempt.text_id).language if mode == spec.mode else None
                options = text_options(mode, spec.punctuation, spec.numbers)
                best = history.is_personal_best(
                    result,
                    mode=mode,
                    mode2=mode2,
                    language=language,
                    options=options,
                    text=attempt.text,
                )
                history.save(
                    result,
                    text=attempt.text,
                    text_id=attempt.text_id,
                    language=language,
                    options=options,
                    mode=mode,
                    mode2=mode2,
                )
                return best
        except Exception as error:
            self.call_from_thread(
                self.notify, f"could not save to the local history: {error}", severity="warning"
            )
            return False

    # -- transport callbacks ---------------------------------------------------

    def server_notice(
        self,
        message: str,
        *,
        title: str = "server",
        severity: SeverityLevel = "warning",
        timeout: float = 8,
        until_online: bool = False,
    ) -> None:
        """Say one thing about the server: it replaces any notice before it.

        ``until_online``: the notice says the server is away, so it goes as soon
        as the link is back (whatever its timeout).
        """
        self._notice_until_online = until_online
        if self._pending_notice is None:
            self.call_later(self._show_notice)  # several at once: only the last is shown
        self._pending_notice = (message, title, severity, timeout)

    def _show_notice(self) -> None:
        if self._pending_notice is None:
            return
        message, title, severity, timeout = self._pending_notice
        self._pending_notice = None
        self.clear_notifications()
        self.notify(message, title=title, severity=severity, timeout=timeout)

    def _on_status(self, status: str) -> None:
        if status == "offline" and self.connection != "offline":
            self.server_notice(
                "The server stopped answering. A test in progress goes on here and is kept in "
                "your local history; a new test waits for the server to come back.",
                title="offline",
                until_online=True,
            )
        elif status == "connected" and self._notice_until_online:
            self.server_notice(
                "The server is back.", title="online", severity="information", timeout=3
            )
        self.connection = status
        if self.screen_stack and self.typing_screen.is_mounted:  # not once the app closed
            self.typing_screen.show_connection(status)

    def _on_error(self, data: dict[str, Any]) -> None:
        code = str(data.get("code") or "")
        if code in ("SESSION_FINISHED", "SEQ_GAP"):
            return  # the client recovers from these by itself
        if code in REQUEST_ERRORS:
            return  # the request that caused it raises, and is reported there
        if code in FRIENDLY_ERRORS:
            self.server_notice(FRIENDLY_ERRORS[code], until_online=code == "SERVER_SHUTDOWN")
        else:
            message = str(data.get("message") or "").strip() or "The server reported a problem."
            self.server_notice(message, severity="error")

    # -- actions -------------------------------------------------------------

    def action_new_test(self) -> None:
        """Restart with a new text (the same file's text in custom mode)."""
        self.start_test(self._new_text_spec())

    def _new_text_spec(self) -> TestSpec:
        spec = self.spec
        if spec.mode == "lesson" and self.lesson_next is not None:
            return replace(spec, lesson=self.lesson_next, text=None)  # passed: the next one
        return spec if spec.mode == "custom" else replace(spec, text=None)

    def action_retry(self) -> None:
        """Type the same text again."""
        attempt = self.attempt
        text = attempt.text if attempt is not None else None
        if attempt is None or text is None:
            self.action_new_test()
            return
        self.start_test(replace(attempt.spec, text=text))  # its settings, not the menu's since

    def action_escape(self) -> None:
        """Esc while typing: zen ends; a test in progress is dropped (as Tab drops it,
        in Monkeytype's way) and a new one waits under the menu, so no clock runs on."""
        attempt = self.attempt
        if attempt is None or not attempt.started or not attempt.open:
            self.action_menu()
        elif attempt.spec.mode == "zen":
            self.finish(by_user=True)
        else:
            attempt.drop(self.now_t())
            # Asking for the next text drops this session on the handler too: nothing
            # of it is scored or kept.
            self.start_test(self._new_text_spec(), behind=True)
            self.action_menu(note="test dropped (esc)")

    def action_menu(self, note: str = "") -> None:
        from bartype.tui.screens.menu import MenuScreen

        menu = MenuScreen(self._menu_settings(), list(self.available_themes), note=note)
        self._show(menu, self._menu_closed)

    def _menu_settings(self) -> Settings:
        """The settings as the menu shows them: those of the test on screen."""
        spec = self.spec
        changes: dict[str, Any] = {
            "language": spec.language,
            "layout": spec.layout,
            "punctuation": spec.punctuation,
            "numbers": spec.numbers,
        }
        if spec.mode != "custom":
            changes["mode"] = spec.mode
        if spec.mode == "time" and spec.duration:
            changes["duration"] = float(spec.duration)
        elif spec.mode == "words" and spec.words:
            changes["words"] = spec.words
        elif spec.mode == "quote" and spec.quote_length:
            changes["quote_length"] = spec.quote_length
        elif spec.mode == "code" and spec.code:
            changes["code"] = spec.code
        return self.settings.with_changes(**changes)

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
        client, self.client = self.client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.close(), 2.0)
            except Exception:
                pass  # quitting: a connection that will not close is dropped anyway
        self.exit(0)


def _in_words(error: BaseException) -> str:
    """Why the server gave no result, without protocol detail (close codes...)."""
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ChannelClosed):
        if error.code == 4001:  # docs/protocol.md: the session is not known (any more)
            return "the server no longer knows this test"
        return "the connection was closed"
    if isinstance(error, ConnectionFailed) and str(error):
        return str(error).rstrip(".")
    return "the connection was lost"


def spec_from_settings(settings: Settings, seed: int | None = None) -> TestSpec:
    """The test the settings describe."""
    return settings.test_options(seed)
