"""``bartype``'s command line as ``argparse`` parses it: every command and its options.

Kept apart from ``bartype.cli`` (the composition root, which builds what each
command needs) so that the parser reads as a list of options. Only the
parsed command's options are built, and what their help quotes is imported
by the builder that quotes it, so ``bartype --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from bartype import __version__
from bartype.commands.arguments import (
    PORT,
    SECONDS,
    SEED,
    WORDS,
    Parser,
    bundled_names,
    default_dirs,
    in_range,
    positive_float,
    positive_int,
    server_name,
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line. Every subcommand is listed; with ``command`` only that one's
    options are added ("": none's), since a run parses one command and need not build
    the others (nor import what their help quotes)."""
    parser = Parser(
        prog="bartype",
        description="A terminal typing tutor with an optional LAN server.",
    )
    parser.add_argument("--version", action="version", version=f"bartype {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, description, add_arguments) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=description)
        if command is None or command == name:
            add_arguments(sub)
    return parser


def command_named(argv: Sequence[str]) -> str:
    """The subcommand ``argv`` names: its first word that is not an option (``bartype``
    itself takes no option with a value); "" if none."""
    return next((word for word in argv if not word.startswith("-")), "")


def _play_arguments(play: argparse.ArgumentParser) -> None:
    """``bartype play``'s options."""
    from bartype.core.layouts import LAYOUTS
    from bartype.core.lessons import LessonKind
    from bartype.core.options import DEFAULT_DURATION_S, DEFAULT_LANGUAGE, QUOTE_LENGTHS
    from bartype.core.tutor_goal import (
        DEFAULT_MIN_ACCURACY,
        DEFAULT_TARGET_CPM,
        MIN_ACCURACY_RANGE,
        TARGET_CPM_RANGE,
    )

    play.epilog = (
        f"With no mode option the test is the one saved in the menu, at first a "
        f"{DEFAULT_DURATION_S:g} s timed test of {DEFAULT_LANGUAGE} words."
    )
    languages, code_languages = bundled_names()
    data_dir, config_dir = default_dirs()
    saved = "default: the saved setting, at first"
    mode = play.add_mutually_exclusive_group()
    mode.add_argument(
        "--time",
        type=SECONDS,
        metavar="SECONDS",
        help=f"timed test of 1-3600 s (default test: {DEFAULT_DURATION_S:g} s)",
    )
    mode.add_argument(
        "--words", type=WORDS, metavar="N", help="type N words, 1-1000 (default: timed test)"
    )
    mode.add_argument(
        "--quote", choices=QUOTE_LENGTHS, help="type a quote of this length (default: timed test)"
    )
    mode.add_argument(
        "--zen", action="store_true", help="free typing until you press Esc (default: off)"
    )
    mode.add_argument(
        "--file", type=Path, metavar="PATH", help="type the text of a file (default: none)"
    )
    mode.add_argument(
        "--code",
        metavar="LANG",
        help=f"type code snippets in LANG: {code_languages} (default: timed test)",
    )
    mode.add_argument(
        "--adaptive",
        action="store_true",
        help="adaptive practice: lessons of the letters you have unlocked, most of your weakest",
    )
    mode.add_argument(
        "--bigrams",
        action="store_true",
        help="a drill of words holding your slowest bigrams (see bartype stats)",
    )
    mode.add_argument(
        "--lesson",
        type=in_range(int, 1, len(LessonKind)),
        metavar="N",
        help=f"type lesson N (1-{len(LessonKind)}) of your layout (default: none; see the menu)",
    )
    play.add_argument(
        "--target-cpm",
        type=in_range(float, *TARGET_CPM_RANGE),
        metavar="N",
        help=f"adaptive practice: the speed each letter must reach, {TARGET_CPM_RANGE[0]:g}-"
        f"{TARGET_CPM_RANGE[1]:g} characters a minute, for this run ({saved} "
        f"{DEFAULT_TARGET_CPM:g})",
    )
    play.add_argument(
        "--min-accuracy",
        type=in_range(float, *(100 * x for x in MIN_ACCURACY_RANGE)),
        metavar="PERCENT",
        help=f"adaptive practice: the percentage of each letter's presses that must be right, "
        f"{100 * MIN_ACCURACY_RANGE[0]:g}-{100 * MIN_ACCURACY_RANGE[1]:g}, for this run "
        f"({saved} {100 * DEFAULT_MIN_ACCURACY:g})",
    )
    play.add_argument(
        "--language",
        metavar="NAME",
        help=f"word list language: {languages} ({saved} {DEFAULT_LANGUAGE})",
    )
    play.add_argument(
        "--punctuation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"add punctuation ({saved} off)",
    )
    play.add_argument(
        "--numbers",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"add numbers ({saved} off)",
    )
    play.add_argument(
        "--seed",
        type=SEED,
        help="seed for the text generator, for a reproducible text (default: random)",
    )
    play.add_argument(
        "--server",
        metavar="URL",
        help="use a bartype server, ws://HOST:PORT (default: none, offline in this process)",
    )
    play.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"where history is kept (default: {data_dir}, or $BARTYPE_HOME/data)",
    )
    play.add_argument(
        "--config-dir",
        type=Path,
        metavar="DIR",
        help=f"where settings are kept (default: {config_dir}, or $BARTYPE_HOME/config)",
    )
    play.add_argument(
        "--layout",
        type=str.casefold,
        choices=tuple(LAYOUTS),
        help="your keyboard layout for this run: lessons, live keyboard, heat map (default: saved)",
    )


