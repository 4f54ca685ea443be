"""JSON views of core objects: final metrics, live metrics, and the analysis delta.

Keys are camelCase, as on the wire. These are pure functions of the core
objects; the handler calls them once per message it sends.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring as _json_str
from typing import Any

from bartype.core.analyzer import CharState, IncrementalAnalyzer
from bartype.core.metrics import KeyStat, LiveHundredths, LiveMetrics, Metrics
from bartype.core.normalize import SEPARATORS
from bartype.core.session import TypingSession
from bartype.protocol.messages import INPUT_ACK, METRICS_UPDATE, Outgoing

STATE_LETTERS = {
    CharState.UNTYPED: "u",
    CharState.CORRECT: "c",
    CharState.INCORRECT: "i",
    CharState.EXTRA: "x",
    CharState.MISSED: "m",
}
"""One letter per displayed character in ``analysis.states``."""

TYPED_WINDOW = 64
"""``analysis.typed`` holds at most this many characters: the end of the word's input."""
STATES_WINDOW = 2 * TYPED_WINDOW
"""``analysis.states`` holds at most this many letters, from the same position on."""
_RIGHT_SO_FAR = "c" * STATES_WINDOW + "u" * STATES_WINDOW
"""The states of a word typed right so far are a slice of this (one string made, not three)."""


def word_window(typed: str, target: str) -> tuple[int, str, str]:
    """``(offset, typed, states)`` of the word in progress, as ``METRICS_UPDATE`` sends them.

    ``offset`` is the position in the word of the first character sent: the
    input's last ``TYPED_WINDOW`` characters, and ``STATES_WINDOW`` letters
    from there. A reply's size so depends neither on the word's length nor on
    how long the test has run; an ordinary word is sent whole (``offset`` 0).
    """
    offset = len(typed) - TYPED_WINDOW
    if offset <= 0:
        states = open_word_states(typed, target)
        return 0, typed, states if len(states) <= STATES_WINDOW else states[:STATES_WINDOW]
    return offset, typed[offset:], open_word_states(typed, target)[offset : offset + STATES_WINDOW]


def key_stat_to_json(stat: KeyStat) -> dict[str, Any]:
    """``{presses, errors, meanIntervalMs}`` (``meanIntervalMs`` null if never timed)."""
    mean = stat.mean_interval_ms
    return {
        "presses": stat.presses,
        "errors": stat.errors,
        "meanIntervalMs": None if mean is None else round(mean, 2),
    }


def metrics_to_json(metrics: Metrics) -> dict[str, Any]:
    """The final metrics of a test as sent in ``SESSION_COMPLETE`` and stored."""
    series = metrics.series
    return {
        "wpm": metrics.wpm,
        "rawWpm": metrics.raw,
        "accuracy": metrics.accuracy,
        "consistency": metrics.consistency,
        "keyConsistency": metrics.key_consistency,
        "correct": metrics.correct,
        "incorrect": metrics.incorrect,
        "extra": metrics.extra,
        "missed": metrics.missed,
        "keypresses": metrics.keypresses,
        "errors": metrics.errors,
        "durationS": metrics.duration_s,
        "afk": metrics.afk,
        "series": {
            "wpm": list(series.wpm),
            "raw": list(series.raw),
            "burst": list(series.burst),
            "errors": list(series.errors),
            "times": list(series.times),
        },
        "keys": {key: key_stat_to_json(stat) for key, stat in metrics.keys.items()},
    }


def live_metrics_to_json(session: TypingSession) -> dict[str, Any]:
    """Live figures as of the latest keystroke (``METRICS_UPDATE.metrics``).

    ``{wpm, rawWpm, accuracy, consistency, errors, keypresses, correct,
    incorrect, extra, elapsedS}``; ``correct`` counts characters credited to WPM.
    """
    calc = session.calculator
    counts = session.analyzer.counts(True)
    live = calc.live(session.elapsed_ms, counts)
    return {
        "wpm": live.wpm,
        "rawWpm": live.raw,
        "accuracy": live.accuracy,
        "consistency": live.consistency,
        "errors": live.errors,
        "keypresses": calc.keypresses,
        "correct": counts.correct_word,
        "incorrect": counts.incorrect,
        "extra": counts.extra,
        "elapsedS": live.elapsed_s,
    }


def analysis_to_json(analyzer: IncrementalAnalyzer) -> dict[str, Any]:
    """The incremental analysis: the word in progress only, O(word length).

    ``{wordIndex, offset, typed, states, finished}``: ``typed`` is the input of
    the current word, ``states`` one letter per displayed character of that
    word (see ``STATE_LETTERS``: target letters, then extra letters, then the
    separator), both from position ``offset`` and at most ``TYPED_WINDOW`` /
    ``STATES_WINDOW`` long (see ``word_window``). Earlier words are settled;
    the client knows them from its own keystrokes.
    """
    i = analyzer.index
    offset, typed, states = word_window(analyzer.inputs[i], analyzer.target(i))
    return {
        "wordIndex": i,
        "offset": offset,
        "typed": typed,
        "states": states,
        "finished": analyzer.finished,
    }


def open_word_states(typed: str, target: str) -> str:
    """``analysis.states`` of the word in progress: what ``word_states(typed, target, False)``
    gives, as letters, without building the list (tested to agree)."""
    separator = bool(target) and target[-1] in SEPARATORS
    letters = target[:-1] if separator else target
    n = len(typed)
    m = len(letters)
    if n <= m:
        if letters.startswith(typed):
            states = "c" * n
        else:
            states = "".join(["c" if a == b else "i" for a, b in zip(typed, letters, strict=False)])
        states += "u" * (m - n)
    else:
        states = "".join(["c" if a == b else "i" for a, b in zip(typed, letters, strict=False)])
        states += "x" * (n - m)
    return states + "u" if separator else states


