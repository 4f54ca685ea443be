"""Shared helpers for the TUI tests: a clock the test moves, an app on a real loopback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from support import TIMEOUT_FACTOR, FakeClock
from support.pilot import WAIT_S, shown, until
from textual.notifications import Notification, Notifications
from textual.pilot import Pilot

from bartype.core.keystrokes import Keystroke, keystrokes_from_key
from bartype.core.session import TypingSession, replay
from bartype.storage.settings import Settings
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import Attempt, TestSpec
from bartype.tui.keys import keystroke_name
from bartype.tui.screens.results import ResultsScreen

STEP_S = 0.25
"""Seconds between two scripted key presses (48 WPM); a binary fraction keeps times exact."""


class KeptNotifications(Notifications):
    """An app's notifications, each message also kept once it has expired: on a loaded
    machine a toast can time out before the test looks at it."""

    def __init__(self) -> None:
        super().__init__()
        self.told: list[str] = []

    def add(self, notification: Notification) -> Self:
        self.told.append(str(notification.message))
        return super().add(notification)


def told(app: BartypeApp) -> list[str]:
    """The message of every notification ``app`` (made here) showed, expired or not."""
    kept = app._notifications
    assert isinstance(kept, KeptNotifications)
    return kept.told


def make_app(
    tmp_path: Path,
    spec: TestSpec,
    clock: FakeClock | None = None,
    *,
    settings: Settings | None = None,
    history: bool = True,
) -> BartypeApp:
    """The real app on the real in-process handler, keeping history under ``tmp_path``."""
    from bartype.cli import local_client
    from bartype.protocol.handler import HandlerConfig

    history_path = tmp_path / "data" / "history.sqlite3"

    async def connect() -> Any:
        # A test clock runs ahead of the handler's real one: do not reject "future" keys.
        return local_client(
            history_path if history else None, config=HandlerConfig(future_tolerance_ms=None)
        )

    app = BartypeApp(
        spec,
        connect,
        settings=settings or Settings(),
        settings_path=tmp_path / "config" / "settings.toml",
        history_path=history_path,
        clock=clock or FakeClock(),
    )
    app._notifications = KeptNotifications()
    return app


def server_app(url: str, tmp_path: Path, spec: TestSpec, **client: Any) -> BartypeApp:
    """``bartype play --server url`` for ``spec``, keeping its files under ``tmp_path``;
    ``client`` goes to ``SessionClient.connect``."""

    async def connect() -> Any:
        from bartype.transport.client import SessionClient

        return await SessionClient.connect(url, **client)

    app = BartypeApp(
        spec,
        connect,
        history_path=tmp_path / "local" / "history.sqlite3",
        settings_path=tmp_path / "local" / "settings.toml",
        remote=True,
    )
    app._notifications = KeptNotifications()
    return app


PILOT_NAMES = {" ": "space", "\n": "enter", "Backspace": "backspace", "CtrlBackspace": "ctrl+w"}


@dataclass
class Script:
    """Keys to press, each with the keystroke the core should see (or None if ignored)."""

    presses: list[str] = field(default_factory=list)

    def add(self, *keys: str) -> Script:
        self.presses.extend(keys)
        return self

    def text(self, text: str) -> Script:
        self.presses.extend(PILOT_NAMES.get(ch, ch) for ch in text)
        return self


def typo_script(text: str, *, stop_after_words: int | None = None) -> Script:
    """Type ``text`` with mistakes: a typo fixed with Backspace, a word deleted with
    Ctrl+Backspace and retyped, a typo kept, a letter too many; the rest right."""
    from bartype.core.normalize import normalize_text, split_words

    script = Script()
    for i, word in enumerate(split_words(normalize_text(text))):
        sep = word[-1] if word[-1] in " \n" else ""
        body = word[: len(word) - len(sep)].lstrip("\t")  # Enter typed the indentation
        if i == 1 and len(body) >= 2:
            script.text(body[0]).add("x" if body[1] != "x" else "y", "backspace").text(body[1:])
        elif i == 2 and len(body) >= 2:
            script.text(body[:-1] + "q").add("ctrl+w").text(body)
        elif i == 3 and len(body) >= 2:
            script.text(body[:-1] + ("z" if body[-1] != "z" else "k"))
        elif i == 4 and body:
            script.text(body + "s")
        else:
            script.text(body)
        if stop_after_words is not None and i + 1 >= stop_after_words:
            return script
        script.text(sep)
    return script


def expected_keystrokes(presses: Iterable[str], step_ms: float) -> list[Keystroke]:
    """The keystrokes the core sees for ``presses`` made every ``step_ms`` from t=step_ms."""
    from textual.events import Key

    strokes: list[Keystroke] = []
    for n, press in enumerate(presses, start=1):
        if press in ("space", "enter"):
            char: str | None = " " if press == "space" else "\r"
        elif len(press) == 1:
            char = press
        else:
            char = Key(press, None).character
        name = keystroke_name(press, char)
        if name is not None:
            strokes.extend(keystrokes_from_key(name, n * step_ms))
    return strokes


def _key_event(press: str) -> Any:
    """The event the terminal driver would post for ``press`` (a character or key name)."""
    from textual import events
    from textual.keys import _character_to_key

    if len(press) == 1:
        return events.Key(press if press.isalnum() else _character_to_key(press), press)
    named = {"space": " ", "enter": "\r", "backspace": "\x7f", "tab": "\t", "escape": "\x1b"}
    return events.Key(press, named.get(press))


async def press_all(
    pilot: Any, clock: FakeClock, presses: Iterable[str], step: float = STEP_S
) -> None:
    """Press each key ``step`` seconds after the previous one (on the fake clock).

    Events take the driver's path (posted to the app, bindings first, then the
    screen) but without Pilot's idle waits, and each is handled before the
    clock moves on.
    """
    await press_timed(pilot, clock, ((press, step) for press in presses))


async def press_timed(pilot: Any, clock: FakeClock, timed: Iterable[tuple[str, float]]) -> None:
    """Press each key its own number of seconds after the previous one (on the fake clock),
    as :func:`press_all` does; the app idles once, after the last."""
    import asyncio

    app = pilot.app
    for press, step in timed:
        clock.advance(step)
        done = asyncio.Event()
        app.post_message(_key_event(press))
        app.call_later(lambda event=done: app.screen.call_later(event.set))
        await asyncio.wait_for(done.wait(), WAIT_S * TIMEOUT_FACTOR)
    await pilot.pause()


def core_session(app: BartypeApp, presses: list[str], end_t: float | None = None) -> TypingSession:
    """Replay the scripted keys through the core, as the handler should have."""
    attempt = app.attempt
    assert attempt is not None
    strokes = expected_keystrokes(presses, STEP_S * 1000)
    session = replay(attempt.config, attempt.text, strokes)
    if session.state.is_open:
        session.tick(end_t if end_t is not None else strokes[-1].t)
        if session.state.is_open:
            session.end(end_t)
    return session


async def ready(pilot: Pilot[int], app: BartypeApp) -> Attempt:
    """Wait until ``app`` has its test's text, and return the test."""
    await until(pilot, lambda: app.attempt is not None, "a text")
    assert app.attempt is not None
    return app.attempt


