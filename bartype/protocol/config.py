"""``HandlerConfig``: the session handler's tunable rules, with the documented defaults."""

from __future__ import annotations

from dataclasses import field

from bartype import __version__
from bartype.core.records import frozen
from bartype.protocol.budget import Budget
from bartype.protocol.messages import (
    MAX_KEYS_PER_BATCH,
    MAX_TEXT_CHARS,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    WELCOME,
    Action,
    CloseCode,
    ErrorCode,
    Outgoing,
    close,
    error,
)


@frozen
class HandlerConfig:
    """Tunable rules. Defaults are the documented ones (docs/protocol.md)."""

    session_ttl_s: float = 600.0
    """Sessions unused for this long are forgotten (resume no longer possible)."""
    future_tolerance_ms: float | None = 1500.0
    """A key time later than the server's elapsed time since START plus this is rejected."""
    time_grace_ms: float = 1500.0
    """A timed test is closed by the server's clock this long after its time is up (by the
    client's clock, extrapolated from its last key): the last keys of a client whose
    batches lag by up to this much still count. As much as ``future_tolerance_ms``."""
    burst_keys: int = 20
    burst_min_ms: float = 400.0
    """``burst_keys`` characters within less than this (over 600 WPM) flag the result."""
    idle_limit_ms: float = 60_000.0
    restore_grace_s: float = 30.0
    """After a restart, restored tests wait this long for their typists to reconnect
    before the clock may end them (a client retries for about 30 s)."""
    max_sessions: int = 20_000
    max_frame: int = 65_536
    rate: float = 50.0
    """Advertised in ``WELCOME``; enforced by the server."""
    budget: Budget = field(default_factory=Budget)
    """What a session, and the sessions of one address, may hold."""
    key_rate: float = 60.0
    key_burst: float = 3000.0
    """Keys a connection may send: ``key_rate`` a second (720 WPM) sustained, bursts of
    ``key_burst`` (the resend after a reconnection); beyond, RATE_LIMITED and close 1008."""

    def version_refusal(self, version: int) -> list[Action]:
        """What a ``HELLO`` of ``version`` gets if this server does not speak it (else none):
        ``VERSION_MISMATCH`` with the versions it does speak, and close 4002."""
        if version in SUPPORTED_VERSIONS:
            return []
        return [
            error(
                ErrorCode.VERSION_MISMATCH,
                f"This server speaks protocol version {PROTOCOL_VERSION}, not {version}. "
                "Update bartype on the older side.",
                supported=list(SUPPORTED_VERSIONS),
            ),
            close(CloseCode.VERSION_MISMATCH),
        ]

    def welcome(self) -> Outgoing:
        """The ``WELCOME`` that tells a client these rules."""
        return Outgoing(
            WELCOME,
            {
                "version": PROTOCOL_VERSION,
                "server": f"bartype/{__version__}",
                "limits": {
                    "maxFrame": self.max_frame,
                    "rate": self.rate,
                    "maxKeys": MAX_KEYS_PER_BATCH,
                    "maxText": MAX_TEXT_CHARS,
                    "sessionTtlS": self.session_ttl_s,
                },
            },
        )
