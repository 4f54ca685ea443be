"""The gate at TCP accept: each connection starts, waits its turn or is refused by address.

The bookkeeping (caps, token buckets, the queue) is ``bartype.server.admission``;
this starts, pauses and refuses the ``WebSocket`` connections it decides about,
and logs refusals without letting a flood of them flood the log.
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus

from bartype.server.admission import Admission, Refusals, Stage
from bartype.server.connection import Phase, WebSocket

log = logging.getLogger("bartype.server")

LINGER_S = 10.0
"""A refused connection is kept this long at most for its client to send its request and
read the refusal (a loaded client can take seconds)."""
LINGERING_PER_ADDRESS = 1000
"""Refused connections of one address waiting for their answer; one more is closed at
once, unanswered (an fd and a few hundred bytes each, for at most ``LINGER_S``)."""
PER_ADDRESS_FULL = "Too many connections from your address; close some first."
REFUSAL_LOG_S = 10.0
"""Refusals of one address are logged once, then counted in one line per this period."""


class Gate:
    """Admits connections by address when TCP accepts them (see ``bartype.server.admission``)."""

    def __init__(
        self, max_per_ip: int, handshake_rate: float, handshake_burst: float, server_header: str
    ) -> None:
        self.admission: Admission[WebSocket] = Admission(
            max_per_ip, handshake_rate, handshake_burst
        )
        self.refusals = Refusals(server_header)
        self._unlogged: dict[str, int] = {}
        """Per address refused in this period: the first is logged, the others counted."""
        self._logged_at = time.monotonic()
        self._lingering: dict[str, int] = {}
        """Per address: refused connections not yet closed."""

    def arrive(self, ws: WebSocket) -> None:
        """A new TCP connection: start it, make it wait, or refuse it."""
        stage = self.admission.arrive(ws, ws.peer, time.monotonic())
        if stage is Stage.STARTED:
            ws.start()
        elif stage is Stage.WAITING:
            ws.wait()
        else:
            self.refuse(ws, PER_ADDRESS_FULL)

    def refuse(self, ws: WebSocket, message: str) -> None:
        """Answer ``429`` to the request's first bytes, unparsed; close once it is read."""
        peer = ws.peer
        lingering = self._lingering.get(peer, 0)
        if lingering >= LINGERING_PER_ADDRESS:
            ws.abort()
            return
        self._lingering[peer] = lingering + 1
        if peer in self._unlogged:
            self._unlogged[peer] += 1
        else:
            self._unlogged[peer] = 0
            log.warning("refused a connection from %s: %s", peer, message)
        answer = self.refusals.response(HTTPStatus.TOO_MANY_REQUESTS, message, time.time())
        ws.refuse(answer, LINGER_S)

    def left(self, ws: WebSocket, phase: Phase) -> None:
        """A connection is gone; it was in ``phase``."""
        if phase is Phase.REFUSED:
            left = self._lingering.get(ws.peer, 1) - 1
            if left > 0:
                self._lingering[ws.peer] = left
            else:
                self._lingering.pop(ws.peer, None)
        self.admission.left(ws)

    def tick(self, now: float) -> None:
        """Start the connections whose turn came; log the period's refusals."""
        for ws in self.admission.due(now):
            if ws.phase is Phase.WAITING:
                ws.start()
        if now - self._logged_at >= REFUSAL_LOG_S:
            self.admission.forget_idle(now)
            for peer, more in self._unlogged.items():
                if more:
                    log.warning(
                        "refused %d more connections from %s in %.0f s",
                        more,
                        peer,
                        now - self._logged_at,
                    )
            self._unlogged.clear()
            self._logged_at = now

    def close_waiting(self) -> None:
        """At shutdown: drop the connections still waiting for their turn."""
        for ws in self.admission.waiting():
            if ws.phase is Phase.WAITING:
                ws.abort()
