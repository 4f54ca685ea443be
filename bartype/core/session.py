"""TypingSession: one typing test as a state machine.

::

    CREATED --first character--> RUNNING --text done / time up / zen ended--> COMPLETED
       |                            |----ended early by the typist----------> ENDED
       |                            |----idle too long, or dropped----------> ABANDONED
       '---ended or dropped before any typing-----------------------------> ABANDONED
    any state --internal failure--> ERROR

Completion rules:

* **words, quote, custom**: on the keystroke that makes the last word exactly
  right, or a separator typed on the last word (as in Monkeytype: not merely
  when enough characters were typed);
* **time**: when ``duration_s`` has passed since the first keystroke (a
  keystroke later than that is dropped), or when the text runs out;
* **zen**: only when the typist ends it (``end``); there is no text.

Times are the client's milliseconds; the session re-bases them on the first
accepted character, so the test starts on the first keystroke. Replaying a
session's keystroke log into a new session gives the same result.
"""

from __future__ import annotations

from enum import Enum

from bartype.core.analyzer import Effect, IncrementalAnalyzer, KeyOutcome
from bartype.core.keystrokes import KeyKind, Keystroke, KeystrokeLog
from bartype.core.metrics import LiveMetrics, Metrics, MetricsCalculator
from bartype.core.options import DEFAULT_DURATION_S, DEFAULT_WORDS, MODES, Mode, TestOptions
from bartype.core.records import frozen


class SessionState(Enum):
    """Life cycle of a session; see the module docstring."""

    CREATED = "created"
    RUNNING = "running"
    COMPLETED = "completed"
    ENDED = "ended"
    ABANDONED = "abandoned"
    ERROR = "error"

    def __init__(self, value: str) -> None:
        # An attribute, not a property: read for every keystroke, where a property
        # (and the enum class's attribute lookup) would cost several times more.
        self.is_open = value in ("created", "running")
        """Created or running: the session still takes keystrokes."""


_CREATED = SessionState.CREATED
_RUNNING = SessionState.RUNNING


class SessionClosedError(RuntimeError):
    """A keystroke or action reached a session that is no longer open."""


DEFAULT_IDLE_LIMIT_MS = 60_000.0
"""An untimed test with no keystroke for this long is abandoned."""

MAX_WPM = 350.0
MAX_WPM_WORDS_10 = 420.0
MIN_ACCURACY = 75.0
MIN_RESULT_DURATION_S = 1.0
"""A result over less time than this is invalid (Monkeytype: "test too short")."""
MIN_TIMED_S = 15.0
MIN_WORDS = 10


@frozen
class SessionConfig:
    """What test to run. ``duration_s`` is for time mode, ``word_count`` for words mode."""

    mode: Mode
    duration_s: float | None = None
    word_count: int | None = None
    idle_limit_ms: float = DEFAULT_IDLE_LIMIT_MS

    def __post_init__(self) -> None:
        if self.mode is Mode.TIME and (self.duration_s is None or self.duration_s <= 0):
            raise ValueError("time mode needs a positive duration")
        if self.mode is Mode.WORDS and (self.word_count is None or self.word_count <= 0):
            raise ValueError("words mode needs a positive word count")

    @property
    def mode2(self) -> str:
        """The mode's parameter as a label (Monkeytype's ``mode2``): "30", "25", ""."""
        if self.mode is Mode.TIME and self.duration_s is not None:
            return f"{self.duration_s:g}"
        if self.mode is Mode.WORDS and self.word_count is not None:
            return str(self.word_count)
        return ""


def config_for(
    mode: str,
    *,
    duration_s: float | None = None,
    word_count: int | None = None,
    idle_limit_ms: float = DEFAULT_IDLE_LIMIT_MS,
) -> SessionConfig:
    """The configuration for a mode as the protocol names it.

    Time and words tests get their length (the defaults of ``core.options`` if none is
    given); every other mode ends where its text ends, or, in zen, when the typist says.
    An unknown name is a custom text.
    """
    if mode == Mode.TIME:
        duration_s = duration_s or DEFAULT_DURATION_S
        return SessionConfig(Mode.TIME, duration_s=duration_s, idle_limit_ms=idle_limit_ms)
    if mode == Mode.WORDS:
        word_count = word_count or DEFAULT_WORDS
        return SessionConfig(Mode.WORDS, word_count=word_count, idle_limit_ms=idle_limit_ms)
    kind = Mode(mode) if mode in MODES else Mode.CUSTOM
    return SessionConfig(kind, idle_limit_ms=idle_limit_ms)


