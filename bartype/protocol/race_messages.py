"""Room and race messages as a client reads them, and their strict decoder.

``decode_race`` checks every documented field of the room messages of
docs/protocol.md ("Room messages, server → client") and hands every other
frame to ``server_codec.decode_server``; like it, unknown fields and message
types are ignored, and a field missing or of the wrong type is a
``ProtocolError``. Server times (``startsAt``, ``serverTime``, ``deadlineAt``)
stay in server milliseconds here: ``race_client`` turns them into local time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bartype.protocol.codec import parse_frame
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
    _Fields,
    _final_metrics,
    _is_object,
    _is_str,
    _metrics_update,
    decode_server,
)
from bartype.protocol.server_messages import MetricsUpdate, ServerMessage


@dataclass(frozen=True, slots=True)
class RoomJoined:
    """``ROOM_JOINED``: you are member ``player_id`` of room ``code``; keep ``token``."""

    code: str
    player_id: str
    token: str
    resumed: bool
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Player:
    """One member of ``ROOM_STATE.players``: ``name`` is data, to be shown literally."""

    id: str
    name: str
    role: str
    ready: bool
    connected: bool


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class RoomLeft:
    """``ROOM_LEFT``: you are out of room ``code``."""

    code: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class RaceStarted:
    """``RACE_STARTED``: the start signal was given."""

    race_id: int
    started_at: int
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RaceMetrics:
    """``RACE_METRICS``: your live figures after a batch, exactly a ``METRICS_UPDATE``'s."""

    race_id: int
    update: MetricsUpdate
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ack(self) -> int:
        return self.update.ack


@dataclass(frozen=True, slots=True)
class Lane:
    """One racer of ``RACE_PROGRESS``."""

    id: str
    position: int
    wpm: float
    accuracy: float
    place: int
    status: str
    connected: bool


@dataclass(frozen=True, slots=True)
class RaceProgress:
    """``RACE_PROGRESS``: every racer's lane, in the order of the countdown's racers."""

    race_id: int
    tick: int
    elapsed_ms: int
    length: int
    racers: tuple[Lane, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class RaceResult:
    """``RACE_RESULT``: your race is over; ``metrics`` as ``SESSION_COMPLETE``'s (or null)."""

    race_id: int
    status: str
    place: int
    time_ms: float | None
    metrics: dict[str, Any] | None
    flags: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def _items(f: _Fields, name: str) -> list[_Fields]:
    """The objects of list field ``name``, each checked as an object."""
    values = f.list_of(name, _is_object, "objects")
    return [_Fields(f"{f.where}.{name}[{i}]", value) for i, value in enumerate(values)]


def _time(f: _Fields, name: str) -> float | None:
    return None if not f.optional(name) else f.number(name)


def _room_joined(f: _Fields) -> RoomJoined:
    return RoomJoined(
        f.string("code"), f.string("playerId"), f.string("token"), f.flag("resumed"), f.data
    )


def _room_state(f: _Fields) -> RoomState:
    players = tuple(
        Player(
            p.string("id"), p.string("name"), p.string("role"), p.flag("ready"), p.flag("connected")
        )
        for p in _items(f, "players")
    )
    return RoomState(
        f.string("code"),
        f.string("state"),
        f.string("hostId", null=True),
        f.count("raceId", null=True),
        f.object("options").data,
        f.count("maxPlayers"),
        f.number("countdownS"),
        f.number("finishDeadlineS"),
        players,
        f.data,
    )


def _room_left(f: _Fields) -> RoomLeft:
    return RoomLeft(f.string("code"), f.data)


def _race_countdown(f: _Fields) -> RaceCountdown:
    return RaceCountdown(
        f.count("raceId"),
        f.string("text"),
        f.string("mode"),
        f.string("mode2"),
        f.string("textId", null=True),
        f.count("startsAt"),
        f.count("serverTime"),
        f.list_of("racers", _is_str, "strings"),
        f.data,
    )


def _race_started(f: _Fields) -> RaceStarted:
    return RaceStarted(f.count("raceId"), f.count("startedAt"), f.data)


def _race_metrics(f: _Fields) -> RaceMetrics:
    return RaceMetrics(f.count("raceId"), _metrics_update(f), f.data)


def _race_progress(f: _Fields) -> RaceProgress:
    lanes = tuple(
        Lane(
            r.string("id"),
            r.count("position"),
            r.number("wpm"),
            r.number("accuracy"),
            r.count("place"),
            r.string("status"),
            r.flag("connected"),
        )
        for r in _items(f, "racers")
    )
    return RaceProgress(
        f.count("raceId"), f.count("tick"), f.count("elapsedMs"), f.count("length"), lanes, f.data
    )


def _racer_finished(f: _Fields) -> RacerFinished:
    return RacerFinished(
        f.count("raceId"),
        f.string("id"),
        f.count("place"),
        f.number("timeMs"),
        f.number("wpm"),
        f.number("accuracy"),
        f.list_of("flags", _is_str, "strings"),
        f.count("deadlineAt", null=True),
        f.data,
    )


def _race_result(f: _Fields) -> RaceResult:
    metrics = f.get("metrics", _is_object, "an object", null=True)
    return RaceResult(
        f.count("raceId"),
        f.string("status"),
        f.count("place"),
        _time(f, "timeMs"),
        None if metrics is None else _final_metrics(_Fields(f"{f.where}.metrics", metrics)),
        f.list_of("flags", _is_str, "strings"),
        f.data,
    )


def _race_standings(f: _Fields) -> RaceStandings:
    rows = tuple(
        Standing(
            s.count("place"),
            s.string("id"),
            s.string("name"),
            s.string("status"),
            _time(s, "timeMs"),
            s.number("wpm"),
            s.number("accuracy"),
            s.count("position"),
            s.list_of("flags", _is_str, "strings"),
        )
        for s in _items(f, "standings")
    )
    return RaceStandings(f.count("raceId"), f.count("length"), rows, f.data)


_PARSERS: dict[str, Callable[[_Fields], RaceMessage]] = {
    ROOM_JOINED: _room_joined,
    ROOM_STATE: _room_state,
    ROOM_LEFT: _room_left,
    RACE_COUNTDOWN: _race_countdown,
    RACE_STARTED: _race_started,
    RACE_METRICS: _race_metrics,
    RACE_PROGRESS: _race_progress,
    RACER_FINISHED: _racer_finished,
    RACE_RESULT: _race_result,
    RACE_STANDINGS: _race_standings,
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
    return parser(_Fields(type_, data))
