"""Rooms and races: the registry of rooms, and every name of a room's parts.

A room is a sans-I/O state machine (``bartype.protocol.room``, whose docstring
draws it); its race, racers, messages and rules are in ``room_race``,
``racers``, ``race_views`` and ``room_rules``, and all of their names can be
imported from here. The registry (``RoomRegistry``: rooms by code, the fan-out
of their messages to members) is behind an interface so that a server spanning
machines can back it with a shared store and pub/sub; ``InMemoryRooms`` is the
one process's.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Protocol

from bartype.protocol.messages import Outgoing
from bartype.protocol.racers import Member, Race, Racer, RacerStatus
from bartype.protocol.room import Room
from bartype.protocol.room_rules import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_CODE_LENGTH,
    MAX_PLAYER_NAME,
    RaceText,
    RoomConfig,
    RoomError,
    RoomState,
    clean_name,
    new_code,
    normalize_code,
)

Deliver = Callable[[Outgoing], None]
"""Hands one message to one member's connection."""


class RoomRegistry(Protocol):
    """Rooms by code, and fan-out of their messages to their members.

    One process keeps them in memory (``InMemoryRooms``); a server spanning
    machines would back this with a shared store and pub/sub (Redis), each
    process delivering to the members connected to it.
    """

    def new_code(self) -> str:
        """A code no open room uses."""
        ...

    def add(self, room: Room) -> None: ...

    def get(self, code: str) -> Room | None: ...

    def remove(self, code: str) -> None: ...

    def rooms(self) -> Iterator[Room]: ...

    def subscribe(self, code: str, member_id: str, deliver: Deliver) -> None:
        """Deliver the room's messages for ``member_id`` with ``deliver`` (replacing any)."""
        ...

    def unsubscribe(self, code: str, member_id: str) -> None: ...

    def publish(self, code: str, message: Outgoing, to: str | None = None) -> None:
        """Deliver ``message`` to one member (``to``) or to every subscribed member."""
        ...


class InMemoryRooms:
    """``RoomRegistry`` for one process."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._rooms: dict[str, Room] = {}
        self._subscribers: dict[str, dict[str, Deliver]] = {}

    def new_code(self) -> str:
        length = CODE_LENGTH
        tries = 0
        while True:
            code = new_code(self._rng, length)
            if code not in self._rooms:
                return code
            tries += 1
            if tries % 20 == 0 and length < MAX_CODE_LENGTH:
                length += 1  # crowded: longer codes

    def add(self, room: Room) -> None:
        if room.code in self._rooms:
            raise ValueError(f"room {room.code} exists")
        self._rooms[room.code] = room
        self._subscribers[room.code] = {}

    def get(self, code: str) -> Room | None:
        return self._rooms.get(code)

    def remove(self, code: str) -> None:
        self._rooms.pop(code, None)
        self._subscribers.pop(code, None)

    def rooms(self) -> Iterator[Room]:
        return iter(list(self._rooms.values()))

    def subscribe(self, code: str, member_id: str, deliver: Deliver) -> None:
        self._subscribers[code][member_id] = deliver

    def unsubscribe(self, code: str, member_id: str) -> None:
        subscribers = self._subscribers.get(code)
        if subscribers is not None:
            subscribers.pop(member_id, None)

    def publish(self, code: str, message: Outgoing, to: str | None = None) -> None:
        subscribers = self._subscribers.get(code, {})
        if to is not None:
            deliver = subscribers.get(to)
            if deliver is not None:
                deliver(message)
            return
        for deliver in list(subscribers.values()):
            deliver(message)

    def __len__(self) -> int:
        return len(self._rooms)


__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_CODE_LENGTH",
    "MAX_PLAYER_NAME",
    "Deliver",
    "InMemoryRooms",
    "Member",
    "Race",
    "RaceText",
    "Racer",
    "RacerStatus",
    "Room",
    "RoomConfig",
    "RoomError",
    "RoomRegistry",
    "RoomState",
    "clean_name",
    "new_code",
    "normalize_code",
]
