"""The History screen: Enter reopens a result, filters by mode and language, averages."""

from __future__ import annotations

from pathlib import Path

from support import FakeClock
from support.history import DAY0, fill, keys_for, result_for
from support.pilot import shown, until
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable

from bartype.core.keystrokes import keystrokes_from_key
from bartype.storage.history import History
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.history import HistoryScreen
from bartype.tui.screens.past_result import PastResultScreen
from bartype.tui.widgets.chart import SpeedChart

from .helpers import make_app, ready

GERMAN = "das ist ein kleiner text"


def _history(tmp_path: Path) -> Path:
    """Ten English words tests over five days, two German ones and a 15 s time test."""
    path = tmp_path / "data" / "history.sqlite3"
    fill(path)
    with History(path) as history:
        for i, base in enumerate((150.0, 140.0)):
            german = result_for(keys_for(GERMAN * 3, base), GERMAN * 3)
            history.save(german, text=GERMAN * 3, language="german", created_at=DAY0 + 9e5 + i)
    return path


async def _open_history(pilot: Pilot[int], app: BartypeApp) -> HistoryScreen:
    await ready(pilot, app)
    app.action_history()
    screen = await shown(pilot, HistoryScreen)
    await until(pilot, lambda: bool(screen.all_results), "the history loaded")
    return screen


async def test_enter_reopens_a_result_with_its_text(tmp_path: Path) -> None:
    """Enter on the top row opens that result on the results screen, with its figures, its
    chart, its heat map and the text as typed; Esc comes back to the history."""
    _history(tmp_path)
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=1), FakeClock())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open_history(pilot, app)
        newest = screen.results[0]
        await pilot.press("enter")
        past = await shown(pilot, PastResultScreen)
        assert past.stored.id == newest.id and past.view.wpm == newest.wpm
        assert past.view.wpm_series and past.view.keys
        assert "german" in past.view.label or "ger" in past.view.label
        drawn = past.query_one("#past-text").render()
        assert str(drawn).startswith(GERMAN)
        assert past.query_one("#results-heatmap") is not None
        await pilot.press("escape")
        await shown(pilot, HistoryScreen)


async def test_filters_keep_one_mode_and_language_and_the_trend_follows(tmp_path: Path) -> None:
    """l keeps English results only, the trend holds their WPM; l again German, m cycles the
    mode; the averages line gives the mean of the last 10."""
    _history(tmp_path)
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=1), FakeClock())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open_history(pilot, app)
        table = screen.query_one("DataTable", DataTable)
        assert table.row_count == 12
        await pilot.press("l")  # english: the most frequent language first
        await until(pilot, lambda: table.row_count == 10, "english only")
        assert table.row_count == 10 and {r.language for r in screen.results} == {"english"}
        chart = screen.query_one("#history-trend", SpeedChart)
        english = [r.wpm for r in reversed(screen.results) if r.valid]
        assert chart.wpm == english
        averages = str(screen.query_one("#trend-title").render())
        last10 = sum(english) / len(english)
        assert f"last 10: {last10:.0f} wpm" in averages
        await pilot.press("l")
        await until(pilot, lambda: table.row_count == 2, "german only")
        assert table.row_count == 2 and screen.filters["language"] == "german"
        assert "german" in str(screen.query_one("#history-title").render())
        await pilot.press("d")  # each day's mean: both German tests were on one day
        await until(pilot, lambda: len(chart.wpm) == 1, "one day")
        assert len(chart.wpm) == 1 and "wpm per day" in str(
            screen.query_one("#trend-title").render()
        )
        await pilot.press("l", "m")  # every language, then the first mode: words
        await until(pilot, lambda: table.row_count == 12, "words in every language")
        assert screen.filters == {"mode": "words", "language": screen.filters["language"]}
        assert table.row_count == 12


async def test_a_reopened_text_shows_mistakes_and_controls_as_data(tmp_path: Path) -> None:
    """A wrong letter shows bold red and a missed one underlined (the word was left wrong,
    with no correction in the log), and a control character in the stored text shows as its
    picture: nothing from the file reaches the terminal raw."""
    path = tmp_path / "data" / "history.sqlite3"
    text = "ab\x1bc de"
    keys = [
        k
        for name, t in (("a", 0), ("b", 100), ("x", 200), (" ", 300), ("d", 400), ("e", 500))
        for k in keystrokes_from_key(name, t)
    ]
    with History(path) as history:
        history.save(result_for(keys, text), text=text, created_at=DAY0)
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=1), FakeClock())
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_history(pilot, app)
        await pilot.press("enter")
        past = await shown(pilot, PastResultScreen)
        drawn = past.query_one("#past-text").render()
        assert isinstance(drawn, Content)
        assert "\x1b" not in str(drawn) and "␛" in str(drawn)
        styles = {str(span.style) for span in drawn.spans}
        assert any("red" in style and "bold" in style for style in styles)  # the x for c
        assert any("underline" in style for style in styles)  # nothing typed for it
