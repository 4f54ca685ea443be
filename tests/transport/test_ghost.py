"""A ghost race over the loopback: a stored recording replayed as a racer, in real time.

No server and no network: the racer and the ghost are two connections to one
in-process handler, as `bartype race --ghost` runs them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from support import TIMEOUT_FACTOR

from bartype.core.ghost import Ghost
from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.normalize import split_words
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, TypingSession, replay
from bartype.protocol.handler import SessionHandler
from bartype.protocol.race_events import ProgressUpdated, RaceEvent
from bartype.protocol.race_states import State
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.ghosts import ghost_of, ghost_result
from bartype.storage.history import History, StoredResult
from bartype.transport.ghost import GhostRacer, GhostState, ghost_room
from bartype.transport.loopback import LoopbackServer
from bartype.transport.race import RaceConnection

T = 10 * TIMEOUT_FACTOR
TEXT = "the cat sat on a mat"
LATE_MS = 250 * TIMEOUT_FACTOR
"""How far behind its recording a lane may be: a tick (100 ms) and a loaded machine."""


def recording(text: str, typo_at: int, step_ms: float) -> list[Keystroke]:
    """``text`` typed at about ``step_ms`` a key (uneven), with one typo fixed at once."""
    keys: list[Keystroke] = []
    t = 2000.0
    for i, ch in enumerate(text):
        if i == typo_at:
            keys.append(Keystroke(KeyKind.CHAR, t, "x"))
            keys.append(Keystroke.backspace(t + step_ms * 1.5))
            t += step_ms * 3
        keys.append(Keystroke(KeyKind.CHAR, t, ch))
        t += step_ms * (0.5 if i % 3 else 1.7) + 0.123
    return keys


def stored(tmp_path: Path) -> StoredResult:
    """A recording kept in a real history file, read back as `--ghost` reads it."""
    session = replay(SessionConfig(Mode.CUSTOM), TEXT, recording(TEXT, 5, 40.0))
    assert session.result is not None
    with History(tmp_path / "history.sqlite3") as history:
        history.save(session.result, text=TEXT)
        return ghost_result(history)


def position_at(ghost: Ghost, elapsed_ms: float) -> int:
    """Where the recording's caret was ``elapsed_ms`` after its first key."""
    session = TypingSession(SessionConfig(Mode.CUSTOM), ghost.text)
    for name, t in ghost.keys:
        if t > elapsed_ms or not session.state.is_open:
            break
        session.apply(
            Keystroke(KeyKind.CHAR, t, name) if len(name) == 1 else Keystroke.backspace(t)
        )
    if not session.state.is_open:
        return len(ghost.text)
    starts = [0]
    for word in split_words(ghost.text):
        starts.append(starts[-1] + len(word))
    a = session.analyzer
    return starts[a.index] + min(len(a.inputs[a.index]), len(a.targets[a.index]))


async def until(ok: Callable[[], bool], what: str) -> None:
    try:
        async with asyncio.timeout(T):
            while not ok():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


@pytest.mark.parametrize("user_step_s", [0.02, 0.12], ids=["racer-faster", "ghost-faster"])
async def test_a_ghost_runs_as_recorded(tmp_path: Path, user_step_s: float) -> None:
    """The ghost sets off with the racer's first key; the room gets each of its keys at
    the recorded time after that; its lane at every tick is where the recording was then
    (at most a tick behind, never ahead); and its final figures are the recorded ones."""
    result = stored(tmp_path)
    ghost = ghost_of(result)
    server = LoopbackServer(SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None))
    user = RaceConnection(server)
    racer = GhostRacer(RaceConnection(server), ghost, f"Ghost #{result.id}")
    lanes: list[tuple[int, int]] = []
    """(elapsedMs, the ghost's position) of every RACE_PROGRESS."""

    def seen(event: RaceEvent) -> None:
        if isinstance(event, ProgressUpdated):
            for lane in event.progress.racers:
                if lane.id == racer.race.client.player_id:
                    lanes.append((event.progress.elapsed_ms, lane.position))

    try:
        await user.open()
        user.on_event = seen
        options, room = ghost_room(ghost)
        joined = await user.create("ann", options, **{**room, "countdownS": 0.2})
        await racer.join(joined.code)

        def ghost_ready() -> bool:
            room = user.client.room
            return room is not None and any(p.ready for p in room.players)

        await until(ghost_ready, "the ghost ready")

        def racing() -> bool:
            user.tick()
            return user.client.state is State.RACING

        user.start()
        await until(racing, "the start")
        await asyncio.sleep(0.15)  # a reaction time: the ghost waits for the first key
        assert racer.state is GhostState.WAITING
        # The racer's keys are timed one step apart, as typed, whenever a loaded machine
        # gets to send them: who finishes first does not depend on the load.
        start = user.now()
        first_t = user.client.race_ms(start)
        for i, ch in enumerate(TEXT):
            await asyncio.sleep(max(0.0, start + i * user_step_s - user.now()))
            user.send_key(ch, t=first_t + i * user_step_s * 1000)
            if i == 0:
                racer.set_off(first_t)
        user.flush()
        await until(lambda: user.client.standings is not None, "the standings")
        racer_id, result_seen = racer.race.client.player_id, racer.race.client.result
    finally:
        await racer.close()
        await user.close()

    assert racer.set_off_ms == first_t
    code = joined.code
    room_now = server.handler.races.registry.get(code)
    assert room_now is not None and room_now.race is not None
    assert racer_id is not None
    log = list(room_now.race.racers[racer_id].session.log.entries())
    assert log == [(name, first_t + t) for name, t in ghost.keys]

    assert lanes, "no lanes were seen"
    for elapsed, position in lanes:
        # Where the recording was at some moment from LATE_MS before the tick to the tick
        # (2 ms for the server's whole-millisecond times); a typo moves it back, too.
        since = elapsed - first_t
        window = [t for _, t in ghost.keys if since - LATE_MS < t <= since + 2]
        was = {position_at(ghost, t) for t in [since - LATE_MS, *window]}
        assert position in was, (elapsed, position, was)
    assert len({position for _, position in lanes}) > 3  # it was seen moving

    assert result_seen is not None
    figures = result_seen.metrics
    assert figures is not None
    assert figures["wpm"] == pytest.approx(result.wpm, rel=1e-9)
    assert figures["rawWpm"] == pytest.approx(result.raw, rel=1e-9)
    assert figures["accuracy"] == pytest.approx(result.accuracy, rel=1e-9)
    assert figures["consistency"] == pytest.approx(result.consistency, rel=1e-9)
    assert figures["durationS"] == pytest.approx(result.duration_s, rel=1e-9)
    counts = ("correct", "incorrect", "extra", "missed", "keypresses", "errors")
    assert [figures[k] for k in counts] == [getattr(result, k) for k in counts]
    standings = user.client.standings
    assert standings is not None
    by_id = {s.id: s for s in standings.standings}
    ghost_row = by_id[racer_id]
    assert ghost_row.status == "finished" and ghost_row.flags == ()
    assert ghost_row.position == len(TEXT)
    assert ghost_row.time_ms == pytest.approx(first_t + ghost.duration_ms, abs=0.1)
    assert ghost_row.wpm == pytest.approx(result.wpm, rel=1e-9)
    faster = user_step_s < 0.05
    assert [s.name for s in standings.standings] == (
        ["ann", racer.name] if faster else [racer.name, "ann"]
    )
