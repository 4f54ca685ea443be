"""Behaviour of the app around the typing: restart, resize, quitting, ignored input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support import FakeClock
from support.pilot import shown, until
from textual import events
from textual.widgets import DataTable

from bartype.storage.settings import Settings, load_settings
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.history import HistoryScreen
from bartype.tui.screens.menu import MenuScreen
from bartype.tui.screens.results import ResultsScreen
from bartype.tui.screens.too_small import TooSmallScreen
from bartype.tui.screens.typing import TypingScreen

from .helpers import make_app, press_all, ready, wait_for_results

WORDS = TestSpec(mode="words", words=10, seed=1)


async def test_first_key_starts_the_test(tmp_path: Path, clock: FakeClock) -> None:
    """Nothing runs until the first character; the typing colours at once."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        attempt = app.attempt
        assert attempt is not None and not attempt.started
        clock.advance(5)
        await pilot.press("space", "backspace")  # neither starts a test
        assert not attempt.started
        first_word = (attempt.text or "").split()[0]
        await press_all(pilot, clock, [first_word[0]])
        assert attempt.started and attempt.start_t == 5250.0
        view = app.typing_screen.text_view
        assert view.visible_text()[0].startswith(first_word[:3])


async def test_tab_restarts_with_a_new_text(tmp_path: Path, clock: FakeClock) -> None:
    """Tab mid-test throws the test away and shows another text."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        old = await ready(pilot, app)
        await press_all(pilot, clock, list((old.text or "")[:6]))
        await pilot.press("tab")
        await until(pilot, lambda: app.attempt is not old and app.attempt is not None, "a new text")
        assert app.attempt is not None
        assert app.attempt.text != old.text
        assert not app.attempt.started
        assert "tab" in app.screen.active_bindings  # shown in the footer


async def test_retry_types_the_same_text_again(tmp_path: Path, clock: FakeClock) -> None:
    """From the results, r starts a test on the same text."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        attempt = await ready(pilot, app)
        text = attempt.text or ""
        await press_all(pilot, clock, [("space" if c == " " else c) for c in text])
        await wait_for_results(pilot)
        first = app.attempt
        await pilot.press("r")  # typed while the results appear: still the typist typing
        assert isinstance(app.screen, ResultsScreen) and app.attempt is first
        clock.advance(1.0)
        await pilot.press("r")
        await until(pilot, lambda: app.attempt is not first and app.attempt is not None, "a retry")
        assert isinstance(app.screen, TypingScreen)
        assert app.attempt is not None and app.attempt.text == text


async def test_modifiers_and_paste_are_not_typed(tmp_path: Path, clock: FakeClock) -> None:
    """Bare Shift/Ctrl/Alt events and a bracketed paste change nothing."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        attempt = await ready(pilot, app)
        await pilot.press("left_shift", "right_control", "left_alt", "left_super", "f3")
        app.screen.post_message(events.Paste(attempt.text or "pasted"))
        await pilot.pause(0.05)
        assert not attempt.started and attempt.keys == []
        word = (attempt.text or "").split()[0]
        await press_all(pilot, clock, ["left_shift", word[0], "left_shift", word[1]])
        assert attempt.keys == [(word[0], 500.0), (word[1], 1000.0)]


async def test_non_ascii_letters_are_typed(tmp_path: Path, clock: FakeClock) -> None:
    """é ñ ß ü are typed and scored as characters."""
    app = make_app(tmp_path, TestSpec(mode="custom", text="été niño straße über"), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await press_all(pilot, clock, [*"été", "space", *"niño", "space", *"straße", "space"])
        attempt = app.attempt
        assert attempt is not None
        assert attempt.analyzer.index == 3
        assert attempt.live().accuracy == 100.0


async def test_resize_mid_test_is_not_a_keystroke(tmp_path: Path, clock: FakeClock) -> None:
    """Resizing reflows the text, keeps the caret's word in view and types nothing."""
    app = make_app(tmp_path, TestSpec(mode="words", words=100, seed=2), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        attempt = await ready(pilot, app)
        words = (attempt.text or "").split()
        presses: list[str] = []
        for word in words[:30]:
            presses += [*word, "space"]
        await press_all(pilot, clock, presses)
        keys_before = list(attempt.keys)
        await pilot.resize_terminal(50, 20)
        await pilot.pause(0.05)
        await pilot.resize_terminal(200, 50)
        await pilot.pause(0.05)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.05)
        assert attempt.keys == keys_before
        visible = " ".join(app.typing_screen.text_view.visible_text())
        assert words[30] in visible.split()
        await press_all(pilot, clock, [*words[30], "space"])
        assert attempt.analyzer.index == 31


