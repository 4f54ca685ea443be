"""The argument types and help format of ``bartype``'s command line.

Kept apart from ``bartype.cli`` (which builds the parser and the objects each
command needs) so that the parser reads as a list of options.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {value!r}")
    return number


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value!r}")
    return number


def in_range(kind: type[int] | type[float], low: float, high: float) -> Callable[[str], Any]:
    """An argument type accepting numbers from ``low`` to ``high`` (the protocol's limits)."""

    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, not {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}, not {value}")
        return number

    return parse


# The same limits as the protocol's CREATE_SESSION (bartype/protocol/messages.py).
SECONDS = in_range(float, 1, 3600)
WORDS = in_range(int, 1, 1000)
SEED = in_range(int, 0, 2**63 - 1)
PORT = in_range(int, 0, 65535)


def server_name(value: str) -> str:
    from bartype.protocol.discovery import check_server_name

    try:
        return check_server_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class HelpFormatter(argparse.HelpFormatter):
    """Help that gives every option's default (argparse itself lists choices as {a,b})."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or default in (None, False, argparse.SUPPRESS)
        ):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose help shows defaults; its subcommands' parsers are too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def bundled_names() -> tuple[str, str]:
    """The word-list languages and the code languages of the bundled texts, for help."""
    from bartype.storage.corpus import TextLibrary, default_texts_root

    try:
        library = TextLibrary(default_texts_root())
        return ", ".join(library.languages()), ", ".join(library.code_languages())
    except OSError:  # help must not fail over a missing folder
        return "see bartype texts", "see bartype texts"


def default_dirs() -> tuple[str, str]:
    """Where history and settings go when no folder is given, for help."""
    from bartype.storage import paths

    return str(paths.data_dir()), str(paths.config_dir())