def _serve_arguments(serve: argparse.ArgumentParser) -> None:
    """``bartype serve``'s options."""
    data_dir, _ = default_dirs()
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for a LAN)")
    serve.add_argument("--port", type=PORT, default=8765, help="port (0 picks a free one)")
    serve.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help=f"SQLite file for results (default: {Path(data_dir) / 'server.sqlite3'})",
    )
    serve.add_argument(
        "--advertise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="announce the server on the LAN with mDNS (default: when --host is a LAN address)",
    )
    serve.add_argument(
        "--name", type=server_name, help="the name the LAN sees (default: the host name)"
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning", "error"),
        help="what the log shows",
    )
    serve.add_argument(
        "--loop",
        default="auto",
        choices=("auto", "asyncio", "uvloop"),
        help="event loop (auto: uvloop where installed)",
    )
    serve.add_argument(
        "--max-frame", type=positive_int, default=65536, metavar="BYTES", help="largest frame"
    )
    serve.add_argument(
        "--rate", type=positive_float, default=50.0, metavar="MSGS", help="messages/s per client"
    )
    serve.add_argument(
        "--max-connections", type=positive_int, default=2000, metavar="N", help="total clients"
    )
    serve.add_argument(
        "--max-per-ip",
        type=positive_int,
        default=200,
        metavar="N",
        help="TCP connections per address (an IPv6 /64 is one address)",
    )
    serve.add_argument(
        "--handshake-rate",
        type=positive_float,
        default=50.0,
        metavar="PER_S",
        help="handshakes an address may start per second; the others wait their turn",
    )
    serve.add_argument(
        "--handshake-burst",
        type=positive_int,
        default=20,
        metavar="N",
        help="handshakes an address may start at once",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages from ORIGIN (e.g. https://club.example) use /ws; repeatable",
    )
    serve.add_argument(
        "--session-ttl",
        type=positive_float,
        default=600.0,
        metavar="SECONDS",
        help="forget sessions idle this long",
    )
    serve.add_argument(
        "--ping-interval",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="keepalive ping interval",
    )


def _servers_arguments(servers: argparse.ArgumentParser) -> None:
    """``bartype servers``'s options."""
    servers.add_argument(
        "--timeout",
        type=in_range(float, 0.5, 60),
        default=3.0,
        metavar="S",
        help="seconds to look",
    )
    servers.add_argument("--json", action="store_true", help="print JSON instead of a table")
    servers.add_argument(
        "--watch", action="store_true", help="keep looking; print servers as they come and go"
    )


def _race_arguments(race: argparse.ArgumentParser) -> None:
    """``bartype race``'s options."""
    data_dir, _ = default_dirs()
    race.add_argument(
        "--server", metavar="URL", help="ws://HOST:PORT (default: choose one on the LAN)"
    )
    race.add_argument("--room", metavar="CODE", help="join this room (default: create one)")
    race.add_argument("--name", default=None, help="your name in the room (default: your login)")
    race.add_argument(
        "--words", type=in_range(int, 1, 1000), default=25, metavar="N", help="words per race"
    )
    race.add_argument(
        "--ghost",
        nargs="?",
        const=0,
        type=positive_int,
        metavar="RESULT",
        help="race a recording, offline: your best on the test you took last, "
        "or the result with this id (default: a live race on --server)",
    )
    race.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"where history is kept (default: {data_dir}, or $BARTYPE_HOME/data)",
    )


def _stats_arguments(stats: argparse.ArgumentParser) -> None:
    from bartype.commands import stats as command

    command.add_arguments(stats)


def _history_arguments(history: argparse.ArgumentParser) -> None:
    from bartype.commands import history as command

    command.add_arguments(history)


def _texts_arguments(texts: argparse.ArgumentParser) -> None:
    """``bartype texts``'s options."""
    texts.add_argument("--root", type=Path, help="texts folder (default: the bundled one)")


COMMANDS: dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = {
    "play": (
        "type in the terminal (default)",
        "Open the typing tutor. Options apply to this run only; the menu (Esc) "
        "changes the saved settings.",
        _play_arguments,
    ),
    "serve": ("host typing sessions for a club or LAN", "Run a server.", _serve_arguments),
    "servers": (
        "list the bartype servers on the LAN",
        "Find bartype servers on the LAN (mDNS) and print them.",
        _servers_arguments,
    ),
    "race": (
        "race others in a room on a bartype server",
        "Create a race room on a server (or join one with --room) and race. "
        "Without --server, choose one of the servers found on the LAN.",
        _race_arguments,
    ),
    "stats": (
        "your progress: speed over time, bests, weak keys, practice per day",
        "Progress from the local history: WPM and accuracy per day, personal "
        "bests, weakest keys, slowest bigrams and a calendar of practice.",
        _stats_arguments,
    ),
    "history": (
        "export or import the local history (JSON Lines)",
        "Move your history to another machine, losing nothing.",
        _history_arguments,
    ),
    "texts": ("list the bundled texts", "List the bundled texts.", _texts_arguments),
}
"""Each subcommand, in the order ``--help`` lists them: its summary, its description,
and what adds its options."""
