"""Past results from the local history: a sortable table, bests per test, a trend."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from bartype.core.labels import best_label, shorten
from bartype.core.progress import average_of_last, per_day
from bartype.core.race import ordinal
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


NARROW_WIDTH = 80
NARROW_DROPPED = frozenset({"raw", "cons", "time"})
"""Columns a narrow terminal goes without (the results screen has them); below 90
columns raw alone."""
FULL_LABEL_WIDTH = 120
"""Labels spell the text options out from this width up (the table has room)."""
SHORT_BESTS_SHOWN = 2


def _test_cell(r: Any, short: bool = False) -> Text:
    """The test, and for a race result "race" with the place: "words 25 · race 2nd of 4"."""
    cell = foreign(best_label(r.mode, r.mode2, r.language, r.options, r.text, short=short))
    if r.race is not None:
        kind = "ghost" if r.race.ghost else "race"
        cell.append(f" · {kind} {ordinal(r.race.place)} of {r.race.racers}", "cyan")
    return cell


def _verdict(r: Any, best: bool, width: int = 22) -> Text:
    if not r.valid:
        return foreign(shorten("✕ " + ", ".join(r.invalid_reasons), width))
    return Text("★ best" if best else "✓")


def load_history(path: Path | None, limit: int = 500) -> tuple[list[Any], dict[Any, Any]]:
    """Recent results and personal bests (thread). Missing history gives nothing."""
    if path is None or not path.exists():
        return [], {}
    from bartype.storage.history import History

    with History(path) as history:
        return history.recent(limit), history.personal_bests()


def _choices(values: Iterable[str | None]) -> list[str | None]:
    """A filter's settings: everything (``ALL``), then each value seen, most frequent first."""
    counts = Counter(values)
    return [ALL, *sorted(counts, key=lambda v: (-counts[v], v or ""))]


ALL = "\0all"
"""The filter setting that keeps every result (no mode or language is named so)."""


def load_result(path: Path | None, result_id: int) -> Any:
    """One result with its keystroke log (thread)."""
    if path is None:
        raise KeyError(result_id)
    from bartype.storage.history import History

    with History(path) as history:
        return history.get(result_id)


