"""The test being typed, as plain state: no Textual, no I/O.

An ``Attempt`` is the client's side of one test. It keeps a local
``TypingSession`` (the same core the handler runs) so that each key press is
coloured at once, the live figures are there before the handler answers, and a
result can be rebuilt from the keystroke log. Times are milliseconds since the
typing screen was shown, as the transport expects.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from typing import Any

from bartype.core.analyzer import IncrementalAnalyzer
from bartype.core.keystrokes import Keystroke, keystrokes_from_key
from bartype.core.metrics import LiveMetrics
from bartype.core.options import TestOptions
from bartype.core.race import CheatRules
from bartype.core.session import SessionState, TypingSession, config_for_options, replay

TestSpec = TestOptions
"""The options of the test the app runs (the same value the protocol sends)."""

CLOCK_AFTER_MS = 1000.0
"""With no key for this long the live figures follow the clock (``Attempt.live``); keys
closer together are typing. (Not ``metrics.PAUSE_MS``, the longest interval timed.)"""

_BURST = CheatRules()
"""The handler flags a result whose characters come faster than a person types (the
same 20 characters in under 400 ms as a race's rule); the typist hears of it at once."""


class Attempt:
    """One test on the client: the text, the local session and the keystroke log."""

    def __init__(
        self,
        spec: TestSpec,
        text: str | None,
        session_id: str = "",
        mode2: str = "",
        text_id: str | None = None,
    ) -> None:
        self.spec = spec
        self.text = text
        self.session_id = session_id
        self.mode2 = mode2
        """The handler's label for this test (a quote's id, ...), for results kept here."""
        self.text_id = text_id
        self.config = config_for_options(spec)
        self.session = TypingSession(self.config, text)
        self.keys: list[tuple[str, float]] = []
        self.final: dict[str, Any] | None = None
        self.local_end_t: float | None = None
        self._char_times: deque[float] = deque(maxlen=_BURST.burst_chars)
        self.too_fast = False
        """Characters came faster than a person types (a paste): the result will not count."""
        self.unsent: tuple[str, float] | None = None
        """The last character typed, held back from the handler until the next key
        or tick: a combining mark in the same write still joins it (``compose``)."""

    # -- state ---------------------------------------------------------------

    @property
    def analyzer(self) -> IncrementalAnalyzer:
        return self.session.analyzer

    @property
    def indented(self) -> bool:
        """The text has indentation (code): Tab types it rather than restarting."""
        return self.text is not None and "\n\t" in self.text

    @property
    def started(self) -> bool:
        return self.session.state is not SessionState.CREATED

    @property
    def open(self) -> bool:
        """Still taking keystrokes."""
        return self.session.state.is_open and self.local_end_t is None

    @property
    def start_t(self) -> float | None:
        return self.session.start_t

    @property
    def time_limit_ms(self) -> float | None:
        return self.session.time_limit_ms

    def remaining_s(self, now_t: float) -> float | None:
        """Seconds left in a timed test at client time ``now_t``."""
        limit = self.time_limit_ms
        if limit is None:
            return None
        if self.start_t is None:
            return limit / 1000
        return max(0.0, (limit - (now_t - self.start_t)) / 1000)

    def elapsed_s(self, now_t: float) -> float:
        if self.start_t is None:
            return 0.0
        end = self.local_end_t if self.local_end_t is not None else now_t
        return max(0.0, (end - self.start_t) / 1000)

    def words_done(self) -> int:
        return self.analyzer.index

    def live(self, now_t: float | None = None) -> LiveMetrics:
        """The live figures; with ``now_t`` in a pause (no key for ``CLOCK_AFTER_MS``), as of
        that time rather than the last key, so the speed falls while the clock runs (as
        Monkeytype's). While keys come the figures are those of the last key: a tick
        between two keys then changes nothing, and draws no frame a key would wait behind."""
        session = self.session
        if now_t is None or not self.open or session.start_t is None:
            return session.live()
        elapsed = max(session.elapsed_ms, session.relative(now_t))
        if elapsed - session.elapsed_ms < CLOCK_AFTER_MS:
            return session.live()
        limit = self.time_limit_ms
        if limit is not None:
            elapsed = min(elapsed, limit)
        return session.calculator.live(elapsed, session.analyzer.counts(True))

    # -- input ---------------------------------------------------------------

    def type_key(self, name: str, t: float) -> tuple[bool, bool]:
        """Apply one key (a name from ``keystroke_name``) at client time ``t``.

        Returns ``(sent, finished)``: whether the key is part of the test (and so
        goes to the handler), and whether it completed the test.
        """
        if not self.open:
            return False, False
        if self.keys and t < self.keys[-1][1]:
            t = self.keys[-1][1]  # the monotonic clock cannot go back, but be safe
        strokes: list[Keystroke] = keystrokes_from_key(name, t)
        if not strokes:
            return False, False
        if not self.started and strokes[0].char in ("", " ", "\n"):
            return False, False  # only a character starts a test
        # Every key is logged and sent, even a Backspace with nothing to delete:
        # the log is what the handler replays, so both sides must see the same keys.
        for stroke in strokes:
            if not self.session.state.is_open:
                break
            self.session.apply(stroke)
            if stroke.char:
                self._char_times.append(t)
        times = self._char_times
        if len(times) == times.maxlen and t - times[0] < _BURST.burst_min_ms:
            self.too_fast = True
        self.keys.append((name, t))
        return True, not self.session.state.is_open

    def compose(self, name: str) -> bool:
        """Join a combining mark to the character just typed, as the text is NFC.

        A terminal writes ``a`` + U+0308 at once for ``ä`` (compose keys, some
        input methods); Textual makes two key events of it. While the ``a`` is
        still unsent, it becomes ``ä`` and the session is replayed with it.
        Returns False (nothing changed) when ``name`` does not join it.
        """
        if self.unsent is None or not self.open or not name or not self.keys:
            return False
        if not all(unicodedata.combining(ch) for ch in name):
            return False
        base, t = self.unsent
        composed = unicodedata.normalize("NFC", base + name)
        if len(composed) != 1 or self.keys[-1] != self.unsent:
            return False
        self.keys[-1] = self.unsent = (composed, t)
        strokes = [stroke for key, at in self.keys for stroke in keystrokes_from_key(key, at)]
        self.session = replay(self.config, self.text, strokes)
        return True

    def take_unsent(self) -> tuple[str, float] | None:
        """The held character, to send now (it can no longer be composed)."""
        unsent, self.unsent = self.unsent, None
        return unsent

    def tick(self, t: float) -> bool:
        """Let time pass; True once the test is over (time is up, or idle too long)."""
        if not self.started or not self.session.state.is_open:
            return not self.session.state.is_open
        limit = self.time_limit_ms
        if limit is None:
            self.session.tick(t)  # an untimed test idle for too long is abandoned
            return not self.session.state.is_open
        if self.start_t is not None and t - self.start_t >= limit:
            self.session.tick(t)
            return True
        return False

    @property
    def abandoned(self) -> bool:
        """Dropped without a result (idle too long)."""
        return self.session.state is SessionState.ABANDONED

    def drop(self, t: float) -> None:
        """Throw the test away (the typist left it): no result, no more keys."""
        if self.session.state.is_open:
            self.session.abandon()
        self.local_end_t = t

    def end_locally(self, t: float) -> None:
        """Stop taking keys (the typist ended it, or the time is up)."""
        if self.session.state.is_open and self.started:
            self.session.end(t)
        elif self.session.state is SessionState.CREATED:
            self.session.abandon()
        self.local_end_t = t
