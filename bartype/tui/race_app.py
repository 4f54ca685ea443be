"""``bartype race``: a Textual app for one member of a room on a server.

The room and the race are ``transport.race.RaceConnection`` (the sans-I/O
``protocol.race_client.RaceClient`` underneath); this app shows them on three
screens (lobby, race, standings) and feeds the racer's keys to a local
``Attempt`` (the same core as the server: local echo) and to the connection.
Without a server to connect to it first shows the discovery screen (the
servers on the LAN); leaving the room goes back there.

::

    discover --Chosen--> lobby <--> race <--> standings
       ^                   |
       +-- cannot connect, or out of the room (came from discover)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker

from bartype.core.options import TestOptions
from bartype.core.race import ordinal
from bartype.protocol.client_events import Status, StatusChanged
from bartype.protocol.race_client import RaceClientStateError
from bartype.protocol.race_events import (
    CountdownStarted,
    Disconnected,
    Joined,
    Left,
    MetricsReceived,
    ProgressUpdated,
    RaceErrorReceived,
    RaceEvent,
    RacerDone,
    ResultReceived,
    RoomChanged,
    StandingsReceived,
)
from bartype.protocol.race_states import State
from bartype.transport.base import TransportError
from bartype.transport.ghost import GhostRacer
from bartype.transport.race import RaceConnection
from bartype.tui import race_board
from bartype.tui.attempt import Attempt
from bartype.tui.race_results import RaceToKeep, keep_race, set_final_place
from bartype.tui.safe import foreign, visible
from bartype.tui.screens.discovery import Browse, DiscoveryScreen
from bartype.tui.screens.race import LobbyScreen, RaceScreen, StandingsScreen, stats_line

Connect = Callable[[], Awaitable[RaceConnection]]
ConnectTo = Callable[[str], Awaitable[RaceConnection]]
"""Connects to the server at an address (``RaceConnection.connect``)."""

_STAY = object()
"""Returned by an event's handler when the app must not follow the race's state."""

_SCREEN_OF = {
    State.LOBBY: "lobby",
    State.COUNTDOWN: "race",
    State.RACING: "race",
    State.DONE: "race",
    State.RESULTS: "standings",
}


class RaceApp(App[int]):
    """One member of a race room."""

    CSS_PATH = ["styles/app.tcss"]
    TITLE = "BARtype race"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c", "quit", "quit", show=False, priority=True)]

    def __init__(
        self,
        connect: Connect | None,
        *,
        player: str,
        code: str | None = None,
        options: dict[str, Any] | None = None,
        room: dict[str, Any] | None = None,
        connect_to: ConnectTo = RaceConnection.connect,
        browse: Browse | None = None,
        ghost: GhostRacer | None = None,
        ghost_note: str = "",
        history_path: Path | None = None,
    ) -> None:
        """``connect`` reaches the server; ``None`` shows the discovery screen first,
        whose choice is reached with ``connect_to`` (``browse`` makes its browser).
        With ``ghost`` the app makes a room for the racer and the ghost and starts
        every race at once (``ghost_note`` says what the ghost is)."""
        super().__init__()
        self.ghost = ghost
        self.ghost_note = ghost_note
        self._ghost_race: int = -1
        """The last race (its ``raceId`` before it, 0 for none) a start was asked for."""
        self.history_path = history_path
        """Each race result is kept in this history (``None``: not kept)."""
        self.saving: Worker[int | None] | None = None
        """Keeping the race result just received (at once: a crash before the standings
        must not lose it); its place is corrected when the standings come."""
        self.connect = connect
        self.connect_to = connect_to
        self.discovery = None if connect is not None else DiscoveryScreen(browse, room=code)
        self.player = player
        self.code = code
        self.options = options or {"mode": "words", "words": 25}
        self.room_settings = room or {}
        self.race: RaceConnection | None = None
        self.attempt: Attempt | None = None
        self.lobby = LobbyScreen()
        self.race_screen = RaceScreen()
        self.standings_screen = StandingsScreen()
        self.shown = "lobby"
        self.deadline: float | None = None
        self.events_seen = 0
        self.exit_message: str | None = None
        """Printed after the app closes (made safe: it may quote the server)."""
        self._links_closed = False

    # -- start and stop ------------------------------------------------------

    async def on_mount(self) -> None:
        self.install_screen(self.lobby, "lobby")
        self.install_screen(self.race_screen, "race")
        self.install_screen(self.standings_screen, "standings")
        if self.discovery is not None:
            self.install_screen(self.discovery, "discover")
            self.shown = "discover"
            await self.push_screen("discover")
            return
        await self.push_screen("lobby")
        self.lobby.show_status("Connecting…")
        self.run_worker(self._enter(), exclusive=True)

    def on_discovery_screen_chosen(self, message: DiscoveryScreen.Chosen) -> None:
        url, connect_to = message.url, self.connect_to
        self.connect = lambda: connect_to(url)
        self.code = message.room
        self.shown = "lobby"
        self.switch_screen("lobby")
        self.lobby.show_room("", "", ())
        self.lobby.show_status(
            Text.assemble("Connecting to ", foreign(message.label, limit=60), "…")
        )
        self.run_worker(self._enter(), exclusive=True)

    async def _enter(self) -> None:
        assert self.connect is not None
        race: RaceConnection | None = None
        try:
            self.race = race = await self.connect()
            race.on_event = self.on_race_event
            if self.code:
                await race.join(self.code, self.player)
            else:
                joined = await race.create(self.player, self.options, **self.room_settings)
                if self.ghost is not None:
                    await self.ghost.join(joined.code)
        except TransportError as error:
            if self.discovery is None:
                self._leave_with(f"bartype: {visible(error)}", 1)
                return
            await self._back_to_discovery(foreign(error, limit=300))
            return
        if self.discovery is not None:
            await self.discovery.stop_browsing()

    async def _back_to_discovery(self, why: Text) -> None:
        """Out of the room (or never in one): choose a server again."""
        assert self.discovery is not None
        race, self.race = self.race, None
        if race is not None:
            race.on_event = None
            await race.close()
        self.attempt = None
        self.shown = "discover"
        self.switch_screen("discover")
        self.discovery.show_status(why)
        self.discovery.start_browsing()

    async def action_quit(self) -> None:
        if self.saving is not None:  # leaving before the standings: the place as it stood
            await self.saving.wait()
        await self._close_links()
        self.exit(0)

    async def on_unmount(self) -> None:
        # However the app ends (a room left, an error shown, quit), its links close here
        # before the process exits: a process that just exits drops the TCP connection,
        # which the server sees as 1006 (abnormal) instead of a closing handshake (1000).
        await self._close_links()

    async def _close_links(self) -> None:
        """Close the race's connection and the ghost's, once, with a closing handshake."""
        if self._links_closed:
            return
        self._links_closed = True
        race = self.race
        if race is not None:
            race.on_event = None  # closing is not news: nothing more to show
            await race.close()
        if self.ghost is not None:
            await self.ghost.close()

    # -- actions from the screens ----------------------------------------------

    def _call(self, action: Callable[[RaceConnection], None]) -> None:
        if self.race is None:
            return
        try:
            action(self.race)
        except RaceClientStateError:
            self._status("Not now.")

    def action_toggle_ready(self) -> None:
        me = None if self.race is None else race_board.own_player(self.race.client)
        self._call(lambda race: race.ready(not (me is not None and me.ready)))

    def action_start_race(self) -> None:
        self._call(lambda race: race.start())

    def action_rematch(self) -> None:
        self._call(lambda race: race.rematch())

    async def action_leave(self) -> None:
        race = self.race
        if race is None or race.client.state is State.IDLE:
            await self.action_quit()
            return
        race.leave()

    def on_race_screen_key_pressed(self, message: RaceScreen.KeyPressed) -> None:
        self.type_key(message.name)

    def on_race_screen_ticked(self, _: RaceScreen.Ticked) -> None:
        self._show_clock()

    def type_key(self, name: str) -> None:
        """One key: coloured at once by the local session, sent to the server."""
        race, attempt = self.race, self.attempt
        if race is not None:
            race.tick()  # the start signal may have passed on our clock
        if race is None or attempt is None or race.client.state is not State.RACING:
            return
        now = race.now()
        t = round(race.client.race_ms(now), 1)  # as the key goes on the wire
        if t < 0:
            return  # before the start signal
        before = attempt.analyzer.index
        sent, finished = attempt.type_key(name, t)
        if sent:
            race.send_key(name, now)
            if self.ghost is not None:
                self.ghost.set_off(t)  # with the first key (later ones do nothing)
        if finished:
            race.flush()  # the finishing key goes at once: it is the official time
        after = attempt.analyzer.index
        self.race_screen.text_view.words_changed(min(before, after), max(before, after))
        live = attempt.live(t)
        self.race_screen.show_stats(stats_line(live.wpm, live.accuracy, live.elapsed_s))

    # -- events from the connection ----------------------------------------------

    def on_race_event(self, event: RaceEvent) -> None:
        self.events_seen += 1
        handle = _ON_EVENT.get(type(event))
        if handle is not None and handle(self, event) is _STAY:
            return
        self._follow_state()

    def _on_room_changed(self, event: RoomChanged) -> None:
        self._show_room()
        self._start_with_ghost()

    def _on_progress(self, event: ProgressUpdated) -> None:
        self._show_lanes()

    def _on_metrics(self, event: MetricsReceived) -> None:
        figures = event.metrics.update.metrics
        self.race_screen.show_stats(stats_line(figures.wpm, figures.accuracy, figures.elapsed_s))

    def _on_racer_done(self, event: RacerDone) -> None:
        self.deadline = event.deadline
        done, race = event.finished.id, self.race
        name = done if race is None else race_board.name_of(race.client, done)
        self._status(
            Text.assemble(foreign(name, limit=20), f" finished, place {event.finished.place}")
        )

    def _on_result(self, event: ResultReceived) -> None:
        result = event.result
        self._hold_result(result)
        if result.status == "finished" and result.time_ms is not None:
            self._status(f"You finished {ordinal(result.place)} in {result.time_ms / 1000:.2f} s")
        else:
            self._status(f"Did not finish (place {result.place})")

    def _on_standings(self, event: StandingsReceived) -> None:
        race = self.race
        you = None if race is None else race.client.player_id
        s = event.standings
        self.standings_screen.show_standings(s.standings, s.length, you)
        mine = next((row for row in s.standings if row.id == you), None)
        if mine is not None and self.saving is not None:
            saving = self.saving
            self.run_worker(self._final_place(saving, mine.place, len(s.standings)))

    def _on_left(self, event: Left) -> object:
        if self.discovery is not None:
            why = foreign(f"Out of the room: {event.reason}", limit=300)
            self.run_worker(self._back_to_discovery(why), exclusive=True)
            return _STAY  # the discovery screen comes back: no race screen to follow
        self._leave_with(f"Out of the room: {visible(event.reason)}", 0)
        return None

    def _on_race_error(self, event: RaceErrorReceived) -> None:
        self._status(foreign(event.error.message, limit=200))

    def _on_disconnected(self, event: Disconnected) -> None:
        self._status(foreign(f"Connection lost ({event.reason}); reconnecting…", limit=200))

    def _on_status(self, event: StatusChanged) -> None:
        if event.status is Status.CONNECTED:
            self._status("")

    def _on_joined(self, event: Joined) -> None:
        self._status("")

    def _start_with_ghost(self) -> None:
        """Racing a ghost, a race starts as soon as the ghost is ready in the lobby."""
        race, ghost = self.race, self.ghost
        room = None if race is None else race.client.room
        if race is None or ghost is None or room is None or room.state != "lobby":
            return
        ghost_ready = any(p.ready and p.id != room.host_id for p in room.players)
        if room.host_id == race.client.player_id and ghost_ready:
            if self._ghost_race != (room.race_id or 0):  # ask once per race
                self._ghost_race = room.race_id or 0
                self._call(lambda race: race.start())

    def _follow_state(self) -> None:
        race = self.race
        if race is None:
            return
        target = _SCREEN_OF.get(race.client.state)
        if target is not None and target != self.shown:
            self.shown = target
            self.switch_screen(target)

    def _countdown(self, event: CountdownStarted) -> None:
        self.deadline = None
        self.saving = None  # a new race: the last one's result is kept already
        race = event.race
        if event.racing:
            self.attempt = Attempt(TestOptions(mode="custom", text=race.text), race.text)
            self.race_screen.show_text(self.attempt.analyzer)
            if self.ghost is not None:
                note = f"Ghost: {self.ghost_note}; it sets off with your first key."
                self._status(foreign(note, limit=300))
        else:
            self.attempt = None
            self.race_screen.show_text(None, "You are watching; you race from the next race.")
        self.race_screen.show_stats("")
        self._show_lanes()

    def _show_clock(self) -> None:
        race = self.race
        if race is None or race.client.starts_at is None:
            return
        now = race.now()
        left = race.client.starts_at - now
        if race.client.state is State.COUNTDOWN or left > 0:
            text = Text(f"Starts in {max(0.0, left):.1f} s", style="bold yellow")
        else:
            elapsed = -left
            text = Text(f"{'GO!  ' if elapsed < 1 else ''}{elapsed:5.1f} s", style="bold green")
            if self.deadline is not None and race.client.state is State.RACING:
                text.append(f"   finish within {max(0.0, self.deadline - now):.0f} s", "yellow")
        self.race_screen.show_countdown(text)

    def _show_room(self) -> None:
        race = self.race
        shown = None if race is None else race_board.lobby_line(race.client)
        if shown is None:
            return
        self.lobby.show_room(*shown)
        self._show_lanes()

    def _show_lanes(self) -> None:
        lanes = None if self.race is None else race_board.lanes(self.race.client)
        if lanes is not None:
            self.race_screen.show_lanes(lanes)

    # -- the local history ---------------------------------------------------------

    def _hold_result(self, result: Any) -> None:
        """Keep the racer's result in the local history as soon as the server sends it."""
        race, attempt = self.race, self.attempt
        if self.history_path is None or race is None or attempt is None:
            return
        client = race.client
        if client.race is None or client.code is None or client.room is None:
            return
        held = RaceToKeep(
            client.code,
            client.race,
            client.room.options,
            tuple(attempt.session.log),
            result,
            len(client.race.racers),
            None if self.ghost is None else self.ghost.ghost.label,
        )
        self.saving = self.run_worker(self._keep_race(self.history_path, held), group="history")

    async def _keep_race(self, history_path: Path, held: RaceToKeep) -> int | None:
        """Save the result with the place it had when the racer's race ended."""
        try:
            return await asyncio.to_thread(keep_race, history_path, held)
        except Exception as error:  # the race is not lost for want of a history
            self.notify(
                f"could not save to the local history: {visible(error)}", severity="warning"
            )
            return None

    async def _final_place(self, saving: Worker[int | None], place: int, racers: int) -> None:
        """The standings came: the saved result gets its final place and field."""
        kept = await saving.wait()
        if kept is None or self.history_path is None:
            return
        try:
            await asyncio.to_thread(set_final_place, self.history_path, kept, place, racers)
        except Exception as error:
            self.notify(f"could not save the final place: {visible(error)}", severity="warning")

    # -- helpers -----------------------------------------------------------------

    def _leave_with(self, message: str, code: int) -> None:
        self.exit_message = message
        self.exit(code, return_code=code)

    def _status(self, text: Text | str) -> None:
        for screen in (self.lobby, self.race_screen, self.standings_screen):
            screen.show_status(text)


_ON_EVENT: dict[type, Callable[[RaceApp, Any], object]] = {
    RoomChanged: RaceApp._on_room_changed,
    ProgressUpdated: RaceApp._on_progress,
    CountdownStarted: RaceApp._countdown,
    MetricsReceived: RaceApp._on_metrics,
    RacerDone: RaceApp._on_racer_done,
    ResultReceived: RaceApp._on_result,
    StandingsReceived: RaceApp._on_standings,
    Joined: RaceApp._on_joined,
    Left: RaceApp._on_left,
    RaceErrorReceived: RaceApp._on_race_error,
    Disconnected: RaceApp._on_disconnected,
    StatusChanged: RaceApp._on_status,
}
"""What the app does on each event of the connection (then it follows the race's state)."""
