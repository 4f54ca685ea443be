"""A keyboard picture coloured by how hard each key was, with the worst keys listed.

The keyboard is the typist's layout (``bartype.core.layouts``). Keys are the
characters the text asked for; capitals and shifted symbols count towards
their physical key, an accented letter typed through a dead key towards its
base letter. Mistyped keys are coloured by error rate, the other keys by how
long they took compared with the rest (pauses are not timed: see
``bartype.core.metrics.PAUSE_MS``), and a legend says which colour is which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget

from bartype.core.layouts import Layout, layout
from bartype.tui.safe import visible

OFFSETS = (0, 1, 2, 3)


@dataclass(frozen=True)
class KeyFigure:
    """What happened on one physical key."""

    key: str
    presses: int
    errors: int
    mean_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.presses if self.presses else 0.0


def physical_key(char: str, board: Layout | None = None) -> str:
    """The key a character is typed with on ``board`` (QWERTY by default), named by its
    unshifted character; a character the board lacks is lower-cased."""
    if char == " ":
        return "space"
    board = board or layout("qwerty")
    strokes = board.strokes(char)
    pos = board.position(strokes[-1]) if strokes else None
    if pos is None:
        return char.lower()
    return board.rows[pos.row.value][pos.column]


def key_figures(
    keys: Mapping[str, Mapping[str, Any]], board: Layout | None = None
) -> dict[str, KeyFigure]:
    """Fold the result's per-character figures into per-key figures of ``board``."""
    totals: dict[str, list[float]] = {}
    for char, stat in keys.items():
        if char == "\n":
            continue
        key = physical_key(char, board)
        presses = int(stat.get("presses", 0))
        errors = int(stat.get("errors", 0))
        mean = stat.get("meanIntervalMs")
        t = totals.setdefault(key, [0, 0, 0.0, 0])
        t[0] += presses
        t[1] += errors
        if mean is not None:
            correct = max(1, presses - errors)
            t[2] += float(mean) * correct
            t[3] += correct
    return {
        key: KeyFigure(key, int(p), int(e), (s / c) if c else None)
        for key, (p, e, s, c) in totals.items()
    }


def slowest(figures: Mapping[str, KeyFigure], n: int = 5) -> list[KeyFigure]:
    timed = [f for f in figures.values() if f.mean_ms is not None and f.key != "space"]
    return sorted(timed, key=lambda f: (-(f.mean_ms or 0), f.key))[:n]


def most_errors(figures: Mapping[str, KeyFigure], n: int = 5) -> list[KeyFigure]:
    wrong = [f for f in figures.values() if f.errors]
    return sorted(wrong, key=lambda f: (-f.errors, -f.error_rate, f.key))[:n]


class KeyHeatmap(Widget):
    """The keyboard with hot keys coloured, and the slowest and most mistyped keys listed."""

    DEFAULT_CSS = """
    KeyHeatmap { height: 6; }
    """

    def __init__(
        self,
        keys: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        layout_name: str = "qwerty",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.board = layout(layout_name)
        self.figures = key_figures(keys or {}, self.board)

    def set_keys(self, keys: Mapping[str, Mapping[str, Any]]) -> None:
        self.figures = key_figures(keys, self.board)
        self.refresh()

    def _colours(self) -> tuple[Color, Color, Color, Color]:
        variables = self.app.get_css_variables()

        def colour(name: str, default: str) -> Color:
            return Color.parse(variables.get(name) or default)

        return (
            colour("surface", "#222222"),
            colour("error", "#ff0000"),
            colour("warning", "#ffaa00"),
            colour("foreground", "#dddddd"),
        )

    def _key_style(self, figure: KeyFigure | None, slow: tuple[float, float]) -> Style:
        if figure is None or figure.presses == 0:
            return self._style(None)
        if figure.errors:
            return self._style(None, error_rate=figure.error_rate)
        if figure.mean_ms is not None and slow[1] > slow[0]:
            return self._style((figure.mean_ms - slow[0]) / (slow[1] - slow[0]))
        return self._style(0.0)

    def _style(self, heat: float | None, error_rate: float | None = None) -> Style:
        """A key's colours: by ``heat`` (0 quickest, 1 slowest), by ``error_rate`` if
        mistyped, or faint when neither (not typed)."""
        surface, error, warning, foreground = self._colours()
        if error_rate is not None:
            background = surface.blend(error, min(1.0, 0.35 + error_rate * 1.3))
        elif heat is not None:
            background = surface.blend(warning, 0.15 + 0.75 * heat)
        else:
            return Style(
                color=foreground.blend(surface, 0.6).rich_color, bgcolor=surface.rich_color
            )
        return Style(
            color=background.get_contrast_text().rich_color,
            bgcolor=background.rich_color,
            bold=True,
        )

    def render(self) -> Text:
        figures = self.figures
        means = [f.mean_ms for f in figures.values() if f.mean_ms is not None and f.key != "space"]
        slow = (min(means), max(means)) if means else (0.0, 0.0)
        board_lines: list[Text] = []
        for row, offset in zip(self.board.rows, OFFSETS, strict=True):
            line = Text(" " * offset)
            for key in row:
                line.append(f" {visible(key, 1)} ", self._key_style(figures.get(key), slow))
                line.append(" ")
            board_lines.append(line)
        space = Text(" " * 8)
        space.append("      space      ", self._key_style(figures.get("space"), slow))
        board_lines.append(space)
        board_lines.append(self._legend())
        board_width = max(line.cell_len for line in board_lines)
        room = self.size.width - board_width - 2
        notes = [
            Text("slowest keys (ms)", style="bold"),
            Text("  " + self._list(slowest(figures, 4), False, room - 2)),
            Text("most mistyped", style="bold"),
            Text("  " + self._list(most_errors(figures), True, room - 2)),
        ]
        text = Text(no_wrap=True, overflow="ellipsis")
        for y, line in enumerate(board_lines[: max(1, self.size.height)]):
            text.append_text(line)
            if room >= 14 and y < len(notes):
                text.append(" " * (board_width - line.cell_len + 2))
                note = notes[y]
                note.truncate(room, overflow="ellipsis")
                text.append_text(note)
            text.append("\n")
        text.rstrip()
        return text

    def _legend(self) -> Text:
        """Which colour is which: quick to slow, mistyped, not typed."""
        legend = Text()
        legend.append(" quick ", self._style(0.0))
        legend.append(" → ", "dim")
        legend.append(" slow ", self._style(1.0))
        legend.append("  ")
        legend.append(" mistyped ", self._style(None, error_rate=0.5))
        legend.append("  ")
        legend.append(" not typed ", self._style(None))
        return legend

    @staticmethod
    def _list(figures: list[KeyFigure], errors: bool, room: int) -> str:
        """The keys with their figures, as many as fit in ``room`` cells (at least one)."""
        if not figures:
            return "none"
        if errors:
            items = [f"{_label(f.key)} {f.errors}/{f.presses}" for f in figures]
        else:
            items = [f"{_label(f.key)} {f.mean_ms:.0f}" for f in figures]
        shown = items[:1]
        for item in items[1:]:
            if len("  ".join([*shown, item])) > room:
                break
            shown.append(item)
        return "  ".join(shown)


def _label(key: str) -> str:
    return "␣" if key == "space" else visible(key, 4)  # a server's key: data
