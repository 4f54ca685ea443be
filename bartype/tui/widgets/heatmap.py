"""A keyboard picture coloured by how hard each key was, with the worst keys listed.

Keys are the characters the text asked for; capitals and shifted symbols count
towards their physical key. Mistyped keys are coloured by error rate, the other
keys by how long they took compared with the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget

from bartype.tui.safe import visible

ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
OFFSETS = (0, 1, 2, 3)
SHIFTED = dict(zip('!@#$%^&*()_+{}:"<>?~|', "1234567890-=[];',./`\\", strict=True))


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


def physical_key(char: str) -> str:
    """The key a character is typed with on a US layout (letters lower-cased)."""
    if char == " ":
        return "space"
    return SHIFTED.get(char, char.lower())


def key_figures(keys: Mapping[str, Mapping[str, Any]]) -> dict[str, KeyFigure]:
    """Fold the result's per-character figures into per-key figures."""
    totals: dict[str, list[float]] = {}
    for char, stat in keys.items():
        if char == "\n":
            continue
        key = physical_key(char)
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
    KeyHeatmap { height: 5; }
    """

    def __init__(
        self,
        keys: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.figures = key_figures(keys or {})

    def set_keys(self, keys: Mapping[str, Mapping[str, Any]]) -> None:
        self.figures = key_figures(keys)
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
        surface, error, warning, foreground = self._colours()
        if figure is None or figure.presses == 0:
            return Style(
                color=foreground.blend(surface, 0.6).rich_color, bgcolor=surface.rich_color
            )
        if figure.errors:
            background = surface.blend(error, min(1.0, 0.35 + figure.error_rate * 1.3))
        elif figure.mean_ms is not None and slow[1] > slow[0]:
            heat = (figure.mean_ms - slow[0]) / (slow[1] - slow[0])
            background = surface.blend(warning, 0.15 + 0.75 * heat)
        else:
            background = surface.blend(warning, 0.15)
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
        for row, offset in zip(ROWS, OFFSETS, strict=True):
            line = Text(" " * offset)
            for key in row:
                line.append(f" {key} ", self._key_style(figures.get(key), slow))
                line.append(" ")
            board_lines.append(line)
        space = Text(" " * 8)
        space.append("      space      ", self._key_style(figures.get("space"), slow))
        board_lines.append(space)
        notes = [
            Text("slowest keys (ms)", style="bold"),
            Text("  " + self._list(slowest(figures, 4), False)),
            Text("most mistyped", style="bold"),
            Text("  " + self._list(most_errors(figures), True)),
        ]
        board_width = max(line.cell_len for line in board_lines)
        text = Text(no_wrap=True, overflow="ellipsis")
        room = self.size.width - board_width - 2
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

    @staticmethod
    def _list(figures: list[KeyFigure], errors: bool) -> str:
        if not figures:
            return "none"
        if errors:
            return "  ".join(f"{_label(f.key)} {f.errors}/{f.presses}" for f in figures)
        return "  ".join(f"{_label(f.key)} {f.mean_ms:.0f}" for f in figures)


def _label(key: str) -> str:
    return "␣" if key == "space" else visible(key, 4)  # a server's key: data
