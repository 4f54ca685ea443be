"""What a typist used to other tutors expects: keys, settings that stay put, safe results."""

from __future__ import annotations

from pathlib import Path

from support import FakeClock
from support.pilot import shown, until
from textual.pilot import Pilot
from textual.widgets import DataTable

from bartype.storage.settings import Settings, load_settings
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.help import HelpScreen
from bartype.tui.screens.history import HistoryScreen
from bartype.tui.screens.menu import MenuScreen
from bartype.tui.screens.results import ResultsScreen
from bartype.tui.screens.typing import TypingScreen

from .helpers import feed_terminal, make_app, press_all, ready, wait_for_results

WORDS = TestSpec(mode="words", words=10, seed=7)


async def test_ctrl_h_byte_deletes_a_word_and_del_byte_a_character(
    tmp_path: Path, clock: FakeClock
) -> None:
    """0x08 (what most terminals send for Ctrl+Backspace) deletes a word; 0x7f one letter."""
    app = make_app(tmp_path, TestSpec(mode="custom", text="make will even under"), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
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
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TypingScreen))
        assert app.spec.mode == "quote"
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("ctrl+c")
        await pilot.pause(0.05)
    assert not (tmp_path / "config" / "settings.toml").exists()
    assert app.settings == saved


async def test_menu_saves_only_what_the_user_changed(tmp_path: Path, clock: FakeClock) -> None:
    """A setting changed in the menu is saved; the command line's others are not."""
    saved = Settings(mode="words", words=50, theme="textual-dark")
    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="long"), clock, settings=saved)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("down", "right")  # quote length: long -> any
        await pilot.press("escape")
        await until(pilot, lambda: app.attempt is not None and app.spec.quote_length == "any")
    settings, _ = load_settings(tmp_path / "config" / "settings.toml")
    assert settings == saved.with_changes(quote_length="any")


async def test_ctrl_t_switches_the_theme_in_the_menu_and_help(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Ctrl+T works on every screen, as the help says ("Anywhere")."""
    app = make_app(tmp_path, WORDS, clock, settings=Settings(theme="textual-dark"))
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        await pilot.press("ctrl+t")
        await pilot.pause(0.02)
        assert app.theme == "textual-light"
        app.action_help()
        await shown(pilot, HelpScreen)
        await pilot.press("ctrl+t")
        await pilot.pause(0.02)
        assert app.theme == "textual-dark"


async def _finish_words_test(pilot: Pilot[int], app: BartypeApp, clock: FakeClock) -> ResultsScreen:
    text = (await ready(pilot, app)).text or ""
    await press_all(pilot, clock, [("space" if c == " " else c) for c in text])
    return await wait_for_results(pilot)


async def test_letters_typed_on_after_the_end_do_not_act(tmp_path: Path, clock: FakeClock) -> None:
    """A typist who keeps typing past the end stays on the results, however long they go on."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        results = await _finish_words_test(pilot, app, clock)
        await press_all(pilot, clock, [*"nrhsnrhs", "n", "r", "h"], step=0.3)
        assert app.screen is results
        assert "h" not in app.screen.active_bindings or not _shown(app, "h")
        clock.advance(1.0)  # a clear pause: now the letters are commands
        assert _shown(app, "h")
        await pilot.press("h")
        await shown(pilot, HistoryScreen)


def _shown(app: BartypeApp, key: str) -> bool:
    """Whether the footer offers ``key`` now."""
    app.screen.refresh_bindings()
    return any(b.binding.key == key and b.enabled for b in app.screen.active_bindings.values())


async def test_tab_and_enter_act_at_once_on_the_results(tmp_path: Path, clock: FakeClock) -> None:
    """Tab (or Enter) right after the end starts the next test: no letter is needed."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await _finish_words_test(pilot, app, clock)
        first = app.attempt
        await press_all(pilot, clock, ["enter"], step=0.05)
        await until(pilot, lambda: app.attempt is not None and app.attempt is not first)
        assert isinstance(app.screen, TypingScreen)


async def test_escape_mid_timed_test_drops_it_clearly(tmp_path: Path, clock: FakeClock) -> None:
    """Esc in a running timed test drops it (said in the menu): no result shows up later."""
    from bartype.storage.history import History

    app = make_app(tmp_path, TestSpec(mode="time", duration=15, seed=3), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        first = app.attempt
        assert first is not None
        await press_all(pilot, clock, list((first.text or "").split()[0]))
        await pilot.press("escape")
        await shown(pilot, MenuScreen)
        assert "dropped" in str(app.screen.query_one("#menu-note").render())
        clock.advance(40)  # long past the end of the 15 s it would have run
        await pilot.pause(0.4)
        assert isinstance(app.screen, MenuScreen) and app.result is None
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TypingScreen))
        await until(pilot, lambda: app.attempt is not None and app.attempt is not first)
        assert app.attempt is not None and not app.attempt.started
        clock.advance(40)
        await pilot.pause(0.3)
        assert isinstance(app.screen, TypingScreen)
    with History(tmp_path / "data" / "history.sqlite3") as history:
        assert history.recent() == []


async def test_a_quotes_best_is_the_same_on_results_and_history(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A first quote is a best on the results, and History lists it and marks its row."""
    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="short", seed=4), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        results = await _finish_words_test(pilot, app, clock)
        assert results.view.personal_best
        assert app.attempt is not None
        quote = app.attempt.mode2
        clock.advance(1.5)
        await pilot.press("h")
        history = await shown(pilot, HistoryScreen)
        await until(pilot, lambda: history.results != [])
        bests = str(history.query_one("#history-bests").render())
        assert f"quote #{quote}" in bests
        table = history.query_one(DataTable)
        assert "★" in str(table.get_row_at(0)[-1])


