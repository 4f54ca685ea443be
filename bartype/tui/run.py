"""``bartype play``: build the app from the command line and run it.

Textual and the transport are imported here, not in ``bartype.cli``, so that
``bartype --help`` stays fast.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bartype.storage import paths
from bartype.storage.settings import Settings, load_settings
from bartype.tui.attempt import TestSpec

if TYPE_CHECKING:
    from bartype.tui.race_app import Connect

MAX_CUSTOM_CHARS = 20_000
"""The longest text a session takes (the protocol's limit on CREATE_SESSION.text)."""


def spec_from_args(args: argparse.Namespace, settings: Settings, text: str | None) -> TestSpec:
    """The first test: the command line's mode if it names one, else the saved settings."""
    from bartype.tui.app import spec_from_settings

    spec = spec_from_settings(settings, seed=getattr(args, "seed", None))
    return replace(spec, **_mode_from_args(args, text), **_options_from_args(args))


def _mode_from_args(args: argparse.Namespace, text: str | None) -> dict[str, Any]:
    """The fields of the mode the command line names (the first given, in this order);
    none if it names no mode."""
    if getattr(args, "time", None) is not None:
        return {"mode": "time", "duration": float(args.time)}
    if getattr(args, "words", None) is not None:
        return {"mode": "words", "words": int(args.words)}
    if getattr(args, "quote", None) is not None:
        return {"mode": "quote", "quote_length": args.quote}
    if getattr(args, "zen", False):
        return {"mode": "zen"}
    if getattr(args, "code", None) is not None:
        return {"mode": "code", "code": args.code}
    if getattr(args, "adaptive", False):
        return {"mode": "adaptive"}
    if getattr(args, "bigrams", False):
        return {"mode": "bigrams"}
    if getattr(args, "lesson", None) is not None:
        return {"mode": "lesson", "lesson": int(args.lesson)}
    if text is not None:
        return {"mode": "custom", "text": text}
    return {}


def _options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The fields of the options the command line sets, whatever the mode."""
    fields: dict[str, Any] = {}
    if getattr(args, "language", None):
        fields["language"] = args.language
    if getattr(args, "layout", None):
        fields["layout"] = args.layout
    if getattr(args, "punctuation", None) is not None:
        fields["punctuation"] = bool(args.punctuation)
    if getattr(args, "numbers", None) is not None:
        fields["numbers"] = bool(args.numbers)
    return fields


OpenClient = Callable[[str | None, Path | None], Awaitable[Any]]
"""``(server URL or None, history path) -> client``: how ``bartype.cli`` reaches a handler."""


def build_app(
    args: argparse.Namespace, clock: Any = None, open_client: OpenClient | None = None
) -> Any:
    """The app for these arguments (raises ``TextError`` for an unusable ``--file``).

    ``open_client`` (from the composition root, ``bartype.cli``) makes its client.
    """
    from bartype.tui.app import BartypeApp

    text = None
    if getattr(args, "file", None) is not None:
        from bartype.core.texts import TextError
        from bartype.storage.corpus import load_custom_text

        text = load_custom_text(Path(args.file))
        if len(text) > MAX_CUSTOM_CHARS:
            raise TextError(
                f"{args.file} has {len(text):,} characters; a test takes at most "
                f"{MAX_CUSTOM_CHARS:,}. Cut out the part you want to type into its own file."
            )
    settings_file = paths.settings_path(getattr(args, "config_dir", None))
    history_file = paths.history_path(getattr(args, "data_dir", None))
    settings, warnings = load_settings(settings_file)
    spec = spec_from_args(args, settings, text)
    url = getattr(args, "server", None)

    async def connect() -> Any:
        if open_client is None:
            raise RuntimeError("no way to reach a session handler was given")
        return await open_client(url, history_file)

    extra: dict[str, Any] = {} if clock is None else {"clock": clock}
    app = BartypeApp(
        spec,
        connect,
        settings=settings,
        settings_path=settings_file,
        history_path=history_file,
        remote=bool(url),
        warnings=warnings,
        **extra,
    )
    if text is not None:
        app.controller.text_name = Path(args.file).name
    app.tutor_goal = {
        name: float(value)
        for name in GOAL_OPTIONS
        if (value := getattr(args, name, None)) is not None
    }
    return app


def check_text_options(args: argparse.Namespace) -> str | None:
    """Why the command line's language or code language has no texts (None if fine)."""
    language = getattr(args, "language", None)
    code = getattr(args, "code", None)
    # Lessons and drills are made here, server or not.
    adaptive = getattr(args, "adaptive", False) or getattr(args, "bigrams", False)
    if (not language and not code) or (getattr(args, "server", None) and not adaptive):
        return None  # a server has its own texts: it answers for them
    from bartype.storage.corpus import TextLibrary, default_texts_root

    library = TextLibrary(default_texts_root())
    if language:
        known = {*library.languages(), *library.word_lists()}
        if language.strip().casefold() not in known:
            return (
                f"no word list for the language {language!r}. "
                f"Choose one of: {', '.join(sorted(known))}."
            )
    if code and code.strip().casefold() not in library.code_languages():
        return (
            f"no code snippets for {code!r}. Choose one of: {', '.join(library.code_languages())}."
        )
    return None


WORD_MODES = ("time", "words")
"""The tests made of generated words: the only ones a language or text options change."""
MODE_FLAGS = {
    "quote": "--quote",
    "zen": "--zen",
    "custom": "--file",
    "code": "--code",
    "adaptive": "--adaptive",
    "bigrams": "--bigrams",
    "lesson": "--lesson",
}


GOAL_OPTIONS = ("target_cpm", "min_accuracy")
"""Adaptive practice's options: its target speed and accuracy floor."""


def option_problem(args: argparse.Namespace, spec: TestSpec) -> str | None:
    """Why an option given on the command line cannot apply to the test (None if all do).

    A language, punctuation and numbers change generated word tests (time,
    words); adaptive practice has a language but no punctuation or numbers;
    quotes are English, code has its own language, zen and a file are the
    typist's text.
    """
    goal = [f"--{n.replace('_', '-')}" for n in GOAL_OPTIONS if getattr(args, n, None) is not None]
    if goal and spec.mode != "adaptive":
        flag = MODE_FLAGS.get(spec.mode, f"--{spec.mode}")
        if not any(getattr(args, name, None) for name in ("file", *MODE_FLAGS)):
            flag = f"the saved mode ({spec.mode})"
        return (
            f"{' and '.join(goal)} cannot apply to {flag}: "
            f"{'they set' if len(goal) > 1 else 'it sets'} adaptive practice's goal. "
            "Add --adaptive."
        )
    if spec.mode in WORD_MODES:
        return None
    given = [
        f"--{name}" for name in ("punctuation", "numbers") if getattr(args, name, None) is True
    ]
    language = getattr(args, "language", None)
    english_quote = spec.mode == "quote" and language and _list_language(language) == "english"
    lesson = spec.mode == "lesson"  # a lesson's real words are in the language
    if language and not english_quote and not spec.rules.from_profile and not lesson:
        given.insert(0, f"--language {language}")
    if not given:
        return None
    flag = MODE_FLAGS.get(spec.mode, spec.mode)
    if not any(getattr(args, name, None) for name in ("file", *MODE_FLAGS)):
        flag = f"the saved mode ({spec.mode})"
    why = " (quotes are in English)" if spec.mode == "quote" and language else ""
    they, them = ("they change", "them") if len(given) > 1 else ("it changes", "it")
    return (
        f"{' and '.join(given)} cannot apply to {flag}{why}: {they} generated "
        f"word tests only. Add --time or --words, or leave {them} out."
    )


def _list_language(name: str) -> str:
    """The language of a word list or language name: "english_1k" -> "english"."""
    return name.strip().casefold().split("_")[0]


def terminal_problem() -> str | None:
    """Why the typing tutor cannot run here (None when stdin and stdout are a terminal)."""
    streams = {"stdin": sys.stdin, "stdout": sys.stdout}
    missing = [name for name, stream in streams.items() if stream is None or not stream.isatty()]
    if not missing:
        return None
    return (
        f"play needs a terminal, and {' and '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not one. Run it in a terminal window "
        "(not with input or output redirected)."
    )


def run_play(
    args: argparse.Namespace,
    open_client: OpenClient | None = None,
    then: Callable[[str], int] | None = None,
) -> int:
    """Run the typing tutor; return the exit status.

    Problems the command line can fix (an unreadable ``--file``, an unknown
    language) are reported in one line before the UI starts, with status 2; so
    is a missing terminal (Textual would read an empty stdin in a busy loop).
    When the app hands over to a race (``app.then``: ``race``, ``ghost``), ``then``
    runs it, and the tutor opens again afterwards.
    """
    gc.disable()  # until the first client is open: see collect_once_open
    try:
        return _run_play(args, collect_once_open(open_client), then)
    finally:
        gc.enable()


def collect_once_open(open_client: OpenClient | None) -> OpenClient | None:
    """``open_client``, after which the cyclic garbage collector, paused by ``run_play``,
    runs again.

    Start-up (Textual, the app, the handler and the client) makes a few hundred
    thousand objects that live as long as the app, and nearly no garbage: the
    collections their number sets off are work that the first frame waits for. Once
    the client is open they move to the permanent generation (``gc.freeze``), where
    later collections, while the typist types, do not walk them again.
    """
    if open_client is None:
        return None
    opener = open_client

    async def open_then_collect(url: str | None, history: Path | None) -> Any:
        try:
            return await opener(url, history)
        finally:
            if not gc.isenabled():
                gc.freeze()
                gc.enable()

    return open_then_collect


def _run_play(
    args: argparse.Namespace, open_client: OpenClient | None, then: Callable[[str], int] | None
) -> int:
    from bartype.core.texts import TextError

    problem = check_text_options(args)
    if problem is not None:
        print(f"bartype: {problem}", file=sys.stderr)
        return 2
    try:
        app = build_app(args, open_client=open_client)
    except TextError as error:
        print(f"bartype: {error}", file=sys.stderr)
        return 2
    problem = option_problem(args, app.spec) or terminal_problem()
    if problem is not None:
        print(f"bartype: {problem}", file=sys.stderr)
        return 2
    app.run()
    while app.then is not None and then is not None and not app.exit_message:
        then(app.then)
        app = build_app(args, open_client=open_client)
        app.run()
    if app.exit_message:
        print(app.exit_message, file=sys.stderr)
    code = app.return_code
    return int(code) if code is not None else 0


def run_race(args: argparse.Namespace, connect: Connect | None, **app: Any) -> int:
    """Run ``bartype race``; return the exit status. ``connect`` ``None``: the servers
    on the LAN are shown to choose from; ``app``: more of ``RaceApp``'s options."""
    from bartype.tui.race_app import RaceApp

    problem = terminal_problem()
    if problem is not None:
        print(f"bartype: {problem}", file=sys.stderr)
        return 2
    app.setdefault("options", {"mode": "words", "words": args.words})
    app.setdefault("history_path", paths.history_path(getattr(args, "data_dir", None)))
    race_app = RaceApp(connect, player=args.name, code=args.room, **app)
    race_app.run()
    if race_app.exit_message:
        print(race_app.exit_message, file=sys.stderr)
    return int(race_app.return_code or 0)
