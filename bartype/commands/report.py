"""The report of ``bartype stats``: read the history, compute, render.

The figures are ``bartype.core.progress``'s; this module reads the history for
the days asked, and renders them as a Rich report, JSON-ready data (``--json``)
or one table as CSV rows (``--csv TABLE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bartype.core.labels import best_label, mode_label, shorten
from bartype.core.normalize import visible
from bartype.core.progress import (
    LEVELS,
    CalendarDay,
    KeyFigure,
    KeyTotals,
    Progress,
    TrendLine,
    calendar,
    local_date,
    progress,
)

SPARK = "▁▂▃▄▅▆▇█"
SPARK_DAYS = 30
"""Days a trend line's sparklines cover (the latest)."""
SHADES = "·░▒▓█"
"""A calendar day by level: readable without colour, coloured where there is colour."""
SHADE_STYLES = ("dim", "green4", "green3", "green1", "bold bright_green")
EMPTY = "No results yet: type a test with `bartype play`, then come back to see your progress."


@dataclass(frozen=True)
class Report:
    """What the report shows: the progress, the bests, and the days it covers."""

    progress: Progress
    bests: tuple[Any, ...]
    """Personal bests (``StoredResult``) set within the days covered, best first."""
    since: dt.date | None
    until: dt.date


def _midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time.min).astimezone().timestamp()


def load_report(
    history_path: Path, since: dt.date | None, until: dt.date, *, replay: bool = False
) -> Report:
    """Read the history (never creating it) and compute the report for those days.

    The key and bigram figures are summed from the totals the history stores per result
    (filling those of older results first); ``replay=True`` replays every keystroke log
    instead, as ``bartype stats`` once did (the benchmark's and the tests' reference).
    """
    results: list[Any] = []
    bests: list[Any] = []
    keys: KeyTotals | None = KeyTotals()
    if history_path.exists():
        from bartype.storage.history import History

        start = None if since is None else _midnight(since)
        end = _midnight(until + dt.timedelta(days=1))
        with History(history_path) as history:
            if not replay:
                history.fill_key_totals()
            with history.snapshot():
                if replay:
                    results = [r for r in history.results(start) if r.created_at < end]
                else:
                    results = history.samples(start, end)
                keys = None if replay else history.key_totals(start, end)
                bests = [
                    r
                    for r in history.personal_bests().values()
                    if (start is None or r.created_at >= start) and r.created_at < end
                ]
    bests.sort(key=lambda r: (r.mode in ("quote", "custom"), r.mode, -r.wpm))
    return Report(progress(results, keys=keys), tuple(bests), since, until)


# --- plain data: JSON and CSV ------------------------------------------------------


def _key_json(f: KeyFigure) -> dict[str, Any]:
    return {
        "key": f.key,
        "presses": f.presses,
        "accuracy": round(f.accuracy, 2),
        "meanMs": round(f.mean_ms, 1),
        "cpm": round(f.cpm, 1),
    }


def _best_json(r: Any) -> dict[str, Any]:
    return {
        "test": best_label(r.mode, r.mode2, r.language, r.options, r.text),
        "mode": r.mode,
        "mode2": r.mode2,
        "language": r.language,
        "options": r.options.split(),
        "wpm": r.wpm,
        "accuracy": r.accuracy,
        "day": local_date(r.created_at, None).isoformat(),
    }


def to_json(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data (camelCase, as the protocol's messages)."""
    p = report.progress
    return {
        "since": None if report.since is None else report.since.isoformat(),
        "until": report.until.isoformat(),
        "tests": p.tests,
        "validTests": p.valid_tests,
        "seconds": round(p.seconds, 3),
        "daysPractised": len(p.days),
        "streak": p.streak(report.until),
        "trends": [
            {
                "mode": line.mode,
                "language": line.language,
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "tests": d.tests,
                        "wpm": round(d.wpm, 2),
                        "accuracy": round(d.accuracy, 2),
                        "bestWpm": round(d.best_wpm, 2),
                    }
                    for d in line.days
                ],
            }
            for line in p.trends
        ],
        "personalBests": [_best_json(r) for r in report.bests],
        "weakestKeys": [_key_json(f) for f in p.weakest_keys],
        "slowestBigrams": [
            {"bigram": f.key, "count": f.presses, "meanMs": round(f.mean_ms, 1)}
            for f in p.slowest_bigrams
        ],
        "days": [
            {"day": day.isoformat(), "seconds": round(spent, 3), "tests": count}
            for day, (spent, count) in p.days.items()
        ],
    }


def csv_rows(report: Report, table: str) -> list[list[Any]]:
    """One table of the report as rows, the header first (values from the file made visible)."""
    p = report.progress
    rows: list[list[Any]]
    if table == "trend":
        rows = [["day", "mode", "language", "tests", "wpm", "accuracy", "best_wpm"]]
        for line in p.trends:
            for d in line.days:
                rows.append(
                    [d.day.isoformat(), line.mode, line.language or "", d.tests]
                    + [round(d.wpm, 2), round(d.accuracy, 2), round(d.best_wpm, 2)]
                )
    elif table == "bests":
        rows = [["test", "mode", "mode2", "language", "options", "wpm", "accuracy", "day"]]
        for r in report.bests:
            b = _best_json(r)
            rows.append(
                [b["test"], r.mode, r.mode2, r.language or "", r.options]
                + [round(r.wpm, 2), round(r.accuracy, 2), b["day"]]
            )
    elif table == "keys":
        rows = [["key", "presses", "accuracy", "mean_ms", "cpm"]]
        rows += [list(_key_json(f).values()) for f in p.weakest_keys]
    elif table == "bigrams":
        rows = [["bigram", "count", "mean_ms"]]
        rows += [[f.key, f.presses, round(f.mean_ms, 1)] for f in p.slowest_bigrams]
    else:
        rows = [["day", "seconds", "tests"]]
        rows += [[d.isoformat(), round(s, 3), n] for d, (s, n) in p.days.items()]
    return [[visible(v, 200) if isinstance(v, str) else v for v in row] for row in rows]


