"""`bartype race`'s app under Pilot against a real in-process server on port 0."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from support import TIMEOUT_FACTOR
from support.pilot import shown, until
from support.servers import running_server
from textual.widgets import DataTable

from bartype.core.race import RacePlace
from bartype.protocol.race_states import State
from bartype.storage.history import History
from bartype.transport.race import RaceConnection
from bartype.tui.race_app import RaceApp
from bartype.tui.screens.race import stats_line
from bartype.tui.widgets.line import TextLine
from bartype.tui.widgets.race_lanes import PlayerList, RaceLanes, RoomCode

from .helpers import _key_event

T = 10 * TIMEOUT_FACTOR
TEXT = "hi there"


def in_room(app: RaceApp) -> bool:
    return app.race is not None and app.race.client.code is not None


def rendered(widget: Any) -> str:
    return str(widget.render())


async def test_a_race_in_the_app_from_lobby_to_standings(tmp_path: Path) -> None:
    """Lobby with the code and literal names, countdown, typing with lanes, standings;
    the result is kept in the local history with the room, the race and the place as
    soon as the racer finishes, and once only."""
    local = tmp_path / "local.sqlite3"
    async with running_server(tmp_path) as server:
        url = f"ws://127.0.0.1:{server.port}"
        app = RaceApp(
            lambda: RaceConnection.connect(url),
            player="[red]x[/]",
            options={"mode": "custom", "text": TEXT},
            room={"countdownS": 0.3},
            history_path=local,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await until(
                pilot, lambda: app.race is not None and app.race.client.code is not None, "room"
            )
            assert app.race is not None
            code = app.race.client.code
            assert code is not None
            bob = await RaceConnection.connect(url)
            try:
                await bob.join(code, "\\x1b[2J")
                await until(pilot, lambda: len(app.lobby.query_one(PlayerList).players) == 2, "Bob")
                assert app.lobby.query_one(RoomCode).code == code
                names = rendered(app.lobby.query_one(PlayerList))
                assert "[red]x[/]" in names and "\\x1b[2J" in names
                bob.ready()
                await pilot.press("r")
                race = app.race
                assert race is not None
                await until(pilot, lambda: race.client.state is State.RACING, "start")
                for ch in TEXT:
                    app.post_message(_key_event(ch))  # to the focused screen, as a terminal would
                    await pilot.pause(0.03)
                await until(pilot, lambda: app.saving is not None, "own result")
                assert app.saving is not None
                await app.saving.wait()
                with History(local) as history:  # kept before the standings: a crash loses nothing
                    (early,) = history.recent()
                assert early.race == RacePlace(code, 1, 1, 2)
                for ch in TEXT:
                    bob.send_key(ch)
                    await asyncio.sleep(0.03)
                bob.flush()
                await until(pilot, lambda: app.shown == "standings", "standings")
                lanes = app.race_screen.query_one(RaceLanes).lanes
                assert [lane.name for lane in lanes] == ["[red]x[/]", "\\x1b[2J"]
                table = app.standings_screen.query_one("#standings", DataTable)
                await until(pilot, lambda: table.row_count == 2, "rows")
                first = [str(cell) for cell in table.get_row_at(0)]
                assert first[:2] == ["1", "[red]x[/]"]
                status = app.standings_screen.query_one("#standings-status", TextLine).text
                assert "You finished 1st" in status or "finished" in status
                standings = app.race.client.standings
                assert standings is not None
                await app.workers.wait_for_complete()
            finally:
                await bob.close()
            await app.action_quit()
    with History(local) as history:
        (kept,) = history.recent()
    assert kept.race == RacePlace(code, 1, 1, 2)
    assert (kept.mode, kept.text, kept.wpm) == ("custom", TEXT, standings.standings[0].wpm)


async def test_ten_racers_fit_at_80_by_24(tmp_path: Path) -> None:
    """With 10 racers every lane is on screen at 80×24, the text and countdown too."""
    async with running_server(tmp_path) as server:
        url = f"ws://127.0.0.1:{server.port}"
        app = RaceApp(
            lambda: RaceConnection.connect(url),
            player="host",
            options={"mode": "custom", "text": TEXT},
            room={"countdownS": 30},  # the longest: still counting down when it is looked at
        )
        others: list[RaceConnection] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await until(
                pilot, lambda: app.race is not None and app.race.client.code is not None, "room"
            )
            assert app.race is not None and app.race.client.code is not None
            try:
                for i in range(9):
                    other = await RaceConnection.connect(url)
                    others.append(other)
                    await other.join(app.race.client.code, f"racer{i}")
                await until(
                    pilot, lambda: len(app.lobby.query_one(PlayerList).players) == 10, "all"
                )
                await pilot.press("s")
                await until(pilot, lambda: app.shown == "race", "countdown")
                await until(
                    pilot, lambda: len(app.race_screen.query_one(RaceLanes).lanes) == 10, "lanes"
                )
                lanes = app.race_screen.query_one(RaceLanes)
                await until(pilot, lambda: lanes.region.height == 10, "the lanes laid out")
                text = app.race_screen.text_view
                assert lanes.region.height == 10 and lanes.region.bottom <= 23
                assert text.region.height == 3
                countdown = app.race_screen.query_one("#race-countdown", TextLine)
                assert countdown.text.startswith("Starts in")
            finally:
                for other in others:
                    await other.close()
            await app.action_quit()


async def test_the_history_screen_labels_race_results_with_their_place(tmp_path: Path) -> None:
    """A race result in the SQLite history reads "race 2nd of 3" beside its test; a solo
    result has no such label."""
    from bartype.core.keystrokes import type_text
    from bartype.core.race import race_config
    from bartype.core.session import replay
    from bartype.tui.attempt import TestSpec
    from bartype.tui.screens.history import HistoryScreen

    from .helpers import make_app

    text = "one two three four five six seven eight nine ten"
    session = replay(race_config("words", text), text, type_text(text, interval=150.0))
    assert session.result is not None
    app = make_app(tmp_path, TestSpec(mode="words", words=10))
    assert app.history_path is not None
    with History(app.history_path) as history:
        history.save(session.result, text=text, created_at=1.0)
        history.save(session.result, text=text, created_at=2.0, race=RacePlace("QQQQ", 4, 2, 3))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "a text")
        app.action_history()
        history_screen = await shown(pilot, HistoryScreen)
        await until(pilot, lambda: history_screen.query_one(DataTable).row_count == 2, "rows")
        table = history_screen.query_one(DataTable)
        tests = [str(table.get_row_at(i)[1]) for i in range(2)]
        assert tests == ["words 10 · race 2nd of 3", "words 10"]  # newest first
        await app.action_quit()


def test_the_racers_own_wpm_waits_for_a_second_of_typing_like_the_lanes() -> None:
    """Two quick keys are no 600 WPM burst on the racer's stats line: a dash until a
    second of typing, the figure after."""
    assert stats_line(600.0, 100.0, 0.2) == "– wpm  100% acc"
    assert stats_line(61.4, 96.4, 1.5) == "61 wpm  96% acc"


async def test_leaving_with_q_closes_the_connection_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A racer who leaves with q closes the link with a closing handshake before the app
    ends: the server logs 1000 for it, not 1006 (a dropped link) when the process exits."""
    caplog.set_level(logging.INFO, logger="bartype.server")

    def closed() -> list[str]:
        return [r.getMessage() for r in caplog.records if " closed (" in r.getMessage()]

    async with running_server(tmp_path) as server:
        url = f"ws://127.0.0.1:{server.port}"
        app = RaceApp(lambda: RaceConnection.connect(url), player="Ann")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: in_room(app), "room")
            await pilot.press("q")  # leaves the room; the app ends when the server says so
        async with asyncio.timeout(T):
            while not closed():
                await asyncio.sleep(0.02)  # the server has yet to see the close
        assert closed() == ["connection 1 closed (1000)"]
        assert app.return_code == 0 and app.exit_message == "Out of the room: you left the room"
