"""Adaptive practice in the app: lessons from the local profile, progress on screen,
the profile learnt and saved after each lesson on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from support import FakeClock
from support.pilot import shown, until
from textual.pilot import Pilot

from bartype.core.tutor import Tutor
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.history import History
from bartype.storage.tutor_profiles import practice_words
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.typing import TypingScreen
from bartype.tui.widgets.tutor_progress import TutorProgress

from .helpers import Script, make_app, press_all, ready, wait_for_results

SPEC = TestSpec(mode="adaptive", seed=11)
SLOW_S = 0.5
"""Seconds a key: 120 cpm, under the 140 cpm the next letter needs."""


def _words() -> list[str]:
    return practice_words(TextLibrary(default_texts_root()), "english")


def _history(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


async def _lesson_typed(
    pilot: Pilot[int], app: BartypeApp, clock: FakeClock, step: float
) -> tuple[str, TutorProgress]:
    """Wait for the lesson, type it all right, one key every ``step`` seconds; return its
    text and the results screen's progress."""
    text = (await ready(pilot, app)).text
    assert text
    await press_all(pilot, clock, Script().text(text).presses, step)
    results = await wait_for_results(pilot)
    # Under load the screen can be up a moment before its widgets are mounted.
    await until(pilot, lambda: bool(results.query("#results-progress")), "no progress")
    return text, results.query_one("#results-progress", TutorProgress)