async def test_two_files_have_a_best_each(tmp_path: Path, clock: FakeClock) -> None:
    """Each custom text is a test of its own: a slower run of another file is still its best."""
    texts = ["five little words to type", "another text that is not the same one at all"]
    for n, (text, step) in enumerate(zip(texts, (0.2, 0.3), strict=True)):
        app = make_app(tmp_path, TestSpec(mode="custom", text=text), clock)
        async with app.run_test() as pilot:
            await ready(pilot, app)
            keys = [("space" if c == " " else c) for c in text]
            await press_all(pilot, clock, keys, step=step)
            results = await wait_for_results(pilot)
            assert results.view.personal_best, n


def _notices(app: BartypeApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_server_notices_come_one_at_a_time_and_go_when_untrue(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A restart's stopping, offline and lost-result notices replace each other, and the
    last one goes when the server is back."""
    from bartype.transport.base import ChannelClosed
    from bartype.tui.notice import in_words as _in_words

    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        app._on_error({"code": "SERVER_SHUTDOWN", "message": "shutting down"})
        await pilot.pause()
        assert len(_notices(app)) == 1 and "stopping" in _notices(app)[0]
        app._on_status("offline")
        app._on_error({"code": "INVALID_SESSION", "message": "Invalid session"})
        await pilot.pause()
        assert len(_notices(app)) == 1 and "no longer knows" in _notices(app)[0]
        app._on_error({"code": "SERVER_SHUTDOWN", "message": "shutting down"})
        await pilot.pause()
        app._on_status("connected")
        await pilot.pause()
        assert _notices(app) == ["The server is back."]
    assert _in_words(ChannelClosed(4001, "Invalid session")) == (
        "the server no longer knows this test"
    )


async def test_a_decomposed_letter_in_one_write_is_the_letter(
    tmp_path: Path, clock: FakeClock
) -> None:
    """`a` + U+0308 written at once (compose setups, some input methods) types `ä`."""
    from .helpers import feed_write

    app = make_app(tmp_path, TestSpec(mode="custom", text="Hälfte gut"), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        attempt = app.attempt
        assert attempt is not None
        await feed_terminal(pilot, clock, "H")
        await feed_write(pilot, clock, "a\u0308")
        await feed_terminal(pilot, clock, "lfte gut")
        view = (await wait_for_results(pilot)).view
        assert (view.accuracy, view.chars) == (100.0, "10/0/0/0")
        assert [name for name, _ in attempt.keys][:3] == ["H", "ä", "l"]


async def test_live_wpm_falls_while_the_clock_runs_without_keys(
    tmp_path: Path, clock: FakeClock
) -> None:
    """In a pause the live WPM goes down with the timer, not only on the next key; less
    than a second between keys is no pause, and the ticks leave the WPM as it was."""
    app = make_app(tmp_path, TestSpec(mode="time", duration=30, seed=5), clock)
    async with app.run_test() as pilot:
        text = (await ready(pilot, app)).text or ""
        await press_all(pilot, clock, [("space" if c == " " else c) for c in text[:20]])
        stats = app.screen.query_one("#stats")
        await pilot.pause(0.15)
        before = str(stats.render())
        clock.advance(0.5)
        await pilot.pause(0.3)  # a few ticks
        between = str(stats.render())
        clock.advance(3.5)
        await pilot.pause(0.3)
        after = str(stats.render())
        shown = (before, between, after)
        wpm = [int(s.split("wpm")[0].split()[-1]) for s in shown if "wpm" in s]
        assert len(wpm) == 3 and wpm[1] == wpm[0] and wpm[2] < wpm[0] * 0.7, shown


async def test_the_menu_lists_each_language_once(tmp_path: Path, clock: FakeClock) -> None:
    """The language row cycles through languages, not a language and its list again."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        await pilot.press("escape")
        menu = await shown(pilot, MenuScreen)
        choices = menu._choices("language")
        assert choices == sorted(set(choices))
        assert "english" in choices and "english_200" not in choices
        assert not any(c.startswith("german_") for c in choices)


async def test_a_tick_between_a_letter_and_its_mark_does_not_split_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The app's tick firing between `a` and U+0308 of one write still gives `ä`."""
    app = make_app(tmp_path, TestSpec(mode="custom", text="Hälfte gut"), clock)
    async with app.run_test() as pilot:
        await ready(pilot, app)
        attempt = app.attempt
        assert attempt is not None
        await feed_terminal(pilot, clock, "H")
        app.type_key("a")
        app.tick()  # the clock has not moved: the same write is still arriving
        app.type_key("\u0308")
        await feed_terminal(pilot, clock, "lfte gut")
        view = (await wait_for_results(pilot)).view
        assert [name for name, _ in attempt.keys][:3] == ["H", "ä", "l"]
        assert (view.accuracy, view.chars) == (100.0, "10/0/0/0")
