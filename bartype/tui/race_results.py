"""A race result kept in the local history: the racer's own keys replayed, with the place.

The server computes a racer's figures from the keys they sent; the race app
sent exactly the keys its local session took, at the same times, so replaying
that log through the core under the race's rules gives the server's figures
(as ``bartype play`` keeps a result typed against a server). Runs in a thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bartype.core.keystrokes import Keystroke
from bartype.core.options import TestLabel
from bartype.core.race import GHOST_ROOM, RacePlace, history_labels, kept_result, race_config
from bartype.core.records import frozen
from bartype.core.session import replay
from bartype.protocol.race_messages import RaceCountdown, RaceResult


@frozen
class RaceToKeep:
    """What a racer's history needs of one race, as their race ended."""

    room: str
    race: RaceCountdown
    options: Mapping[str, Any]
    """The room's text options (``ROOM_STATE.options``)."""
    keys: tuple[Keystroke, ...]
    """The keys the local session took (and sent), race times in ms."""
    result: RaceResult
    racers: int
    ghost: TestLabel | None = None
    """Raced against a ghost of this test: the result is filed under it (``GHOST_ROOM``)."""


def keep_race(history_path: Path, race: RaceToKeep) -> int | None:
    """Save the race result, with the place of its ``RACE_RESULT`` (the standings may
    change it: ``set_final_place``).

    Returns the result's id, or ``None`` when nothing was typed.

    Raises:
        HistoryError: the history cannot be written.
    """
    from bartype.storage.history import History

    countdown, outcome = race.race, race.result
    session = replay(race_config(countdown.mode, countdown.text), countdown.text, list(race.keys))
    if session.state.is_open:
        session.end()  # did not finish: what was typed, up to the last key
    result = session.result
    if result is None:
        return None
    language, options = history_labels(countdown.mode, race.options)
    test = TestLabel(countdown.mode, countdown.mode2, language, countdown.text_id, options)
    room = race.room
    if race.ghost is not None:  # the recording's test: compared with its bests, as solo
        test, room = race.ghost, GHOST_ROOM
    with History(history_path) as history:
        return history.save(
            kept_result(result, outcome.flags, outcome.status == "finished"),
            text=countdown.text,
            text_id=test.text_id,
            language=test.language,
            mode=test.mode,
            mode2=test.mode2,
            options=test.options,
            race=RacePlace(room, countdown.race_id, outcome.place, race.racers),
        )


def set_final_place(history_path: Path, result_id: int, place: int, racers: int) -> None:
    """Give a kept race result the place and the number of racers of the final standings.

    Raises:
        HistoryError: the history cannot be written.
    """
    from bartype.storage.history import History

    with History(history_path) as history:
        history.set_race_place(result_id, place, racers)