# --- the report ------------------------------------------------------------------------


def _data(value: object, limit: int = 40, style: str = "") -> Text:
    """A string from the history file, shown as text: no markup, no control character."""
    return Text(shorten(visible(str(value), limit + 10), limit), style=style)


def _key_name(key: str) -> str:
    return {" ": "space", "\n": "enter"}.get(key, key)


def sparkline(values: Sequence[float]) -> str:
    """``values`` as bars of eight heights, lowest to highest of the values."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return SPARK[3] * len(values)
    top = len(SPARK) - 1
    return "".join(SPARK[round((v - low) / (high - low) * top)] for v in values)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _trend_table(trends: Iterable[TrendLine]) -> Table:
    table = Table(title="WPM and accuracy per day", title_justify="left", box=None, padding=(0, 1))
    for name, justify in (
        ("test", "left"),
        ("tests", "right"),
        ("first", "right"),
        ("last", "right"),
        ("best", "right"),
        (f"wpm, last {SPARK_DAYS} days", "left"),
        ("acc", "right"),
        ("accuracy", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for line in trends:
        days = line.days[-SPARK_DAYS:]
        label = mode_label(line.mode, "") + (f" {line.language}" if line.language else "")
        wpm = [d.wpm for d in days]
        table.add_row(
            _data(label, 24),
            str(line.tests),
            f"{line.days[0].wpm:.0f}",
            f"{line.days[-1].wpm:.0f}",
            f"{line.best_wpm:.0f}",
            Text(f"{sparkline(wpm)} {min(wpm):.0f}–{max(wpm):.0f}"),
            f"{days[-1].accuracy:.0f}%",
            Text(sparkline([d.accuracy for d in days])),
        )
    return table


def _bests_table(bests: Sequence[Any]) -> Table:
    table = Table(title="Personal bests", title_justify="left", box=None, padding=(0, 1))
    table.add_column("test")
    table.add_column("wpm", justify="right")
    table.add_column("acc", justify="right")
    table.add_column("day")
    for r in bests:
        table.add_row(
            _data(best_label(r.mode, r.mode2, r.language, r.options, r.text, short=True), 28),
            f"{r.wpm:.0f}",
            f"{r.accuracy:.0f}%",
            local_date(r.created_at, None).isoformat(),
        )
    return table


def _keys_table(title: str, figures: Sequence[KeyFigure], bigrams: bool) -> Table:
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1))
    table.add_column("bigram" if bigrams else "key")
    table.add_column("times" if bigrams else "presses", justify="right")
    if not bigrams:
        table.add_column("acc", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("cpm", justify="right")
    for f in figures:
        accuracy = [] if bigrams else [f"{f.accuracy:.0f}%"]
        table.add_row(
            _data(_key_name(f.key), 8, "bold"),
            str(f.presses),
            *accuracy,
            f"{f.mean_ms:.0f}",
            f"{f.cpm:.0f}",
        )
    return table


def calendar_text(days: Mapping[dt.date, tuple[float, int]], today: dt.date, width: int) -> Text:
    """Practice per day as a heat grid: a column per week, Monday on top, today last."""
    weeks = max(4, min(53, (width - 5) // 2))
    columns = calendar(days, today, weeks)
    text = Text()
    months = [" "] * (2 * weeks + 2)
    for w, column in enumerate(columns):
        monday = column[0]
        if monday is not None and monday.day.day <= 7:  # the first Monday of a month
            months[2 * w : 2 * w + 3] = monday.day.strftime("%b")
    text.append("    " + "".join(months).rstrip() + "\n", "dim")
    for row, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        text.append(f"{name:<4}", "dim")
        for column in columns:
            cell: CalendarDay | None = column[row]
            if cell is None:
                text.append("  ")
            else:
                text.append(SHADES[cell.level], SHADE_STYLES[cell.level])
                text.append(" ")
        text.rstrip()
        text.append("\n")
    text.append("    less ", "dim")
    for level in range(LEVELS + 1):
        text.append(SHADES[level] + " ", SHADE_STYLES[level])
    text.append("more", "dim")
    return text


def render(report: Report, width: int) -> RenderableType:
    """The report as the terminal shows it."""
    p = report.progress
    period = "" if report.since is None else f" since {report.since.isoformat()}"
    head = Text.assemble(
        (f"BARtype progress{period}\n", "bold"),
        f"{_count(p.tests, 'test')} ({p.valid_tests} valid) · {_duration(p.seconds)} typed · "
        f"{_count(len(p.days), 'day')} practised · streak {_count(p.streak(report.until), 'day')}",
    )
    parts: list[RenderableType] = [head, Text()]
    if p.trends:
        parts += [_trend_table(p.trends), Text()]
    if report.bests:
        parts += [_bests_table(report.bests), Text()]
    if p.weakest_keys or p.slowest_bigrams:
        grid = Table.grid(padding=(0, 4))
        grid.add_row(
            _keys_table("Weakest keys", p.weakest_keys, bigrams=False),
            _keys_table("Slowest bigrams", p.slowest_bigrams, bigrams=True),
        )
        parts += [grid, Text()]
    parts += [
        Text("Practice per day", "italic"),
        calendar_text(p.days, report.until, width),
    ]
    return Group(*parts)
