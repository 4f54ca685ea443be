"""Regenerate docs/screenshots/{typing,results,history,stats}.svg from the real app.

The app runs headless on the in-process handler with a fixed seed and a clock
the script moves, so the pictures are the same on every run:

    python scripts/screenshots.py [--out docs/screenshots] [--size 100x30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEP_S = 0.18


class ScriptClock:
    """A clock that moves only when the script says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _key(press: str) -> Any:
    from textual import events
    from textual.keys import _character_to_key

    if len(press) == 1:
        return events.Key(press if press.isalnum() else _character_to_key(press), press)
    named = {"space": " ", "backspace": "\x7f"}
    return events.Key(press, named.get(press))


async def _type(app: Any, clock: ScriptClock, presses: list[str], steps: list[float]) -> None:
    for press, step in zip(presses, steps, strict=True):
        clock.now += step
        done = asyncio.Event()
        app.post_message(_key(press))
        app.call_later(lambda event=done: app.screen.call_later(event.set))
        await asyncio.wait_for(done.wait(), 5)


def _presses(text: str, words: int | None = None) -> list[str]:
    """The text typed with a typo fixed, a typo left, and an extra letter."""
    out: list[str] = []
    for i, word in enumerate(text.split(" ")[:words]):
        if i == 2:
            out += [word[0], "x", "backspace", *word[1:]]
        elif i == 5 and len(word) > 1:
            out += [*word[:-1], "z"]
        elif i == 7:
            out += [*word, "s"]
        else:
            out += list(word)
        out.append("space")
    return out if words else out[:-1]


def _app(home: Path, clock: ScriptClock, words: int) -> Any:
    from bartype.cli import local_client
    from bartype.protocol.handler import HandlerConfig
    from bartype.storage.settings import Settings
    from bartype.tui.app import BartypeApp
    from bartype.tui.attempt import TestSpec

    history = home / "history.sqlite3"

    async def connect() -> Any:
        return local_client(history, config=HandlerConfig(future_tolerance_ms=None))

    return BartypeApp(
        TestSpec(mode="words", words=words, seed=2026),
        connect,
        settings=Settings(),
        settings_path=home / "settings.toml",
        history_path=history,
        clock=clock,
    )


def _steps(n: int, seed: int) -> list[float]:
    """Human-looking gaps between keys: quick runs, short hesitations, a slow start."""
    import random

    rng = random.Random(seed)
    return [round(STEP_S * (0.6 + rng.random() * 0.9) * (1.8 if i < 3 else 1), 3) for i in range(n)]


def _fix_dates(home: Path) -> None:
    """Spread the demo results over a few days (fixed dates keep the pictures stable)."""
    import sqlite3

    db = sqlite3.connect(home / "history.sqlite3")
    with db:
        db.execute("UPDATE results SET created_at = 1600000000 + id * 40000")
    db.close()


async def shoot(out: Path, size: tuple[int, int]) -> None:
    home = Path(tempfile.mkdtemp(prefix="bartype-shots-"))
    # Some history first, so the history screen has a trend to show.
    for n in range(6):
        clock = ScriptClock()
        app = _app(home, clock, 25)
        async with app.run_test(size=size) as pilot:
            while app.attempt is None:
                await pilot.pause(0.01)
            presses = _presses(app.attempt.text)
            scale = 1.25 - n * 0.06
            await _type(app, clock, presses, [s * scale for s in _steps(len(presses), n)])
            await pilot.pause(0.3)
    _fix_dates(home)

    clock = ScriptClock()
    app = _app(home, clock, 25)
    async with app.run_test(size=size) as pilot:
        while app.attempt is None:
            await pilot.pause(0.01)
        presses = _presses(app.attempt.text, words=9)
        await _type(app, clock, presses, _steps(len(presses), 99))
        await pilot.pause(0.2)
        app.save_screenshot("typing.svg", str(out))
        rest = _presses(app.attempt.text)[len(presses) :]
        await _type(app, clock, rest, _steps(len(rest), 98))
        for _ in range(200):
            if type(app.screen).__name__ == "ResultsScreen":
                break
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        app.save_screenshot("results.svg", str(out))
        _fix_dates(home)
        app.action_history()
        await pilot.pause(0.5)
        app.save_screenshot("history.svg", str(out))
    _stats(home, out, size[0])


def _stats(home: Path, out: Path, width: int) -> None:
    """``bartype stats`` over the same history, as Rich prints it, recorded as SVG."""
    import datetime as dt
    import io

    from rich.console import Console

    from bartype.commands.report import load_report, render

    last_day = dt.date(2020, 9, 16)  # of the demo history (_fix_dates)
    report = load_report(home / "history.sqlite3", None, last_day)
    console = Console(file=io.StringIO(), record=True, width=width, highlight=False, emoji=False)
    console.print(render(report, width))
    console.save_svg(str(out / "stats.svg"), title="bartype stats")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="100x30", help="terminal size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    os.environ["TZ"] = "UTC"
    time.tzset()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot(args.out, (width, height)))
    for name in ("typing", "results", "history", "stats"):
        print(args.out / f"{name}.svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
