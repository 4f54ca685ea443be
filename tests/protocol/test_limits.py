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

from .test_handler import close, message, types


class Typist:
    """One connection typing into a real handler, its replies encoded as the server sends them."""

    def __init__(self, **create: Any) -> None:
        self.handler = SessionHandler(
            LibraryTexts(TextLibrary(default_texts_root())),
            None,
            config=HandlerConfig(future_tolerance_ms=None, key_burst=1e9),
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
    live = typist.channel.session
    assert live is not None
    analyzer = live.session.analyzer
    offset, typed, states = word_window(analyzer.inputs[0], analyzer.target(0))
    assert analysis_to_json(analyzer) == {
        "wordIndex": 0,
        "offset": offset,
        "typed": typed,
        "states": states,
        "finished": False,
    }


def _budget_handler(**budget: int) -> SessionHandler:
    from bartype.protocol.budget import Budget

    config = HandlerConfig(future_tolerance_ms=None, key_burst=1e9, budget=Budget(**budget))
    return SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None, config=config)


def _drive(handler: SessionHandler, channel: Channel, type_: str, data: Any = None) -> list[Any]:
    handler.receive_text(channel, json.dumps({"type": type_, "data": data or {}}), 0.0)
    return [a for c, actions in handler.pending() if c is channel for a in actions]


def _zen_keys(seq: int, n: int, start: float) -> dict[str, Any]:
    return {"seq": seq, "keys": [{"key": "ab "[i % 3], "t": start + i} for i in range(n)]}


def test_a_session_past_its_keystroke_budget_is_ended() -> None:
    """The batch that takes a session past session_keys gets LIMIT_REACHED and ends the test."""
    handler = _budget_handler(session_keys=500)
    channel = handler.open(0.0, peer="10.0.0.1")
    _drive(handler, channel, "CREATE_SESSION", {"mode": "zen"})
    _drive(handler, channel, "START_SESSION")
    assert [a.type for a in _drive(handler, channel, "INPUT_UPDATE", _zen_keys(1, 250, 0))] == [
        "METRICS_UPDATE"
    ]
    out = _drive(handler, channel, "INPUT_UPDATE", _zen_keys(2, 256, 300))
    out += _drive(handler, channel, "INPUT_UPDATE", _zen_keys(3, 10, 600))
    assert [a.type for a in out] == ["METRICS_UPDATE", "ERROR", "SESSION_COMPLETE", "ERROR"]
    assert out[1].data["code"] == "LIMIT_REACHED"
    assert out[2].data["state"] == "completed" and out[2].data["metrics"]["keypresses"] > 300
    assert out[3].data["code"] == "SESSION_FINISHED"


def test_the_sessions_of_one_address_share_a_budget() -> None:
    """Texts, keystrokes and sessions are counted per address; another address is not held back."""
    handler = _budget_handler(address_text_chars=30, address_sessions=2, address_keys=400)
    a1, a2, a3 = (handler.open(0.0, peer="10.0.0.1") for _ in range(3))
    other = handler.open(0.0, peer="10.0.0.2")
    assert _drive(handler, a1, "CREATE_SESSION", {"mode": "custom", "text": "x" * 20})[0].type == (
        "SESSION_CREATED"
    )
    refused = _drive(handler, a2, "CREATE_SESSION", {"mode": "custom", "text": "y" * 20})
    assert refused[0].data["code"] == "LIMIT_REACHED" and "characters" in refused[0].data["message"]
    assert _drive(handler, other, "CREATE_SESSION", {"mode": "custom", "text": "y" * 20})[
        0
    ].type == ("SESSION_CREATED")
    assert _drive(handler, a2, "CREATE_SESSION", {"mode": "zen"})[0].type == "SESSION_CREATED"
    refused = _drive(handler, a3, "CREATE_SESSION", {"mode": "zen"})
    assert "2 sessions" in refused[0].data["message"]
    _drive(handler, a2, "START_SESSION")
    out = _drive(handler, a2, "INPUT_UPDATE", _zen_keys(1, 256, 0))
    out += _drive(handler, a2, "INPUT_UPDATE", _zen_keys(2, 256, 300))
    assert "LIMIT_REACHED" in [a.data.get("code") for a in out]
    assert handler.ledger.usage("10.0.0.1").keys == 512


def test_forgotten_sessions_give_their_budget_back() -> None:
    """When sessions expire, their address holds nothing any more and may create again."""
    handler = _budget_handler(address_sessions=1)
    channel = handler.open(0.0, peer="10.0.0.1")
    _drive(handler, channel, "CREATE_SESSION", {"mode": "custom", "text": "abc"})
    _drive(handler, channel, "START_SESSION")
    _drive(handler, channel, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 0}]})
    assert handler.ledger.usage("10.0.0.1").sessions == 1
    handler.tick(10_000.0)  # past the TTL
    assert handler.ledger.usage("10.0.0.1").sessions == 0 and len(handler.ledger) == 0
    again = handler.open(10_000.0, peer="10.0.0.1")
    handler.receive_text(again, '{"type":"CREATE_SESSION","data":{"mode":"zen"}}', 10_000.0)
    assert types([a for _, acts in handler.pending() for a in acts])[-1] == "SESSION_CREATED"


def test_restore_replays_at_most_its_budget_of_keys() -> None:
    """Kept sessions beyond restore_keys are not replayed at a start; the others are."""
    handler = _budget_handler()
    channels = [handler.open(0.0, peer="10.0.0.1") for _ in range(3)]
    for channel in channels:
        _drive(handler, channel, "CREATE_SESSION", {"mode": "zen"})
        _drive(handler, channel, "START_SESSION")
        _drive(handler, channel, "INPUT_UPDATE", _zen_keys(1, 200, 0))
    snapshots = json.loads(json.dumps(handler.export_sessions(1.0)))
    assert [len(s["log"]) for s in snapshots] == [200, 200, 200]
    assert {s["peer"] for s in snapshots} == {"10.0.0.1"}
    fresh = _budget_handler(restore_keys=450)
    assert fresh.import_sessions(snapshots, 5.0) == 2
    assert fresh.ledger.usage("10.0.0.1").keys == 400


def test_keys_faster_than_anyone_types_close_the_connection() -> None:
    """Past its burst, a connection sending more than key_rate keys a second gets 1008."""
    config = HandlerConfig(future_tolerance_ms=None, key_rate=10.0, key_burst=300.0)
    handler = SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None, config=config)
    channel = handler.open(0.0, peer="10.0.0.1")
    _drive(handler, channel, "CREATE_SESSION", {"mode": "zen"})
    _drive(handler, channel, "START_SESSION")
    assert (
        _drive(handler, channel, "INPUT_UPDATE", _zen_keys(1, 250, 0))[0].type == "METRICS_UPDATE"
    )
    handler.receive_text(
        channel, json.dumps({"type": "INPUT_UPDATE", "data": _zen_keys(2, 100, 300)}), 1.0
    )
    out = [a for _, actions in handler.pending() for a in actions]
    refusal = message(out[0]).data
    assert refusal["code"] == "RATE_LIMITED" and "keys/s" in refusal["message"]
    assert (close(out[1]).code, close(out[1]).reason) == (1008, "Rate limit exceeded")