async def test_typing_screen_shows_the_lessons_letters_and_focus(tmp_path: Path) -> None:
    """A first lesson is made of the six first letters only; the typing screen lists
    them with the locked ones, names the focus and the next unlock, and marks the focus
    letter in the text."""
    app = make_app(tmp_path, SPEC, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no lesson arrived")
        attempt = app.attempt
        assert attempt is not None and attempt.text
        tutor = Tutor(_words(), seed=11)
        assert attempt.text == tutor.next_text()
        state = tutor.state()
        assert set(attempt.text.replace(" ", "")) <= set(state.unlocked)
        assert len(state.unlocked) == 6
        progress = app.typing_screen.progress
        assert progress.display
        shown = progress.as_text(76).plain
        assert shown.startswith(" ".join(state.unlocked))
        assert state.focus is not None and f"focus {state.focus}" in shown
        assert f"{state.next_letter} unlocks when" in shown
        assert app.typing_screen.text_view.focus_letter == state.focus
        assert "adaptive" in str(app.typing_screen.query_one("#test-label").render())


async def test_a_finished_lesson_is_learnt_saved_and_continued(tmp_path: Path) -> None:
    """Typing a lesson slowly records it in the profile, saves it in the history file,
    shows each letter's confidence on the results screen, and the next lesson, in this
    app and in a new one on the same file, is the one the saved profile makes."""
    clock = FakeClock()
    app = make_app(tmp_path, SPEC, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        text, progress = await _lesson_typed(pilot, app, clock, SLOW_S)
        first = app.attempt
        assert progress.display and progress.state is not None
        assert progress.state.lessons == 1 and progress.before is not None
        assert progress.before.lessons == 0
        shown = progress.as_text(76).plain
        focus = progress.state.focus
        assert focus is not None and f"focus {focus}" in shown
        # 120 cpm is 69 % of the 175 cpm target, for every letter typed.
        for ch in progress.state.unlocked:
            assert f"{ch} 69%" in shown
        with History(_history(tmp_path)) as history:
            saved = history.tutor_profile("english", "qwerty")
            stored = history.recent(5)
        assert saved is not None and saved["lessons"] == 1
        assert [(r.mode, r.language) for r in stored] == [("adaptive", "english")]
        expected = Tutor.from_json(saved, _words()).next_text()
        assert expected != text
        app.action_new_test()
        await until(
            pilot, lambda: app.attempt is not None and app.attempt is not first, "no new lesson"
        )
        assert app.attempt is not None and app.attempt.text == expected
        # Let the typing screen come back up before the app closes.
        await until(pilot, lambda: app.screen is app.typing_screen, "results still up")
        await pilot.pause(0.05)
    again = make_app(tmp_path, SPEC, FakeClock())
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: again.attempt is not None, "no lesson arrived")
        assert again.attempt is not None and again.attempt.text == expected
        assert again.tutor is not None and again.tutor.lessons == 1


async def test_the_profile_is_the_typists_layouts(tmp_path: Path) -> None:
    """A German lesson typed with the Dvorak layout chosen is kept in a German Dvorak
    profile, not under the language's usual QWERTZ."""
    clock = FakeClock()
    spec = TestSpec(mode="adaptive", seed=11, language="german", layout="dvorak")
    app = make_app(tmp_path, spec, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _lesson_typed(pilot, app, clock, SLOW_S)
        assert app.tutor is not None and (app.tutor.language, app.tutor.layout) == (
            "german",
            "dvorak",
        )
        with History(_history(tmp_path)) as history:
            assert [p[:2] for p in history.tutor_profiles()] == [("german", "dvorak")]


async def test_a_fast_typist_unlocks_letters(tmp_path: Path) -> None:
    """A lesson typed at 240 cpm, over the target, unlocks new letters, and the results
    screen says which."""
    clock = FakeClock()
    app = make_app(tmp_path, SPEC, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        _, progress = await _lesson_typed(pilot, app, clock, 0.25)
        assert progress.state is not None and len(progress.state.unlocked) > 6
        assert "unlocked " in progress.as_text(76).plain


async def test_a_damaged_profile_starts_anew_and_says_so(tmp_path: Path) -> None:
    """A stored profile the tutor cannot read gives a warning and a new profile, not a
    failure."""
    with History(_history(tmp_path)) as history:
        history.save_tutor_profile("english", "qwerty", {"version": 99})
    app = make_app(tmp_path, SPEC, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no lesson arrived")
        assert app.tutor is not None and app.tutor.lessons == 0
        notes = [n.message for n in app._notifications]
        assert any("profile could not be used" in n for n in notes)


async def test_other_modes_show_no_progress(tmp_path: Path) -> None:
    """A words test has no tutor progress and no marked letter."""
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=1), FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no text arrived")
        assert not app.typing_screen.progress.display
        assert app.typing_screen.text_view.focus_letter is None


async def test_tab_skips_to_another_lesson(tmp_path: Path) -> None:
    """Tab on a lesson not typed gives another lesson of the same letters; the tutor has
    learnt nothing from the skipped one."""
    app = make_app(tmp_path, SPEC, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no lesson arrived")
        first = app.attempt
        assert first is not None
        app.action_new_test()
        await until(
            pilot, lambda: app.attempt is not None and app.attempt is not first, "no new lesson"
        )
        assert app.attempt is not None and app.attempt.text != first.text
        assert app.attempt.text == Tutor(_words(), seed=11).next_text(1)
        assert app.tutor is not None and app.tutor.lessons == 0


async def test_a_new_profile_starts_from_the_tests_typed_before(tmp_path: Path) -> None:
    """After a words test in English, the first adaptive lesson's profile has learnt from
    it, and a notice says so."""
    clock = FakeClock()
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=3), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        text = (await ready(pilot, app)).text
        assert text
        await press_all(pilot, clock, Script().text(text).presses, 0.25)
        await wait_for_results(pilot)
        app.start_test(SPEC)
        await until(pilot, lambda: app.tutor is not None and app.attempt is not None)
        assert app.tutor is not None and app.tutor.lessons == 1
        notes = [n.message for n in app._notifications]
        assert any("english profile starts from 1 test you typed before" in n for n in notes)


async def test_a_words_test_teaches_the_stored_profile_of_its_layout(tmp_path: Path) -> None:
    """A words test typed with Dvorak chosen leaves the stored English QWERTY profile
    alone; one typed on QWERTY is learnt into it and saved, with no tutor progress on
    its results screen."""
    with History(_history(tmp_path)) as history:
        history.save_tutor_profile("english", "qwerty", Tutor(_words(), seed=5).to_json())
    clock = FakeClock()
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=3), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        for layout, lessons in (("dvorak", 0), ("qwerty", 1)):
            app.start_test(TestSpec(mode="words", words=10, seed=3, layout=layout))

            def on(layout: str = layout) -> bool:  # and on screen: the keys go to it
                typing = isinstance(app.screen, TypingScreen)
                return typing and app.attempt is not None and app.attempt.spec.layout == layout

            await until(pilot, on, f"a test on {layout}")
            assert app.attempt is not None
            text = app.attempt.text
            assert text
            await press_all(pilot, clock, Script().text(text).presses, 0.25)
            results = await wait_for_results(pilot)
            assert results.tutor is None
            with History(_history(tmp_path)) as history:
                saved = history.tutor_profile("english", "qwerty")
                assert [p[:2] for p in history.tutor_profiles()] == [("english", "qwerty")]
            assert saved is not None and saved["lessons"] == lessons
        assert saved is not None and saved["keys"]["e"]["hits"] > 0  # learnt on QWERTY


async def test_a_bigram_drill_is_no_adaptive_lesson(tmp_path: Path) -> None:
    """A bigram drill typed again after a lesson (its text given) shows no tutor progress,
    and the loaded profile learns from it like any test in its language, saved at once."""
    clock = FakeClock()
    app = make_app(tmp_path, SPEC, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _lesson_typed(pilot, app, clock, 0.3)
        assert app.tutor is not None and app.tutor.lessons == 1
        app.start_test(TestSpec(mode="bigrams", text="then than"))
        typing = await shown(pilot, TypingScreen)  # the keys go to it, not to the results
        await until(
            pilot, lambda: app.attempt is not None and app.attempt.spec.mode == "bigrams", "drill"
        )
        assert not typing.progress.display
        await press_all(pilot, clock, Script().text("then than").presses, 0.3)
        results = await wait_for_results(pilot)
        assert results.tutor is None
        assert app.tutor.lessons == 2
        with History(_history(tmp_path)) as history:
            saved = history.tutor_profile("english", "qwerty")
        assert saved is not None and saved["lessons"] == 2
        await pilot.pause(0.05)


async def test_the_menu_sets_the_target_speed_and_accuracy_floor(tmp_path: Path) -> None:
    """In adaptive mode the menu has the target speed and accuracy floor; changing the
    target saves it, and the next lesson's tutor aims at it (the one on screen says so)."""
    from bartype.storage.settings import load_settings
    from bartype.tui.screens.menu import MenuScreen

    app = make_app(tmp_path, SPEC, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no lesson arrived")
        first = app.attempt
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen), "no menu")
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        keys = [key for key, _, _ in menu.rows()]
        assert keys[2:4] == ["target_cpm", "min_accuracy"]
        for _ in range(2):
            await pilot.press("down")
        await pilot.press("right")  # 175 -> 200 cpm
        await pilot.press("escape")
        await until(
            pilot, lambda: app.attempt is not None and app.attempt is not first, "no new lesson"
        )
        assert app.tutor is not None and app.tutor.settings.target_cpm == 200
        assert app.tutor.settings.min_accuracy == 0.92
        assert "reach 160 cpm" in app.typing_screen.progress.as_text(76).plain  # 80 % of 200
    settings, _ = load_settings(tmp_path / "config" / "settings.toml")
    assert (settings.target_cpm, settings.min_accuracy) == (200.0, 92.0)


async def test_the_menu_fits_and_scrolls_at_60x18(tmp_path: Path) -> None:
    """At 60x18 the menu's hint stays on screen and its rows scroll: going down to the
    last row (quit) brings it into view, and going back up to the first shows that."""
    from bartype.tui.screens.menu import MenuScreen

    app = make_app(tmp_path, TestSpec(mode="time", duration=30, seed=1), FakeClock())
    async with app.run_test(size=(60, 18)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no text arrived")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen), "no menu")
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        scroll = menu.query_one("#menu-scroll")
        hint = menu.query_one(".dialog-hint")
        assert hint.region.bottom <= 17 and hint.region.height == 1
        rows = len(menu.rows())
        assert rows + 1 > scroll.region.height  # more rows than lines: it must scroll
        for _ in range(rows - 1):
            await pilot.press("down")
        await pilot.pause(0.1)
        assert menu.rows()[menu.selected][0] == "quit"
        line = menu.selected + 1  # the blank line after the theme
        assert scroll.scroll_y <= line < scroll.scroll_y + scroll.region.height
        await pilot.press("down")  # wraps to the first row
        await pilot.pause(0.1)
        assert menu.selected == 0 and scroll.scroll_y == 0
