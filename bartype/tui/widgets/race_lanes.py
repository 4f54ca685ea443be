"""Race widgets: the room code in large letters, the lobby's players, one lane per racer.

Every name comes from the network: it is shown through ``tui.safe`` (a ``Text``,
never markup; control characters as escapes), cut to ``NAME_CELLS``.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from bartype.core.records import frozen
from bartype.tui.safe import foreign

NAME_CELLS = 12
"""Names are at most 20 characters; lanes show 12 so a bar fits at 80 columns."""

_FONT: dict[str, tuple[str, ...]] = {
    "A": (" ███ ", "█   █", "█████", "█   █", "█   █"),
    "B": ("████ ", "█   █", "████ ", "█   █", "████ "),
    "C": (" ████", "█    ", "█    ", "█    ", " ████"),
    "D": ("████ ", "█   █", "█   █", "█   █", "████ "),
    "E": ("█████", "█    ", "████ ", "█    ", "█████"),
    "F": ("█████", "█    ", "████ ", "█    ", "█    "),
    "G": (" ████", "█    ", "█  ██", "█   █", " ████"),
    "H": ("█   █", "█   █", "█████", "█   █", "█   █"),
    "J": ("  ███", "    █", "    █", "█   █", " ███ "),
    "K": ("█   █", "█  █ ", "███  ", "█  █ ", "█   █"),
    "M": ("█   █", "██ ██", "█ █ █", "█   █", "█   █"),
    "N": ("█   █", "██  █", "█ █ █", "█  ██", "█   █"),
    "P": ("████ ", "█   █", "████ ", "█    ", "█    "),
    "Q": (" ███ ", "█   █", "█ █ █", "█  █ ", " ██ █"),
    "R": ("████ ", "█   █", "████ ", "█  █ ", "█   █"),
    "S": (" ████", "█    ", " ███ ", "    █", "████ "),
    "T": ("█████", "  █  ", "  █  ", "  █  ", "  █  "),
    "W": ("█   █", "█   █", "█ █ █", "██ ██", "█   █"),
    "X": ("█   █", " █ █ ", "  █  ", " █ █ ", "█   █"),
    "Y": ("█   █", " █ █ ", "  █  ", "  █  ", "  █  "),
    "Z": ("█████", "   █ ", "  █  ", " █   ", "█████"),
}
"""The letters room codes are made of (docs/protocol.md: no I, L, O, U or V)."""


def big_letters(code: str) -> str:
    """``code`` drawn five rows high; a character not in the font leaves a blank."""
    blank = ("     ",) * 5
    glyphs = [_FONT.get(ch, blank) for ch in code.upper()[:6]]
    return "\n".join("  ".join(glyph[row] for glyph in glyphs) for row in range(5))


class RoomCode(Widget):
    """The room's code, large enough to read across a room."""

    DEFAULT_CSS = """
    RoomCode { height: 6; width: auto; color: $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = ""

    def set_code(self, code: str) -> None:
        self.code = code
        self.refresh(layout=True)

    def render(self) -> Text:
        if not self.code or any(ch not in _FONT for ch in self.code.upper()):
            return foreign(self.code, "bold")
        return Text(big_letters(self.code) + "\n" + self.code, style="bold")


@frozen
class LaneView:
    """What one lane shows."""

    name: str
    position: int
    length: int
    wpm: float
    place: int
    status: str
    connected: bool = True
    you: bool = False


def lane_line(lane: LaneView, width: int) -> Text:
    """One racer in ``width`` cells: place, name, progress bar, WPM, status."""
    status = lane.status if lane.connected else "offline"
    mark = {"finished": "✓", "racing": "", "idle": "idle"}.get(status, status)
    head = Text(f"{lane.place:>2} ", style="bold" if lane.you else "")
    head.append_text(foreign(lane.name, "bold" if lane.you else "", limit=NAME_CELLS))
    head.pad_right(3 + NAME_CELLS - head.cell_len)
    tail = Text(f" {lane.wpm:>4.0f} wpm {mark:<8}")
    bar_cells = max(4, width - head.cell_len - tail.cell_len - 1)
    done = (
        0 if lane.length <= 0 else round(bar_cells * min(lane.position, lane.length) / lane.length)
    )
    bar = Text(" ")
    bar.append("█" * done, style="green" if status == "finished" else "cyan" if lane.you else "")
    bar.append("·" * (bar_cells - done), style="dim")
    return Text.assemble(head, bar, tail)


class RaceLanes(Widget):
    """One line per racer; as high as there are racers (put it in a scrolling container)."""

    DEFAULT_CSS = """
    RaceLanes { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lanes: tuple[LaneView, ...] = ()

    def set_lanes(self, lanes: tuple[LaneView, ...]) -> None:
        resized = len(lanes) != len(self.lanes)
        self.lanes = lanes
        self.refresh(layout=resized)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.lanes))

    def render(self) -> Text:
        if not self.lanes:
            return Text("no racers yet", style="dim")
        width = self.size.width or 80
        return Text("\n").join(lane_line(lane, width) for lane in self.lanes)


@frozen
class PlayerView:
    name: str
    role: str
    ready: bool
    connected: bool
    host: bool
    you: bool


class PlayerList(Widget):
    """The lobby's members: host mark, name, ready or not, watching, offline."""

    DEFAULT_CSS = """
    PlayerList { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.players: tuple[PlayerView, ...] = ()

    def set_players(self, players: tuple[PlayerView, ...]) -> None:
        resized = len(players) != len(self.players)
        self.players = players
        self.refresh(layout=resized)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.players))

    def render(self) -> Text:
        lines = []
        for p in self.players:
            line = Text("★ " if p.host else "  ", style="yellow")
            line.append_text(foreign(p.name, "bold" if p.you else "", limit=20))
            if p.you:
                line.append(" (you)", style="dim")
            line.pad_right(30 - line.cell_len)
            if p.role == "spectator":
                line.append("watching", style="dim")
            elif p.ready:
                line.append("ready", style="green")
            else:
                line.append("not ready", style="dim")
            if not p.connected:
                line.append("  offline", style="red")
            lines.append(line)
        return Text("\n").join(lines) if lines else Text("nobody here yet", style="dim")
