"""Two RaceConnections race each other through a real `bartype serve` process on port 0."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from support import TIMEOUT_FACTOR, start_server, stop_server

from bartype.protocol.race_events import (
    CountdownStarted,
    RaceEvent,
    ResultReceived,
    RoomChanged,
    StandingsReceived,
)
from bartype.protocol.race_states import State
from bartype.transport.base import SessionError
from bartype.transport.race import RaceConnection

T = 10 * TIMEOUT_FACTOR
TEXT = "hi there"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real server process for the module."""
    proc, port = start_server(tmp_path_factory.mktemp("race") / "server.sqlite3")
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop_server(proc)


class Seen:
    """Every event of one connection, waited for by type."""

    def __init__(self, race: RaceConnection) -> None:
        self.queue: asyncio.Queue[RaceEvent] = asyncio.Queue()
        race.on_event = self.queue.put_nowait

    async def expect(self, kind: type) -> RaceEvent:
        async with asyncio.timeout(T):
            while True:
                event = await self.queue.get()
                if isinstance(event, kind):
                    return event


async def type_text(race: RaceConnection, starts_at: float, step: float) -> None:
    await asyncio.sleep(max(0.0, starts_at - race.now()) + 0.05)
    for ch in TEXT:
        race.send_key(ch)
        await asyncio.sleep(step)
    race.flush()


async def test_two_clients_race_to_standings(url: str) -> None:
    """Create, join, ready, the countdown on each local clock, typing, standings for both."""
    ann, bob = await RaceConnection.connect(url), await RaceConnection.connect(url)
    try:
        seen_ann, seen_bob = Seen(ann), Seen(bob)
        joined = await ann.create("Ann", {"mode": "custom", "text": TEXT}, countdownS=0.3)
        with pytest.raises(SessionError) as refused:
            await bob.join(joined.code, "ann")
        assert refused.value.code == "NAME_TAKEN"
        await bob.join(joined.code.lower(), "Bob")
        ann.ready()
        bob.ready()
        countdown = await seen_ann.expect(CountdownStarted)
        assert isinstance(countdown, CountdownStarted) and countdown.race.text == TEXT
        await seen_bob.expect(CountdownStarted)
        await asyncio.gather(
            type_text(ann, countdown.starts_at, 0.02), type_text(bob, countdown.starts_at, 0.06)
        )
        result = await seen_ann.expect(ResultReceived)
        assert isinstance(result, ResultReceived) and result.result.place == 1
        standings = await seen_bob.expect(StandingsReceived)
        assert isinstance(standings, StandingsReceived)
        rows = standings.standings.standings
        assert [(s.name, s.status) for s in rows] == [("Ann", "finished"), ("Bob", "finished")]
        while bob.client.state is not State.RESULTS:  # the room's state comes in its own frame
            await seen_bob.expect(RoomChanged)
    finally:
        await ann.close()
        await bob.close()
