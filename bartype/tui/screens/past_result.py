"""A result from the history, reopened: the results screen, with the text as it was typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from bartype.core.analyzer import CharState
from bartype.core.labels import best_label
from bartype.core.session import replay
from bartype.tui.result_view import ResultView, from_stored
from bartype.tui.safe import cell, foreign
from bartype.tui.screens.results import ResultsScreen

_STATE_STYLES = {
    CharState.CORRECT: "",
    CharState.INCORRECT: "bold red",
    CharState.EXTRA: "red dim",
    CharState.MISSED: "dim underline",
    CharState.UNTYPED: "dim",
}
MAX_TEXT_SHOWN = 5_000
"""Characters of the typed text shown (a long file is cut, the figures are all there)."""


def typed_text(stored: Any) -> Text:
    """The text of a stored result as it was typed: each character coloured by its state
    (right, wrong, extra, missed), replayed from the keystroke log. Shown as data."""
    if not stored.keystrokes:
        return foreign(stored.text or "", "dim", limit=MAX_TEXT_SHOWN)
    session = replay(stored.session_config(), stored.text, list(stored.keystrokes))
    if stored.text is None:  # zen: what was typed is the text
        return foreign(session.analyzer.typed, limit=MAX_TEXT_SHOWN)
    shown = Text()
    for ch, state in session.analyzer.snapshot().char_states()[:MAX_TEXT_SHOWN]:
        shown.append("⏎\n" if ch == "\n" else cell(ch), _STATE_STYLES[state])
    return shown


def past_label(stored: Any) -> str:
    """The test and when it was typed: "words 25 · 30 Nov 2026 14:05"."""
    when = dt.datetime.fromtimestamp(stored.created_at).strftime("%d %b %Y %H:%M")
    label = best_label(stored.mode, stored.mode2, stored.language, stored.options, stored.text)
    return f"{label} · {when}"


def past_view(stored: Any, best: bool) -> ResultView:
    """The results screen's figures for a stored result (``best``: it is its test's best)."""
    from dataclasses import replace

    view = from_stored(past_label(stored), stored)
    return replace(view, personal_best=best and view.valid)


class PastResultScreen(ResultsScreen, inherit_bindings=False):
    """The results screen for a result of the history; Esc goes back to the history."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back", priority=True),
        Binding("tab", "app.new_test", "new text", priority=True),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]
    QUIET_S = 0.0

    def __init__(self, stored: Any, best: bool) -> None:
        super().__init__(past_view(stored, best))
        self.stored = stored

    def on_mount(self) -> None:
        # Under the figures: the text is what a reopened result is most often opened for.
        box = VerticalScroll(Static(typed_text(self.stored), id="past-text"), id="past-text-box")
        self.query_one("#results-column").mount(box, after="#results-figures")

    def _verdict(self) -> Text:
        if self.view.valid and self.view.personal_best:
            return Text("★ personal best", style="bold")
        return super()._verdict()
