"""A per-second chart of WPM (bars), raw WPM (a line) and errors (a row of counts).

Drawn with Unicode eighth blocks so it needs no plotting library and reads in
any terminal; the errors row says how many mistakes each second held.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


def _bucket(values: Sequence[float], columns: int, reduce: str = "mean") -> list[float]:
    """Shrink ``values`` to at most ``columns`` values (mean or sum of each bucket)."""
    n = len(values)
    if n <= columns:
        return [float(v) for v in values]
    out: list[float] = []
    for c in range(columns):
        part = values[c * n // columns : (c + 1) * n // columns] or [0]
        total = float(sum(part))
        out.append(total if reduce == "sum" else total / len(part))
    return out


def _nice_top(value: float) -> int:
    """A round number at or above ``value`` for the axis."""
    for step in (10, 20, 25, 50, 100, 200, 250, 500):
        if value <= step * 5:
            return max(step, int(-(-value // step) * step))
    return int(value) + 1


class SpeedChart(Widget):
    """Bars of WPM per second, the raw WPM as a line above them, errors underneath."""

    COMPONENT_CLASSES = {
        "speed-chart--wpm",
        "speed-chart--raw",
        "speed-chart--errors",
        "speed-chart--axis",
    }

    DEFAULT_CSS = """
    SpeedChart { height: 8; }
    """

    def __init__(
        self,
        wpm: Sequence[float] = (),
        raw: Sequence[float] = (),
        errors: Sequence[int] = (),
        *,
        unit: str = "s",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.wpm = list(wpm)
        self.raw = list(raw)
        self.errors = list(errors)
        self.unit = unit

    def set_data(self, wpm: Sequence[float], raw: Sequence[float], errors: Sequence[int]) -> None:
        self.wpm, self.raw, self.errors = list(wpm), list(raw), list(errors)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        wpm_style = self.get_component_rich_style("speed-chart--wpm")
        raw_style = self.get_component_rich_style("speed-chart--raw")
        err_style = self.get_component_rich_style("speed-chart--errors")
        axis_style = self.get_component_rich_style("speed-chart--axis")
        n = len(self.wpm)
        if n == 0 or width < 12 or height < 3:
            return Text("not enough data for a chart", style=axis_style)
        with_errors = bool(self.errors)
        plot_h = height - (2 if with_errors else 1)
        top = _nice_top(max([*self.wpm, *self.raw, 1]))
        label_w = len(str(top)) + 1
        plot_w = width - label_w
        wpm = _bucket(self.wpm, plot_w)
        raw = _bucket(self.raw, plot_w) if self.raw else []
        errors = _bucket(self.errors, plot_w, "sum") if with_errors else []
        columns = len(wpm)
        col_w = max(1, min(4, plot_w // columns))
        text = Text(no_wrap=True, overflow="crop")
        for row in range(plot_h):
            level = plot_h - row - 1  # 0 is the bottom row
            label = str(top) if row == 0 else ("0" if level == 0 else "")
            text.append(label.rjust(label_w - 1) + "│", axis_style)
            for c in range(columns):
                eighths = round(wpm[c] / top * plot_h * 8)
                fill = max(0, min(8, eighths - level * 8))
                raw_row = plot_h - 1 - min(plot_h - 1, int(raw[c] / top * plot_h)) if raw else -1
                if fill == 0 and raw_row == row:
                    text.append("─" * col_w, raw_style)
                else:
                    text.append(BLOCKS[fill] * col_w, wpm_style)
            text.append("\n")
        if with_errors:
            text.append(" " * (label_w - 1) + "✕", err_style)
            for c in range(columns):
                count = int(errors[c])
                mark = "·" if count == 0 else (str(count) if count < 10 else "+")
                text.append(
                    mark.center(col_w) if col_w > 1 else mark, err_style if count else axis_style
                )
            text.append("\n")
        span = len(self.wpm)
        first, last = f"1{self.unit}", f"{span}{self.unit}"
        room = columns * col_w - len(last)
        axis = first if span == 1 else first.ljust(max(room, len(first) + 1)) + last
        text.append(" " * label_w + axis, axis_style)
        return text
