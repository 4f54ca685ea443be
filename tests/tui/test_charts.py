"""The chart and the keyboard heatmap compute what they draw correctly."""

from __future__ import annotations

from textual.app import App, ComposeResult

from bartype.tui.widgets.chart import SpeedChart, _bucket, _nice_top
from bartype.tui.widgets.heatmap import KeyHeatmap, key_figures, most_errors, physical_key, slowest


def test_bucketing_keeps_the_shape() -> None:
    """Long series are averaged (or summed, for errors) into the columns there are."""
    assert _bucket([1, 2, 3], 10) == [1.0, 2.0, 3.0]
    assert _bucket([1, 3, 5, 7], 2) == [2.0, 6.0]
    assert _bucket([1, 0, 2, 1], 2, "sum") == [1.0, 3.0]


def test_axis_top_is_round() -> None:
    """The axis tops out at a round number at or above the highest value."""
    assert _nice_top(47) == 50
    assert _nice_top(120) == 125
    assert _nice_top(260) == 300
    assert _nice_top(9) == 10


def test_capitals_and_symbols_count_on_their_key() -> None:
    """'A' is typed on the a key and '!' on the 1 key."""
    assert physical_key("A") == "a"
    assert physical_key("!") == "1"
    assert physical_key(" ") == "space"
    figures = key_figures(
        {
            "a": {"presses": 3, "errors": 1, "meanIntervalMs": 200.0},
            "A": {"presses": 1, "errors": 0, "meanIntervalMs": 400.0},
            "e": {"presses": 5, "errors": 0, "meanIntervalMs": 100.0},
            "\n": {"presses": 2, "errors": 0, "meanIntervalMs": 900.0},
        }
    )
    assert figures["a"].presses == 4 and figures["a"].errors == 1
    assert figures["a"].mean_ms == (200.0 * 2 + 400.0) / 3
    assert "\n" not in figures
    assert [f.key for f in slowest(figures)] == ["a", "e"]
    assert [f.key for f in most_errors(figures)] == ["a"]


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield SpeedChart([30, 40, 50], [35, 45, 55], [0, 2, 0])
        yield KeyHeatmap({"q": {"presses": 2, "errors": 1, "meanIntervalMs": 300.0}})


async def test_widgets_draw_their_data() -> None:
    """The chart shows its axis and error counts; the heatmap lists the worst key."""
    app = _Host()
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        chart = str(app.query_one(SpeedChart).render())
        assert "60│" in chart and "2" in chart.splitlines()[-2] and "3s" in chart
        heatmap = str(app.query_one(KeyHeatmap).render())
        assert "q 1/2" in heatmap and "slowest keys" in heatmap


async def test_raw_line_shows_over_the_bars_and_the_axes_read() -> None:
    """A raw line that crosses the WPM bars stays visible; the WPM axis has a middle
    label and the time axis marks seconds between the ends."""

    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            wpm = [60.0] * 30
            raw = [30.0] * 15 + [90.0] * 15  # a burst above the bars, then through them
            yield SpeedChart(wpm, raw, [0] * 30, id="chart")

    app = ChartApp()
    async with app.run_test(size=(100, 12)) as pilot:
        chart = app.query_one(SpeedChart)
        chart.styles.height = 12
        await pilot.pause()
        lines = str(chart.render()).splitlines()
    bar_rows = [line for line in lines if "█" in line]
    assert any("─" in line for line in bar_rows)  # the raw line through the bars
    labels = [line.split("│")[0].strip() for line in lines if "│" in line]
    assert labels[0] == "100" and labels[-1] == "0" and "50" in labels
    assert "10s" in lines[-1] and lines[-1].rstrip().endswith("30s")
