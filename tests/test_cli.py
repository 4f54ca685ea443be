"""Tests for bartype.cli: the command line as a user runs it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from bartype.cli import main
from bartype.commands.parser import build_parser


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bartype", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_subcommands() -> None:
    """`bartype --help` names the play, serve, servers and texts commands."""
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("play", "serve", "servers", "texts"):
        assert command in result.stdout


def test_version() -> None:
    """`bartype --version` prints the version."""
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("bartype ")


def test_play_modes_are_exclusive() -> None:
    """Two modes at once are refused with a usage error."""
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["play", "--time", "30", "--words", "10"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("play", "--time", "-5"), "from 1 to 3600"),
        (("play", "--time", "inf"), "from 1 to 3600"),
        (("play", "--words", "5000"), "from 1 to 1000"),
        (("play", "--seed", "-1"), "from 0"),
        (("serve", "--port", "99999"), "from 0 to 65535"),
        (("play", "--adaptive", "--target-cpm", "10"), "--target-cpm: must be from 30 to 1500"),
        (("play", "--adaptive", "--min-accuracy", "0.92"), "must be from 50 to 100, not 0.92"),
        (("play", "--adaptive", "--min-accuracy", "nan"), "must be from 50 to 100"),
    ],
)
def test_out_of_range_numbers_are_refused(args: tuple[str, ...], message: str) -> None:
    """Numbers outside what the server accepts are usage errors, not crashes."""
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--handshake-rate", "0"), "--handshake-rate: must be a positive number, not '0'"),
        (("--handshake-rate", "fast"), "--handshake-rate: must be a positive number, not 'fast'"),
        (("--handshake-burst", "0.5"), "--handshake-burst: must be a positive whole number"),
        (("--handshake-burst", "-3"), "--handshake-burst: must be a positive whole number"),
    ],
)
def test_bad_handshake_pacing_is_a_usage_error(
    args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A handshake rate or burst that is not positive is refused in one line, naming it."""
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve", *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_handshake_pacing_reaches_the_server_config() -> None:
    """`serve --handshake-rate 5 --handshake-burst 3` configures the admission gate so."""
    from bartype.server.serve import ServerConfig

    args = build_parser().parse_args(["serve", "--handshake-rate", "5", "--handshake-burst", "3"])
    config = ServerConfig.from_args(args)
    assert (config.handshake_rate, config.handshake_burst) == (5.0, 3)
    defaults = ServerConfig.from_args(build_parser().parse_args(["serve"]))
    assert (defaults.handshake_rate, defaults.handshake_burst) == (50.0, 20)


def test_too_long_file_is_refused(tmp_path: Path) -> None:
    """A custom text longer than a session takes is refused before the app starts."""
    path = tmp_path / "long.txt"
    path.write_text("word " * 5000)
    result = run_cli("play", "--file", str(path))
    assert result.returncode == 2
    assert "at most 20,000" in result.stderr


def test_texts_lists_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """`bartype texts` lists the languages and word lists --language takes, quotes, code."""
    assert main(["texts"]) == 0
    out = capsys.readouterr().out
    assert "english_200" in out
    assert "languages: english, french, german, spanish" in out
    assert "quotes:" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [("a\x1b[2Jb", "control or formatting character (U+001B)"), ("x" * 61, "60 at most")],
)
def test_bad_server_names_are_refused(name: str, message: str) -> None:
    """`bartype serve --name` refuses what the LAN could not show as typed, in one line."""
    result = run_cli("serve", "--name", name)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_zeroconf_is_loaded_only_to_discover() -> None:
    """Neither `bartype play`'s modules nor `bartype serve --help` import zeroconf."""
    code = (
        "import sys, contextlib, io\n"
        "from bartype.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['serve', '--help'])\n"
        "import bartype.tui.run, bartype.tui.app, bartype.server.serve\n"
        "import bartype.transport.discovery, bartype.server.discovery\n"
        "print(any(m.startswith(('zeroconf', 'ifaddr')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_help_builds_and_imports_only_what_it_shows() -> None:
    """`bartype --help` imports nothing of the core, storage or Textual, and `bartype play`
    builds only play's options (the other commands' are added when they run)."""
    code = (
        "import sys, contextlib, io\n"
        "from bartype import cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bartype.', 'textual'))))\n"
        "from bartype.commands.parser import build_parser\n"
        "sub = build_parser('play')._subparsers._group_actions[0].choices\n"
        "print(sorted(name for name, p in sub.items() if len(p._actions) > 1))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = "bartype.cli bartype.commands bartype.commands.arguments bartype.commands.parser"
    assert out.stdout.splitlines() == [str(loaded.split()), "['play']"]


def test_race_ghost_says_what_it_cannot_race(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bartype race --ghost` with nothing to race, an unknown result or a server says why
    in one line (status 2), before any screen opens."""
    # In this process: three interpreters starting Textual's imports cost seconds.
    assert main(["race", "--ghost", "--data-dir", str(tmp_path)]) == 2
    assert "no finished test with a finish line" in capsys.readouterr().err
    assert main(["race", "--ghost", "9", "--data-dir", str(tmp_path)]) == 2
    assert "no result #9" in capsys.readouterr().err
    assert main(["race", "--ghost", "--server", "ws://127.0.0.1:1"]) == 2
    said = capsys.readouterr().err
    assert "races offline" in said and "Traceback" not in said


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices)


FLAG_ACTIONS = (argparse._HelpAction, argparse._VersionAction, argparse._StoreTrueAction)


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_help_gives_every_default_and_choice(command: str) -> None:
    """Each option of each command says its default in `--help`, and lists its choices."""
    sub = _subcommands()[command]
    shown = " ".join(sub.format_help().split())
    formatter = sub._get_formatter()
    for action in sub._actions:
        if isinstance(action, FLAG_ACTIONS) or not action.option_strings or action.required:
            continue
        text = " ".join(formatter._expand_help(action).split())
        assert text in shown, action.option_strings
        assert "default" in text, f"{command} {action.option_strings[0]} gives no default"
        for choice in action.choices or ():
            assert str(choice) in shown, (action.option_strings, choice)


def test_help_names_the_bundled_languages_and_the_concrete_defaults() -> None:
    """`play --help` lists the languages --language and --code take; `serve --help` its port."""
    from bartype.storage.corpus import TextLibrary, default_texts_root

    library = TextLibrary(default_texts_root())
    play = run_cli("play", "--help").stdout
    flat = " ".join(play.split())
    for name in [*library.languages(), *library.code_languages()]:
        assert name in flat
    assert "default test: 30 s" in flat
    serve = " ".join(run_cli("serve", "--help").stdout.split())
    assert "(default: 8765)" in serve and "(default: 127.0.0.1)" in serve
    assert "--handshake-rate PER_S" in serve and "(default: 50.0)" in serve
