"""Codec: strict decoding of client frames and compact encoding of server ones."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.core.metrics import KeyStat, Metrics, SecondSeries
from bartype.protocol.codec import client_message_to_json, decode, encode
from bartype.protocol.messages import (
    CreateSession,
    EndSession,
    Hello,
    InputUpdate,
    KeyEvent,
    Outgoing,
    ProtocolError,
    StartSession,
)
from bartype.protocol.views import metrics_to_json


def frame(type_: str, data: Any) -> str:
    return json.dumps({"type": type_, "data": data})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", "BAD_JSON"),
        ("[1, 2]", "BAD_MESSAGE"),
        ('{"data": {}}', "BAD_MESSAGE"),
        ('{"type": "HELLO", "data": [], "x": 1}', "UNKNOWN_FIELD"),
        ('{"type": "HELLO", "data": []}', "BAD_MESSAGE"),
        (frame("NOPE", {}), "UNKNOWN_TYPE"),
        (frame("HELLO", {"version": "1"}), "BAD_MESSAGE"),
        (frame("HELLO", {"version": 1, "extra": 2}), "UNKNOWN_FIELD"),
        (frame("START_SESSION", {"now": 1}), "UNKNOWN_FIELD"),
        (frame("CREATE_SESSION", {"mode": "race"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "time", "duration": 0}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "time", "duration": True}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "words", "words": 10_000}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "custom"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "custom", "text": "   "}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "adaptive"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "custom", "text": "x" * 20_001}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"language": "../etc"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"punctuation": 1}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"quoteLength": "huge"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"seed": -1}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "lesson", "layout": "hcesar"}), "BAD_MESSAGE"),
        (frame("CREATE_SESSION", {"mode": "lesson", "lesson": 8}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 0, "keys": [{"key": "a", "t": 1}]}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": []}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "", "t": 1}]}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": -1}]}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": "1"}]}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 1e12}]}), "BAD_MESSAGE"),
        (
            frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 1, "x": 0}]}),
            "UNKNOWN_FIELD",
        ),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [["a", 1]]}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [{"key": "a", "t": 1}] * 257}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"seq": 1, "keys": [], "more": 1}), "UNKNOWN_FIELD"),
        (frame("INPUT_UPDATE", {"input": 5}), "BAD_MESSAGE"),
        (frame("INPUT_UPDATE", {"input": "a", "seq": 1}), "UNKNOWN_FIELD"),
        (frame("END_SESSION", {"t": "late"}), "BAD_MESSAGE"),
        ('{"type": "HELLO", "data": {"version": NaN}}', "BAD_JSON"),
        ("[" * 100_000, "BAD_JSON"),
    ],
)
def test_bad_frames_raise_with_stable_codes(text: str, code: str) -> None:
    """Each malformed frame raises ProtocolError with its documented code."""
    with pytest.raises(ProtocolError) as info:
        decode(text)
    assert info.value.code == code
    assert info.value.message


def test_nan_key_time_is_rejected() -> None:
    """A NaN key time (Python's json would accept NaN) is rejected."""
    with pytest.raises(ProtocolError):
        decode('{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":NaN}]}}')


@pytest.mark.parametrize(
    "message",
    [
        Hello(1),
        Hello(1, "bartype/0.1.0"),
        CreateSession(mode="time", duration=15.0, seed=3),
        CreateSession(mode="words", words=10, text="a b c", punctuation=True),
        CreateSession(mode="code", code="python"),
        StartSession(),
        InputUpdate(seq=4, keys=(KeyEvent("a", 1.5), KeyEvent("Backspace", 2.0))),
        InputUpdate(input="typed so far"),
        EndSession(),
        EndSession(12.5),
    ],
)
def test_client_messages_round_trip(message: Any) -> None:
    """Encoding a client message and decoding it gives the same message back."""
    assert decode(client_message_to_json(message)) == message


def test_data_may_be_omitted() -> None:
    """A frame without data is read as empty data."""
    assert decode('{"type": "START_SESSION"}') == StartSession()


def test_encode_is_compact_utf8() -> None:
    """Server frames are compact JSON and keep non-ASCII characters as they are."""
    assert encode(Outgoing("ERROR", {"code": "X", "message": "é"})) == (
        '{"type":"ERROR","data":{"code":"X","message":"é"}}'
    )


def test_metrics_json_has_camel_case_keys() -> None:
    """metrics_to_json uses the documented camelCase keys, series and per-key stats."""
    metrics = Metrics(
        wpm=60.0,
        raw=62.0,
        accuracy=97.5,
        consistency=80.0,
        key_consistency=70.0,
        correct=50,
        incorrect=1,
        extra=0,
        missed=0,
        keypresses=52,
        errors=1,
        duration_s=10.0,
        afk=False,
        series=SecondSeries((60,), (62,), (60,), (1,), (1.0,)),
        keys={"a": KeyStat(3, 1, 300.0, 2)},
    )
    data = metrics_to_json(metrics)
    assert set(data) == {
        "wpm",
        "rawWpm",
        "accuracy",
        "consistency",
        "keyConsistency",
        "correct",
        "incorrect",
        "extra",
        "missed",
        "keypresses",
        "errors",
        "durationS",
        "afk",
        "series",
        "keys",
    }
    assert data["series"] == {
        "wpm": [60],
        "raw": [62],
        "burst": [60],
        "errors": [1],
        "times": [1.0],
    }
    assert data["keys"]["a"] == {"presses": 3, "errors": 1, "meanIntervalMs": 150.0}


def test_protocol_imports_without_textual_or_websockets() -> None:
    """Importing bartype.protocol loads neither textual nor websockets."""
    code = (
        "import sys, bartype.protocol, bartype.protocol.handler, bartype.transport.client, "
        "bartype.transport.loopback, bartype.storage.history; "
        "print(sorted(m for m in ('textual', 'websockets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("typed", ["", "ab", 'q"uo\\te', "é\n", "\x00\u2028"])
@pytest.mark.parametrize("finished", [True, False])
def test_metrics_update_fast_encoding_is_byte_identical(typed: str, finished: bool) -> None:
    """The hand-written METRICS_UPDATE encoding equals the generic JSON encoding."""
    from bartype.protocol.json_frames import encode_json

    data = {
        "ack": 12,
        "analysis": {"wordIndex": 3, "typed": typed, "states": "ccix", "finished": finished},
        "metrics": {
            "wpm": 61.35,
            "rawWpm": 0.0,
            "accuracy": 100.0,
            "consistency": 73.1,
            "errors": 0,
            "keypresses": 41,
            "correct": 40,
            "incorrect": 1,
            "extra": 0,
            "elapsedS": 1e-05,
        },
    }
    fast = encode(Outgoing("METRICS_UPDATE", data))
    assert fast == encode_json({"type": "METRICS_UPDATE", "data": data})
    assert json.loads(fast)["data"] == data


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"HELLO","data":{"version":1,"client":"a\\ud800"}}',
        '{"type":"HELLO","data":{"version":1,"client":"\\udc00x"}}',
        '{"type":"HELLO","data":{"version":1,"\\ud83d":1}}',
        '{"type":"\\ud800","data":{}}',
        '{"type":"CREATE_SESSION","data":{"mode":"custom","text":"ab\\uDBFFcd"}}',
        '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\\ud800","t":0}]}}',
        '{"type":"INPUT_UPDATE","data":{"input":"\\ufffe"}}',
        '{"type":"CREATE_SESSION","data":{"mode":"custom","text":"a\ufdd0"}}',
        '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\U0010ffff","t":0}]}}',
        '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\\uffff","t":0}]}}',
    ],
)
def test_lone_surrogates_and_noncharacters_are_bad_messages(text: str) -> None:
    """A lone surrogate or a non-character in any string, raw or escaped, is BAD_MESSAGE."""
    from bartype.protocol.codec import parse_key_batch

    with pytest.raises(ProtocolError) as info:
        decode(text)
    assert info.value.code == "BAD_MESSAGE"
    assert "U+" in info.value.message
    assert parse_key_batch(text) is None


_NEAR_NONCHARACTERS = st.sampled_from(
    [*"\ufdcf\ufdd0\ufdef\ufdf0\ufffd\ufffe\uffff\u0ffe\u0fff\ud7ff\ue000", "\U0001fffe"]
    + ["\U0010ffff", "\U0010fffd", "\U0002fffe", "\ud800", "\udfff", "é", "\\u", "a"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(), _NEAR_NONCHARACTERS), max_size=12).map("".join))
def test_the_suspect_check_finds_what_the_character_class_finds(text: str) -> None:
    """``suspect`` is true exactly when a non-character, a surrogate or ``\\u`` is in the text."""
    from bartype.protocol.json_frames import SUSPECT, suspect

    assert suspect(text) is (SUSPECT.search(text) is not None)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\\ud83d\\ude00","t":0}]}}', "😀"),
        ('{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\\u00e9","t":0}]}}', "é"),
        ('{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"\\\\ud800","t":0}]}}', "\\ud800"),
    ],
)
def test_paired_and_plain_escapes_are_text(text: str, key: str) -> None:
    """Paired surrogate escapes, other escapes and an escaped backslash are accepted."""
    message = decode(text)
    assert isinstance(message, InputUpdate) and message.keys[0].key == key
