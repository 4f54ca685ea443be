"""Past results from the local history: a sortable table, bests per test, a trend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from bartype.core.labels import best_label, shorten
from bartype.tui.safe import foreign
from bartype.tui.widgets.chart import SpeedChart

COLUMNS = (
    ("when", "when"),
    ("test", "test"),
    ("wpm", "wpm"),
    ("raw", "raw"),
    ("acc", "acc"),
    ("cons", "consistency"),
    ("time", "time"),
    ("ok", "valid"),
)
SORT_KEYS = ("when", "wpm", "acc", "raw", "cons", "time", "test")
SORT_FIELDS = {
    "when": "created_at",
    "wpm": "wpm",
    "acc": "accuracy",
    "raw": "raw",
    "cons": "consistency",
    "time": "duration_s",
    "test": "mode",
}


BESTS_SHOWN = 7
"""Bests listed beside the trend (its height); the table marks every best with ★."""


def _verdict(r: Any, best: bool) -> Text:
    if not r.valid:
        return foreign(shorten("✕ " + ", ".join(r.invalid_reasons), 22))
    return Text("★ best" if best else "✓")


def load_history(path: Path | None, limit: int = 500) -> tuple[list[Any], dict[Any, Any]]:
    """Recent results and personal bests (thread). Missing history gives nothing."""
    if path is None or not path.exists():
        return [], {}
    from bartype.storage.history import History

    with History(path) as history:
        return history.recent(limit), history.personal_bests()


class HistoryScreen(Screen[None]):
    """The local history; ``s`` cycles the sort column, a header click sorts too."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("s", "cycle_sort", "sort"),
        Binding("tab", "app.new_test", "new text", priority=True),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    def __init__(self, history_path: Path | None, now: dt.datetime | None = None) -> None:
        super().__init__()
        self.history_path = history_path
        self.now = now
        self.results: list[Any] = []
        self.sort_index = 0
        self.sort_reverse = True
        self.best_ids: set[int] = set()
        """Results that are the personal best of their test (the same rule as the results')."""

    def compose(self) -> ComposeResult:
        with Vertical(id="history-column"):
            yield Static("History", id="history-title")
            with Horizontal(id="history-top"):
                yield Static("", id="history-bests")
                with Vertical(id="history-trend-box"):
                    yield Static("wpm of the last tests, oldest first", id="trend-title")
                    yield SpeedChart(unit="", id="history-trend")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.load()

    @work(exclusive=True, group="history")
    async def load(self) -> None:
        import asyncio

        try:
            results, bests = await asyncio.to_thread(load_history, self.history_path)
        except Exception as error:
            self.query_one("#history-bests", Static).update(
                foreign(f"history unavailable: {error}")
            )
            return
        self.show(results, bests)

    def show(self, results: list[Any], bests: dict[Any, Any]) -> None:
        """Fill the table, the bests and the trend."""
        self.results = results
        self.best_ids = {r.id for r in bests.values()}
        self._fill()
        best_text = Text()
        best_text.append("personal bests\n", "bold")
        if not bests:
            best_text.append("none yet: finish a valid test", "dim")
        # Generated tests (time, words, zen, code) first; then quotes and texts, latest first.
        ordered = sorted(
            bests.items(),
            key=lambda kv: (kv[0][0] in ("quote", "custom"), kv[0][0], -kv[1].created_at),
        )
        for (mode, mode2, language, options, _), r in ordered[:BESTS_SHOWN]:
            label = best_label(mode, mode2, language, options, r.text)
            best_text.append(foreign(f"{shorten(label, 17):<17}"))
            best_text.append(f"{r.wpm:>4.0f} wpm {r.accuracy:>3.0f}%\n")
        if len(ordered) > BESTS_SHOWN:
            best_text.append(f"+{len(ordered) - BESTS_SHOWN} more: ★ in the table", "dim")
        best_text.rstrip()
        self.query_one("#history-bests", Static).update(best_text)
        recent = [r.wpm for r in reversed(results) if r.valid][-60:]
        self.query_one(SpeedChart).set_data(recent, [], [])
        if not results:
            self.query_one("#trend-title", Static).update("no results yet")

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        key = SORT_KEYS[self.sort_index]
        field = SORT_FIELDS[key]
        ordered = sorted(
            self.results, key=lambda r: (getattr(r, field), r.created_at), reverse=self.sort_reverse
        )
        now = self.now or dt.datetime.now()
        for r in ordered:
            when = dt.datetime.fromtimestamp(r.created_at)
            stamp = when.strftime("%H:%M") if when.date() == now.date() else when.strftime("%d %b")
            table.add_row(
                stamp,
                foreign(best_label(r.mode, r.mode2, r.language, r.options, r.text)),
                f"{r.wpm:.0f}",
                f"{r.raw:.0f}",
                f"{r.accuracy:.0f}%",
                f"{r.consistency:.0f}%",
                f"{r.duration_s:.1f}s",
                _verdict(r, r.id in self.best_ids),
                key=str(r.id),
            )
        arrow = "▼" if self.sort_reverse else "▲"
        self.query_one("#history-title", Static).update(
            Text.assemble(("History", "bold"), (f"   sorted by {key} {arrow}   (s: sort)", "dim"))
        )

    def action_cycle_sort(self) -> None:
        """Sort by the next column (newest, fastest, most accurate...)."""
        self.sort_index = (self.sort_index + 1) % len(SORT_KEYS)
        self.sort_reverse = SORT_KEYS[self.sort_index] != "test"
        self._fill()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """A click on a header sorts by it (again: the other way)."""
        key = str(event.column_key.value)
        if key not in SORT_KEYS:
            return
        index = SORT_KEYS.index(key)
        if index == self.sort_index:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_index = index
            self.sort_reverse = key != "test"
        self._fill()