async def wait_for_results(pilot: Pilot[Any], timeout_s: float = WAIT_S) -> ResultsScreen:
    """Wait until the results screen is showing, mounted and drawn once, and return it."""
    results = await shown(pilot, ResultsScreen, timeout_s)
    await pilot.pause()  # its first refresh: the figures are filled in
    return results


async def feed_terminal(pilot: Any, clock: FakeClock, data: str, step: float = STEP_S) -> None:
    """Send what a terminal would write, one byte a write, through Textual's own parser.

    Each character is written ``step`` seconds after the previous one (use
    ``feed_write`` for several characters in one write).
    """
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    events = [event for ch in data for event in parser.feed(ch)]
    await post_events(pilot, clock, events, step)


async def feed_write(pilot: Any, clock: FakeClock, data: str, step: float = STEP_S) -> None:
    """One write of ``data`` by the terminal: every event it parses to, at one instant."""
    from textual._xterm_parser import XTermParser

    events = list(XTermParser().feed(data))
    clock.advance(step)
    await post_events(pilot, clock, events, 0.0)


async def post_events(pilot: Any, clock: FakeClock, events: Iterable[Any], step: float) -> None:
    """Post driver events to the app one by one, ``step`` seconds apart, each handled in turn."""
    import asyncio

    app = pilot.app
    for event in events:
        clock.advance(step)
        done = asyncio.Event()
        app.post_message(event)
        app.call_later(lambda flag=done: app.screen.call_later(flag.set))
        await asyncio.wait_for(done.wait(), WAIT_S * TIMEOUT_FACTOR)
    await pilot.pause()
