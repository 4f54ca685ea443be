"""What both sans-I/O clients share: their output, the connection's states, reconnecting.

``ClientProtocol`` (a test) and ``RaceClient`` (a room) hand their I/O layer the
same things, each returned once: frames to send (``data_to_send``) and events
(``events_received``); both keep a ``Link`` and a connection ``Status``, and both
pace reconnection attempts after a drop with one ``Backoff`` (docs/protocol.md).
"""

from __future__ import annotations

import enum
from typing import Generic, TypeVar, cast

from bartype.protocol.backoff import Backoff
from bartype.protocol.client_events import ConnectionLost, Status, StatusChanged
from bartype.protocol.messages import FATAL_CLOSE_CODES

E = TypeVar("E")


class Link(enum.Enum):
    """Where the connection is (each client's module docstring has its diagram)."""

    CLOSED = "closed"
    GREETING = "greeting"
    RESUMING = "resuming"
    """(``ClientProtocol`` only: ``RESUME_ROOM`` is answered while OPEN.)"""
    OPEN = "open"


class ClientBase(Generic[E]):
    """The output, link, status and reconnection pacing of a client whose events are ``E``."""

    def __init__(self, reconnect_delays: tuple[float, ...], give_up_after: float) -> None:
        self.link = Link.CLOSED
        self.status = Status.OFFLINE
        self._backoff = Backoff(reconnect_delays, give_up_after)
        self._out: list[str] = []
        self._events: list[E] = []

    def data_to_send(self) -> list[str]:
        """The frames to send, in order (each returned once)."""
        out, self._out = self._out, []
        return out

    def events_received(self) -> list[E]:
        """What happened since the last call, in order (each returned once)."""
        events, self._events = self._events, []
        return events

    @property
    def wants_resume(self) -> bool:
        """Disconnected with something to resume: the I/O layer should reconnect."""
        return self.link is Link.CLOSED and self._backoff.waiting

    def connection_lost(self, code: int, reason: str, now: float) -> None:
        """The connection closed with WebSocket ``code`` (1006 when it dropped)."""
        if self.link is Link.CLOSED:
            return
        self.link = Link.CLOSED
        described = f"connection closed ({code}{': ' + reason if reason else ''})"
        resuming = code not in FATAL_CLOSE_CODES and self._resumable()
        self._backoff.lost(now if resuming else None)
        self._set_status(Status.RECONNECTING if resuming else Status.OFFLINE)
        self._events.append(cast(E, ConnectionLost(described, resuming)))
        self._link_lost(described, resuming)

    def reconnect_delay(self, now: float) -> float | None:
        """How long to wait before the next reconnection attempt; ``None``: do not (any more).

        Gives up (what was to be resumed is lost) once ``give_up_after`` seconds
        have passed since the drop and at least one attempt was made.
        """
        if not self.wants_resume:
            return None
        delay = self._backoff.next_delay(now)
        if delay is None:
            self._set_status(Status.OFFLINE)
            self._give_up(f"no connection for {self._backoff.give_up_after:g} s")
        return delay

    def _resumable(self) -> bool:
        """Is there something to resume on a new connection, should this one drop?"""
        raise NotImplementedError

    def _link_lost(self, reason: str, resuming: bool) -> None:
        """The connection closed (``resuming``: it will be reopened): what it means here."""
        raise NotImplementedError

    def _give_up(self, reason: str) -> None:
        """No connection came back in time: what was to be resumed is lost."""
        raise NotImplementedError

    def _set_status(self, status: Status) -> None:
        if status is not self.status:
            self.status = status
            self._events.append(cast(E, StatusChanged(status)))
