"""The rules of a room: its settings, its codes, its players' names, and its errors.

A room code is short and easy to read aloud (letters without look-alikes); a
player's name is data shown everywhere, so it is checked here once: no control
or format character ever reaches a terminal or a page through it.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import field
from enum import Enum
from typing import Any, Final

from bartype.core.race import CheatRules
from bartype.core.records import frozen
from bartype.core.session import SessionConfig
from bartype.protocol.messages import MAX_ROOM_PLAYERS, ErrorCode, ProtocolError


class RoomState(Enum):
    """Life cycle of a room; see ``bartype.protocol.rooms``."""

    LOBBY = "lobby"
    COUNTDOWN = "countdown"
    RACING = "racing"
    FINISHING = "finishing"
    RESULTS = "results"


RACE_ON = (RoomState.COUNTDOWN, RoomState.RACING, RoomState.FINISHING)
# What a racer's every key compares the room's state with, as module globals: Python 3.11
# reads a member off its Enum class through ``EnumType.__getattr__``, some ten times the cost.
ROOM_LOBBY: Final = RoomState.LOBBY
ROOM_COUNTDOWN: Final = RoomState.COUNTDOWN
RACE_UNDER_WAY = (RoomState.RACING, RoomState.FINISHING)
TRANSITIONS = {
    RoomState.LOBBY: {RoomState.COUNTDOWN},
    RoomState.COUNTDOWN: {RoomState.RACING, RoomState.LOBBY},
    RoomState.RACING: {RoomState.FINISHING, RoomState.RESULTS},
    RoomState.FINISHING: {RoomState.RESULTS},
    RoomState.RESULTS: {RoomState.LOBBY},
}


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ"
"""Room code letters: upper case without I, L, O (one, ell, zero), U and V (alike)."""
CODE_LENGTH = 4
MAX_CODE_LENGTH = 6
MAX_PLAYER_NAME = 20


class RoomError(ProtocolError):
    """A room message that cannot be accepted; ``extra`` goes into the ``ERROR`` data."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message)
        self.extra = extra


@frozen
class RoomConfig:
    """The rules of a room. Defaults are the documented ones (docs/protocol.md)."""

    max_players: int = MAX_ROOM_PLAYERS
    """Members of every kind, spectators included."""
    countdown_s: float = 3.0
    finish_deadline_s: float = 30.0
    """After the first finisher, the others have this long."""
    progress_interval_s: float = 0.1
    """``RACE_PROGRESS`` at most this often, and only when something changed."""
    resume_grace_s: float = 30.0
    idle_mark_s: float = 15.0
    idle_dnf_s: float = 60.0
    auto_start_min: int = 2
    """Everyone ready starts the race, with at least this many racers."""
    future_tolerance_ms: float = 1500.0
    """A key time later than the server's time since the start plus this is refused."""
    resend_window_s: float = 5.0
    """Batches arriving this soon after a resume may be resent ones: their arrival
    time is not held against their key times."""
    cheat: CheatRules = field(default_factory=CheatRules)


@frozen
class RaceText:
    """What a race is typed on: the text and the session rules for it."""

    text: str
    config: SessionConfig
    mode: str
    mode2: str = ""
    text_id: str | None = None


# -- names and codes ---------------------------------------------------------

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_name(raw: str) -> str:
    """A player name fit to show anywhere, or ``RoomError(BAD_NAME)``.

    NFC-normalised and trimmed; 1 to ``MAX_PLAYER_NAME`` characters; no control
    or format characters (escape sequences, bidirectional overrides, zero-width
    characters), no line breaks or tabs. Anything else is kept as typed:
    ``[red]x[/]`` is a name, shown literally, never markup.
    """
    name = unicodedata.normalize("NFC", raw).strip(" ")
    bad = next(
        (
            ch
            for ch in name
            if unicodedata.category(ch) in _REFUSED_CATEGORIES or (ch.isspace() and ch != " ")
        ),
        None,
    )
    if bad is not None:
        raise RoomError(
            ErrorCode.BAD_NAME,
            f"A name cannot contain the character U+{ord(bad):04X}; use letters, digits, "
            "punctuation and spaces.",
        )
    if not name or len(name) > MAX_PLAYER_NAME:
        raise RoomError(ErrorCode.BAD_NAME, f"A name has 1 to {MAX_PLAYER_NAME} characters.")
    return name


def new_code(rng: random.Random, length: int = CODE_LENGTH) -> str:
    """A room code of ``length`` letters from ``CODE_ALPHABET``."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str | None:
    """A code as typed (any case, spaces around) in its canonical form; ``None`` if malformed."""
    code = raw.strip().upper()
    if CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        return code
    return None


def wire_ms(seconds: float) -> int:
    """Server time as whole milliseconds, as on the wire."""
    return round(seconds * 1000)
