"""The views' live figures: the hot path's frame against the generic encoding and against
the figures computed from scratch."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.core.analyzer import analyze_differences
from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.metrics import consistency, round_to_2, words_per_minute
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, TypingSession
from bartype.protocol.codec import encode
from bartype.protocol.views import figures_frame, metrics_update, metrics_update_frame

_TEXTS = st.sampled_from(
    [
        "ab ab ba",
        "abc\n\tab\n\t\tba ab",
        "a" * 70 + " " + "b" * 130 + " ab",  # longer than the typed and states windows
    ]
)
_CONFIGS = st.sampled_from(
    [
        SessionConfig(Mode.WORDS, word_count=3),
        SessionConfig(Mode.TIME, duration_s=4),
        SessionConfig(Mode.ZEN),
        SessionConfig(Mode.CUSTOM),
    ]
)
_KEYS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "x", " ", "\n", "\t", "Backspace", "CtrlBackspace"])
        | st.just("a"),
        # Quick keys, slow ones, pauses of seconds (which close sample points).
        st.sampled_from([0.0, 1.0, 90.0, 333.0, 1000.0, 2600.0]),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(_TEXTS, _CONFIGS, _KEYS)
def test_every_frame_is_the_generic_encoding_of_the_figures_from_scratch(
    text: str, config: SessionConfig, keys: list[tuple[str, float]]
) -> None:
    """After every key (typos, backspaces, word deletes, extra letters, pauses; every mode)
    the frame is the codec's encoding of ``metrics_update``, with figures recomputed from
    the whole input."""
    session = TypingSession(config, text)
    t = 0.0
    for ack, (key, gap) in enumerate(keys, 1):
        t += gap
        for stroke in keystrokes_from_key(key, t):
            if session.state.is_open:
                session.apply(stroke)
        frame = metrics_update_frame(ack, session)
        assert frame == encode(metrics_update(ack, session))
        same, live = figures_frame(f'{{"type":"METRICS_UPDATE","data":{{"ack":{ack},', session)
        assert same == frame
        analyzer, calc = session.analyzer, session.calculator
        counts = analyze_differences(
            None if analyzer.zen else session.text, analyzer.typed, credit_partial=True
        ).counts
        seconds = session.elapsed_ms / 1000
        sent = json.loads(frame)["data"]["metrics"]
        assert sent == {
            "wpm": round_to_2(words_per_minute(counts.correct_word, seconds)),
            "rawWpm": round_to_2(words_per_minute(counts.typed, seconds)),
            "accuracy": calc.accuracy,
            "consistency": live.consistency,
            "errors": calc.errors,
            "keypresses": calc.keypresses,
            "correct": counts.correct_word,
            "incorrect": counts.incorrect,
            "extra": counts.extra,
            "elapsedS": round_to_2(seconds),
        }
        # Kept from running sums of the closed seconds: the two-pass figure, to rounding.
        assert abs(live.consistency - consistency(calc._burst)) <= 0.01


def test_reply_texts_are_made_once_and_the_table_stays_bounded() -> None:
    """A reply's figures and counts come from tables that format each value once (as repr
    does) and start again past their size."""
    from bartype.protocol.views import _FIGURES, _INTEGERS, _Texts

    assert _INTEGERS[0] == "0" and _INTEGERS[1234] == "1234"
    assert _FIGURES[10000] == "100.0" and _FIGURES[5] == "0.05" and _FIGURES[12345] == "123.45"
    table = _Texts(repr)
    table.held = 3
    for n in range(5):
        assert table[n] == repr(n)
    assert len(table) <= 3
