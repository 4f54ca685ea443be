"""`bartype play` handing over to `bartype race`: the menu's race on the LAN, the results'
ghost, and the tutor opening again afterwards."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from support import FakeClock
from support.pilot import until

from bartype import cli
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.race_app import RaceApp

from .helpers import make_app, press_all, wait_for_results

WORDS = TestSpec(mode="words", words=10, seed=1)


async def _typed_to_the_end(pilot: Any, app: BartypeApp, clock: FakeClock) -> Any:
    await until(pilot, lambda: app.attempt is not None, "a text")
    assert app.attempt is not None and app.attempt.text
    await press_all(pilot, clock, list(app.attempt.text))
    return await wait_for_results(pilot)


async def test_the_menu_hands_over_to_a_race_on_the_lan(tmp_path: Path, clock: FakeClock) -> None:
    """The menu's "race on the LAN" closes the tutor for `bartype race` to open."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.attempt is not None, "a text")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "MenuScreen", "the menu")
        menu: Any = app.screen
        labels = [label for _, label, _ in menu.rows()]
        for _ in range(labels.index("race on the LAN")):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: app.return_code is not None, "the tutor to close")
    assert app.then == "race" and app.return_code == 0


async def test_results_offer_the_ghost_of_a_finished_text(tmp_path: Path, clock: FakeClock) -> None:
    """After a words test typed to its end, `g` (after the pause) races its ghost; after
    a timed test there is no such key."""
    app = make_app(tmp_path, WORDS, clock)
    async with app.run_test() as pilot:
        results = await _typed_to_the_end(pilot, app, clock)
        assert results.ghost
        clock.advance(results.QUIET_S + 0.1)
        await pilot.press("g")
        await until(pilot, lambda: app.return_code is not None, "the tutor to close")
    assert app.then == "ghost"

    timed = make_app(tmp_path, TestSpec(mode="time", duration=1, seed=1), clock)
    async with timed.run_test() as pilot:
        await until(pilot, lambda: timed.attempt is not None, "a text")
        await press_all(pilot, clock, list("the"), step=0.5)
        clock.advance(2)
        results = await wait_for_results(pilot)
        assert not results.ghost
        assert results.check_action("letter", ("race_ghost",)) is False


@pytest.mark.parametrize(
    ("argv", "then", "discovers", "ghost"),
    [
        (["play"], "race", True, False),
        (["play", "--server", "ws://127.0.0.1:1"], "race", False, False),
        (["play"], "ghost", False, True),
    ],
)
def test_the_race_opens_and_then_the_tutor_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    then: str,
    discovers: bool,
    ghost: bool,
) -> None:
    """From the command line: the tutor asks for a race, `bartype race` runs (the discovery
    screen, or play's --server, or the ghost of the history's best) and the tutor opens
    again when it closes."""
    from bartype.core.keystrokes import type_text
    from bartype.core.options import Mode
    from bartype.core.session import SessionConfig, replay
    from bartype.storage.history import History

    text = "one two three four five six seven eight nine ten"
    session = replay(SessionConfig(Mode.WORDS, word_count=10), text, type_text(text, 0, 80))
    assert session.result is not None
    with History(tmp_path / "history.sqlite3") as history:
        history.save(session.result, text=text, language="english")

    runs: list[Any] = []

    def run(self: Any, **_: Any) -> None:
        runs.append(self)
        if isinstance(self, BartypeApp) and len(runs) == 1:
            self.then = then

    monkeypatch.setattr(BartypeApp, "run", run)
    monkeypatch.setattr(RaceApp, "run", run)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    data = ["--data-dir", str(tmp_path), "--config-dir", str(tmp_path / "config")]
    assert cli.main([*argv, *data]) == 0
    assert [type(app).__name__ for app in runs] == ["BartypeApp", "RaceApp", "BartypeApp"]
    race = runs[1]
    assert (race.discovery is not None) == discovers
    assert (race.ghost is not None) == ghost
