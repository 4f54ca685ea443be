"""The lessons of the typist's keyboard layout: which are passed, and the next one.

Enter starts the lesson under the cursor (the cursor starts on the next one to
pass); Esc goes back. A finished lesson is judged and counted by
``bartype.tui.practice.record_lesson_result``: a pass is kept for good in the
local history and the next lesson is the one Tab starts from the results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from bartype.core.layouts import layout
from bartype.core.lessons import lessons, next_lesson

KEYS_SHOWN = 10
"""Characters of a lesson's new keys shown in the table (symbols run to ~30)."""


def load_progress(path: Path | None, layout_name: str) -> dict[int, Any]:
    """The stored progress of ``layout_name``'s lessons (thread); none without a history."""
    if path is None or not path.exists():
        return {}
    from bartype.storage.history import History

    with History(path) as history:
        return dict(history.lesson_progress(layout_name))


class LessonsScreen(Screen[None]):
    """The layout's lessons with their keys, pass rules and the typist's progress."""

    STYLES: ClassVar[tuple[str, ...]] = ("dialogs.tcss", "lessons.tcss")
    """Its style sheets (``bartype.tui.stylesheets``)."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back"),
        Binding("ctrl+c", "app.quit", "quit", priority=True),
    ]

    class Chosen(Message):
        """The typist chose a lesson to type."""

        def __init__(self, number: int, layout: str) -> None:
            super().__init__()
            self.number = number
            self.layout = layout

    def __init__(self, layout_name: str, history_path: Path | None) -> None:
        super().__init__()
        self.board = layout(layout_name)
        self.history_path = history_path
        self.lessons = lessons(self.board)
        self.progress: dict[int, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="lessons-column"):
            yield Static(self._title(), id="lessons-title")
            yield DataTable(id="lessons-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                "enter: type the lesson   esc: back   (the layout is chosen in the menu)",
                id="lessons-hint",
                classes="dialog-hint",
            )
        yield Footer()

    def _title(self) -> Text:
        passed = sum(1 for record in self.progress.values() if record.passed)
        return Text.assemble(
            ("Lessons", "bold"),
            (f"   {self.board.title}   {passed} of {len(self.lessons)} passed", "dim"),
        )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (
            ("n", "#"),
            ("lesson", "lesson"),
            ("keys", "new keys"),
            ("rule", "to pass"),
            ("best", "best"),
            ("status", "progress"),
        ):
            table.add_column(label, key=key)
        self._fill()
        self.load()

    @work(exclusive=True, group="lessons")
    async def load(self) -> None:
        import asyncio

        try:
            progress = await asyncio.to_thread(load_progress, self.history_path, self.board.name)
        except Exception as error:
            self.query_one("#lessons-hint", Static).update(
                Text(f"progress unavailable: {error}")  # a message, never markup
            )
            return
        self.show(progress)

    def show(self, progress: dict[int, Any]) -> None:
        """Mark what is passed and put the cursor on the next lesson."""
        self.progress = progress
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        passed = {n for n, record in self.progress.items() if record.passed}
        coming = next_lesson(self.lessons, passed)
        for item in self.lessons:
            record = self.progress.get(item.number)
            keys = item.new_keys or "all"
            if len(keys) > KEYS_SHOWN:
                keys = keys[: KEYS_SHOWN - 1] + "…"
            best = f"{record.best_wpm:.0f} wpm {record.best_accuracy:.0f}%" if record else ""
            if item.number in passed:
                status = Text("✓ passed", style="bold")
            elif coming is item:
                status = Text("› next", style="bold reverse")
            elif record:
                status = Text(f"tried {record.attempts}×", style="dim")
            else:
                status = Text("")
            table.add_row(
                str(item.number),
                item.title,
                Text(keys),
                str(item.rule),
                best,
                status,
                key=str(item.number),
            )
        if coming is not None:
            table.move_cursor(row=coming.number - 1)
        self.query_one("#lessons-title", Static).update(self._title())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: type that lesson."""
        self.post_message(self.Chosen(int(str(event.row_key.value)), self.board.name))
