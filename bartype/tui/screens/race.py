"""The race screens: the lobby, the race itself, and the standings.

They only show what the ``RaceApp`` sets on them and post what the racer did
(``RaceScreen.KeyPressed``); the app owns the room and the race.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from bartype.core.analyzer import IncrementalAnalyzer
from bartype.core.race import LANE_MIN_TYPING_MS
from bartype.protocol.race_messages import Standing
from bartype.tui.safe import foreign
from bartype.tui.screens.typing import TypingScreen
from bartype.tui.widgets.line import TextLine
from bartype.tui.widgets.race_lanes import LaneView, PlayerList, PlayerView, RaceLanes, RoomCode
from bartype.tui.widgets.typing_text import TypingText

_CSS = """
#race-column { width: 100%; max-width: 120; height: 100%; padding: 0 1; }
#race-lanes, #lobby-players { height: 1fr; min-height: 3; }
#race-text { height: 3; margin: 1 0; }
#race-status, #lobby-status, #standings-status { color: $text-warning; }
#race-countdown { text-style: bold; }
"""


class _Shown(Screen[None]):
    """A screen the app sets before it is first shown: what is set then is shown on mount."""

    def __init__(self) -> None:
        super().__init__()
        self._later: dict[str, Callable[[], None]] = {}

    def _show(self, what: str, paint: Callable[[], None]) -> None:
        self._later[what] = paint
        if self.is_mounted:
            paint()

    def on_mount(self) -> None:
        # Textual calls every class's on_mount (the subclass's first): paint after them.
        self.call_after_refresh(self._paint_all)

    def _paint_all(self) -> None:
        for paint in list(self._later.values()):
            paint()


class LobbyScreen(_Shown):
    """Who is in the room and who is ready; the code in large letters."""

    DEFAULT_CSS = _CSS
    BINDINGS = [
        Binding("r", "app.toggle_ready", "ready"),
        Binding("s", "app.start_race", "start (host)"),
        Binding("q", "app.leave", "leave"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="race-column"):
            yield TextLine("Room", id="lobby-title")
            yield RoomCode(id="lobby-code")
            yield TextLine(id="lobby-info")
            with VerticalScroll(id="lobby-players"):
                yield PlayerList(id="players")
            yield TextLine(id="lobby-status")
        yield Footer()

    def show_room(self, code: str, info: Text | str, players: tuple[PlayerView, ...]) -> None:
        def paint() -> None:
            self.query_one(RoomCode).set_code(code)
            self.query_one("#lobby-info", TextLine).set_text(info)
            self.query_one(PlayerList).set_players(players)

        self._show("room", paint)

    def show_status(self, text: Text | str) -> None:
        self._show("status", lambda: self.query_one("#lobby-status", TextLine).set_text(text))


class RaceScreen(_Shown):
    """Your text as in solo, the countdown, and one lane per racer."""

    class KeyPressed(Message):
        """The racer pressed a key that types."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class Ticked(Message):
        """A few times a second: time for the countdown."""

    DEFAULT_CSS = _CSS
    BINDINGS = [Binding("escape", "app.leave", "leave the race", priority=True)]
    AUTO_FOCUS = None

    def compose(self) -> ComposeResult:
        with Vertical(id="race-column"):
            yield TextLine(id="race-countdown")
            yield TextLine(id="race-stats")
            yield TypingText(id="race-text")
            with VerticalScroll(id="race-lanes"):
                yield RaceLanes(id="lanes")
            yield TextLine(id="race-status")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.1, lambda: self.post_message(self.Ticked()), name="race tick")

    @property
    def text_view(self) -> TypingText:
        return self.query_one("#race-text", TypingText)

    def show_text(self, analyzer: IncrementalAnalyzer | None, placeholder: str = "") -> None:
        """A new race's text (or, for a spectator, a placeholder)."""
        self._show("text", lambda: self.text_view.show(analyzer, placeholder))

    def show_lanes(self, lanes: tuple[LaneView, ...]) -> None:
        self._show("lanes", lambda: self.query_one(RaceLanes).set_lanes(lanes))

    def show_countdown(self, text: Text | str) -> None:
        self._show("countdown", lambda: self.query_one("#race-countdown", TextLine).set_text(text))

    def show_stats(self, text: Text | str) -> None:
        self._show("stats", lambda: self.query_one("#race-stats", TextLine).set_text(text))

    def show_status(self, text: Text | str) -> None:
        self._show("status", lambda: self.query_one("#race-status", TextLine).set_text(text))

    # The keys are read exactly as on the solo typing screen (posting our KeyPressed).
    on_key = TypingScreen.on_key
    on_paste = TypingScreen.on_paste


class StandingsScreen(_Shown):
    """The final standings; the host may call a rematch."""

    DEFAULT_CSS = _CSS
    BINDINGS = [
        Binding("m", "app.rematch", "rematch (host)"),
        Binding("q", "app.leave", "leave"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="race-column"):
            yield TextLine(Text("Standings", style="bold"), id="standings-title")
            yield DataTable(id="standings", cursor_type="none", zebra_stripes=True)
            yield TextLine(id="standings-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "name", "time", "wpm", "acc", "", "flags")

    def show_standings(self, rows: tuple[Standing, ...], length: int, you: str | None) -> None:
        self._show("standings", lambda: self._fill(rows, length, you))

    def _fill(self, rows: tuple[Standing, ...], length: int, you: str | None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for s in rows:
            style = "bold" if s.id == you else ""
            time = "" if s.time_ms is None else f"{s.time_ms / 1000:.2f} s"
            status = "" if s.status == "finished" else f"dnf {s.position}/{length}"
            table.add_row(
                Text(str(s.place), style=style),
                foreign(s.name, style, limit=20),
                Text(time),
                Text(f"{s.wpm:.0f}"),
                Text(f"{s.accuracy:.0f}%"),
                Text(status, style="dim"),
                foreign(", ".join(s.flags), "yellow", limit=60),
            )

    def show_status(self, text: Text | str) -> None:
        self._show("status", lambda: self.query_one("#standings-status", TextLine).set_text(text))


def stats_line(wpm: float, accuracy: float, elapsed_s: float) -> str:
    """The racer's own figures, with the lanes' rule: no WPM before a second of typing
    (two quick keys would read as a burst of several hundred)."""
    shown = "–" if elapsed_s * 1000 < LANE_MIN_TYPING_MS else f"{wpm:.0f}"
    return f"{shown} wpm  {accuracy:.0f}% acc"
