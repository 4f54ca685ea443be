"""Tests for bartype.cli: the command line as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bartype.cli import build_parser, main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bartype", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_subcommands() -> None:
    """`bartype --help` names the play, serve and texts commands."""
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("play", "serve", "texts"):
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


def test_bad_numbers_are_refused() -> None:
    """A non-positive duration is a usage error, not a crash."""
    result = run_cli("play", "--time", "-5")
    assert result.returncode == 2
    assert "positive" in result.stderr


def test_texts_lists_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """`bartype texts` lists word lists, quotes and code languages."""
    assert main(["texts"]) == 0
    out = capsys.readouterr().out
    assert "english_200" in out
    assert "quotes:" in out
