"""User settings: a small dataclass kept as TOML in the config folder.

A missing file gives the defaults. A file that cannot be read, or holds values
of the wrong kind, gives the defaults for what is wrong and a warning that says
so: settings never stop the app from starting.
"""

from __future__ import annotations

import os
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from bartype.core.layouts import LAYOUTS
from bartype.core.options import (
    DEFAULT_CODE,
    DEFAULT_DURATION_S,
    DEFAULT_LANGUAGE,
    DEFAULT_LAYOUT,
    DEFAULT_QUOTE_LENGTH,
    DEFAULT_WORDS,
    MAX_DURATION_S,
    MAX_WORDS,
    MIN_DURATION_S,
    MODE_RULES,
    QUOTE_LENGTHS,
    Mode,
    TestOptions,
)
from bartype.core.records import frozen
from bartype.core.tutor_goal import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_TARGET_CPM,
    MIN_ACCURACY_RANGE,
    TARGET_CPM_RANGE,
)

GOAL_RANGES = {
    "target_cpm": TARGET_CPM_RANGE,
    "min_accuracy": (100 * MIN_ACCURACY_RANGE[0], 100 * MIN_ACCURACY_RANGE[1]),
}
"""The values adaptive practice's target speed and accuracy floor (percent) may take."""

MODES = tuple(str(mode) for mode, rules in MODE_RULES.items() if rules.savable)
"""The modes a settings file may hold as the next test (custom needs a file)."""


@frozen
class Settings:
    """What the next test looks like, and how the app looks."""

    mode: str = str(Mode.TIME)
    duration: float = DEFAULT_DURATION_S
    words: int = DEFAULT_WORDS
    quote_length: str = DEFAULT_QUOTE_LENGTH
    language: str = DEFAULT_LANGUAGE
    code: str = DEFAULT_CODE
    punctuation: bool = False
    numbers: bool = False
    theme: str = "textual-dark"
    layout: str = DEFAULT_LAYOUT
    """The typist's keyboard layout: lessons, the live keyboard and the heat map use it."""
    keyboard: bool = False
    """Show the live keyboard under the text."""
    target_cpm: float = DEFAULT_TARGET_CPM
    """Adaptive practice's target speed per key, characters a minute (keybr's 175)."""
    min_accuracy: float = 100 * DEFAULT_MIN_ACCURACY
    """Adaptive practice's accuracy floor per key, in percent (92: at most 8 % wrong)."""

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def tutor_goal(self) -> tuple[float, float]:
        """Adaptive practice's target speed (cpm) and accuracy floor (0-1), as the tutor
        takes them (``Tutor.retarget``)."""
        return self.target_cpm, self.min_accuracy / 100

    def test_options(self, seed: int | None = None) -> TestOptions:
        """The test these settings ask for."""
        return TestOptions(
            mode=self.mode,
            duration=self.duration,
            words=self.words,
            quote_length=self.quote_length,
            language=self.language,
            code=self.code,
            punctuation=self.punctuation,
            numbers=self.numbers,
            seed=seed,
            layout=self.layout,
        )

    def showing(self, options: TestOptions) -> Settings:
        """These settings with ``options``' in place: what the menu shows while that test
        is on screen (a custom text's mode is not a setting)."""
        changes: dict[str, Any] = {
            "language": options.language,
            "layout": options.layout,
            "punctuation": options.punctuation,
            "numbers": options.numbers,
        }
        if options.mode != "custom":
            changes["mode"] = options.mode
        if options.mode == "time" and options.duration:
            changes["duration"] = float(options.duration)
        elif options.mode == "words" and options.words:
            changes["words"] = options.words
        elif options.mode == "quote" and options.quote_length:
            changes["quote_length"] = options.quote_length
        elif options.mode == "code" and options.code:
            changes["code"] = options.code
        return self.with_changes(**changes)


def _valid(name: str, value: Any) -> bool:
    if name == "mode":
        return value in MODES
    if name == "quote_length":
        return value in QUOTE_LENGTHS
    if name == "duration":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and MIN_DURATION_S <= value <= MAX_DURATION_S
    if name == "words":
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_WORDS
    if name == "layout":
        return value in LAYOUTS
    if name in GOAL_RANGES:
        low, high = GOAL_RANGES[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and low <= value <= high
    if name in ("punctuation", "numbers", "keyboard"):
        return isinstance(value, bool)
    return isinstance(value, str) and bool(value)


def from_mapping(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from decoded TOML, with a warning per value that was ignored."""
    warnings: list[str] = []
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    for name, value in data.items():
        if name not in known:
            warnings.append(f"unknown setting {name!r} ignored")
        elif not _valid(name, value):
            warnings.append(f"invalid value {value!r} for {name!r}: using the default")
        else:
            values[name] = float(value) if name in ("duration", *GOAL_RANGES) else value
    return Settings(**values), warnings


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read the settings file; return the settings and any warnings (never raises)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as error:
        return Settings(), [f"cannot read {path} ({error.strerror}): using default settings"]
    import tomllib  # only when there is a file: a first start has none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Settings(), [f"{path} is not valid TOML ({error}): using default settings"]
    settings, warnings = from_mapping(data)
    return settings, [f"{path}: {warning}" for warning in warnings]


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings file atomically (creating its folder).

    Raises:
        OSError: the folder or file cannot be written.
    """
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomli_w.dumps(asdict(settings)), encoding="utf-8")
    os.replace(tmp, path)
