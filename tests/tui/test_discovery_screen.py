"""`bartype race` without --server: the discovery screen under Pilot, against real servers.

The servers advertise on loopback only (`bartype serve --advertise` bound to
127.0.0.1) and the screen's browser is bound to 127.0.0.1: nothing is sent on
this machine's network interfaces. Other test runs may advertise on the same
loopback, so rows are found by this run's server names, never by position.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from support import free_port, start_server, stop_server
from support.discovery import LOOPBACK, unique_name
from support.pilot import until
from support.servers import running_server
from textual.widgets import DataTable, Input, Static

from bartype.protocol.race_states import State
from bartype.transport.discovery import ServerBrowser
from bartype.transport.race import RaceConnection
from bartype.tui.race_app import RaceApp
from bartype.tui.screens.discovery import DiscoveryScreen
from bartype.tui.widgets.race_lanes import RoomCode


def on_loopback(changed: Any) -> ServerBrowser:
    return ServerBrowser(changed, interfaces=LOOPBACK)


def row_of(screen: DiscoveryScreen, name: str) -> list[Any] | None:
    """The cells of the row whose name is ``name``, if listed."""
    table = screen.query_one(DataTable)
    for row in range(table.row_count):
        cells = table.get_row_at(row)
        if str(cells[0]) == name:
            return list(cells)
    return None


def status(screen: DiscoveryScreen) -> str:
    return str(screen.query_one("#discover-status", Static).render())


async def test_servers_on_the_lan_are_listed_live_and_one_is_chosen(tmp_path: Path) -> None:
    """A real `bartype serve` advertising on loopback is listed with its name (literally),
    address, open rooms and version; a room opened there shows in its row; the arrows
    and Enter take the racer into a new room there; leaving it comes back to the list,
    and the server stopping takes its row away."""
    name = unique_name("[red]Lab[/] 1")
    proc, port = start_server(tmp_path / "s.sqlite3", 0, "--advertise", "--name", name)
    try:
        app = RaceApp(None, player="ann", browse=on_loopback)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.discovery
            assert screen is not None and app.shown == "discover"
            await until(pilot, lambda: row_of(screen, name) is not None, "the server's row")
            cells = row_of(screen, name)
            assert cells is not None and all(isinstance(cell, Text) for cell in cells)
            assert [str(c) for c in cells[1:3]] == [f"ws://127.0.0.1:{port}", "0"]
            assert str(cells[3])  # the server's version

            other = await RaceConnection.connect(f"ws://127.0.0.1:{port}")
            try:
                await other.create("bob", {"mode": "words", "words": 5})
                await until(pilot, lambda: str((row_of(screen, name) or ["", "", ""])[2]) == "1",
                            "one open room")  # fmt: skip

                ours = next(i for i, s in enumerate(screen.servers) if s.name == name)
                table = screen.query_one(DataTable)
                await pilot.press("home")
                for _ in range(ours):
                    await pilot.press("down")
                assert table.cursor_row == ours
                await pilot.press("enter")
                await until(pilot, lambda: app.shown == "lobby", "the lobby")
                await until(
                    pilot, lambda: app.race is not None and app.race.client.code is not None, "room"
                )
                assert app.race is not None
                code = app.race.client.code
                assert code is not None and code != other.client.code

                def shown_code() -> str | None:  # the lobby may still be composing
                    found = app.lobby.query(RoomCode)
                    return found.first().code if found else None

                await until(pilot, lambda: shown_code() == code, "code")
                assert screen.browser is None  # no more looking while in a room

                await pilot.press("q")
                await until(pilot, lambda: app.shown == "discover", "back to the list")
                assert "Out of the room" in status(screen)
                await until(pilot, lambda: row_of(screen, name) is not None, "listed again")
            finally:
                await other.close()
            stop_server(proc)
            await until(pilot, lambda: row_of(screen, name) is None, "the row to go")
            await app.action_quit()
    finally:
        stop_server(proc)


async def test_a_typed_address_and_room_code(tmp_path: Path) -> None:
    """An address nobody answers at says why and stays on the list; a bad room code is
    refused before connecting; the right address with a room's code joins that room."""
    async with running_server(tmp_path) as server:
        host = await RaceConnection.connect(f"ws://127.0.0.1:{server.port}")
        try:
            await host.create("host", {"mode": "words", "words": 5})
            code = host.client.code
            assert code is not None
            app = RaceApp(None, player="ann", browse=on_loopback)
            async with app.run_test(size=(80, 24)) as pilot:
                screen = app.discovery
                assert screen is not None
                address = screen.query_one("#address", Input)
                room = screen.query_one("#room", Input)

                address.value = f"127.0.0.1:{free_port()}"
                address.focus()
                await pilot.press("enter")
                await until(
                    pilot,
                    lambda: app.shown == "discover" and "reach" in status(screen).lower(),
                    "a connection error",
                )

                room.value = "ab1"
                room.focus()
                await pilot.press("enter")
                assert "is not a room code" in status(screen)
                assert app.race is None

                address.value = f"ws://127.0.0.1:{server.port}"
                room.value = f" {code.lower()} "
                await pilot.press("enter")
                await until(
                    pilot, lambda: app.race is not None and app.race.client.code == code, "joined"
                )
                assert app.shown == "lobby" and app.race is not None
                assert app.race.client.state is State.LOBBY
                await app.action_quit()
        finally:
            await host.close()
