"""Races are fair over a bad link: two racers, a latency-injecting proxy, a real `bartype serve`.

Each racer talks to the server through its own ``LatencyProxy`` on 127.0.0.1.
Both type with the same key times (ms since the start signal on their own
clock); one of them, the one the tie-break rule says should win, is on the slow
link (0, 200 or 1,000 ms of added round trip, with jitter) and has its
connection cut halfway through the text, and resumes. Latency must change
nothing: the same official time and WPM for both, the tie decided by accuracy
and then by order of joining, no false start, no late start.

The server runs on this machine, so its clock (``time.monotonic``, in ms on the
wire) is the very clock the event loop reads: the test can tell how far a
racer's start signal is from the server's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from support import TIMEOUT_FACTOR, start_server, stop_server
from support.proxy import LatencyProxy

from bartype.core.keystrokes import BACKSPACE_NAME
from bartype.protocol.race_events import (
    CountdownStarted,
    Disconnected,
    Joined,
    RaceErrorReceived,
    RaceEvent,
    ResultReceived,
    StandingsReceived,
)
from bartype.transport.race import RaceConnection

T = 20 * TIMEOUT_FACTOR
TEXT = "the quick brown fox"
FIRST_KEY_MS = 100.0
STEP_MS = 45.0
FIX_AT = 5
"""Where both racers go back one character: one retypes a correct one, the other mends a typo."""
COUNTDOWN_S = 1.0
"""Longer than the slowest link's one-way delay, as any countdown worth the name is."""
START_SLACK_S = 0.06 * TIMEOUT_FACTOR
"""How far from the server's start a racer's start may be, on top of the link's jitter
(the frame waits for the event loop, on a loaded machine)."""


E = TypeVar("E")


@pytest.fixture(scope="module")
def server_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One real `bartype serve` process for the module; each race has its own room."""
    db: Path = tmp_path_factory.mktemp("fair") / "server.sqlite3"
    proc, port = start_server(db)
    try:
        yield port
    finally:
        stop_server(proc)


def plan(*, typo: bool) -> list[tuple[str, float]]:
    """The race keys and their times: TEXT, going back once at ``FIX_AT``.

    Both plans have the same number of keys at the same times and type the
    same text; the one with the typo is less accurate.
    """
    first = "x" if typo else TEXT[FIX_AT]
    keys = [*TEXT[:FIX_AT], first, BACKSPACE_NAME, *TEXT[FIX_AT:]]
    return [(key, FIRST_KEY_MS + i * STEP_MS) for i, key in enumerate(keys)]


class Racer:
    """One ``RaceConnection`` and every event it reported."""

    def __init__(self, race: RaceConnection) -> None:
        self.race = race
        self.events: list[RaceEvent] = []
        self._queue: asyncio.Queue[RaceEvent] = asyncio.Queue()
        race.on_event = self._seen

    def _seen(self, event: RaceEvent) -> None:
        self.events.append(event)
        self._queue.put_nowait(event)

    async def expect(self, kind: type[E]) -> E:
        async with asyncio.timeout(T):
            while True:
                event = await self._queue.get()
                if isinstance(event, kind):
                    return event

    async def type(self, keys: list[tuple[str, float]], cut: LatencyProxy | None) -> None:
        """Send each key when its time comes on this racer's clock; ``cut`` the link halfway."""
        starts_at = self.race.client.starts_at
        assert starts_at is not None
        for i, (key, t) in enumerate(keys):
            at = starts_at + t / 1000
            await asyncio.sleep(max(0.0, at - self.race.now()))
            self.race.send_key(key, at)
            if cut is not None and i == len(keys) // 2:
                assert cut.drop() == 1
        self.race.flush()


CASES = [
    pytest.param(0, "join order", id="0ms-join-order"),
    pytest.param(200, "accuracy", id="200ms-accuracy"),
    pytest.param(1000, "join order", id="1000ms-join-order"),
]


@pytest.mark.parametrize(("rtt_ms", "tie"), CASES)
async def test_latency_and_a_dropped_link_change_nothing(
    server_port: int, rtt_ms: int, tie: str
) -> None:
    """Same times, same WPM; the tie goes by accuracy, then joining; no false or late start."""
    jitter_ms = rtt_ms / 10
    async with (
        LatencyProxy(server_port, rtt_ms, jitter_ms, seed=rtt_ms) as slow,
        LatencyProxy(server_port, 0) as fast,
    ):
        # The racer the rules make the winner is on the slow link, and is cut off.
        ann_link, bob_link = (slow, fast) if tie == "join order" else (fast, slow)
        links = (ann_link, bob_link)
        connected = await asyncio.gather(*(RaceConnection.connect(p.url) for p in links))
        ann, bob = (Racer(race) for race in connected)
        try:
            joined = await ann.race.create(
                "Ann", {"mode": "custom", "text": TEXT}, countdownS=COUNTDOWN_S
            )
            await bob.race.join(joined.code, "Bob")
            ann.race.ready()
            bob.race.ready()
            counts = [await r.expect(CountdownStarted) for r in (ann, bob)]
            for count in counts:
                # One machine, one monotonic clock: the racer's start against the server's.
                early_or_late = count.starts_at - count.race.starts_at / 1000
                assert abs(early_or_late) <= jitter_ms / 1000 + START_SLACK_S, early_or_late
            winner, loser = (ann, bob) if tie == "join order" else (bob, ann)
            await asyncio.gather(
                winner.type(plan(typo=False), slow),
                loser.type(plan(typo=tie == "accuracy"), None),
            )
            results = [(await r.expect(ResultReceived)).result for r in (ann, bob)]
            standings = (await winner.expect(StandingsReceived)).standings.standings
        finally:
            await asyncio.gather(ann.race.close(), bob.race.close())
    assert slow.connections == 2 and fast.connections == 1  # cut once, resumed on a new one
    assert any(isinstance(e, Disconnected) and e.resuming for e in winner.events)
    assert [e.resumed for e in winner.events if isinstance(e, Joined)] == [False, True]
    errors = [e.error for r in (ann, bob) for e in r.events if isinstance(e, RaceErrorReceived)]
    assert errors == []  # no false start, no batch refused, no gap
    last_t = plan(typo=False)[-1][1]
    assert [(r.status, r.time_ms, r.flags) for r in results] == [("finished", last_t, ())] * 2
    order = ["Ann", "Bob"] if tie == "join order" else ["Bob", "Ann"]
    assert [s.name for s in standings] == order
    first, second = standings
    assert (first.time_ms, first.wpm) == (second.time_ms, second.wpm) == (last_t, first.wpm)
    if tie == "join order":
        assert first.accuracy == second.accuracy == 100.0
    else:
        assert first.accuracy == 100.0 > second.accuracy
    assert [s.flags for s in standings] == [(), ()]
