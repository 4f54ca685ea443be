"""Every screen shown foreign strings (markup, escapes, NUL, bidi): no crash, nothing obeyed.

The strings reach each screen the way they do in use: a language from the command line,
a history file written by an older or tampered version, a server's result, notices.
"""

from __future__ import annotations

from pathlib import Path

from support.pilot import until

from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.session import TypingSession, config_for
from bartype.storage.history import History
from bartype.storage.settings import Settings
from bartype.tui.attempt import TestSpec
from bartype.tui.result_view import ResultView
from bartype.tui.screens.help import HelpScreen
from bartype.tui.screens.history import HistoryScreen
from bartype.tui.screens.menu import MenuScreen
from bartype.tui.screens.results import ResultsScreen

from .helpers import make_app
from .hostile import HOSTILE, MARKUP_BAD, SIZE, capture, forbidden_in, plain


def _hostile_history(path: Path) -> None:
    """A history file whose labels, language, options and reasons are hostile."""
    config = config_for("words", word_count=2)
    session = TypingSession(config, "ab cd")
    for i, ch in enumerate("ab cd"):
        for stroke in keystrokes_from_key(ch, 100.0 * (i + 1)):
            session.apply(stroke)
    result = session.result
    assert result is not None
    with History(path) as history:
        for mode in ("words", "quote", "custom", HOSTILE):
            history.save(
                result,
                text=HOSTILE,
                text_id=HOSTILE,
                language=HOSTILE,
                mode=mode,
                mode2=HOSTILE,
                options=HOSTILE,
            )


async def test_every_screen_shows_hostile_strings_as_data(tmp_path: Path) -> None:
    """Typing (label and refusal), notices, results, history, menu and help, each given
    the payloads: the app keeps running and no payload byte reaches the terminal."""
    spec = TestSpec(mode="words", words=10, language=HOSTILE)
    settings = Settings().with_changes(language=HOSTILE, code=HOSTILE)
    app = make_app(tmp_path, spec, settings=settings)
    assert app.history_path is not None
    _hostile_history(app.history_path)
    output = capture(app)
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        view = app.typing_screen.text_view
        await until(pilot, lambda: "Cannot start a test" in view.placeholder)
        app.notify(HOSTILE, title=HOSTILE)
        app.server_notice(HOSTILE)
        await pilot.pause(0.2)
        result = ResultView(
            label=HOSTILE,
            wpm=50,
            raw=51,
            accuracy=90,
            consistency=70,
            correct=10,
            incorrect=1,
            extra=0,
            missed=0,
            duration_s=5,
            afk=False,
            valid=False,
            invalid_reasons=(HOSTILE, MARKUP_BAD),
            keys={
                "\x1b": {"presses": 3, "errors": 2, "meanIntervalMs": 500.0},
                "[": {"presses": 3, "errors": 1, "meanIntervalMs": 400.0},
                "a": {"presses": 3, "errors": 0, "meanIntervalMs": 100.0},
            },
            keypresses=11,
        )
        for screen in (
            ResultsScreen(result),
            HistoryScreen(app.history_path),
            MenuScreen(settings, [*app.available_themes], note=HOSTILE),
            HelpScreen(),
        ):
            app.push_screen(screen)
            await pilot.pause(0.5)
            app.pop_screen()
            await pilot.pause(0.05)
        app.settings = settings.with_changes(mode="code")
        app.push_screen(MenuScreen(app.settings, [*app.available_themes]))
        await pilot.pause(0.3)
    out = bytes(output)
    assert forbidden_in(out) == []
    shown = plain(out)
    assert MARKUP_BAD in shown and "\\x1b]0;PWNED-TITLE\\x07" in shown
