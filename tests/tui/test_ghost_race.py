"""`bartype race --ghost` under Pilot: the racer against a stored recording, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.pilot import until
from textual.widgets import DataTable

from bartype import cli
from bartype.core.keystrokes import type_text
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, replay
from bartype.protocol.race_states import State
from bartype.storage.history import History
from bartype.tui.race_app import RaceApp
from bartype.tui.widgets.line import TextLine
from bartype.tui.widgets.race_lanes import RaceLanes

from .helpers import _key_event

TEXT = "one two three four five six seven eight nine ten"


async def test_racing_the_best_of_the_last_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the command line's --ghost: the race starts by itself on the recording's text,
    the ghost's lane moves once the racer types, and the standings show it with its
    recorded WPM; the result is kept as a ghost race of the recording's test; a rematch
    starts the next race by itself."""
    session = replay(SessionConfig(Mode.WORDS, word_count=10), TEXT, type_text(TEXT, 0, 25))
    assert session.result is not None
    with History(tmp_path / "history.sqlite3") as history:
        result_id = history.save(session.result, text=TEXT, language="english")
    wpm = session.result.metrics.wpm

    apps: list[RaceApp] = []
    monkeypatch.setattr(RaceApp, "run", lambda self, **_: apps.append(self))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert cli.main(["race", "--ghost", "--data-dir", str(tmp_path), "--name", "ann"]) == 0
    (app,) = apps
    app.room_settings["countdownS"] = 0.3
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.shown == "race", "the countdown")
        race = app.race
        assert race is not None and race.client.race is not None
        assert race.client.race.text == TEXT

        def status() -> str:  # the screen may still be composing its widgets
            found = app.race_screen.query("#race-status")
            return found.first(TextLine).text if found else ""

        await until(pilot, lambda: "sets off with your first key" in status(), "the note")
        assert f"#{result_id} words 10" in status()
        await until(pilot, lambda: race.client.state is State.RACING, "the start")
        lanes = app.race_screen.query_one(RaceLanes)
        for ch in TEXT[:10]:
            app.post_message(_key_event(ch))
            await pilot.pause(0.03)
        ghost_name = f"Ghost #{result_id}"
        await until(
            pilot,
            lambda: any(v.name == ghost_name and v.position > 0 for v in lanes.lanes),
            "the ghost moving",
        )
        for ch in TEXT[10:]:
            app.post_message(_key_event(ch))
            await pilot.pause(0.03)
        await until(pilot, lambda: app.shown == "standings", "the standings")

        def table() -> DataTable[object]:  # the screen may still be composing its widgets
            return app.standings_screen.query_one("#standings", DataTable)

        await until(pilot, lambda: table().row_count == 2, "two rows")
        rows = [[str(c) for c in table().get_row_at(i)] for i in range(2)]
        ghost_row = next(row for row in rows if row[1] == ghost_name)
        assert ghost_row[3] == f"{wpm:.0f}"
        saving = app.saving
        assert saving is not None
        await saving.wait()
        with History(tmp_path / "history.sqlite3") as history:
            kept = history.recent()[0]  # filed under the recording's test, as a ghost race
        assert kept.id != result_id and kept.race is not None and kept.race.ghost
        assert (kept.mode, kept.mode2, kept.language, kept.race.racers) == (
            "words",
            "10",
            "english",
            2,
        )
        await pilot.press("m")
        await until(pilot, lambda: app.shown == "race", "the rematch's countdown")
        await app.action_quit()
