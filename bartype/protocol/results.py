"""What a finished test says: its validity, whether it is kept, and its ``SESSION_COMPLETE``.

The core decides a result's validity by Monkeytype's rules
(``core.session``); the server adds what only it can see: an inhuman burst
(``LiveSession.feed``) and a client clock that ran slower than the server's
(``FLAG_TIMING``). An empty or AFK test is shown but not kept. A kept result
goes to the ``ResultSink`` with its label (``text_options``), asked first
whether it is a personal best; a storage failure loses the stored copy, never
the result the typist sees.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from bartype.core.options import TestLabel
from bartype.core.session import Result, text_options
from bartype.protocol.live import LiveSession
from bartype.protocol.stores import ResultSink
from bartype.protocol.views import metrics_to_json

log = logging.getLogger("bartype.protocol")

FLAG_TIMING = "timing mismatch"
"""The client's clock claims under half the server's time between the first and last keys."""


def server_flags(live: LiveSession, result: Result) -> set[str]:
    """The flags the server raises on ``result``: inhuman bursts, and a clock that lagged."""
    flags = set(live.flags)
    if live.first_key_at is not None:
        observed = live.last_key_at - live.first_key_at - live.paused_s
        if result.metrics.duration_s < 0.5 * observed - 2.0:
            flags.add(FLAG_TIMING)
    return flags


def worth_keeping(result: Result) -> bool:
    """An empty or AFK test says nothing about the typist: shown, never stored."""
    return result.metrics.keypresses > 0 and not result.metrics.afk


@dataclass(slots=True)
class Completion:
    """A finished test: the ``SESSION_COMPLETE`` data, and why storing it failed (if it did)."""

    data: dict[str, Any]
    storage_error: str | None = None


def complete(live: LiveSession, history: ResultSink | None) -> Completion:
    """Judge ``live``'s closed session, store its result if it is worth keeping, say so.

    The session must be closed (``live.session.state`` not open).
    """
    session = live.session
    result = session.result
    data: dict[str, Any] = {
        "sessionId": live.id,
        "state": session.state.value,
        "mode": live.mode,
        "mode2": live.mode2,
        "ack": live.acked,
        "metrics": None,
        "valid": False,
        "invalidReasons": [],
        "flags": [],
        "resultId": None,
        "personalBest": False,
    }
    done = Completion(data)
    if result is None:
        return done
    flags = server_flags(live, result)
    if flags:
        reasons = result.invalid_reasons + tuple(sorted(flags - set(result.invalid_reasons)))
        result = dataclasses.replace(result, invalid_reasons=reasons)
    data["metrics"] = metrics_to_json(result.metrics)
    data["valid"] = result.is_valid
    data["invalidReasons"] = list(result.invalid_reasons)
    data["flags"] = sorted(flags)
    if history is not None and worth_keeping(result):
        try:
            store(live, result, history, data)
        except Exception as exc:  # storage trouble must not lose the live result
            log.exception("could not store the result of session %s", live.id)
            data["personalBest"] = False
            done.storage_error = (
                f"The result could not be stored ({type(exc).__name__}); it is shown but not kept."
            )
    return done


def store(live: LiveSession, result: Result, history: ResultSink, data: dict[str, Any]) -> None:
    """Ask whether ``result`` is a personal best, then save it; fill ``data`` in."""
    options = text_options(
        live.mode,
        bool(live.options.get("punctuation")),
        bool(live.options.get("numbers")),
    )
    label = TestLabel(live.mode, live.mode2, live.language, live.text_id, options)
    data["personalBest"], data["resultId"] = file_result(history, result, label, live.text)


def file_result(
    history: ResultSink, result: Result, label: TestLabel, text: str | None
) -> tuple[bool, int]:
    """File ``result`` of ``text`` under ``label``: whether it is a personal best (asked
    before it is saved), and its id. The handler and a client keeping a server's result
    in its own history both file results this way."""
    best = history.is_personal_best(
        result,
        mode=label.mode,
        mode2=label.mode2,
        language=label.language,
        options=label.options,
        text=text,
    )
    result_id = history.save(
        result,
        text=text,
        text_id=label.text_id,
        language=label.language,
        mode=label.mode,
        mode2=label.mode2,
        options=label.options,
    )
    return best, result_id
