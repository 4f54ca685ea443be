"""Limits of the handler: what one session may cost the server, whatever it sends."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.core.analyzer import ZEN_WORD_LIMIT, IncrementalAnalyzer
from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Outgoing
from bartype.protocol.textgen import LibraryTexts
from bartype.protocol.views import STATES_WINDOW, TYPED_WINDOW, analysis_to_json, word_window
from bartype.storage.corpus import TextLibrary, default_texts_root


class Typist:
    """One connection typing into a real handler, its replies encoded as the server sends them."""

    def __init__(self, **create: Any) -> None:
        self.handler = SessionHandler(
            LibraryTexts(TextLibrary(default_texts_root())),
            None,
            config=HandlerConfig(future_tolerance_ms=None),
        )
        self.channel: Channel = self.handler.open(0.0)
        self.seq = 0
        self.t = 0.0
        assert self.frames("CREATE_SESSION", create)[0]["type"] == "SESSION_CREATED"
        assert self.frames("START_SESSION")[0]["type"] == "SESSION_STARTED"

    def frames(self, type_: str, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.raw(json.dumps({"type": type_, "data": data or {}}))

    def raw(self, text: str) -> list[dict[str, Any]]:
        out = []
        reply = self.handler.receive_text_direct(self.channel, text, 0.0)
        if reply is not None:
            out.append(reply)
        for _, actions in self.handler.pending():
            out.extend(encode(a) for a in actions if isinstance(a, Outgoing))
        self.sizes = [len(frame.encode()) for frame in out]
        return [json.loads(frame) for frame in out]

    def type(self, text: str) -> list[dict[str, Any]]:
        self.seq += 1
        keys = []
        for ch in text:
            keys.append({"key": ch, "t": self.t})
            self.t += 1.0
        return self.frames("INPUT_UPDATE", {"seq": self.seq, "keys": keys})


def test_a_zen_word_stops_growing_at_its_limit() -> None:
    """In zen mode characters past ZEN_WORD_LIMIT in one word are refused, not keypresses."""
    analyzer = IncrementalAnalyzer(None)
    for i in range(ZEN_WORD_LIMIT + 50):
        analyzer.apply(Keystroke(KeyKind.CHAR, float(i), "z"))
    assert analyzer.inputs == ["z" * ZEN_WORD_LIMIT]
    analyzer.apply(Keystroke(KeyKind.CHAR, 500.0, " "))  # a separator still ends it
    assert analyzer.inputs == ["z" * ZEN_WORD_LIMIT + " ", ""]


def test_metrics_update_size_does_not_grow_with_an_endless_zen_word() -> None:
    """Typing one zen word for 20,000 keys, each METRICS_UPDATE stays under 1 KB."""
    typist = Typist(mode="zen")
    sizes = []
    for _ in range(80):
        out = typist.type("q" * 250)
        assert out[-1]["type"] == "METRICS_UPDATE"
        sizes.append(max(typist.sizes))
    assert max(sizes) < 1024
    assert out[-1]["data"]["metrics"]["keypresses"] == ZEN_WORD_LIMIT


def test_metrics_update_of_a_huge_word_carries_a_window() -> None:
    """A 20,000-letter custom word is sent as a window: an offset, the input's end, its states."""
    typist = Typist(mode="custom", text="y" * 20_000)
    first = typist.type("y")[-1]["data"]["analysis"]
    assert (first["offset"], first["typed"], first["states"]) == (0, "y", "c" + "u" * 127)
    for _ in range(40):
        out = typist.type("y" * 250)
    assert max(typist.sizes) < 1024
    analysis = out[-1]["data"]["analysis"]
    assert analysis["offset"] == 10_001 - TYPED_WINDOW
    assert analysis["typed"] == "y" * TYPED_WINDOW
    assert analysis["states"] == "c" * TYPED_WINDOW + "u" * (STATES_WINDOW - TYPED_WINDOW)


@settings(max_examples=300, deadline=None)
@given(st.text("ab \n", max_size=150), st.text("ab", max_size=200).map(lambda w: w + " "))
def test_the_window_is_a_slice_of_the_whole_word(typed: str, target: str) -> None:
    """offset, typed and states are the whole word's input and states, cut at the same place."""
    from bartype.protocol.views import open_word_states

    offset, shown, states = word_window(typed, target)
    assert shown == typed[offset:] and len(shown) <= TYPED_WINDOW
    assert states == open_word_states(typed, target)[offset : offset + STATES_WINDOW]
    assert offset == max(0, len(typed) - TYPED_WINDOW)


def test_the_generic_and_the_fast_encodings_send_the_same_window() -> None:
    """analysis_to_json (the queued path) cuts the word where the fast path does."""
    typist = Typist(mode="custom", text="w" * 500 + " end")
    typist.type("w" * 200)
    analyzer = typist.channel.session.session.analyzer  # type: ignore[union-attr]
    offset, typed, states = word_window(analyzer.inputs[0], analyzer.target(0))
    assert analysis_to_json(analyzer) == {
        "wordIndex": 0,
        "offset": offset,
        "typed": typed,
        "states": states,
        "finished": False,
    }