async def test_scrolls_by_whole_lines(tmp_path: Path, clock: FakeClock) -> None:
    """The view moves up one line at a time, keeping the caret on the second line."""
    app = make_app(tmp_path, TestSpec(mode="words", words=100, seed=4), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        attempt = await ready(pilot, app)
        view = app.typing_screen.text_view
        words = (attempt.text or "").split()
        tops = []
        for word in words[:70]:
            await press_all(pilot, clock, [*word, "space"])
            tops.append(view.top_line)
        steps = {b - a for a, b in zip(tops, tops[1:], strict=False)}
        assert steps <= {0, 1}
        assert tops[-1] >= 2


async def test_too_small_terminal_shows_a_message(tmp_path: Path, clock: FakeClock) -> None:
    """Below the minimum size a message replaces the layout; it goes when there is room."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(30, 10)) as pilot:
        await ready(pilot, app)
        cover = await shown(pilot, TooSmallScreen)
        assert "too small" in str(cover.query_one("#too-small-message").render())
        await pilot.resize_terminal(80, 24)
        await shown(pilot, TypingScreen)


async def test_ctrl_c_quits_from_the_typing_screen(tmp_path: Path, clock: FakeClock) -> None:
    """Ctrl+C quits cleanly mid-test."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await press_all(pilot, clock, ["a", "b"])
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
    assert app.return_code == 0
    assert app.client is None


async def test_ctrl_c_quits_from_the_menu(tmp_path: Path, clock: FakeClock) -> None:
    """Ctrl+C quits from a dialog too."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_menu_changes_mode_and_persists_settings(tmp_path: Path, clock: FakeClock) -> None:
    """Choosing words mode in the menu starts a words test and saves the setting."""
    app = make_app(tmp_path, TestSpec(mode="time", duration=30, seed=1), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("right")  # mode: time -> words
        await pilot.press("escape")
        await until(pilot, lambda: app.attempt is not None and app.attempt.spec.mode == "words")
    settings, warnings = load_settings(tmp_path / "config" / "settings.toml")
    assert settings.mode == "words" and warnings == []


async def test_theme_switch_is_persisted(tmp_path: Path, clock: FakeClock) -> None:
    """Ctrl+T switches to the light theme and remembers it."""
    app = make_app(tmp_path, WORDS, clock, settings=Settings(theme="textual-dark"))
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+t")
        await pilot.pause(0.02)
        assert app.theme == "textual-light"
    settings, _ = load_settings(tmp_path / "config" / "settings.toml")
    assert settings.theme == "textual-light"


async def test_empty_zen_test_is_not_a_result(tmp_path: Path, clock: FakeClock) -> None:
    """Esc in zen before typing opens the menu: nothing is scored or saved."""
    app = make_app(tmp_path, TestSpec(mode="zen"), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        assert app.result is None
    assert not (tmp_path / "data" / "history.sqlite3").exists() or _count(tmp_path) == 0


def _count(tmp_path: Path) -> int:
    from bartype.storage.history import History

    with History(tmp_path / "data" / "history.sqlite3") as history:
        return history.count()


async def test_history_screen_lists_results(tmp_path: Path, clock: FakeClock) -> None:
    """After a test, h shows it in the history table with a personal best."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        attempt = await ready(pilot, app)
        text = attempt.text or ""
        await press_all(pilot, clock, [("space" if c == " " else c) for c in text])
        results = await wait_for_results(pilot)
        assert results.view.personal_best
        clock.advance(1.0)
        await pilot.press("h")
        history = await shown(pilot, HistoryScreen)
        await until(pilot, lambda: history.query_one(DataTable).row_count == 1, "one row")
        await pilot.press("s")
        await pilot.press("escape")
        await shown(pilot, ResultsScreen)


async def test_result_is_computed_here_when_the_handler_fails(
    tmp_path: Path, clock: FakeClock
) -> None:
    """If the handler never answers, the results come from the local core, unchanged."""
    from bartype.protocol.handler import HandlerConfig
    from bartype.transport.base import ConnectionFailed
    from bartype.transport.client import SessionClient

    class LostClient(SessionClient):
        async def end(self, t: float | None = None) -> dict[str, Any]:
            raise ConnectionFailed("Lost the connection to the test server.")

        async def wait_complete(self) -> dict[str, Any]:
            raise ConnectionFailed("Lost the connection to the test server.")

    async def connect() -> LostClient:
        from bartype.cli import local_client

        real = local_client(None, config=HandlerConfig(future_tolerance_ms=None))
        return LostClient(real.connector)

    from bartype.tui.app import BartypeApp

    app = BartypeApp(WORDS, connect, clock=clock, history_path=tmp_path / "h.sqlite3")
    async with app.run_test() as pilot:
        attempt = await ready(pilot, app)
        text = attempt.text or ""
        await press_all(pilot, clock, [("space" if c == " " else c) for c in text])
        results = await wait_for_results(pilot)
        local = attempt.session.result
        assert local is not None and results.view.wpm == local.metrics.wpm
        assert attempt.final is None


async def test_idle_test_is_dropped_and_not_kept(tmp_path: Path, clock: FakeClock) -> None:
    """A words test left idle for over a minute is abandoned: a new text, nothing saved."""
    from bartype.storage.history import History

    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        first = await ready(pilot, app)
        await press_all(pilot, clock, list((first.text or "").split(" ")[0]))
        clock.advance(61)
        await until(
            pilot, lambda: app.attempt is not None and app.attempt is not first, "a new text"
        )
        assert app.attempt is not None
        assert not app.attempt.started
        assert isinstance(app.screen, TypingScreen)
    with History(tmp_path / "data" / "history.sqlite3") as history:
        assert history.recent() == []


async def test_keys_right_after_the_results_are_not_commands(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Letters typed as a timed test ends do not leave the results screen at once."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        attempt = await ready(pilot, app)
        text = attempt.text or ""
        await press_all(pilot, clock, [("space" if c == " " else c) for c in text])
        await wait_for_results(pilot)
        await press_all(pilot, clock, ["n", "h", "r"], step=0.1)
        assert isinstance(app.screen, ResultsScreen)
        clock.advance(1.0)
        await pilot.press("h")
        await shown(pilot, HistoryScreen)
