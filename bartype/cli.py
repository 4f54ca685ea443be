"""Command line: ``bartype play | serve | race | servers | stats | history | texts``.

The composition root. It parses arguments and builds what the commands
need; heavy modules (Textual, websockets) are imported only by the command
that uses them, so ``bartype --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from bartype.protocol.handler import HandlerConfig
    from bartype.transport.client import SessionClient


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


def local_client(
    history_path: Path | None,
    *,
    config: HandlerConfig | None = None,
    texts_root: Path | None = None,
    metrics_ms: int | None = 0,
) -> SessionClient:
    """A client of an in-process session handler: the bundled texts (or ``texts_root``),
    results kept in ``history_path`` (``None`` keeps none), and ``config``."""
    from bartype.protocol.handler import SessionHandler
    from bartype.protocol.textgen import LibraryTexts
    from bartype.storage.corpus import TextLibrary, default_texts_root
    from bartype.transport.client import SessionClient
    from bartype.transport.loopback import LoopbackServer

    history = None
    if history_path is not None:
        from bartype.storage.history import History

        history = History(history_path)
    corpus = TextLibrary(texts_root or default_texts_root())
    handler = SessionHandler(LibraryTexts(corpus), history, config=config)
    server = LoopbackServer(handler, on_close=None if history is None else history.close)
    return SessionClient(server, metrics_ms=metrics_ms)


async def open_client(server: str | None, history_path: Path | None) -> SessionClient:
    """The client ``play`` types through: ``bartype serve`` at ``server`` (connected and
    greeted), or an in-process handler keeping results in ``history_path``. The TUI draws
    its own live figures, so it asks for none: each batch is answered by ``INPUT_ACK``."""
    if server:
        from bartype.transport.client import SessionClient

        return await SessionClient.connect(server, metrics_ms=None)
    return local_client(history_path, metrics_ms=None)


def _login_name() -> str:
    """A default racer name: the login, kept to what a room accepts (20 plain characters)."""
    import getpass

    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = ""
    name = "".join(ch for ch in login if ch.isalnum() or ch in "-_.")[:20]
    return name or "racer"


def _race(args: argparse.Namespace) -> int:
    """``bartype race``: on a server (or one chosen on the LAN), or against a ghost."""
    from bartype.transport.race import RaceConnection
    from bartype.tui.run import run_race

    args.name = args.name or _login_name()
    if args.ghost is not None:
        return _race_ghost(args)
    server = args.server
    return run_race(args, (lambda: RaceConnection.connect(server)) if server else None)


def _after_play(play: argparse.Namespace, what: str) -> int:
    """What ``bartype play`` hands over to: ``race`` on the LAN (on its ``--server`` if it
    has one), or ``ghost``, your best on the test just taken."""
    argv = ["race", "--ghost"] if what == "ghost" else ["race"]
    if what != "ghost" and play.server:
        argv += ["--server", play.server]
    if play.data_dir is not None:
        argv += ["--data-dir", str(play.data_dir)]
    return _race(build_parser("race").parse_args(argv))


def _race_ghost(args: argparse.Namespace) -> int:
    """``bartype race --ghost``: a room on an in-process handler, the racer and a recording."""
    from bartype.core.ghost import GhostError
    from bartype.protocol.handler import SessionHandler
    from bartype.protocol.textgen import LibraryTexts
    from bartype.storage import paths
    from bartype.storage.corpus import TextLibrary, default_texts_root
    from bartype.storage.ghosts import describe, ghost_of, ghost_result
    from bartype.storage.history import History, HistoryError
    from bartype.transport.ghost import GhostRacer, ghost_room
    from bartype.transport.loopback import LoopbackServer
    from bartype.transport.race import RaceConnection
    from bartype.tui.run import run_race

    if args.server or args.room:
        print(
            "bartype race: --ghost races offline; leave out --server and --room.", file=sys.stderr
        )
        return 2
    try:
        with History(paths.history_path(args.data_dir)) as history:
            result = ghost_result(history, args.ghost or None)
            ghost = ghost_of(result)
    except (HistoryError, GhostError) as exc:
        print(f"bartype race --ghost: {exc}", file=sys.stderr)
        return 2
    server = LoopbackServer(SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None))

    async def connect() -> RaceConnection:
        race = RaceConnection(server)
        await race.open()
        return race

    name = f"Ghost #{result.id}"
    if name.casefold() == args.name.casefold():
        name = "Ghost"
    options, room = ghost_room(ghost)
    racer = GhostRacer(RaceConnection(server), ghost, name)
    return run_race(
        args, connect, options=options, room=room, ghost=racer, ghost_note=describe(result)
    )


def _texts(args: argparse.Namespace) -> int:
    from bartype.storage.corpus import TextLibrary, default_texts_root

    library = TextLibrary(args.root or default_texts_root())
    # The names --language takes: a language (its smallest list) or a list by name.
    print("languages:", ", ".join(library.languages()))
    print("word lists:", ", ".join(library.word_lists()))
    quotes = library.quotes()
    by_length = {n: sum(1 for q in quotes if q.length == n) for n in ("short", "medium", "long")}
    print("quotes:", len(quotes), ", ".join(f"{k} {v}" for k, v in by_length.items()))
    print("code:", ", ".join(library.code_languages()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bartype`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(command_named(argv)).parse_args(argv)
    command = args.command or "play"
    if command == "play":
        if args.command is None:
            args = build_parser("play").parse_args(["play", *argv])
        from bartype.tui.run import run_play

        play_args = args
        return run_play(args, open_client, then=lambda what: _after_play(play_args, what))
    if command == "serve":
        from bartype.server.serve import run_serve

        return run_serve(args)
    if command == "race":
        return _race(args)
    if command == "servers":
        from bartype.transport.discovery import run_servers

        return run_servers(args)
    if command == "stats":
        from bartype.commands.stats import run_stats

        return run_stats(args)
    if command == "history":
        from bartype.commands.history import run_history

        return run_history(args)
    return _texts(args)
