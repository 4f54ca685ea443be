"""Lessons, the live keyboard and the layout's heat map in the real app (Pilot)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from support import FakeClock
from support.pilot import until
from textual.pilot import Pilot
from textual.widgets import DataTable

from bartype.core.layouts import layout
from bartype.storage.history import History
from bartype.storage.settings import Settings
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.lessons import LessonsScreen
from bartype.tui.screens.menu import MenuScreen
from bartype.tui.widgets.heatmap import KeyHeatmap
from bartype.tui.widgets.keyboard import LiveKeyboard

from .helpers import Script, make_app, press_all, ready, wait_for_results

DVORAK_LESSON_1 = TestSpec(mode="lesson", lesson=1, layout="dvorak", seed=11)


def _history(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


async def _type_text(pilot: Pilot[int], clock: FakeClock, step: float = 0.25) -> None:
    app = pilot.app
    assert isinstance(app, BartypeApp)
    attempt = await ready(pilot, app)
    await press_all(pilot, clock, Script().text(attempt.text or "").presses, step)


async def test_passing_a_lesson_marks_it_and_tab_goes_to_the_next(tmp_path: Path) -> None:
    """Dvorak's home-row drill typed at 48 wpm without a mistake passes: the results say so,
    the pass is in the local history, and Tab starts lesson 2 (top row)."""
    clock = FakeClock()
    app = make_app(tmp_path, DVORAK_LESSON_1, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        assert set((await ready(pilot, app)).text or "") <= set("aoeuidhtns ")
        await _type_text(pilot, clock)
        await wait_for_results(pilot)
        assert app.result is not None
        assert "lesson 1 dvorak" in app.result.label and "passed ✓" in app.result.label
        assert "tab: lesson 2, top row" in app.result.label
        await pilot.press("tab")
        await until(pilot, lambda: app.attempt is not None and app.spec.lesson == 2)
        assert app.spec.mode == "lesson" and app.spec.layout == "dvorak"
        assert app.attempt is not None
        assert any(ch in "pyfgcrl" for ch in app.attempt.text or "")
    with History(_history(tmp_path)) as history:
        record = history.lesson_progress("dvorak")[1]
        stored = history.recent()[0]
    assert record.passed and record.attempts == 1
    assert (stored.mode, stored.mode2) == ("lesson", "dvorak 1")


async def test_a_slow_lesson_is_not_passed_and_stays_next(tmp_path: Path) -> None:
    """Typed at 12 wpm the lesson is not passed: the results say what it needs, Tab gives
    the same lesson again, and the lessons screen shows it tried and still next."""
    clock = FakeClock()
    app = make_app(tmp_path, DVORAK_LESSON_1, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await _type_text(pilot, clock, step=1.0)
        await wait_for_results(pilot)
        assert app.result is not None
        assert "not passed: needs 20 wpm, 95% (had 12 wpm, 100%)" in app.result.label
        await pilot.press("tab")
        await until(pilot, lambda: app.attempt is not None)
        assert app.spec.lesson == 1
        app.action_lessons()
        await until(pilot, lambda: isinstance(app.screen, LessonsScreen))
        screen = app.screen
        assert isinstance(screen, LessonsScreen)
        await until(pilot, lambda: 1 in screen.progress, "progress not loaded")
        rows = [str(cell) for cell in screen.query_one(DataTable).get_row("1")]
        assert rows[-1] == "› next" and rows[1] == "home row"


async def test_lessons_screen_from_the_menu_starts_the_chosen_lesson(tmp_path: Path) -> None:
    """A QWERTY typist picks Colemak in the menu, then lessons: the screen lists Colemak's
    seven lessons, Enter on the third starts Colemak's bottom-row lesson, and the layout
    is saved."""
    clock = FakeClock()
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=1), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.attempt is not None)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen))
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        menu.selected = [key for key, _, _ in menu.rows()].index("layout")
        await pilot.press("right", "right")
        assert menu.settings.layout == "colemak"
        menu.selected = [key for key, _, _ in menu.rows()].index("lessons")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LessonsScreen))
        assert "Colemak" in str(app.screen.query_one("#lessons-title").render())
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: app.spec.mode == "lesson" and app.attempt is not None)
        assert (app.spec.layout, app.spec.lesson) == ("colemak", 3)
    saved = tomllib.loads((tmp_path / "config" / "settings.toml").read_text())
    assert saved["layout"] == "colemak"


async def test_live_keyboard_lights_the_next_key_then_backspace(tmp_path: Path) -> None:
    """With the live keyboard on, the Dvorak board is under the text with the first letter
    lit and its finger named; after a wrong letter it asks for Backspace; Ctrl+K hides it
    and keeps that in settings.toml."""
    clock = FakeClock()
    app = make_app(tmp_path, DVORAK_LESSON_1, clock, settings=Settings(keyboard=True))
    async with app.run_test(size=(100, 30)) as pilot:
        text = (await ready(pilot, app)).text or ""
        await pilot.pause()
        board = app.screen.query_one(LiveKeyboard)
        await until(pilot, lambda: board.size.height == 7, "the board is not laid out")
        assert board.display and board.key == text[0]
        drawn = str(board.render())
        assert "a   o   e   u   i   d   h   t   n   s" in drawn
        finger = layout("dvorak").finger(text[0])
        assert finger is not None and finger.value in drawn
        wrong = "q" if text[0] != "q" else "z"
        await press_all(pilot, clock, [wrong])
        assert board.key == "Backspace" and "backspace" in str(board.render())
        await pilot.press("ctrl+k")
        assert not board.display
    saved = tomllib.loads((tmp_path / "config" / "settings.toml").read_text())
    assert saved["keyboard"] is False


async def test_live_keyboard_shrinks_to_one_line_at_60x18(tmp_path: Path) -> None:
    """At 60x18 there is no room for the board: only the line naming the key and finger
    shows, and the text keeps its rows."""
    clock = FakeClock()
    app = make_app(tmp_path, DVORAK_LESSON_1, clock, settings=Settings(keyboard=True))
    async with app.run_test(size=(60, 18)) as pilot:
        await until(pilot, lambda: app.attempt is not None)
        await pilot.pause()
        board = app.screen.query_one(LiveKeyboard)
        await until(pilot, lambda: board.size.height == 1, "the board did not shrink")
        assert board.has_class("-compact")
        assert "finger" in str(board.render())
        assert app.typing_screen.text_view.size.height == 3


async def test_heat_map_uses_the_layout_and_ignores_a_pause(tmp_path: Path) -> None:
    """A Dvorak typist who stops 4 s before one letter: the heat map draws the Dvorak rows
    with a legend, and its slowest keys show no 4-second key."""
    clock = FakeClock()
    text = "the hat is on"
    app = make_app(tmp_path, TestSpec(mode="custom", text=text, layout="dvorak"), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.attempt is not None)
        await press_all(pilot, clock, Script().text("the hat is ").presses)
        clock.advance(4.0)  # a pause: "o" comes 4.25 s after the space
        await press_all(pilot, clock, ["o", "n"])
        screen = await wait_for_results(pilot)
        heatmap = screen.query_one(KeyHeatmap)
        await until(pilot, lambda: heatmap.size.height == 6, "the heat map is not laid out")
        drawn = str(heatmap.render())
    assert "'   ,   .   p   y" in drawn.replace("\u00a0", " ")
    assert "quick" in drawn and "mistyped" in drawn and "not typed" in drawn
    slowest = drawn.split("slowest keys (ms)")[1].splitlines()[1]
    times = [int(part) for part in slowest.split() if part.isdigit()]
    assert times and max(times) < 1000
    assert "o" not in slowest.split()[::2]  # the paused key is not timed at all
