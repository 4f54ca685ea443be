"""Where a racer is in a room: ``RaceClient``'s states and the moves between them.

::

                create() / join()       ROOM_JOINED + ROOM_STATE
        IDLE ─────────────────▶ JOINING ──────────────────────▶ LOBBY ◀──────────────┐
         ▲  ▲  refused (ERROR)     │                              │ countdown        │ rematch
         │  └──────────────────────┘                              ▼                  │ (ROOM_STATE
         │                                             ┌────── COUNTDOWN             │  lobby)
         │                                  all racers │          │ racing           │
         │                                  left: LOBBY◀┘          ▼                  │
         │                                                     RACING ──RACE_RESULT──▶ DONE
         │                                                        │                    │
         │                                                        └──▶ RESULTS ◀───────┘
         │ ROOM_LEFT, ROOM_TAKEN_OVER,                                 (RACE_STANDINGS)
         └── RESUME_EXPIRED, ROOM_NOT_FOUND on resume: from any state

    Joining mid-race lands in COUNTDOWN or RACING as a spectator (no keys taken).
    While the link is down the state stays, and so it does while ``RESUME_ROOM`` is
    answered on a new connection (keys are still taken: they go after the resend);
    the ``ROOM_STATE`` that answers it is then taken as it is, whatever it is.
"""

from __future__ import annotations

import enum


class State(enum.Enum):
    """Where this member is; see the module docstring for the diagram."""

    IDLE = "idle"
    JOINING = "joining"
    LOBBY = "lobby"
    COUNTDOWN = "countdown"
    RACING = "racing"
    DONE = "done"
    RESULTS = "results"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.IDLE: frozenset({State.JOINING}),
    State.JOINING: frozenset(
        {State.LOBBY, State.COUNTDOWN, State.RACING, State.DONE, State.RESULTS}
    ),
    State.LOBBY: frozenset({State.COUNTDOWN}),
    State.COUNTDOWN: frozenset({State.RACING, State.LOBBY, State.RESULTS}),
    State.RACING: frozenset({State.DONE, State.RESULTS}),
    State.DONE: frozenset({State.RESULTS}),
    State.RESULTS: frozenset({State.LOBBY, State.COUNTDOWN}),
}
"""Allowed moves besides to IDLE and JOINING (always), and any on a resume."""

ROOM_STATES = {
    "lobby": State.LOBBY,
    "countdown": State.COUNTDOWN,
    "racing": State.RACING,
    "finishing": State.RACING,
    "results": State.RESULTS,
}
