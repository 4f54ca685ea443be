"""Room and race messages as a client reads them, and their strict decoder.

``decode_race`` checks every documented field of the room messages of
docs/protocol.md ("Room messages, server → client") and hands every other
frame to ``server_codec.decode_server``; like it, each decoder is a field table
(``fields.message``), unknown fields and message types are ignored, and a field
missing or of the wrong type is a ``ProtocolError``. Server times (``startsAt``,
``serverTime``, ``deadlineAt``) stay in server milliseconds here: ``race_client``
turns them into local time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

from bartype.core.records import frozen
from bartype.protocol.fields import (
    Fields,
    count,
    data_of,
    flag,
    items,
    list_of,
    message,
    number,
    optional,
    record,
    string,
)
from bartype.protocol.json_frames import parse_frame
from bartype.protocol.messages import (
    RACE_COUNTDOWN,
    RACE_METRICS,
    RACE_PROGRESS,
    RACE_RESULT,
    RACE_STANDINGS,
    RACE_STARTED,
    RACER_FINISHED,
    ROOM_JOINED,
    ROOM_LEFT,
    ROOM_STATE,
)
from bartype.protocol.server_codec import (
    METRICS_UPDATE_FIELDS,
    decode_server,
    final_metrics,
)
from bartype.protocol.server_messages import MetricsUpdate, ServerMessage


@frozen
class RoomJoined:
    """``ROOM_JOINED``: you are member ``player_id`` of room ``code``; keep ``token``."""

    code: str
    player_id: str
    token: str
    resumed: bool
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class Player:
    """One member of ``ROOM_STATE.players``: ``name`` is data, to be shown literally."""

    id: str
    name: str
    role: str
    ready: bool
    connected: bool


@frozen
class RoomState:
    """``ROOM_STATE``: the whole room."""

    code: str
    state: str
    host_id: str | None
    race_id: int | None
    options: dict[str, Any]
    max_players: int
    countdown_s: float
    finish_deadline_s: float
    players: tuple[Player, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RoomLeft:
    """``ROOM_LEFT``: you are out of room ``code``."""

    code: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RaceCountdown:
    """``RACE_COUNTDOWN``: the race's text and its start on the server's clock (ms)."""

    race_id: int
    text: str
    mode: str
    mode2: str
    text_id: str | None
    starts_at: int
    server_time: int
    racers: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RaceStarted:
    """``RACE_STARTED``: the start signal was given."""

    race_id: int
    started_at: int
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RaceMetrics:
    """``RACE_METRICS``: your live figures after a batch, exactly a ``METRICS_UPDATE``'s."""

    race_id: int
    update: MetricsUpdate
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ack(self) -> int:
        return self.update.ack


@frozen
class Lane:
    """One racer of ``RACE_PROGRESS``."""

    id: str
    position: int
    wpm: float
    accuracy: float
    place: int
    status: str
    connected: bool


@frozen
class RaceProgress:
    """``RACE_PROGRESS``: every racer's lane, in the order of the countdown's racers."""

    race_id: int
    tick: int
    elapsed_ms: int
    length: int
    racers: tuple[Lane, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RacerFinished:
    """``RACER_FINISHED``: racer ``id`` finished, at ``place`` as it stands."""

    race_id: int
    id: str
    place: int
    time_ms: float
    wpm: float
    accuracy: float
    flags: tuple[str, ...]
    deadline_at: int | None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class RaceResult:
    """``RACE_RESULT``: your race is over; ``metrics`` as ``SESSION_COMPLETE``'s (or null)."""

    race_id: int
    status: str
    place: int
    time_ms: float | None
    metrics: dict[str, Any] | None
    flags: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class Standing:
    """One row of ``RACE_STANDINGS``, best first."""

    place: int
    id: str
    name: str
    status: str
    time_ms: float | None
    wpm: float
    accuracy: float
    position: int
    flags: tuple[str, ...]


@frozen
class RaceStandings:
    """``RACE_STANDINGS``: the race is over."""

    race_id: int
    length: int
    standings: tuple[Standing, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


RaceMessage = (
    RoomJoined
    | RoomState
    | RoomLeft
    | RaceCountdown
    | RaceStarted
    | RaceMetrics
    | RaceProgress
    | RacerFinished
    | RaceResult
    | RaceStandings
)


_PARSERS: dict[str, Callable[[Fields], RaceMessage]] = {
    ROOM_JOINED: message(
        RoomJoined, string("code"), string("playerId"), string("token"), flag("resumed")
    ),
    ROOM_STATE: message(
        RoomState,
        string("code"),
        string("state"),
        string("hostId", null=True),
        count("raceId", null=True),
        data_of("options"),
        count("maxPlayers"),
        number("countdownS"),
        number("finishDeadlineS"),
        items(
            "players",
            record(
                Player,
                string("id"),
                string("name"),
                string("role"),
                flag("ready"),
                flag("connected"),
            ),
        ),
    ),
    ROOM_LEFT: message(RoomLeft, string("code")),
    RACE_COUNTDOWN: message(
        RaceCountdown,
        count("raceId"),
        string("text"),
        string("mode"),
        string("mode2"),
        string("textId", null=True),
        count("startsAt"),
        count("serverTime"),
        list_of("racers"),
    ),
    RACE_STARTED: message(RaceStarted, count("raceId"), count("startedAt")),
    RACE_METRICS: message(
        RaceMetrics, count("raceId"), message(MetricsUpdate, *METRICS_UPDATE_FIELDS)
    ),
    RACE_PROGRESS: message(
        RaceProgress,
        count("raceId"),
        count("tick"),
        count("elapsedMs"),
        count("length"),
        items(
            "racers",
            record(
                Lane,
                string("id"),
                count("position"),
                number("wpm"),
                number("accuracy"),
                count("place"),
                string("status"),
                flag("connected"),
            ),
        ),
    ),
    RACER_FINISHED: message(
        RacerFinished,
        count("raceId"),
        string("id"),
        count("place"),
        number("timeMs"),
        number("wpm"),
        number("accuracy"),
        list_of("flags"),
        count("deadlineAt", null=True),
    ),
    RACE_RESULT: message(
        RaceResult,
        count("raceId"),
        string("status"),
        count("place"),
        optional("timeMs", number),
        final_metrics("metrics"),
        list_of("flags"),
    ),
    RACE_STANDINGS: message(
        RaceStandings,
        count("raceId"),
        count("length"),
        items(
            "standings",
            record(
                Standing,
                count("place"),
                string("id"),
                string("name"),
                string("status"),
                optional("timeMs", number),
                number("wpm"),
                number("accuracy"),
                count("position"),
                list_of("flags"),
            ),
        ),
    ),
}


def decode_race(text: str) -> RaceMessage | ServerMessage:
    """Decode and check one server frame: a room message, or any other server message.

    Raises:
        ProtocolError: as ``server_codec.decode_server``.
    """
    type_, data = parse_frame(text)
    parser = _PARSERS.get(type_)
    if parser is None:
        return decode_server(text)
    return parser(Fields(type_, data))
