"""``bartype stats``: progress over time from the local history, as tables and charts.

Its arguments and entry point; the report is ``bartype.commands.report``'s (imported
when the command runs, so ``bartype --help`` stays fast).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import IO

CSV_TABLES = ("trend", "bests", "keys", "bigrams", "days")
"""What ``--csv`` can print, one table at a time (``trend`` by default)."""


def parse_day(value: str) -> dt.date:
    """A command-line day: ``2026-11-30``, ``today``, or ``7d`` (seven days ago)."""
    value = value.strip().lower()
    today = dt.date.today()
    if value == "today":
        return today
    if match := re.fullmatch(r"(\d{1,5})d", value):
        return today - dt.timedelta(days=int(match.group(1)))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a day like 2026-11-30, 'today' or 30d (30 days ago), not {value!r}"
        ) from None


def add_arguments(stats: argparse.ArgumentParser) -> None:
    """The options of ``bartype stats``."""
    stats.add_argument(
        "--since",
        type=parse_day,
        metavar="DAY",
        help="from this day on (2026-11-01, 30d; default: the first result)",
    )
    stats.add_argument(
        "--until", type=parse_day, metavar="DAY", help="up to this day (default: today)"
    )
    output = stats.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print everything as JSON")
    output.add_argument(
        "--csv",
        nargs="?",
        const="trend",
        choices=CSV_TABLES,
        metavar="TABLE",
        help=f"print one table as CSV: {', '.join(CSV_TABLES)} (default: trend)",
    )
    stats.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where history is kept (default: as bartype play keeps it)",
    )


def run_stats(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    """Entry point of ``bartype stats``: 0, or 1 if the history cannot be read."""
    import csv
    import json

    from rich.console import Console

    from bartype.commands.report import EMPTY, csv_rows, load_report, render, to_json
    from bartype.storage import paths
    from bartype.storage.history import HistoryError

    out = out or sys.stdout
    until = args.until or dt.date.today()
    if args.since is not None and args.since > until:
        print(f"bartype stats: --since {args.since} is after --until {until}.", file=sys.stderr)
        return 2
    try:
        report = load_report(paths.history_path(args.data_dir), args.since, until)
    except HistoryError as exc:
        print(f"bartype stats: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out.write(json.dumps(to_json(report), indent=2) + "\n")
    elif args.csv:
        csv.writer(out, lineterminator="\n").writerows(csv_rows(report, args.csv))
    elif report.progress.tests == 0:
        period = "" if args.since is None else f" since {args.since.isoformat()}"
        print(EMPTY if not period else f"No results{period}.", file=out)
    else:
        console = Console(file=out, highlight=False, emoji=False)
        console.print(render(report, console.width))
    return 0