def config_for_options(
    options: TestOptions, idle_limit_ms: float = DEFAULT_IDLE_LIMIT_MS
) -> SessionConfig:
    """The core's configuration for a test with these options (the handler's and the TUI's)."""
    return config_for(
        options.mode,
        duration_s=options.duration,
        word_count=options.words,
        idle_limit_ms=idle_limit_ms,
    )


def text_options(mode: str, punctuation: bool, numbers: bool) -> str:
    """A label for the text options of a test: "", "punctuation", "numbers" or both.

    Only generated word tests (time, words) have such options.
    """
    if mode not in ("time", "words"):
        return ""
    return " ".join(name for name, on in (("punctuation", punctuation), ("numbers", numbers)) if on)


@frozen
class Result:
    """The outcome of a finished session (COMPLETED or ENDED)."""

    config: SessionConfig
    state: SessionState
    metrics: Metrics
    invalid_reasons: tuple[str, ...]
    keystrokes: tuple[Keystroke, ...]

    @property
    def is_valid(self) -> bool:
        """Valid results can be personal bests; invalid ones are kept but flagged."""
        return not self.invalid_reasons


def invalid_reasons(
    config: SessionConfig, state: SessionState, metrics: Metrics
) -> tuple[str, ...]:
    """Why a result is not a fair test (empty when it is): Monkeytype's public rules."""
    reasons: list[str] = []
    if state is not SessionState.COMPLETED:
        reasons.append("ended early")
    too_short = metrics.duration_s < MIN_RESULT_DURATION_S
    if config.mode is Mode.TIME:
        too_short = too_short or (config.duration_s or 0) < MIN_TIMED_S
    elif config.mode is Mode.WORDS:
        too_short = too_short or (config.word_count or 0) < MIN_WORDS
    elif config.mode is Mode.ZEN:
        too_short = too_short or metrics.duration_s < MIN_TIMED_S
    if too_short:
        reasons.append("too short")
    if metrics.afk:
        reasons.append("afk")
    cap = MAX_WPM_WORDS_10 if config.mode is Mode.WORDS and config.word_count == 10 else MAX_WPM
    if metrics.wpm > cap or metrics.raw > cap:
        reasons.append("impossible speed")
    if metrics.accuracy < MIN_ACCURACY:
        reasons.append("accuracy below 75%")
    return tuple(reasons)


