"""The results of a test: figures, a per-second chart and a keyboard heatmap."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from bartype.core.metrics import round_half_up
from bartype.core.tutor import TutorState
from bartype.tui.result_view import ResultView
from bartype.tui.safe import foreign
from bartype.tui.widgets.chart import SpeedChart
from bartype.tui.widgets.heatmap import KeyHeatmap
from bartype.tui.widgets.tutor_progress import TutorProgress


def _figure(label: str, value: str, classes: str = "") -> Static:
    text = Text.assemble((label + "\n", "dim"), (value, "bold"))
    return Static(text, classes=f"figure {classes}".strip())


def _big_figure(label: str, value: str) -> Vertical:
    """A headline figure in large digits."""
    from textual.widgets import Digits

    return Vertical(Static(Text(label, "dim")), Digits(value), classes="figure big")


REASON_WORDS = {
    "inhuman burst": "too fast for a person (a paste?)",
    "timing mismatch": "its time is shorter than the keys took to arrive",
}
"""Invalid reasons the handler adds, in a typist's words (the others read as they are)."""


class ResultsScreen(Screen[None]):
    """What the test came to, and keys to go on.

    A typist often types on past the end of a test, so letters are not commands
    until the keyboard has been quiet for ``QUIET_S``: Tab, Enter, Ctrl+R and Esc
    act at once, and the footer offers the letters only once they would act.
    """

    STYLES: ClassVar[tuple[str, ...]] = ("results.tcss",)
    """Its style sheets (``bartype.tui.stylesheets``); a past result's too."""

    BINDINGS = [
        Binding("tab,enter", "app.new_test", "new text", priority=True),
        Binding("ctrl+r", "retry", "same text", priority=True),
        Binding("escape", "app.menu", "menu", priority=True),
        Binding("h", "letter('history')", "history"),
        Binding("n", "letter('new_test')", "new text", show=False),
        Binding("r", "letter('retry')", "same text", show=False),
        Binding("g", "letter('race_ghost')", "race your ghost"),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    QUIET_S = 1.0
    """Letters act only after this long without a key: before, the typist is still typing."""

    def __init__(
        self,
        view: ResultView,
        clock: Callable[[], float] = time.monotonic,
        tutor: tuple[TutorState, TutorState | None] | None = None,
        *,
        ghost: bool = False,
        same_text: bool = True,
    ) -> None:
        super().__init__()
        self.view = view
        self.clock = clock
        self.tutor = tutor
        """Adaptive practice: the tutor's state after this test, and before it."""
        self.ghost = ghost
        """Whether the test can be raced as a ghost (it reached the end of its text)."""
        self.same_text = same_text
        """Whether there is a text to type again (zen has none)."""
        self.last_key_at = clock()
        """When the last key arrived (the results appearing counts as one)."""

    def letters_act(self) -> bool:
        """Whether a letter now is a command: the keyboard has been quiet long enough."""
        return self.clock() - self.last_key_at >= self.QUIET_S

    def on_mount(self) -> None:
        self._offer_letters_later()

    def _offer_letters_later(self) -> None:
        # The clock may be a test's: poll a little past the pause rather than trust one timer.
        self.set_timer(self.QUIET_S + 0.05, self._check_letters, name="results quiet")

    def _check_letters(self) -> None:
        self.refresh_bindings()
        if not self.letters_act():
            self._offer_letters_later()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters are hidden (and do nothing) while the typist is still typing; "same
        text" is not offered where there was no text."""
        if action == "retry" or (action == "letter" and parameters == ("retry",)):
            if not self.same_text:
                return False
        if action == "letter":
            if parameters == ("race_ghost",) and not self.ghost:
                return False  # a timed test, zen, one ended early: no finish line to race to
            return self.letters_act()
        return True

    def action_retry(self) -> None:
        """Type the same text again."""
        self.app.action_retry()  # type: ignore[attr-defined]

    def on_key(self, event: events.Key) -> None:
        """Any key but a command restarts the quiet pause the letters wait for."""
        if event.key in ("h", "n", "r", "g") and self.letters_act():
            return  # a command: its binding runs next
        event.stop()
        event.prevent_default()
        self.last_key_at = self.clock()
        self.refresh_bindings()
        self._offer_letters_later()

    def action_letter(self, action: str) -> None:
        """A letter's command (history, new text, same text), after a pause in typing."""
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
            progress = TutorProgress(detailed=True, id="results-progress")
            if self.tutor is not None:
                progress.show(*self.tutor)
            yield progress
            # Per-second raw (burst) shows a pause or a spurt; the running raw average
            # would only repeat the WPM bars. Older results have no burst: their raw then.
            raw = v.burst_series or v.raw_series
            yield SpeedChart(v.wpm_series, raw, v.error_series, id="results-chart")
            yield Static(
                Text.assemble(
                    ("█ wpm", "bold"),
                    "   ",
                    ("─ raw each second", "dim"),
                    "   ",
                    ("✕ errors per second", ""),
                ),
                id="chart-legend",
            )
            yield KeyHeatmap(v.keys, layout_name=v.layout, id="results-heatmap")
        yield Footer()

    def _headline(self) -> Text:
        return foreign(self.view.label, "bold")  # one row, cut with an ellipsis (results.tcss)

    def _verdict(self) -> Text:
        v = self.view
        if not v.valid:
            said = (REASON_WORDS.get(reason, reason) for reason in v.invalid_reasons)
            reasons = ", ".join(said) or "not a fair test"
            return foreign(f"invalid: {reasons}", "bold")
        if v.personal_best:
            return Text("★ new personal best", style="bold")
        return Text("")
