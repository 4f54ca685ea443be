"""What a typist used to other tutors expects: keys, settings that stay put, safe results."""

from __future__ import annotations

from pathlib import Path

from bartype.storage.settings import Settings, load_settings
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.typing import TypingScreen

from .helpers import FakeClock, feed_terminal, make_app, wait_until

WORDS = TestSpec(mode="words", words=10, seed=7)


async def _ready(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.attempt is not None, "no text arrived")


async def test_ctrl_h_byte_deletes_a_word_and_del_byte_a_character(
    tmp_path: Path, clock: FakeClock
) -> None:
    """0x08 (what most terminals send for Ctrl+Backspace) deletes a word; 0x7f one letter."""
    app = make_app(tmp_path, TestSpec(mode="custom", text="make will even under"), clock)
    async with app.run_test() as pilot:
        await _ready(pilot, app)
        attempt = app.attempt
        assert attempt is not None
        await feed_terminal(pilot, clock, "make will even undr")
        assert attempt.analyzer.inputs[-1] == "undr"
        await feed_terminal(pilot, clock, "\x7f")
        assert attempt.analyzer.inputs[-1] == "und"
        await feed_terminal(pilot, clock, "\x08")
        assert attempt.analyzer.inputs[-1] == ""
        assert attempt.keys[-2:] == [("Backspace", 5000.0), ("CtrlBackspace", 5250.0)]


async def test_menu_does_not_save_the_command_lines_options(
    tmp_path: Path, clock: FakeClock
) -> None:
    """`play --quote long`, Esc, Esc, Ctrl+C leaves the saved settings as they were."""
    saved = Settings(mode="words", words=50)
    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="long"), clock, settings=saved)
    async with app.run_test() as pilot:
        await _ready(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MenuScreen")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, TypingScreen))
        assert app.spec.mode == "quote"
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MenuScreen")
        await pilot.press("ctrl+c")
        await pilot.pause(0.05)
    assert not (tmp_path / "config" / "settings.toml").exists()
    assert app.settings == saved


async def test_menu_saves_only_what_the_user_changed(tmp_path: Path, clock: FakeClock) -> None:
    """A setting changed in the menu is saved; the command line's others are not."""
    saved = Settings(mode="words", words=50, theme="textual-dark")
    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="long"), clock, settings=saved)
    async with app.run_test() as pilot:
        await _ready(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MenuScreen")
        await pilot.press("down", "right")  # quote length: long -> any
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.attempt is not None and app.spec.quote_length == "any")
    settings, _ = load_settings(tmp_path / "config" / "settings.toml")
    assert settings == saved.with_changes(quote_length="any")


async def test_ctrl_t_switches_the_theme_in_the_menu_and_help(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Ctrl+T works on every screen, as the help says ("Anywhere")."""
    app = make_app(tmp_path, WORDS, clock, settings=Settings(theme="textual-dark"))
    async with app.run_test() as pilot:
        await _ready(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "MenuScreen")
        await pilot.press("ctrl+t")
        await pilot.pause(0.02)
        assert app.theme == "textual-light"
        app.action_help()
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.press("ctrl+t")
        await pilot.pause(0.02)
        assert app.theme == "textual-dark"
