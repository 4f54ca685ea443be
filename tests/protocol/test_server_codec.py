"""decode_server: every server message checked, hostile ones refused with a clear error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bartype.protocol.codec import encode
from bartype.protocol.handler import HandlerConfig, SessionHandler
from bartype.protocol.messages import (
    Outgoing,
    ProtocolError,
)
from bartype.protocol.server_codec import decode_server
from bartype.protocol.server_messages import (
    MetricsUpdate,
    ServerError,
    SessionAttached,
    SessionComplete,
    SessionCreated,
    SessionStarted,
    UnknownServerMessage,
    Welcome,
)
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root

DOC = Path(__file__).parents[2] / "docs" / "protocol.md"


def handler_frames() -> list[str]:
    """Every frame a real handler sends for a typed test, a resume, an error and the end."""
    handler = SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        None,
        config=HandlerConfig(future_tolerance_ms=None),
    )
    frames: list[str] = []

    def collect() -> None:
        for channel in handler.take_dirty():
            frames.extend(encode(a) for a in channel.take() if isinstance(a, Outgoing))

    channel = handler.open(0.0, None, None)
    for frame in (
        {"type": "HELLO", "data": {"version": 1}},
        {"type": "CREATE_SESSION", "data": {"mode": "words", "text": "hi there"}},
        {"type": "START_SESSION"},
        {"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": "h", "t": 0}]}},
        {"type": "INPUT_UPDATE", "data": {"seq": 5, "keys": [{"key": "i", "t": 9}]}},
    ):
        handler.receive_text(channel, json.dumps(frame), 1.0)
    collect()
    created = json.loads(frames[1])["data"]
    handler.disconnect(channel, 2.0)
    again = handler.open(2.0, created["sessionId"], created["token"])
    keys = [{"key": c, "t": 10 + i} for i, c in enumerate("i there")]
    handler.receive_text(
        again, json.dumps({"type": "INPUT_UPDATE", "data": {"seq": 2, "keys": keys}}), 3.0
    )
    collect()
    return frames


def test_every_frame_of_a_real_handler_decodes() -> None:
    """What the handler sends decodes to the typed messages, each keeping its data."""
    decoded = [decode_server(frame) for frame in handler_frames()]
    kinds = [type(m) for m in decoded]
    assert kinds == [
        Welcome,
        SessionCreated,
        SessionStarted,
        MetricsUpdate,
        ServerError,
        SessionAttached,
        MetricsUpdate,
        SessionComplete,
    ]
    for message, frame in zip(decoded, handler_frames(), strict=True):
        assert message.data.keys() == json.loads(frame)["data"].keys()
    update = decoded[3]
    assert isinstance(update, MetricsUpdate) and update.analysis.offset == 0
    gap = decoded[4]
    assert isinstance(gap, ServerError) and (gap.code, gap.ack, gap.seq) == ("SEQ_GAP", 1, None)
    complete = decoded[-1]
    assert isinstance(complete, SessionComplete) and complete.state == "completed"
    assert complete.metrics is not None and complete.metrics["keypresses"] == 8


def test_the_documented_examples_decode() -> None:
    """Every complete server frame in docs/protocol.md is accepted."""
    frames = re.findall(r'^(?:S: )?(\{"type":"[A-Z_]+".*\})$', DOC.read_text(), re.MULTILINE)
    decoded = [decode_server(f) for f in frames if '"type":"HELLO"' not in f and "…" not in f]
    assert {type(m).__name__ for m in decoded} >= {
        "Welcome",
        "SessionCreated",
        "MetricsUpdate",
        "SessionComplete",
        "ServerError",
    }


def test_unknown_types_and_fields_are_ignored() -> None:
    """A newer server's additions are let through, as the protocol promises old clients."""
    message = decode_server('{"type":"ROOM_STATE","data":{"x":1}}')
    assert message == UnknownServerMessage("ROOM_STATE")
    started = decode_server('{"type":"SESSION_STARTED","data":{"sessionId":"a","new":true}}')
    assert started == SessionStarted("a")


def _complete(**metrics: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(handler_frames()[-1])["data"]
    data["sessionId"] = "s1"  # not the random one: test ids must be the same in every process
    data["metrics"].update(metrics)
    return data


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type": 3}', 'string "type"'),
        ('{"type":"SESSION_STARTED","data":[]}', "JSON object"),
        ('{"type":"SESSION_STARTED","data":{}}', "SESSION_STARTED.sessionId is missing"),
        ('{"type":"SESSION_STARTED","data":{"sessionId":7}}', "must be a string, not int"),
        (
            '{"type":"SESSION_ATTACHED","data":{"sessionId":"a","state":"running","ack":-1,'
            '"mode":"words"}}',
            "ack must be a whole number",
        ),
        (
            '{"type":"SESSION_CREATED","data":{"sessionId":"a","token":null,"text":"x",'
            '"mode":"words","mode2":"1","textId":null,"options":{}}}',
            "token must be a string, not null",
        ),
        (
            '{"type":"METRICS_UPDATE","data":{"ack":1,"analysis":{"wordIndex":0,"offset":-2,'
            '"typed":"","states":"","finished":false},"metrics":{}}}',
            "METRICS_UPDATE.analysis.offset must be a whole number",
        ),
        ('{"type":"ERROR","data":{"code":"X"}}', "ERROR.message is missing"),
        ('{"type":"ERROR","data":{"code":"X","message":"m","ack":"1"}}', "ERROR.ack"),
        (
            json.dumps({"type": "SESSION_COMPLETE", "data": _complete(wpm="fast")}),
            "SESSION_COMPLETE.metrics.wpm must be a finite number, not str",
        ),
        (
            json.dumps({"type": "SESSION_COMPLETE", "data": _complete(series={"wpm": [1]})}),
            "metrics.series.raw is missing",
        ),
        (
            json.dumps(
                {"type": "SESSION_COMPLETE", "data": _complete(keys={"\x1b[2J": {"presses": 1}})}
            ),
            r"keys.['\x1b[2J'] is not one character",
        ),
        (
            '{"type":"WELCOME","data":{"version":1,"server":"s","limits":{"maxFrame":1,"rate":1e999}}}',
            "rate must be a finite number",
        ),
        (
            '{"type":"WELCOME","data":{"version":1,"server":"s","limits":{"maxFrame":1,"rate":NaN}}}',
            "NaN is not a JSON number",
        ),
    ],
)
def test_malformed_server_messages_are_refused(frame: str, says: str) -> None:
    """A missing field, a wrong type, NaN or a bad envelope raises ProtocolError saying which."""
    with pytest.raises(ProtocolError) as info:
        decode_server(frame)
    assert says in info.value.message
    assert info.value.code in ("BAD_JSON", "BAD_MESSAGE")


def test_an_update_without_offset_is_read_as_offset_zero() -> None:
    """A server from before analysis.offset existed is still understood."""
    data = json.loads(handler_frames()[3])["data"]
    del data["analysis"]["offset"]
    message = decode_server(json.dumps({"type": "METRICS_UPDATE", "data": data}))
    assert isinstance(message, MetricsUpdate) and message.analysis.offset == 0
