"""``bartype history export FILE`` and ``bartype history import FILE`` (``-``: stdout, stdin).

The format and its checks are ``bartype.storage.exchange``'s; this module opens
the files and says what happened.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bartype.core.normalize import visible

if TYPE_CHECKING:
    from bartype.storage.history import History


def add_arguments(history: argparse.ArgumentParser) -> None:
    """The subcommands of ``bartype history``."""
    actions = history.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the whole history (with keystroke logs) as JSON Lines",
        description="Write every result, its keystroke log and the tutor profiles to FILE "
        "as JSON Lines, to keep or to import on another machine.",
    )
    export.add_argument("file", metavar="FILE", help="where to write it (- for stdout)")
    load = actions.add_parser(
        "import",
        help="add the results of an exported history (again: nothing is added twice)",
        description="Add the results and tutor profiles of a file made by bartype history "
        "export. Results already here are skipped, so importing twice adds nothing.",
    )
    load.add_argument("file", metavar="FILE", help="the exported file (- for stdin)")
    for parser in (export, load):
        parser.add_argument(
            "--data-dir",
            type=Path,
            metavar="DIR",
            help="where history is kept (default: as bartype play keeps it)",
        )


def run_history(args: argparse.Namespace) -> int:
    """Entry point of ``bartype history``: 0 done, 1 failed (the message says why)."""
    from bartype.storage import paths
    from bartype.storage.history import History, HistoryError

    path = paths.history_path(args.data_dir)
    name = "stdin" if args.file == "-" else visible(args.file, 200)
    try:
        if args.action == "export":
            if not path.exists():
                print(
                    f"bartype history: no history at {visible(str(path), 200)} yet: "
                    "nothing to export.",
                    file=sys.stderr,
                )
                return 1
            return _export(History(path), args.file)
        return _import(History(path), args.file, name)
    except HistoryError as exc:
        print(f"bartype history: {exc}", file=sys.stderr)
        return 1


def _export(history: History, file: str) -> int:
    from bartype.storage.exchange import export_to, write_lines

    with history:
        try:
            count = (
                write_lines(history, sys.stdout) if file == "-" else export_to(history, Path(file))
            )
        except OSError as exc:
            print(f"bartype history: cannot write {visible(file, 200)} ({exc}).", file=sys.stderr)
            return 1
    where = "stdout" if file == "-" else visible(file, 200)
    print(f"Exported {count} results to {where}.", file=sys.stderr)
    return 0


def _import(history: History, file: str, name: str) -> int:
    from bartype.storage.exchange import ExchangeError, import_lines

    with history:
        try:
            if file == "-":
                summary = import_lines(history, sys.stdin)
            else:
                with open(file, encoding="utf-8") as lines:
                    summary = import_lines(history, lines)
        except ExchangeError as exc:
            done = f" The lines before it are imported ({exc.summary})." if exc.summary else ""
            print(
                f"bartype history: {name} {visible(str(exc), 300)}.{done} Fix the line and "
                "import again: nothing is added twice.",
                file=sys.stderr,
            )
            return 1
        except (OSError, UnicodeDecodeError) as exc:
            print(f"bartype history: cannot read {name} ({exc}).", file=sys.stderr)
            return 1
    print(f"Imported from {name}: {summary}.", file=sys.stderr)
    return 0
