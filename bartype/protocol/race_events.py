"""What ``RaceClient`` reports: the events an I/O layer or a screen acts on.

The connection's events are the solo client's (``client_events``): ``Welcomed``,
``StatusChanged``; ``Disconnected`` is ``ConnectionLost`` and ``RaceErrorReceived``
is ``ErrorReceived``.
"""

from __future__ import annotations

from bartype.core.records import frozen
from bartype.protocol.client_events import ConnectionLost, ErrorReceived, StatusChanged, Welcomed
from bartype.protocol.messages import ProtocolError
from bartype.protocol.race_messages import (
    RaceCountdown,
    RaceMetrics,
    RaceProgress,
    RaceResult,
    RacerFinished,
    RaceStandings,
    RoomState,
)


@frozen
class Joined:
    """In room ``code`` as ``player_id`` (``resumed`` after a dropped link)."""

    code: str
    player_id: str
    resumed: bool


@frozen
class RoomChanged:
    """The room changed (players, ready marks, host, state)."""

    room: RoomState


@frozen
class CountdownStarted:
    """A race: its text, and its start on this client's clock (``starts_at``, seconds)."""

    race: RaceCountdown
    starts_at: float
    racing: bool
    """Whether this member races it (not a spectator)."""


@frozen
class Started:
    race_id: int


@frozen
class MetricsReceived:
    """Your live figures, as the server computed them."""

    metrics: RaceMetrics


@frozen
class ProgressUpdated:
    """Every racer's lane."""

    progress: RaceProgress


@frozen
class RacerDone:
    """Someone finished; the others must by ``deadline`` (local seconds), if known."""

    finished: RacerFinished
    deadline: float | None


@frozen
class ResultReceived:
    """Your race is over."""

    result: RaceResult


@frozen
class StandingsReceived:
    standings: RaceStandings


@frozen
class Left:
    """Out of the room: ``reason`` says why (you left, it was taken over, expired, ...)."""

    reason: str
    code: str | None = None


RaceErrorReceived = ErrorReceived
"""An ``ERROR`` from the server that is worth showing (``answers`` is always ``None``)."""


@frozen
class Refused:
    """A frame that is not a valid server message: ignored."""

    error: ProtocolError


Disconnected = ConnectionLost
"""The connection closed; ``resuming`` if the room will be resumed on a new one."""

RaceEvent = (
    Welcomed
    | Joined
    | RoomChanged
    | CountdownStarted
    | Started
    | MetricsReceived
    | ProgressUpdated
    | RacerDone
    | ResultReceived
    | StandingsReceived
    | Left
    | RaceErrorReceived
    | Refused
    | Disconnected
    | StatusChanged
)
