"""The life cycle of a test in ``bartype play``, with no Textual: start, keys, finish, keep.

``PlayController`` owns the test on the client: it asks the transport for a
session (making the text itself for bigram drills and adaptive lessons), takes
each key (``type_key``) and tick (``tick``) with the time read from the clock it
was given, ends the test (``finish``), fetches the handler's result and keeps it
in the local history when the handler's history is not ours (``complete``),
judges lessons and lets the tutor learn. It returns what the screens should
show (``Typed``, ``Tick``, ``Figures``, ``Completed``, ``Notice``) and never
draws: ``BartypeApp`` sets those on its screens ("attributes down, messages
up"). Slow work — the transport, the history file — is awaited here, the
history in a thread.

A test moves through the states of its ``Attempt`` (``TypingSession`` in
``core.session``)::

    start ──► created ──first key──► running ──text done / time up / esc (zen)──► finish
                 │                      │                                          │
                 │                      └──idle a minute──► abandoned ─► restart   ▼
                 └──tab / esc / menu: a new start drops it           complete ─► results
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bartype.core.records import frozen
from bartype.transport.base import ConnectionFailed
from bartype.tui.attempt import Attempt, TestSpec
from bartype.tui.heading import heading_for, quote_source
from bartype.tui.notice import Notice, in_words, server_notice
from bartype.tui.practice import Practice

if TYPE_CHECKING:  # results are shaped once a test ends: the first text needs none of it
    from bartype.core.tutor import Tutor, TutorState
    from bartype.tui.result_view import ResultView

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
COMPOSE_WAIT_MS = 50.0
"""How long a typed letter waits for a combining mark from the same write before it is sent."""


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


@frozen
class Typed:
    """What one key changed on the typing screen."""

    finished: bool = False
    """The test is over: finish it."""
    composed: bool = False
    """A combining mark joined the last character: draw the text again from the analyzer."""
    words: tuple[int, int] | None = None
    """The words to repaint (first, last), when the key was part of the test."""
    started: bool = False
    """The key started the test: the labels change too."""


_IGNORED = Typed()
_FINISHED = Typed(finished=True)
_COMPOSED = Typed(composed=True)


class Tick(Enum):
    """What a tick of the clock did."""

    IDLE = "idle"
    """Nothing runs: nothing to draw."""
    RUNNING = "running"
    """The test goes on: draw its figures (the countdown)."""
    OVER = "over"
    """The time is up, or the test went idle: finish it."""


class Escape(Enum):
    """What Esc on the typing screen does."""

    MENU = "menu"
    """No test in progress: open the menu."""
    END = "end"
    """Zen: end the test (it has no end of its own)."""
    DROPPED = "dropped"
    """The test in progress was dropped: a new one waits under the menu."""


@frozen
class Figures:
    """The live figures under the text: the counter, speed and accuracy."""

    counter: str
    wpm: float | None
    accuracy: float | None
    zen_running: bool


@frozen
class Started:
    """A test ready to type: its attempt, and the tutor's state for an adaptive lesson."""

    attempt: Attempt
    tutor_state: TutorState | None = None


@frozen
class Completed:
    """A finished test: its results to show, or the test to start instead (no result)."""

    view: ResultView | None = None
    progress: tuple[TutorState, TutorState | None] | None = None
    """The tutor's state after and before an adaptive lesson."""
    ghost: bool = False
    """It was typed to its end in a mode that can be raced as a ghost."""
    same_text: bool = False
    restart: TestSpec | None = None
    """No result to show: start this test instead."""


