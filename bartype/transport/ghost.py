"""A ghost racer: a recording replayed as a member of a room, key by key, in real time.

::

    ghost = GhostRacer(RaceConnection(loopback), Ghost.from_recording(...), "Ghost #12")
    await ghost.join(code)     # it joins and marks itself ready in every lobby
    ghost.set_off(t_ms)        # the racer's first key: the recording plays from there
    await ghost.close()

It is a client like any other (its keys go through the room as ``RACE_INPUT``,
so the standings are the server's), except that each key is sent with the
time the recording gives it, ``t_ms`` + its time since the recording's first
key, at that moment and in a batch of its own, so its lane is where the
recording was and its figures are the recorded ones. It sets off with the
racer's first key, as Monkeytype's pace caret does: both are timed from their
first key, as in the tests that made the recording.

::

    waiting --set_off--> playing --last key, or race over--> done
       ^                                                       |
       +------------------- next countdown --------------------+
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from typing import Any

from bartype.core.ghost import Ghost
from bartype.protocol.race_events import CountdownStarted, RaceEvent, RoomChanged
from bartype.protocol.race_states import State
from bartype.transport.race import RaceConnection


class GhostState(enum.Enum):
    WAITING = "waiting"
    PLAYING = "playing"
    DONE = "done"


class GhostRacer:
    """A recording as a racer; see the module docstring."""

    def __init__(self, race: RaceConnection, ghost: Ghost, name: str) -> None:
        self.race = race
        self.ghost = ghost
        self.name = name
        self.state = GhostState.WAITING
        self.set_off_ms: float | None = None
        """Race time (ms) the recording plays from, once set off."""
        self._player: asyncio.Task[None] | None = None

    async def join(self, code: str) -> None:
        """Join room ``code`` (opening the connection); ready in every lobby from now on.

        Raises:
            SessionError: refused (``NAME_TAKEN``, ``ROOM_FULL``, ...).
        """
        self.race.on_event = self._event
        await self.race.join(code, self.name)

    def set_off(self, t_ms: float) -> None:
        """Play the recording from race time ``t_ms`` (once a race; later calls do nothing)."""
        if self.state is not GhostState.WAITING:
            return
        self.state = GhostState.PLAYING
        self.set_off_ms = t_ms
        self._player = asyncio.get_running_loop().create_task(self._play(t_ms))

    async def _play(self, base_ms: float) -> None:
        race, loop = self.race, asyncio.get_running_loop()
        for name, offset in self.ghost.keys:
            race.tick()  # the start signal may have passed on our clock
            starts_at = race.client.starts_at
            if starts_at is None or race.client.state is not State.RACING:
                break  # the race is over (or left) before the recording is
            t = base_ms + offset
            delay = starts_at + t / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            race.send_key(name, t=t)
            race.flush()  # each key in its own batch: the lane is as recorded
        self.state = GhostState.DONE  # (not when cancelled: a new race has begun)

    def _event(self, event: RaceEvent) -> None:
        client = self.race.client
        if isinstance(event, CountdownStarted):
            self._stop()
            self.state = GhostState.WAITING
            self.set_off_ms = None
        elif isinstance(event, RoomChanged) and client.state is State.LOBBY:
            me = next((p for p in event.room.players if p.id == client.player_id), None)
            if me is not None and not me.ready:
                self.race.ready()

    def _stop(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            player.cancel()

    async def close(self) -> None:
        """Stop playing and close the connection."""
        player = self._player
        self._stop()
        if player is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await player
        self.race.on_event = None
        await self.race.close()


def ghost_room(ghost: Ghost) -> tuple[dict[str, Any], dict[str, Any]]:
    """The options and settings of a room for racing ``ghost``: its text, two members,
    and a finish deadline long enough for the ghost to finish after the racer."""
    deadline_s = min(600.0, max(30.0, ghost.duration_ms / 1000 + 5))
    options = {"mode": "custom", "text": ghost.text}
    return options, {"maxPlayers": 2, "countdownS": 3, "finishDeadlineS": deadline_s}
