"""The solo rough edges: the menu over the results, zen's keys, headings, notices, code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support import FakeClock
from support.history import fill
from support.pilot import until
from textual.pilot import Pilot
from textual.screen import Screen

from bartype.storage.settings import load_settings
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.results import ResultsScreen
from bartype.tui.widgets.key_bar import KeyBar

from .helpers import make_app, press_all, ready, told, wait_for_results

WORDS = TestSpec(mode="words", words=10, seed=1)


def _keys(text: str) -> list[str]:
    return [{" ": "space", "\n": "enter", "\t": "tab"}.get(c, c) for c in text]


async def _finish(pilot: Pilot[int], app: BartypeApp, clock: FakeClock) -> ResultsScreen:
    attempt = await ready(pilot, app)
    await press_all(pilot, clock, _keys(attempt.text or ""))
    return await wait_for_results(pilot)


async def test_esc_from_a_menu_over_the_results_returns_to_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A setting changed in the menu opened from the results is saved, Esc goes back to the
    same results (no new test), and the next test takes the new setting."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        results = await _finish(pilot, app, clock)
        attempt = app.attempt
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "MenuScreen")
        await pilot.press("right")  # mode: words -> quote
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is results
        assert app.attempt is attempt  # no test was started under the results
        await pilot.press("tab")
        await until(
            pilot, lambda: app.attempt is not attempt and app.attempt is not None, "no new test"
        )
        assert app.attempt is not None and app.attempt.spec.mode == "quote"
    settings, _ = load_settings(tmp_path / "config" / "settings.toml")
    assert settings.mode == "quote"


def _footer_keys(screen: Screen[Any]) -> dict[str, str]:
    """The keys the footer offers now, with their descriptions."""
    return {
        key: active.binding.description
        for key, active in screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


def _key_bar(screen: Screen[Any]) -> str:
    """What the key bar draws."""
    return str(screen.query_one(KeyBar).render())


def _hint(app: BartypeApp) -> str:
    return str(app.typing_screen.query_one("#typing-hint").render())


async def test_zen_hint_and_footer_agree_about_esc(tmp_path: Path, clock: FakeClock) -> None:
    """Before the first key Esc opens the menu, and both the hint and the footer say so;
    once typing, both say that Esc ends the test."""
    app = make_app(tmp_path, TestSpec(mode="zen"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no zen test")
        await pilot.pause(0.05)
        assert _footer_keys(app.screen)["escape"] == "menu"
        assert "menu" in _key_bar(app.screen) and "end test" not in _key_bar(app.screen)
        assert "esc" in _hint(app) and "menu" in _hint(app) and "ends" not in _hint(app)
        await press_all(pilot, clock, ["h", "i"])
        await pilot.pause(0.05)
        assert _footer_keys(app.screen)["escape"] == "end test"
        await until(pilot, lambda: "end test" in _key_bar(app.screen), "the key bar not redrawn")
        assert "menu" not in _key_bar(app.screen)
        assert "esc ends" in _hint(app)


async def test_zen_results_offer_no_same_text(tmp_path: Path, clock: FakeClock) -> None:
    """Zen has no text to type again: its results offer no "same text", and r does nothing."""
    app = make_app(tmp_path, TestSpec(mode="zen"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no zen test")
        await press_all(pilot, clock, _keys("just some words typed freely"))
        await pilot.press("escape")
        results = await wait_for_results(pilot)
        attempt = app.attempt
        clock.advance(2.0)
        await pilot.pause(0.05)
        offered = _footer_keys(results).values()
        assert "same text" not in offered and "new text" in offered
        await pilot.press("r")
        await pilot.press("ctrl+r")
        await pilot.pause(0.1)
        assert app.screen is results and app.attempt is attempt


CODE = TestSpec(mode="code", code="python", seed=22)  # one of the shortest snippets


async def test_code_keeps_its_indentation_and_tab_types_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A code test shows its indentation; Enter indents the next line as an editor does,
    Tab types a tab instead of restarting, shift+Tab is the new-text key (in the footer),
    and typing the text as it stands gives a clean result equal to the core's."""
    app = make_app(tmp_path, CODE, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no code text")
        attempt = app.attempt
        assert attempt is not None and attempt.text is not None and "\n\t" in attempt.text
        await pilot.pause(0.05)
        footer = _footer_keys(app.screen)
        assert footer.get("shift+tab") == "new text" and "tab" not in footer
        shown = app.typing_screen.text_view.visible_text()
        indented = next(line for line in attempt.text.split("\n") if line.startswith("\t"))
        depth = len(indented) - len(indented.lstrip("\t"))
        assert " " * 4 * depth + indented.lstrip("\t").split(" ")[0] in "\n".join(shown)
        # Type each line's words; the indentation comes with Enter.
        presses = _keys("".join(line.lstrip("\t") + "\n" for line in attempt.text.split("\n")))
        await press_all(pilot, clock, presses[:-1])
        results = await wait_for_results(pilot)
        assert results.view.valid and results.view.incorrect == 0 and results.view.missed == 0
        assert app.attempt is attempt


async def test_tab_in_code_types_where_the_line_was_not_indented(
    tmp_path: Path, clock: FakeClock
) -> None:
    """After a space where the line breaks (an error) there is no automatic indentation:
    Tab types it, right, and the test goes on (no restart)."""
    app = make_app(tmp_path, CODE, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no code text")
        attempt = app.attempt
        assert attempt is not None and attempt.text is not None
        lines = attempt.text.split("\n")
        k = next(k for k in range(len(lines)) if lines[k + 1].startswith("\t"))
        before = "\n".join(line.lstrip("\t") for line in lines[: k + 1])
        depth = len(lines[k + 1]) - len(lines[k + 1].lstrip("\t"))
        await press_all(pilot, clock, [*_keys(before), "space", *["tab"] * depth])
        assert app.attempt is attempt
        analyzer = attempt.analyzer
        assert analyzer.inputs[-1] == "\t" * depth
        assert analyzer.counts(True).incorrect == 1  # the space; the tabs are right
        await pilot.press("shift+tab")
        await until(pilot, lambda: app.attempt is not attempt, "shift+tab did not restart")


async def test_results_heading_names_what_was_typed(tmp_path: Path, clock: FakeClock) -> None:
    """The results of a quote name its source; those of a words test its language."""
    from bartype.tui.heading import quote_source

    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="short", seed=2), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await _finish(pilot, app, clock)
        assert app.attempt is not None
        source = quote_source(app.attempt.text_id)
        assert source and source in results.view.label
        assert source[:20] in str(results.query_one("#results-title").render())
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await _finish(pilot, app, clock)
        assert results.view.label == "words 10  ·  english"


async def test_results_heading_names_the_file(tmp_path: Path, clock: FakeClock) -> None:
    """`bartype play --file notes.txt`: the typing screen and the results name the file."""
    from bartype.cli import local_client
    from bartype.commands.parser import build_parser
    from bartype.protocol.handler import HandlerConfig
    from bartype.tui.run import build_app

    path = tmp_path / "notes.txt"
    path.write_text("a short text of mine to type\n", encoding="utf-8")
    args = build_parser().parse_args(
        ["play", "--file", str(path), "--data-dir", str(tmp_path / "d")]
    )

    async def open_client(url: str | None, history: Path | None) -> Any:
        return local_client(history, config=HandlerConfig(future_tolerance_ms=None))

    app = build_app(args, clock=clock, open_client=open_client)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no text")
        label = app.typing_screen.query_one("#test-label")
        await until(pilot, lambda: "notes.txt" in str(label.render()), "the file named")
        results = await _finish(pilot, app, clock)
        assert results.view.label == "custom  ·  notes.txt"


async def test_a_quote_typed_again_keeps_its_source(tmp_path: Path, clock: FakeClock) -> None:
    """Same text on a quote's results types the quote again, still headed by its source."""
    app = make_app(tmp_path, TestSpec(mode="quote", quote_length="short", seed=2), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await _finish(pilot, app, clock)
        attempt = app.attempt
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.attempt is not attempt and app.attempt is not None)
        again = await _finish(pilot, app, clock)
        assert again is not first and again.view.label == first.view.label


async def test_a_paste_is_said_not_to_type(tmp_path: Path, clock: FakeClock) -> None:
    """A bracketed paste types nothing, and a notice says that pasting does not type."""
    from textual import events

    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        attempt = await ready(pilot, app)
        app.screen.post_message(events.Paste(attempt.text or ""))
        await until(pilot, lambda: any("Pasting does not type" in n for n in told(app)), "notice")
        assert not attempt.started


async def test_keys_faster_than_a_person_are_said_at_once(tmp_path: Path, clock: FakeClock) -> None:
    """A terminal without bracketed paste types a paste as keys: a notice says at once that
    the result will not count, and the results say why in words."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        text = (await ready(pilot, app)).text or ""
        await press_all(pilot, clock, _keys(text[:30]), step=0.005)
        await until(pilot, lambda: any("faster than anyone" in n for n in told(app)), "notice")
        await press_all(pilot, clock, _keys(text[30:]), step=0.25)
        results = await wait_for_results(pilot)
        assert "inhuman burst" in results.view.invalid_reasons
        verdict = str(results.query_one("#results-verdict").render())
        assert "too fast for a person" in verdict


async def test_an_idle_test_says_it_was_dropped(tmp_path: Path, clock: FakeClock) -> None:
    """A test left a minute without a key is replaced, and the new one's hint says why
    until the typist starts again."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await ready(pilot, app)
        await press_all(pilot, clock, list((first.text or "").split(" ")[0]))
        clock.advance(61)
        await until(pilot, lambda: app.attempt is not first and app.attempt is not None)
        await until(pilot, lambda: any("minute" in n for n in told(app)), "the notice")
        assert "dropped" in _hint(app) and "minute" in _hint(app)
        assert app.attempt is not None
        await press_all(pilot, clock, [(app.attempt.text or "x")[0]])
        assert "dropped" not in _hint(app)


def test_history_labels_are_words() -> None:
    """History names a test in words: the language and text options spelled out, or
    abbreviated in a common way where the table is narrow (never "numbe.")."""
    from bartype.core.labels import best_label

    full = best_label("words", "25", "german_1k", "punctuation numbers", None)
    assert full == "words 25 · german · punctuation · numbers"
    short = best_label("words", "25", "german_1k", "punctuation numbers", None, short=True)
    assert short == "words 25 german punct. num."
    assert best_label("time", "30", "english", "", None) == "time 30"


async def test_history_at_60x18_shows_rows_and_fits(tmp_path: Path, clock: FakeClock) -> None:
    """At 60x18 the History table shows several results, and each row fits the width
    (no column is cut off: raw, consistency and time give way)."""
    from textual.widgets import DataTable

    fill(tmp_path / "data" / "history.sqlite3", days=2, per_day=2)  # where make_app keeps it
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(60, 18)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no text arrived")
        app.action_history()
        await until(
            pilot,
            lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.query(DataTable),
        )
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 4, "history rows")
        await pilot.pause(0.1)
        assert table.region.height - 1 >= 4  # the header and every result are on screen
        keys = [str(column.key.value) for column in table.ordered_columns]
        assert keys == ["when", "test", "wpm", "acc", "ok"]
        assert table.virtual_size.width <= table.size.width


async def test_a_click_on_the_key_bar_presses_that_key(tmp_path: Path, clock: FakeClock) -> None:
    """The key bar draws the keys as Textual's footer does, and a click on one presses it:
    "tab new text" gives a new text, a click between keys does nothing."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        first = (await ready(pilot, app)).text
        bar = app.typing_screen.query_one(KeyBar)
        drawn = _key_bar(app.screen)
        assert drawn.startswith(" tab new text  ^c quit  esc menu")
        await pilot.click(KeyBar, offset=(len(drawn) + 2, 0))  # past the last key
        await pilot.pause(0.05)
        assert app.attempt is not None and app.attempt.text == first
        await pilot.hover(KeyBar, offset=(2, 0))
        await until(pilot, lambda: bar._hover == 0, "no key under the pointer")
        await pilot.click(KeyBar, offset=(2, 0))  # on "tab"
        await until(
            pilot, lambda: app.attempt is not None and app.attempt.text != first, "no new text"
        )
