"""Command line: ``bartype play | serve | race | servers | stats | history | texts``.

The composition root. It parses arguments and builds what the commands
need; heavy modules (Textual, websockets) are imported only by the command
that uses them, so ``bartype --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bartype.commands.parser import build_parser, command_named

if TYPE_CHECKING:
    from bartype.protocol.handler import HandlerConfig
    from bartype.transport.client import SessionClient


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
