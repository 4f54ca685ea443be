"""A live session as JSON-able data and back: what keeps tests in progress across a restart.

A test in progress is its options, its text and its keystroke log (replaying
the log rebuilds the typing state), the protocol state around it, and its
server times as seconds before the moment of the snapshot (server clocks do
not survive a restart). A finished test is its ``SESSION_COMPLETE`` data (its
client may not have received it). ``SessionHandler.export_sessions`` and
``import_sessions`` decide which sessions go and come back; this module only
converts one.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, replay
from bartype.protocol.addresses import address_key
from bartype.protocol.live import LiveSession, phase_of
from bartype.protocol.messages import SESSION_COMPLETE, Outgoing


def snapshot(live: LiveSession, idle_s: float, paused_s: float, now: float) -> dict[str, Any]:
    """``live`` as data at server time ``now``, unused for ``idle_s`` and paused ``paused_s``."""

    def ago(at: float | None) -> float | None:
        return None if at is None else now - at

    finished = live.complete is not None
    config = live.session.config
    return {
        "id": live.id,
        "tokenHash": live.token_hash,
        "idleS": idle_s,
        "text": live.text,
        "mode": live.mode,
        "mode2": live.mode2,
        "language": live.language,
        "textId": live.text_id,
        "options": live.options,
        "config": {
            "mode": config.mode.value,
            "durationS": config.duration_s,
            "wordCount": config.word_count,
            "idleLimitMs": config.idle_limit_ms,
        },
        "complete": live.complete.data if live.complete is not None else None,
        "log": [] if finished else [[n, t] for n, t in live.session.log.entries()],
        "acked": live.acked,
        "lastT": live.last_t,
        "flags": sorted(live.flags),
        "burst": list(live.burst),
        "legacyTyped": live.legacy_typed,
        "startedAgoS": ago(live.started_at),
        "lastKeyAgoS": ago(live.last_key_at) if live.started_at is not None else None,
        "firstKeyAgoS": ago(live.first_key_at),
        "pausedS": paused_s,
        "peer": live.peer,
    }


def restore(snap: dict[str, Any], then: float) -> LiveSession:
    """One session from its snapshot; ``then`` is the server time the snapshot means by now.

    Raises (``KeyError``, ``ValueError``, ``TypeError``, ...) on a snapshot that
    does not rebuild: damaged, or from an incompatible version.
    """
    cfg = snap["config"]
    config = SessionConfig(
        Mode(cfg["mode"]),
        duration_s=cfg["durationS"],
        word_count=cfg["wordCount"],
        idle_limit_ms=float(cfg["idleLimitMs"]),
    )
    token_hash = snap["tokenHash"]
    if not isinstance(token_hash, str) or len(token_hash) != 64:
        raise ValueError("a snapshot without a token hash")
    complete = snap["complete"]
    keys = [stroke for name, t in snap["log"] for stroke in keystrokes_from_key(name, t)]
    session = replay(config, snap["text"], keys)
    if complete is None and not session.state.is_open:
        raise ValueError(f"session {snap['id']} does not replay to an open test")

    def at(ago: float | None) -> float | None:
        return None if ago is None else then - float(ago)

    started_at = at(snap["startedAgoS"])
    last_key_at = at(snap["lastKeyAgoS"])
    done = None if complete is None else Outgoing(SESSION_COMPLETE, dict(complete))
    return LiveSession(
        id=str(snap["id"]),
        token_hash=token_hash,
        session=session,
        text=snap["text"],
        mode=str(snap["mode"]),
        mode2=str(snap["mode2"]),
        language=snap["language"],
        text_id=snap["textId"],
        options=dict(snap["options"]),
        phase=phase_of(started_at, done),
        started_at=started_at,
        acked=int(snap["acked"]),
        last_t=snap["lastT"],
        last_key_at=0.0 if last_key_at is None else last_key_at,
        first_key_at=at(snap["firstKeyAgoS"]),
        paused_s=float(snap.get("pausedS", 0.0)),
        peer=address_key(str(snap.get("peer", ""))),
        flags=set(snap["flags"]),
        burst=deque(float(t) for t in snap["burst"]),
        complete=done,
        legacy_typed=str(snap["legacyTyped"]),
    )
