"""The results of a test: figures, a per-second chart and a keyboard heatmap."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from bartype.core.metrics import round_half_up
from bartype.tui.result_view import ResultView
from bartype.tui.widgets.chart import SpeedChart
from bartype.tui.widgets.heatmap import KeyHeatmap


def _figure(label: str, value: str, classes: str = "") -> Static:
    text = Text.assemble((label + "\n", "dim"), (value, "bold"))
    return Static(text, classes=f"figure {classes}".strip())


def _big_figure(label: str, value: str) -> Vertical:
    """A headline figure in large digits."""
    from textual.widgets import Digits

    return Vertical(Static(Text(label, "dim")), Digits(value), classes="figure big")


class ResultsScreen(Screen[None]):
    """What the test came to, and keys to go on."""

    BINDINGS = [
        Binding("tab,n", "settled('new_test')", "new text", priority=True),
        Binding("r,ctrl+r", "settled('retry')", "same text"),
        Binding("h", "settled('history')", "history"),
        Binding("escape", "settled('menu')", "menu", priority=True),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    SETTLE_S = 0.8
    """Keys typed this soon after the test ended are the typist still typing, not commands."""

    def __init__(self, view: ResultView, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.view = view
        self.clock = clock
        self.shown_at = clock()

    def action_settled(self, action: str) -> None:
        """Run an app action, unless the results have only just appeared."""
        if self.clock() - self.shown_at < self.SETTLE_S:
            return
        getattr(self.app, f"action_{action}")()

    def compose(self) -> ComposeResult:
        v = self.view
        with VerticalScroll(id="results-column"):
            with Horizontal(id="results-head"):
                yield Static(self._headline(), id="results-title")
                verdict = "-invalid" if not v.valid else ("-best" if v.personal_best else "")
                yield Static(self._verdict(), id="results-verdict", classes=verdict)
            with Horizontal(id="results-figures"):
                yield _big_figure("wpm", f"{round_half_up(v.wpm)}")
                # Accuracy is floored as Monkeytype shows it: 99.6 % with an error is not 100 %.
                yield _big_figure("acc", f"{math.floor(v.accuracy)}%")
                yield _figure("raw", f"{round_half_up(v.raw)}")
                yield _figure("consistency", f"{v.consistency:.0f}%")
                yield _figure("chars", v.chars)
                yield _figure("time", f"{v.duration_s:.1f}s")
            yield SpeedChart(v.wpm_series, v.raw_series, v.error_series, id="results-chart")
            yield Static(
                Text.assemble(
                    ("█ wpm", "bold"), "   ", ("─ raw", "dim"), "   ", ("✕ errors per second", "")
                ),
                id="chart-legend",
            )
            yield KeyHeatmap(v.keys, id="results-heatmap")
        yield Footer()

    def _headline(self) -> Text:
        return Text(self.view.label, style="bold")

    def _verdict(self) -> Text:
        v = self.view
        if not v.valid:
            reasons = ", ".join(v.invalid_reasons) or "not a fair test"
            return Text(f"invalid: {reasons}", style="bold")
        if v.personal_best:
            return Text("★ new personal best", style="bold")
        return Text("")