def metrics_update(ack: int, session: TypingSession) -> Outgoing:
    """``METRICS_UPDATE {ack, analysis, metrics}`` for ``session``."""
    data = {
        "ack": ack,
        "analysis": analysis_to_json(session.analyzer),
        "metrics": live_metrics_to_json(session),
    }
    return Outgoing(METRICS_UPDATE, data)


def input_ack(ack: int) -> Outgoing:
    """``INPUT_ACK {ack}``: the lean answer to a batch (``HELLO.metricsMs``)."""
    return Outgoing(INPUT_ACK, {"ack": ack})


def input_ack_frame(ack: int) -> str:
    """The encoded ``INPUT_ACK {ack}`` frame (what ``codec.encode`` gives, tested)."""
    return f'{{"type":"INPUT_ACK","data":{{"ack":{_INTEGERS[ack]}}}}}'


class _Texts(dict[int, str]):
    """The JSON texts of ints, each made (by ``text``) when first asked for, then looked up
    (by ``[]``: cheaper than a call to ``get``, and than formatting the int again). The
    figures and counts of replies are few values that recur across replies."""

    held = 65_536
    """More than this many texts and the table starts again: its size stays bounded."""

    def __init__(self, text: Callable[[int], str]) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, key: int) -> str:
        if len(self) >= self.held:
            self.clear()
        text = self[key] = self.text(key)
        return text


def _figure_text(hundredths: int) -> str:
    """A live figure's JSON from its hundredths (``live_hundredths``): two decimals at most."""
    return repr(hundredths / 100)


_FIGURES = _Texts(_figure_text)
"""Live figures by their hundredths: formatting a float is the largest cost of a reply."""
_INTEGERS = _Texts(repr)
"""A reply's counts (``ack``, ``wordIndex``, ``keypresses``...): ints, never bools."""

# The text between a reply's states and its WPM, one piece for each value of ``finished``:
# with them the frame's f-string has at most 30 parts, which CPython joins in one step
# (BUILD_STRING), where more are put in a list and joined by ``str.join``.
_FINISHED = '","finished":true},"metrics":{"wpm":'
_OPEN = '","finished":false},"metrics":{"wpm":'


def metrics_update_frame(ack: int, session: TypingSession) -> str:
    """The encoded ``METRICS_UPDATE`` frame for ``session``: its one encoder, without dicts.

    Byte for byte what the codec's generic encoding of ``metrics_update(ack,
    session)`` gives (tested): the server sends it for every batch of keys
    answered on its hot path, and its shape is fixed, so formatting it directly
    costs a fraction of a general JSON encoding. (A queued ``metrics_update`` is
    encoded by the codec like any other message.)
    """
    return _figures(f'{{"type":"METRICS_UPDATE","data":{{"ack":{_INTEGERS[ack]},', session)[0]


def figures_frame(before: str, session: TypingSession) -> tuple[str, LiveMetrics]:
    """A frame of ``session``'s figures as a ``METRICS_UPDATE`` has them: ``before`` (the
    frame's start, up to the members before ``"analysis"``, as a ``RACE_METRICS``'s), then
    ``"analysis":{...},"metrics":{...}}}``, made as one string; and the live metrics it
    shows."""
    text, figures = _figures(before, session)
    return text, session.calculator.as_live(figures)


def _figures(before: str, session: TypingSession) -> tuple[str, LiveHundredths]:
    """``before`` then ``"analysis":{...},"metrics":{...}`` and ``}}`` (a frame's end), made
    as one string, and the live figures in hundredths."""
    analyzer = session.analyzer
    inputs = analyzer.inputs
    i = len(inputs) - 1
    typed = inputs[i]
    target = typed if analyzer.zen else analyzer.targets[i]
    n = len(typed)
    if n < len(target) <= STATES_WINDOW and n <= TYPED_WINDOW and target.startswith(typed):
        # Right so far, the common case: what word_window and counts(True) give (tested),
        # without their calls. The word is sent whole and its letters are credited.
        offset, shown = 0, typed
        states = _RIGHT_SO_FAR[STATES_WINDOW - n : STATES_WINDOW - n + len(target)]
        correct_word, correct, incorrect, extra, _ = analyzer.committed
        correct_word += n
        correct += n
    else:
        offset, shown, states = word_window(typed, target)
        correct_word, correct, incorrect, extra, _ = analyzer.counts(True)
    calc = session.calculator
    keypresses = calc.keypresses
    figures = calc.live_hundredths(session.elapsed_ms, correct_word, correct + incorrect + extra)
    wpm, raw, accuracy, elapsed_s, consistency = figures
    ints = _INTEGERS
    return (
        f'{before}"analysis":{{"wordIndex":{ints[i]},"offset":{ints[offset]},'
        f'"typed":{_json_str(shown)},'
        f'"states":"{states}{_FINISHED if analyzer.finished else _OPEN}{_FIGURES[wpm]},'
        f'"rawWpm":{_FIGURES[raw]},'
        f'"accuracy":{_FIGURES[accuracy]},"consistency":{_FIGURES[consistency]},'
        f'"errors":{ints[keypresses - calc.correct_keypresses]},"keypresses":{ints[keypresses]},'
        f'"correct":{ints[correct_word]},"incorrect":{ints[incorrect]},'
        f'"extra":{ints[extra]},"elapsedS":{_FIGURES[elapsed_s]}}}}}}}'
    ), figures
