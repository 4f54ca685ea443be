"""`bartype play` wiring: arguments to the first test, errors before the UI, lazy imports."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bartype.commands.parser import build_parser
from bartype.storage.settings import Settings
from bartype.tui.run import run_play, spec_from_args


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["play", *argv])


def test_command_line_mode_beats_saved_settings() -> None:
    """--words 10 gives a words test even if the settings say time."""
    spec = spec_from_args(_args("--words", "10", "--seed", "3"), Settings(mode="time"), None)
    assert (spec.mode, spec.words, spec.seed) == ("words", 10, 3)


def test_saved_settings_apply_without_a_mode_flag() -> None:
    """No mode flag: the saved mode, with flags overriding single options."""
    settings = Settings(mode="time", duration=60, language="german_1k")
    spec = spec_from_args(_args("--punctuation"), settings, None)
    assert (spec.mode, spec.duration, spec.language, spec.punctuation) == (
        "time",
        60,
        "german_1k",
        True,
    )


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        (("--time", "15"), "time"),
        (("--quote", "short"), "quote"),
        (("--zen",), "zen"),
        (("--code", "rust"), "code"),
    ],
)
def test_each_mode_flag(argv: tuple[str, ...], mode: str) -> None:
    """Each mode flag selects its mode."""
    assert spec_from_args(_args(*argv), Settings(), None).mode == mode


def test_lesson_and_layout_flags() -> None:
    """--lesson 3 --layout Dvorak types Dvorak's lesson 3, whatever layout is saved; the
    saved layout applies without --layout."""
    spec = spec_from_args(_args("--lesson", "3", "--layout", "Dvorak"), Settings(), None)
    assert (spec.mode, spec.lesson, spec.layout, spec.label) == (
        "lesson",
        3,
        "dvorak",
        "lesson 3 dvorak",
    )
    assert spec_from_args(_args(), Settings(layout="colemak"), None).layout == "colemak"


def test_unknown_layout_and_lesson_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--layout hcesar and --lesson 9 exit 2 naming the choices."""
    for argv, said in ((("--layout", "hcesar"), "dvorak"), (("--lesson", "9"), "1 to 7")):
        with pytest.raises(SystemExit) as info:
            _args(*argv)
        assert info.value.code == 2
        assert said in capsys.readouterr().err


def test_file_mode_uses_the_text() -> None:
    """--file runs a custom test on the file's text."""
    spec = spec_from_args(_args("--file", "x.txt"), Settings(), "some text")
    assert (spec.mode, spec.text) == ("custom", "some text")


def test_unreadable_file_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing --file is reported in one line before any UI starts."""
    code = run_play(_args("--file", str(tmp_path / "missing.txt")))
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("bartype: ") and "missing.txt" in err and "Traceback" not in err


def test_run_module_and_app_import_lazily() -> None:
    """Importing the runner loads no Textual; the app loads no later screen, nothing that
    shapes a result, and no handler, storage or transport (the first test's client imports
    them)."""
    later = (
        "bartype.tui.screens.results",
        "bartype.tui.screens.history",
        "bartype.tui.screens.menu",
        "bartype.tui.result_view",
        "bartype.core.ghost",
        "bartype.protocol",
        "bartype.storage.history",
        "bartype.transport.client",
        "textual.widgets._data_table",
        "websockets",
        "sqlite3",
    )
    code = (
        "import sys, bartype.tui.run\n"
        "print('textual' in sys.modules)\n"
        "import bartype.tui.app\n"
        f"print([m for m in {later!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["False", "[]"]


def test_first_client_loads_only_what_the_first_test_needs(tmp_path: Path) -> None:
    """The in-process client `bartype play` opens (handler, history, texts) and a start
    without a settings file load no TOML reader and nothing that counts key totals, and
    compile no key-frame patterns: those come with a settings file, a result, a key."""
    later = ("tomllib", "bartype.core.progress")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bartype.cli import local_client\n"
        "from bartype.storage.settings import load_settings\n"
        "import bartype.tui.app\n"
        f"load_settings(Path({str(tmp_path / 'settings.toml')!r}))\n"
        f"local_client(Path({str(tmp_path / 'history.sqlite3')!r}))\n"
        "from bartype.protocol import codec\n"
        f"print([m for m in {later!r} if m in sys.modules], codec._ONE_KEY)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[] {}"]


def test_corrupt_settings_start_with_a_warning(tmp_path: Path) -> None:
    """A broken settings file gives the defaults and a warning shown in the app."""
    from bartype.tui.run import build_app

    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text("mode = = broken")
    app = build_app(_args("--config-dir", str(config), "--data-dir", str(tmp_path / "data")))
    assert app.spec.mode == "time"
    assert len(app.startup_warnings) == 1 and "settings.toml" in app.startup_warnings[0]
    assert app.history_path == tmp_path / "data" / "history.sqlite3"


@pytest.mark.parametrize(
    ("argv", "named"), [(("--language", "klingon"), "klingon"), (("--code", "cobol"), "cobol")]
)
def test_unknown_language_exits_2_with_the_choices(
    argv: tuple[str, ...], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown language is reported with the ones there are, before any UI."""
    assert run_play(_args(*argv)) == 2
    err = capsys.readouterr().err
    assert named in err and "Choose one of" in err


