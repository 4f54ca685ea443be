"""Which stored result to race as a ghost (``bartype race --ghost``).

A chosen result by its id, or else your personal best on the test you took
last (the latest one with a finish line: a timed test or zen has none). The
recording must have reached the end of its text, or its ghost could not finish.
"""

from __future__ import annotations

from bartype.core.ghost import RACEABLE_MODES, Ghost, GhostError
from bartype.core.options import TestLabel
from bartype.storage.history import History, StoredResult, text_key

COMPLETED = "completed"


def ghost_result(history: History, result_id: int | None = None) -> StoredResult:
    """The result to race, with its keystroke log.

    Raises:
        GhostError: no such result, none to race yet, or one that cannot be raced.
    """
    if result_id is not None:
        try:
            chosen = history.get(result_id)
        except KeyError:
            raise GhostError(f"there is no result #{result_id} in {history.path}") from None
        ghost_of(chosen)  # raises if it cannot be raced
        if chosen.state != COMPLETED:
            raise GhostError(
                f"result #{result_id} did not reach the end of its text ({chosen.state}), "
                "so its ghost could not finish"
            )
        return chosen
    latest = next(
        (r for r in history.recent() if r.mode in RACEABLE_MODES and r.state == COMPLETED), None
    )
    if latest is None:
        raise GhostError(
            "no finished test with a finish line in the history yet (a timed or zen test "
            "has none): take one with bartype play, then race its ghost"
        )
    key = (latest.mode, latest.mode2, latest.language, latest.options)
    best = history.personal_bests().get((*key, text_key(latest.mode, latest.text)))
    if best is None or best.state != COMPLETED:
        best = latest  # no valid result of that test yet: the latest is the one to beat
    return history.get(best.id)


def ghost_of(result: StoredResult) -> Ghost:
    """The ghost of ``result`` (loaded with its keystrokes); raises ``GhostError``."""
    label = TestLabel(result.mode, result.mode2, result.language, result.text_id, result.options)
    return Ghost.from_recording(result.mode, result.text, result.keystrokes or (), label)


def describe(result: StoredResult) -> str:
    """The recording in a few words, for the racer: which test, how fast, when."""
    import time

    test = f"{result.mode} {result.mode2}".strip()
    when = time.strftime("%Y-%m-%d", time.localtime(result.created_at))
    return (
        f"#{result.id} {test}, {result.wpm:.0f} wpm, {result.accuracy:.0f}%, "
        f"{result.duration_s:.1f} s, {when}"
    )
