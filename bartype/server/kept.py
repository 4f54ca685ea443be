"""Sessions kept across a restart: stored at shutdown, restored at the next start.

A server stores, under its address (``owner``), the sessions its clients may
still resume; the next server started on the same address takes them back
(once), with the time it was down added to every session's clock.
"""

from __future__ import annotations

import logging
import time

from bartype.protocol.handler import SessionHandler
from bartype.protocol.stores import ResultStore

log = logging.getLogger("bartype.server")


def keep_sessions(handler: SessionHandler, history: ResultStore, owner: str) -> None:
    """Store the sessions clients may still resume, so that a restart can restore them."""
    snapshots = handler.export_sessions(time.monotonic())
    try:
        history.keep_live_sessions(owner, snapshots)
    except Exception:  # the results are safe already; only resuming is lost
        log.exception("could not keep the sessions in progress")
        return
    if snapshots:
        log.info("kept %s for the next start", _sessions(len(snapshots)))


def restore_sessions(handler: SessionHandler, history: ResultStore, owner: str) -> None:
    """Bring back the sessions a previous run on this address kept (once)."""
    try:
        kept = history.take_live_sessions(owner)
    except Exception:
        log.exception("could not read the sessions kept by the previous run")
        return
    if not kept:
        return
    now, wall = time.monotonic(), time.time()
    restored = sum(
        handler.import_sessions([snapshot], now, max(0.0, wall - saved_at))
        for saved_at, snapshot in kept
    )
    log.info(
        "restored %d of %s from before the restart (%.1f s ago)",
        restored,
        _sessions(len(kept)),
        max(0.0, wall - kept[-1][0]),
    )


def _sessions(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"