class HistoryScreen(Screen[None]):
    """The local history; ``s`` cycles the sort column, a header click sorts too; ``m`` and
    ``l`` filter by mode and language, ``d`` shows the trend per day; Enter reopens a result."""

    STYLES: ClassVar[tuple[str, ...]] = ("results.tcss", "history.tcss")
    """Its style sheets (``bartype.tui.stylesheets``)."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("enter", "open", "open", priority=True),
        Binding("s", "cycle_sort", "sort"),
        Binding("m", "cycle_filter('mode')", "mode"),
        Binding("l", "cycle_filter('language')", "language"),
        Binding("d", "toggle_per_day", "per day"),
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
        self.all_results: list[Any] = []
        self.bests: dict[Any, Any] = {}
        self.filters: dict[str, str | None] = {"mode": ALL, "language": ALL}
        self.per_day = False
        """The trend shows the mean WPM of each day rather than each test."""

    def compose(self) -> ComposeResult:
        with Vertical(id="history-column"):
            yield Static("History", id="history-title")
            with Horizontal(id="history-top"):
                yield Static("", id="history-bests")
                with Vertical(id="history-trend-box"):
                    yield Static("", id="trend-title")
                    yield SpeedChart(unit="", id="history-trend")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    @property
    def narrow(self) -> bool:
        """Below 80 columns the table drops raw, consistency and time (below 90, raw)."""
        return self.app.size.width < NARROW_WIDTH

    def _columns(self) -> list[tuple[str, str]]:
        width = self.app.size.width
        dropped = NARROW_DROPPED if self.narrow else {"raw"} if width < 90 else set()
        return [c for c in COLUMNS if c[0] not in dropped]

    def on_mount(self) -> None:
        self._add_columns()
        self.load()

    def _add_columns(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key, label in self._columns():
            table.add_column(label, key=key)

    def on_resize(self) -> None:
        """The columns and labels that fit depend on the width."""
        if not self.query(DataTable):
            return  # not composed yet: ``on_mount`` adds them
        self._add_columns()
        if self.results:
            self._fill()

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
        """Show these results (newest first) and bests, through the filters."""
        self.all_results = results
        self.bests = bests
        self.best_ids = {r.id for r in bests.values()}
        self._apply_filters()

    def _kept(self, r: Any) -> bool:
        return all(
            wanted == ALL or getattr(r, name) == wanted for name, wanted in self.filters.items()
        )

    def _apply_filters(self) -> None:
        """Fill the table, the bests, the averages and the trend with what the filters keep."""
        results = [r for r in self.all_results if self._kept(r)]
        bests = {key: r for key, r in self.bests.items() if self._kept(r)}
        self.results = results
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
        # A short terminal (the app's "-short", see history.tcss) gives the bests 4 lines.
        room = SHORT_BESTS_SHOWN if self.app.has_class("-short") else BESTS_SHOWN
        for (mode, mode2, language, options, _), r in ordered[:room]:
            label = best_label(mode, mode2, language, options, r.text, short=True)
            best_text.append(foreign(f"{shorten(label, 17):<17}"))
            best_text.append(f"{r.wpm:>4.0f} wpm {r.accuracy:>3.0f}%\n")
        if len(ordered) > room:
            best_text.append(f"+{len(ordered) - room} more: ★ in the table", "dim")
        best_text.rstrip()
        self.query_one("#history-bests", Static).update(best_text)
        oldest_first = results[::-1]
        if self.per_day:
            trend = [day.wpm for day in per_day(oldest_first)][-60:]
        else:
            trend = [r.wpm for r in oldest_first if r.valid][-60:]
        self.query_one(SpeedChart).set_data(trend, [], [])
        self.query_one("#trend-title", Static).update(self._averages(oldest_first))

    def _averages(self, oldest_first: list[Any]) -> Text:
        """The line above the trend: what it shows, the mean of the last 10, today's mean."""
        if not self.all_results:
            return Text("no results yet")
        if not oldest_first:
            return Text("no result of this mode and language")
        line = Text("wpm per day" if self.per_day else "wpm per test", "dim")
        last = average_of_last(oldest_first, 10)
        if last is not None:
            wpm, accuracy, n = last
            line.append(f"   last {n}: ", "dim")
            line.append(f"{wpm:.0f} wpm {accuracy:.0f}%")
        days = per_day(oldest_first)
        now = self.now or dt.datetime.now()
        if days and days[-1].day == now.date():
            line.append("   today: ", "dim")
            line.append(f"{days[-1].wpm:.0f} wpm ({days[-1].tests})")
        return line

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        key = SORT_KEYS[self.sort_index]
        field = SORT_FIELDS[key]
        ordered = sorted(
            self.results, key=lambda r: (getattr(r, field), r.created_at), reverse=self.sort_reverse
        )
        now = self.now or dt.datetime.now()
        shown = [key for key, _ in self._columns()]
        short = self.app.size.width < FULL_LABEL_WIDTH
        for r in ordered:
            when = dt.datetime.fromtimestamp(r.created_at)
            stamp = when.strftime("%H:%M") if when.date() == now.date() else when.strftime("%d %b")
            cells = {
                "when": stamp,
                "test": _test_cell(r, short),
                "wpm": f"{r.wpm:.0f}",
                "raw": f"{r.raw:.0f}",
                "acc": f"{r.accuracy:.0f}%",
                "cons": f"{r.consistency:.0f}%",
                "time": f"{r.duration_s:.1f}s",
                "ok": _verdict(r, r.id in self.best_ids, 9 if self.narrow else 22),
            }
            table.add_row(*(cells[key] for key in shown), key=str(r.id))
        arrow = "▼" if self.sort_reverse else "▲"
        title = Text.assemble(("History", "bold"), (f"   sorted by {key} {arrow}", "dim"))
        for name, wanted in self.filters.items():
            title.append(f"   {name}: ", "dim")
            title.append(foreign("all" if wanted == ALL else (wanted or "none"), limit=20))
        self.query_one("#history-title", Static).update(title)

    def action_cycle_filter(self, name: str) -> None:
        """Keep only the results of the next mode (or language) seen; after the last, all."""
        choices = _choices(getattr(r, name) for r in self.all_results)
        current = self.filters[name]
        at = choices.index(current) if current in choices else 0
        self.filters[name] = choices[(at + 1) % len(choices)]
        self._apply_filters()

    def action_toggle_per_day(self) -> None:
        """Switch the trend between each test's WPM and each day's mean."""
        self.per_day = not self.per_day
        self._apply_filters()

    def action_open(self) -> None:
        """Reopen the result under the cursor (also what Enter on a row does)."""
        table = self.query_one(DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.open_result(int(str(row_key.value)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_result(int(str(event.row_key.value)))

    @work(exclusive=True, group="history-open")
    async def open_result(self, result_id: int) -> None:
        """Load the result with its keystroke log (thread) and show it on the results screen."""
        import asyncio

        from bartype.tui.screens.past_result import PastResultScreen

        try:
            stored = await asyncio.to_thread(load_result, self.history_path, result_id)
        except Exception as error:
            self.app.notify(f"cannot open that result: {error}", severity="warning")
            return
        self.app.push_screen(PastResultScreen(stored, result_id in self.best_ids))

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