class TypingSession:
    """One test: feed it keystrokes, read live metrics, take the result at the end."""

    def __init__(self, config: SessionConfig, text: str | None) -> None:
        if config.mode is Mode.ZEN:
            text = None
        elif text is None:
            raise ValueError(f"{config.mode.value} mode needs a text")
        self.config = config
        self.text = text
        self.analyzer = IncrementalAnalyzer(text)
        self.calculator = MetricsCalculator()
        self.state = SessionState.CREATED
        self.log = KeystrokeLog()
        self.start_t: float | None = None
        self._last_t: float | None = None
        self.elapsed_ms = 0.0
        """Time from the first keystroke to the latest one (or to the end): kept by ``apply``
        and the end of the test, and read for every reply (an attribute, not a property)."""
        self._result: Result | None = None
        self._time_limit_ms = (
            config.duration_s * 1000
            if config.mode is Mode.TIME and config.duration_s is not None
            else None
        )

    # -- time ---------------------------------------------------------------

    def relative(self, t: float) -> float:
        """Client time ``t`` as ms since the first keystroke (0 before the start)."""
        return 0.0 if self.start_t is None else t - self.start_t

    @property
    def time_limit_ms(self) -> float | None:
        return self._time_limit_ms

    # -- input --------------------------------------------------------------

    def apply(self, key: Keystroke) -> KeyOutcome:
        """Apply one keystroke. Times must not decrease.

        Raises:
            SessionClosedError: the session is not open.
            ValueError: ``key.t`` is earlier than the previous keystroke's.
        """
        state = self.state
        if state is not _RUNNING and state is not _CREATED:
            raise SessionClosedError(f"the session is {state.value}")
        t = key.t
        if self._last_t is not None and t < self._last_t:
            raise ValueError("keystroke times must not decrease")
        self._last_t = t
        self.log.append(key)
        if state is _CREATED:
            if key.kind is not KeyKind.CHAR or key.char.isspace():
                return KeyOutcome(Effect.BLOCKED)  # nothing starts the test but a character
            self.start_t = t
            self.state = _RUNNING
        rel = self.elapsed_ms = t - self.start_t  # type: ignore[operator]  # set at the start
        limit = self._time_limit_ms
        if limit is not None and rel > limit:
            self.log.pop()  # later than the end: not part of the test
            self._complete(limit)
            return KeyOutcome(Effect.BLOCKED, finished=True)
        analyzer = self.analyzer
        calculator = self.calculator
        if rel > calculator.next_point:  # once a second: not a call for every key
            calculator.advance(rel, analyzer.counts)
        outcome = analyzer.apply(key)
        calculator.record(rel, key, outcome)
        if outcome.finished:
            self._complete(rel)
        return outcome

    def tick(self, t: float) -> None:
        """Let time pass to client time ``t``: ends a timed test, abandons an idle one."""
        if self.state is not SessionState.RUNNING:
            return
        limit = self.time_limit_ms
        if limit is not None:
            if self.relative(t) >= limit:
                self._complete(limit)
        elif self._last_t is not None and t - self._last_t > self.config.idle_limit_ms:
            self.abandon()

    def end(self, t: float | None = None) -> None:
        """The typist ends the test at client time ``t`` (default: the last keystroke).

        Zen tests complete this way; other running tests become ENDED; a test
        not yet started is abandoned.
        """
        if self.state is SessionState.CREATED:
            self.abandon()
            return
        if self.state is not SessionState.RUNNING:
            return
        end_t = self._last_t if t is None or self._last_t is None else max(t, self._last_t)
        rel = self.relative(end_t if end_t is not None else 0.0)
        limit = self.time_limit_ms
        if limit is not None and rel >= limit:
            self._complete(limit)
        elif self.config.mode is Mode.ZEN:
            self._complete(rel)
        else:
            self._finish(rel, SessionState.ENDED)

    def abandon(self) -> None:
        """Drop an open session without a result."""
        if self.state.is_open:
            self.state = SessionState.ABANDONED

    def fail(self) -> None:
        """Mark the session as broken by an internal error."""
        self.state = SessionState.ERROR

    def _complete(self, rel: float) -> None:
        self._finish(rel, SessionState.COMPLETED)

    def _finish(self, rel: float, state: SessionState) -> None:
        self.elapsed_ms = rel
        self.state = state
        # Partial credit for the open word: time mode, zen, and tests ended early.
        credit_partial = self.config.mode in (Mode.TIME, Mode.ZEN) or state is SessionState.ENDED
        metrics = self.calculator.final(
            rel, self.analyzer.counts(credit_partial), self.analyzer.counts(True)
        )
        self._result = Result(
            config=self.config,
            state=state,
            metrics=metrics,
            invalid_reasons=invalid_reasons(self.config, state, metrics),
            keystrokes=tuple(self.log),
        )

    # -- output -------------------------------------------------------------

    def live(self) -> LiveMetrics:
        """Current figures, as of the latest keystroke."""
        return self.calculator.live(self.elapsed_ms, self.analyzer.counts(True))

    @property
    def result(self) -> Result | None:
        """The result once COMPLETED or ENDED; ``None`` otherwise."""
        return self._result


def replay(config: SessionConfig, text: str | None, keystrokes: list[Keystroke]) -> TypingSession:
    """Run a keystroke log through a new session (the log's own end is not implied)."""
    session = TypingSession(config, text)
    for key in keystrokes:
        if not session.state.is_open:
            break
        session.apply(key)
    return session
