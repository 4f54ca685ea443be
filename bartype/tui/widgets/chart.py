"""A per-second chart of WPM (bars), raw WPM (a line) and errors (a row of counts).

Drawn with Unicode eighth blocks so it needs no plotting library and reads in
any terminal; the errors row says how many mistakes each second held.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
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
        col_w = max(1, min(8, plot_w // columns))  # a short test still spans the width
        text = Text(no_wrap=True, overflow="crop")
        for row in range(plot_h):
            level = plot_h - row - 1  # 0 is the bottom row
            text.append(_axis_label(row, plot_h, top).rjust(label_w - 1) + "│", axis_style)
            for c in range(columns):
                eighths = round(wpm[c] / top * plot_h * 8)
                fill = max(0, min(8, eighths - level * 8))
                raw_row = plot_h - 1 - min(plot_h - 1, int(raw[c] / top * plot_h)) if raw else -1
                if raw_row == row:
                    # The raw line stays visible where it crosses a bar: drawn on it.
                    on_bar = Style(bgcolor=wpm_style.color) if fill == 8 else Style()
                    text.append("─" * col_w, raw_style + on_bar)
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
        text.append(
            " " * label_w + _time_axis(len(self.wpm), columns, col_w, self.unit), axis_style
        )
        return text


def _axis_label(row: int, plot_h: int, top: int) -> str:
    """The WPM scale: the top, 0, and the middle when there is room for it."""
    level = plot_h - row - 1
    if row == 0:
        return str(top)
    if level == 0:
        return "0"
    if plot_h >= 5 and level == plot_h // 2:  # the row that holds top / 2
        return f"{top / 2:g}"
    return ""


def _time_axis(span: int, columns: int, col_w: int, unit: str) -> str:
    """Seconds under the bars: the first, the last, and round ones between if they fit."""
    width = columns * col_w
    if span <= 1:
        return f"1{unit}"
    axis = [" "] * width
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if span / s <= 8), 600)
    marks = [1, span, *range(step, span, step)]  # the ends first: they always show
    for second in marks:
        label = f"{second}{unit}"
        at = min(width - len(label), (second - 1) * width // span)
        if all(ch == " " for ch in axis[max(0, at - 1) : at + len(label) + 1]):
            axis[at : at + len(label)] = label
    return "".join(axis)
