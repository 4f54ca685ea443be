"""What one session, and the sessions of one address, may hold in the server's memory.

A session costs memory for its text and for its keystroke log (about 30 to
100 bytes a key), and it is held until it expires, finished or not. The
handler counts both per session and per client address (the address that
created the session), so that no client, and no crowd of connections from one
address, can take the server's memory: see docs/protocol.md, "Limits". An
address is its ``address_key`` (an IPv6 host by its /64), made by the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from bartype.core.records import frozen


@frozen
class Budget:
    """The limits; the defaults are the documented ones."""

    session_keys: int = 50_000
    """Keystrokes in one session's log: a batch that passes this ends the test."""
    address_keys: int = 500_000
    """Keystrokes in the logs of all the sessions one address holds."""
    address_text_chars: int = 1_000_000
    """Characters of text in all the sessions one address holds."""
    address_sessions: int = 400
    """Sessions (running, or finished and still resumable) one address holds."""
    restore_keys: int = 300_000
    """Keystrokes replayed in all at a restart: kept sessions beyond wait no longer."""


@dataclass(slots=True)
class Usage:
    """What the sessions of one address hold."""

    sessions: int = 0
    keys: int = 0
    text_chars: int = 0


class Ledger:
    """``Usage`` per address, kept up to date by the handler as sessions grow and go."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._usage: dict[str, Usage] = {}

    def usage(self, peer: str) -> Usage:
        """What ``peer``'s sessions hold now (zero for an address holding none)."""
        return self._usage.get(peer) or Usage()

    def refusal(self, peer: str, text_chars: int) -> str | None:
        """Why ``peer`` may not open a session with this much text, or ``None`` if it may."""
        usage = self._usage.get(peer)
        if usage is None:
            return None
        budget = self.budget
        if usage.sessions >= budget.address_sessions:
            return (
                f"your address holds {usage.sessions} sessions (at most {budget.address_sessions})"
            )
        if usage.text_chars + text_chars > budget.address_text_chars:
            return (
                f"the sessions of your address hold {usage.text_chars:,} characters of text "
                f"(at most {budget.address_text_chars:,} in all)"
            )
        if usage.keys >= budget.address_keys:
            return (
                f"the sessions of your address hold {usage.keys:,} keystrokes "
                f"(at most {budget.address_keys:,} in all)"
            )
        return None

    def opened(self, peer: str, text_chars: int) -> Usage:
        """A session of ``peer`` with this much text is held: its ``Usage`` (to count keys on)."""
        usage = self._usage.get(peer)
        if usage is None:
            usage = self._usage[peer] = Usage()
        usage.sessions += 1
        usage.text_chars += text_chars
        return usage

    def released(self, peer: str, text_chars: int, keys: int) -> None:
        """A session of ``peer`` is no longer held."""
        usage = self._usage.get(peer)
        if usage is None:
            return
        usage.sessions -= 1
        usage.text_chars -= text_chars
        usage.keys -= keys
        if usage.sessions <= 0:
            del self._usage[peer]

    def __len__(self) -> int:
        """Addresses holding sessions."""
        return len(self._usage)