@pytest.mark.parametrize("stdout_tty", [False, True])
def test_play_without_a_terminal_refuses_at_once(tmp_path: Path, stdout_tty: bool) -> None:
    """`bartype play </dev/null` (or with stdout piped) exits 2 with a message, not a busy loop."""
    import os
    import pty

    env = {**os.environ, "BARTYPE_HOME": str(tmp_path)}
    primary = secondary = None
    stdout: Any = subprocess.PIPE
    if stdout_tty:
        primary, secondary = pty.openpty()
        stdout = secondary
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bartype", "play"],
            stdin=subprocess.DEVNULL if stdout_tty else None,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
            timeout=30,
            text=True,
        )
    finally:
        for fd in (primary, secondary):
            if fd is not None:
                os.close(fd)
    assert done.returncode == 2
    assert "play needs a terminal" in done.stderr


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--language", "german", "--quote", "short"), "--language"),
        (("--language", "french", "--code", "python"), "--language"),
        (("--language", "german", "--zen"), "--language"),
        (("--punctuation", "--zen"), "--punctuation"),
        (("--numbers", "--quote", "long"), "--numbers"),
        (("--numbers", "--file", "notes.txt"), "--numbers"),
        (("--punctuation", "--code", "rust"), "--punctuation"),
        (("--numbers", "--adaptive"), "--numbers"),
        (("--adaptive", "--language", "klingon"), "klingon"),
        (("--adaptive", "--language", "klingon", "--server", "ws://127.0.0.1:1"), "klingon"),
        (("--words", "10", "--target-cpm", "200"), "--target-cpm"),
        (("--min-accuracy", "95"), "--min-accuracy cannot apply to the saved mode (time)"),
    ],
)
def test_options_that_cannot_apply_are_refused(
    argv: tuple[str, ...], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An option the test cannot use exits 2 with one line naming it, before any UI."""
    (tmp_path / "notes.txt").write_text("my own words to type")
    argv = tuple(str(tmp_path / a) if a == "notes.txt" else a for a in argv)
    assert run_play(_args(*argv, "--config-dir", str(tmp_path / "c"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bartype: ") and named in err


def test_options_that_apply_are_kept(tmp_path: Path) -> None:
    """Language and text options go with time and words tests; English quotes are fine."""
    from bartype.tui.run import option_problem

    settings = Settings()
    for argv in (
        ("--language", "german", "--punctuation", "--time", "15"),
        ("--numbers", "--words", "10"),
        ("--language", "english", "--quote", "short"),
        ("--no-punctuation", "--zen"),
        ("--adaptive", "--language", "german"),
        ("--adaptive", "--target-cpm", "250", "--min-accuracy", "97.5"),
    ):
        args = _args(*argv)
        assert option_problem(args, spec_from_args(args, settings, None)) is None, argv


def test_adaptive_flag_starts_adaptive_practice() -> None:
    """`play --adaptive` is an adaptive test in the language asked for (text made later)."""
    args = _args("--adaptive", "--language", "french")
    spec = spec_from_args(args, Settings(), None)
    assert (spec.mode, spec.language, spec.text) == ("adaptive", "french", None)


def test_the_goal_options_are_for_this_run(tmp_path: Path) -> None:
    """`--target-cpm` and `--min-accuracy` give the tutor its goal for this run, while
    the saved settings stay as they were."""
    from bartype.tui.run import build_app

    args = _args(
        "--adaptive", "--target-cpm", "250", "--min-accuracy", "97.5", "--config-dir", str(tmp_path)
    )
    app = build_app(args)
    assert app.tutor_goal == {"target_cpm": 250.0, "min_accuracy": 97.5}
    assert app.controller.practice.goal() == (250.0, 0.975)
    assert (app.settings.target_cpm, app.settings.min_accuracy) == (175.0, 92.0)
