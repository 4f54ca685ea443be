"""What the race screens show, read from the race client's state.

Pure functions of a ``RaceClient`` (the sans-I/O client of
``protocol.race_client``): the lobby's line and players, the lanes of the race
under way, and the names racers go by. ``RaceApp`` hands what they return to
its screens; nothing here draws or needs an app.
"""

from __future__ import annotations

from bartype.protocol.race_client import RaceClient
from bartype.protocol.race_messages import Player
from bartype.tui.widgets.race_lanes import LaneView, PlayerView


def own_player(client: RaceClient) -> Player | None:
    """The racer's own entry in the room (``None`` before the room is known)."""
    room = client.room
    if room is None:
        return None
    return next((p for p in room.players if p.id == client.player_id), None)


def name_of(client: RaceClient, member_id: str) -> str:
    """The name a member of the room goes by (its id if the room does not list it)."""
    room = client.room
    if room is not None:
        for p in room.players:
            if p.id == member_id:
                return p.name
    return member_id


def lobby_line(client: RaceClient) -> tuple[str, str, tuple[PlayerView, ...]] | None:
    """The lobby's room code, its line (test, seats, the keys to press) and its players;
    ``None`` before the room is known."""
    room = client.room
    if room is None:
        return None
    you = client.player_id
    players = tuple(
        PlayerView(p.name, p.role, p.ready, p.connected, p.id == room.host_id, p.id == you)
        for p in room.players
    )
    mode = room.options.get("mode", "")
    words = room.options.get("words")
    info = f"{mode}{f' {words}' if words else ''} · {len(players)}/{room.max_players} players"
    hint = "s: start the race now · " if room.host_id == you else ""
    return room.code, f"{info}   {hint}r: ready", players


def lanes(client: RaceClient) -> tuple[LaneView, ...] | None:
    """A lane per racer of the race under way, in the countdown's order (a racer the
    server has not placed yet at the start); ``None`` before a race."""
    race = client.race
    if race is None:
        return None
    length = len(race.text)
    by_id = {lane.id: lane for lane in client.lanes}
    shown = []
    for i, racer in enumerate(race.racers):
        lane = by_id.get(racer)
        shown.append(
            LaneView(
                name_of(client, racer),
                0 if lane is None else lane.position,
                length,
                0.0 if lane is None else lane.wpm,
                i + 1 if lane is None else lane.place,
                "racing" if lane is None else lane.status,
                True if lane is None else lane.connected,
                racer == client.player_id,
            )
        )
    return tuple(shown)
