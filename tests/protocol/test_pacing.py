"""HELLO.metricsMs: lean INPUT_ACKs per batch and live figures at the rate the client asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bartype.protocol import codec
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import INPUT_ACK, Hello, Outgoing, ProtocolError
from bartype.protocol.textgen import LibraryTexts
from bartype.protocol.views import input_ack_frame
from bartype.storage.corpus import TextLibrary, default_texts_root

from .test_handler import TEXT, Driver, keys, types


def _greeted(d: Driver, metrics_ms: Any) -> Channel:
    channel = d.open()
    assert types(d.send(channel, "HELLO", {"version": 1, "metricsMs": metrics_ms})) == ["WELCOME"]
    d.send(channel, "CREATE_SESSION", {"mode": "words", "text": TEXT})
    d.send(channel, "START_SESSION")
    return channel


def _batch(d: Driver, channel: Channel, seq: int, text: str, start: float) -> list[Any]:
    return d.send(channel, "INPUT_UPDATE", {"seq": seq, "keys": keys(text, start)})


@pytest.mark.parametrize(
    ("data", "expected"),
    [({}, 0), ({"metricsMs": 0}, 0), ({"metricsMs": 250}, 250), ({"metricsMs": None}, None)],
)
def test_hello_metrics_ms_decodes(data: dict[str, Any], expected: int | None) -> None:
    """metricsMs is optional (0), a whole number of ms, or null for never."""
    assert codec.decode(json.dumps({"type": "HELLO", "data": {"version": 1, **data}})) == Hello(
        1, None, expected
    )


@pytest.mark.parametrize("bad", [-1, 3_600_001, 2.5, "100", True, [], {}])
def test_hello_metrics_ms_refuses_anything_else(bad: Any) -> None:
    """Any other metricsMs is BAD_MESSAGE, naming the field."""
    with pytest.raises(ProtocolError) as info:
        codec.decode(json.dumps({"type": "HELLO", "data": {"version": 1, "metricsMs": bad}}))
    assert info.value.code == "BAD_MESSAGE" and "metricsMs" in info.value.message


def test_without_metrics_ms_every_batch_gets_its_figures() -> None:
    """A client that does not ask gets METRICS_UPDATE for every batch, as the seed does."""
    d = Driver()
    channel = _greeted(d, 0)
    assert types(_batch(d, channel, 1, "the ", 0)) == ["METRICS_UPDATE"]
    assert types(_batch(d, channel, 2, "qu", 400)) == ["METRICS_UPDATE"]


def test_null_gets_lean_acks_and_the_result_only() -> None:
    """metricsMs null: each batch is answered by INPUT_ACK {ack}; no figures, ever, until
    SESSION_COMPLETE."""
    d = Driver()
    channel = _greeted(d, None)
    out = _batch(d, channel, 1, "the ", 0)
    assert types(out) == [INPUT_ACK] and out[0].data == {"ack": 1}
    assert _batch(d, channel, 1, "the ", 0)[0].data == {"ack": 1}  # a resend: acked again
    d.tick(5.0)
    assert types(d.out[channel.id][-1:]) == [INPUT_ACK]
    d.now = 5.0
    out = _batch(d, channel, 2, TEXT[4:], 400)
    assert types(out) == [INPUT_ACK, "SESSION_COMPLETE"]
    assert out[1].data["metrics"]["correct"] == len(TEXT)


def test_figures_are_coalesced_to_the_rate_asked() -> None:
    """metricsMs 500: figures at most every 500 ms, lean acks between, and the clock sends
    the latest figures once they are due."""
    d = Driver()
    channel = _greeted(d, 500)
    d.now = 10.0
    assert types(_batch(d, channel, 1, "t", 0)) == ["METRICS_UPDATE"]
    d.now = 10.2
    assert types(_batch(d, channel, 2, "h", 100)) == [INPUT_ACK]
    d.now = 10.3
    assert types(_batch(d, channel, 3, "e", 200)) == [INPUT_ACK]
    d.tick(10.4)  # not due yet
    assert types(d.out[channel.id][-1:]) == [INPUT_ACK]
    d.tick(10.55)
    update = d.out[channel.id][-1]
    assert isinstance(update, Outgoing) and update.type == "METRICS_UPDATE"
    assert update.data["ack"] == 3 and update.data["analysis"]["typed"] == "the"
    d.tick(11.5)  # nothing new since: nothing sent
    assert d.out[channel.id][-1] is update
    d.now = 11.6
    assert types(_batch(d, channel, 4, " ", 300)) == ["METRICS_UPDATE"]


def test_direct_replies_follow_the_rate_too() -> None:
    """On the server's hot path the lean ack comes back as text, byte for byte codec.encode's."""
    handler = SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        config=HandlerConfig(future_tolerance_ms=None),
    )
    channel = handler.open(0.0)
    handler.receive_text(channel, '{"type":"HELLO","data":{"version":1,"metricsMs":null}}', 0.0)
    handler.receive_text(
        channel, '{"type":"CREATE_SESSION","data":{"mode":"words","text":"ab cd"}}', 0.0
    )
    handler.receive_text(channel, '{"type":"START_SESSION"}', 0.0)
    handler.take_dirty()
    channel.take()
    frame = '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":0}]}}'
    reply = handler.receive_text_direct(channel, frame, 0.1)
    assert reply == input_ack_frame(1) == codec.encode(Outgoing(INPUT_ACK, {"ack": 1}))
    assert channel.actions == []