class PlayController:
    """One typist's tests, one after the other, over one transport.

    Args:
        spec: the first test's options.
        history_path: the local history (``None``: nothing is kept here).
        remote: the handler runs on a server, whose history is not ours: results are
            kept, and personal bests decided, in the local history.
        clock: seconds, monotonic; key times are milliseconds since a text was shown.
        on_notice: called (on the event loop) with what the typist should be told.
    """

    def __init__(
        self,
        spec: TestSpec,
        *,
        history_path: Path | None = None,
        remote: bool = False,
        clock: Callable[[], float] = time.monotonic,
        on_notice: Callable[[Notice], None] = lambda notice: None,
    ) -> None:
        self.spec = spec
        self.history_path = history_path
        self.remote = remote
        self.clock = clock
        self.on_notice = on_notice
        self.client: TypingClient | None = None
        self.attempt: Attempt | None = None
        self.result: ResultView | None = None
        self.practice = Practice(history_path, on_notice)
        """The local history's side: drills, the tutor, lessons' verdicts, a server's results."""
        self.connection = "connecting" if remote else "local"
        self.tests_started = 0
        self.text_name: str | None = None
        """The file a custom text came from, for the headings."""
        self._sources: dict[str, str] = {}  # quote text -> its source, for a retry's heading
        self.dropped_note = ""
        """Said under a new text until typing starts: why the test before went."""
        self._shown_at = clock()
        self.lesson_next: int | None = None
        """The lesson Tab goes on to from the results, once one was passed."""

    @property
    def tutor(self) -> Tutor | None:
        """Adaptive practice's tutor for the language in use, loaded on the first lesson."""
        return self.practice.tutor

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

    def reset(self, spec: TestSpec) -> None:
        """Forget the test before: ``spec`` is the one being started."""
        self.spec = spec
        self.attempt = None
        self.result = None
        self.lesson_next = None

    async def start(
        self, spec: TestSpec, show: Callable[[str], None], cleared: Callable[[], None]
    ) -> Started | None:
        """Start ``spec`` (after ``reset``): make its text if the client makes it, then ask
        the handler for the session. ``show`` says what happens while there is no text
        (None: it cannot start, and ``show`` said why); ``cleared`` is called once the text
        is made, before the handler is asked."""
        prepared = await self.practice.prepare(spec, self.session_options(spec), show)
        if prepared is None:
            return None
        cleared()
        attempt = await self.create(spec, prepared.options, show)
        return None if attempt is None else Started(attempt, prepared.tutor_state)

    async def create(
        self, spec: TestSpec, options: TestSpec, show: Callable[[str], None]
    ) -> Attempt | None:
        """Ask the handler for the session and make it the test on screen; while the
        server is away, ask again every ``CREATE_RETRY_S`` (None: refused, ``show`` said
        why). The caller cancels it to give up."""
        assert self.client is not None
        while True:
            try:
                created = await self.client.create(options)
                break
            except ConnectionFailed as error:
                # The server is away (restarting?): try again until it is back, or the
                # typist does something else (a new start cancels this one).
                show(f"{error} Trying again every {CREATE_RETRY_S:g} s; esc for the menu.")
                await asyncio.sleep(CREATE_RETRY_S)
            except Exception as error:
                show(f"Cannot start a test: {error} Press esc to change the settings.")
                return None
        self.tests_started += 1
        self.attempt = Attempt(
            spec, created.text, created.session_id, created.mode2, created.text_id
        )
        self._shown_at = self.clock()
        return self.attempt

    # -- what comes next -----------------------------------------------------

    def new_text_spec(self) -> TestSpec:
        """The test Tab starts: a new text (the same file's text in custom mode, the next
        lesson once one was passed)."""
        spec = self.spec
        if spec.mode == "lesson" and self.lesson_next is not None:
            return replace(spec, lesson=self.lesson_next, text=None)  # passed: the next one
        return spec if spec.mode == "custom" else replace(spec, text=None)

    def retry_spec(self) -> TestSpec:
        """The same text again, with its test's settings (not the menu's since)."""
        attempt = self.attempt
        text = attempt.text if attempt is not None else None
        if attempt is None or text is None:
            return self.new_text_spec()
        return replace(attempt.spec, text=text)

    def escape(self) -> Escape:
        """Esc while typing: zen ends; a test in progress is dropped (as Tab drops it, in
        Monkeytype's way), so no clock runs on while the menu is open."""
        attempt = self.attempt
        if attempt is None or not attempt.started or not attempt.open:
            return Escape.MENU
        if attempt.spec.mode == "zen":
            return Escape.END
        attempt.drop(self.now_t())
        return Escape.DROPPED

    # -- typing --------------------------------------------------------------

    def type_key(self, name: str) -> Typed:
        """One key from the typing screen: apply it now, send it on, say what changed."""
        attempt = self.attempt
        if attempt is None or not attempt.open:
            return _IGNORED
        before = attempt.analyzer.index
        was_started = attempt.started
        t = self.now_t()
        if attempt.tick(t):
            return _FINISHED
        if attempt.compose(name):
            return _COMPOSED
        self._send_unsent(attempt)
        was_fast = attempt.too_fast
        sent, finished = attempt.type_key(name, t)
        if not sent:
            return _IGNORED
        if attempt.too_fast and not was_fast:
            self.on_notice(
                Notice(
                    "Keys came faster than anyone types (a paste?): this test will not count.",
                    title="too fast",
                    severity="warning",
                    timeout=6,
                )
            )
        if len(name) == 1 and not finished:
            attempt.unsent = (name, t)  # a combining mark may follow in the same write
        elif self.client is not None:
            self.client.send_key(name, t)
        after = attempt.analyzer.index
        if not was_started:
            self.dropped_note = ""  # typing again: the note on the test before has served
        return Typed(finished, False, (min(before, after), max(before, after)), not was_started)

    def _send_unsent(self, attempt: Attempt) -> None:
        unsent = attempt.take_unsent()
        if unsent is not None and self.client is not None:
            self.client.send_key(*unsent)

    def tick(self) -> Tick:
        """Called a few times a second: the countdown, and the end of a timed test."""
        attempt = self.attempt
        if attempt is None or not attempt.open or not attempt.started:
            return Tick.IDLE
        unsent = attempt.unsent
        # A combining mark written with its letter arrives as the very next key event; a
        # tick that fell between the two must not send the letter alone.
        if unsent is not None and self.now_t() - unsent[1] >= COMPOSE_WAIT_MS:
            self._send_unsent(attempt)
        return Tick.OVER if attempt.tick(self.now_t()) else Tick.RUNNING

    def heading(self) -> str:
        """The typing screen's label for the test."""
        return heading_for(self.spec, file_name=self.text_name)

    def hint(self) -> str:
        """The line under the text: how to start, or how zen ends."""
        attempt = self.attempt
        hint = "start typing" if attempt is not None and not attempt.started else ""
        if hint and attempt is not None and attempt.indented:
            hint = "start typing; enter indents, tab types a tab"
        if hint and self.dropped_note:
            hint = f"{self.dropped_note}; start typing"
        if self.spec.mode == "zen" and attempt is not None:
            # Esc opens the menu until there is something to end (the footer says the same).
            started = attempt.started
            hint = "esc ends the test" if started else "start typing; esc now opens the menu"
        return hint

    def figures(self) -> Figures | None:
        """The live figures now (None: no test yet)."""
        attempt = self.attempt
        if attempt is None:
            return None
        zen_running = attempt.spec.mode == "zen" and attempt.started and attempt.open
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
        return Figures(counter, wpm, accuracy, zen_running)

    # -- finishing -----------------------------------------------------------

    def finish(self) -> Attempt | None:
        """Stop taking keys; returns the attempt to complete (None: nothing was typed)."""
        attempt = self.attempt
        if attempt is None:
            return None
        self._send_unsent(attempt)
        if attempt.local_end_t is None:
            limit = attempt.time_limit_ms
            t = self.now_t()
            if limit is not None and attempt.start_t is not None:
                t = min(t, attempt.start_t + limit)
            attempt.end_locally(t)
        return attempt if attempt.started else None

    async def complete(self, attempt: Attempt, by_user: bool) -> Completed | None:
        """Fetch ``attempt``'s result from the handler (or compute it here), keep it, and
        say what to show (None: a new test started meanwhile)."""
        if attempt.abandoned:
            return await self._dropped(attempt)
        natural = attempt.session.result is not None and not by_user
        natural = natural and attempt.time_limit_ms is None and attempt.spec.mode != "zen"
        data = await self._fetch_result(attempt, natural) if self.client is not None else None
        if attempt is not self.attempt:
            return None  # a new test started meanwhile
        attempt.final = data
        result = attempt.session.result
        source = await self._source_of(attempt)
        from bartype.core.ghost import RACEABLE_MODES
        from bartype.tui.result_view import from_complete, from_result

        label = heading_for(attempt.spec, source=source, file_name=self.text_name)
        if data is not None and data.get("metrics"):
            view = from_complete(label, data)
        elif result is not None:
            view = from_result(label, result)
        else:
            return Completed(restart=replace(attempt.spec))
        if self.remote or data is None:
            # The server's history is not ours: the local one decides what is a best.
            mode = str((data or {}).get("mode") or attempt.spec.mode)
            mode2 = str((data or {}).get("mode2") or attempt.mode2 or attempt.config.mode2)
            best = False
            if view.worth_saving and result is not None:
                best = await self.practice.keep_result(attempt, mode, mode2)
            view = replace(view, personal_best=best and view.valid)
        else:
            view = replace(view, personal_best=bool(data.get("personalBest")) and view.valid)
        view = replace(view, layout=attempt.spec.layout)
        if attempt.spec.mode == "lesson":
            view, following = await self.practice.judge_lesson(attempt, view)
            if following is not None:
                self.lesson_next = following
        progress = await self.practice.learn(attempt) if view.worth_saving else None
        if attempt is not self.attempt:
            return None
        self.result = view
        # A text typed to its end can be raced as a ghost (adaptive lessons are one-offs).
        ghost = natural and attempt.spec.mode in RACEABLE_MODES
        return Completed(view, progress, ghost=ghost, same_text=attempt.text is not None)

    async def _dropped(self, attempt: Attempt) -> Completed | None:
        """Idle too long: there is no result to show, here or on the server."""
        if self.client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.end(attempt.local_end_t), END_TIMEOUT_S)
        self.on_notice(
            Notice(
                "No key for a minute: the test was dropped, and a new one is ready. "
                "Idle tests are not kept.",
                title="test dropped",
                timeout=8,
            )
        )
        self.dropped_note = "the last test was dropped (a minute idle)"
        return Completed(restart=replace(attempt.spec)) if attempt is self.attempt else None

    async def _source_of(self, attempt: Attempt) -> str | None:
        """A quote's source from our own texts (a server's quote ids may not be ours); "same
        text" sends the quote as a text, so its source is kept by the text."""
        source = None if self.remote else await asyncio.to_thread(quote_source, attempt.text_id)
        if attempt.text is not None:
            if source:
                self._sources[attempt.text] = source
            else:
                source = self._sources.get(attempt.text)
        return source

    async def _fetch_result(self, attempt: Attempt, natural: bool) -> dict[str, Any] | None:
        """The handler's ``SESSION_COMPLETE`` data (None: no answer, and the typist is told)."""
        client = self.client
        assert client is not None
        linked = self.connection in ("connected", "local")
        complete_wait = COMPLETE_TIMEOUT_S if linked else OFFLINE_WAIT_S
        end_wait = END_TIMEOUT_S if linked else OFFLINE_WAIT_S
        try:
            if natural:
                try:
                    return await asyncio.wait_for(client.wait_complete(), complete_wait)
                except TimeoutError:
                    return await asyncio.wait_for(client.end(attempt.local_end_t), end_wait)
            return await asyncio.wait_for(client.end(attempt.local_end_t), end_wait)
        except Exception as error:
            client.drop_session()  # finished here: no resuming it later
            kept = " and kept in your local history" if self.remote else ""
            self.on_notice(
                server_notice(
                    f"The result was computed here{kept}: {in_words(error)}.",
                    title="no answer from the server",
                    timeout=6,
                )
            )
            return None
