"""decode_server refuses a server's strings that a typist could not be shown or type."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bartype.protocol.messages import ProtocolError
from bartype.protocol.server_codec import decode_server
from bartype.protocol.server_messages import SessionComplete, SessionCreated

CREATED: dict[str, Any] = {
    "sessionId": "q3b0Qd1m2kYV8c1x",
    "token": "mO0bXw5a7l_5kJb2R8gQ0x9c",
    "text": "hi there\nnext line",
    "mode": "words",
    "mode2": "3",
    "textId": "custom",
    "options": {"mode": "words"},
}

METRICS: dict[str, Any] = {
    "wpm": 117.07,
    "rawWpm": 117.07,
    "accuracy": 100.0,
    "consistency": 100.0,
    "keyConsistency": 91.92,
    "correct": 8,
    "incorrect": 0,
    "extra": 0,
    "missed": 0,
    "keypresses": 8,
    "errors": 0,
    "durationS": 0.82,
    "afk": False,
    "series": {"wpm": [117], "raw": [117], "burst": [117], "errors": [0]},
    "keys": {
        " ": {"presses": 1, "errors": 0, "meanIntervalMs": None},
        "\n": {"presses": 1, "errors": 0, "meanIntervalMs": 120.0},
        "[": {"presses": 1, "errors": 1, "meanIntervalMs": 300.0},
    },
}

COMPLETE: dict[str, Any] = {
    "sessionId": "q3b0Qd1m2kYV8c1x",
    "state": "completed",
    "mode": "words",
    "mode2": "2",
    "ack": 2,
    "metrics": METRICS,
    "valid": False,
    "invalidReasons": ["too short"],
    "flags": [],
    "resultId": 1,
    "personalBest": False,
}


def _frame(type_: str, data: dict[str, Any]) -> str:
    return json.dumps({"type": type_, "data": data})


def test_honest_strings_pass() -> None:
    """Line breaks in a text, a key "[" or "\\n", markup-looking labels: all data, all fine."""
    created = decode_server(_frame("SESSION_CREATED", {**CREATED, "mode2": "[b]25[/b]"}))
    assert isinstance(created, SessionCreated)
    assert (created.text, created.mode2) == ("hi there\nnext line", "[b]25[/b]")
    complete = decode_server(_frame("SESSION_COMPLETE", COMPLETE))
    assert isinstance(complete, SessionComplete) and complete.invalid_reasons == ("too short",)
    family = "👩\u200d👩\u200d👧 ok"  # joiners are part of the emoji
    zen = decode_server(_frame("SESSION_CREATED", {**CREATED, "text": family}))
    assert isinstance(zen, SessionCreated) and zen.text == family


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("text", "a\x1b[2Jb", "SESSION_CREATED.text holds U+001B at character 2"),
        ("text", "tab\there", "U+0009"),
        ("text", "\u202eevil", "U+202E"),
        ("text", "zero\u200bwidth", "U+200B"),
        ("text", "nul\x00", "U+0000"),
        ("text", "next\u2028line", "U+2028"),
        ("text", "x" * 100_001, "at most 100,000"),
        ("mode2", "25\x1b]0;x\x07", "SESSION_CREATED.mode2 holds U+001B"),
        ("mode2", "x" * 201, "at most 200"),
        ("textId", "quote:\x9b1", "U+009B"),
        ("sessionId", "s\x00", "sessionId holds U+0000"),
        ("token", "t\x7f", "U+007F"),
        ("mode", "words\r", "U+000D"),
    ],
)
def test_a_session_that_cannot_be_shown_is_refused(field: str, value: Any, says: str) -> None:
    """A control or invisible character anywhere a typist reads or types, or an overlong
    string: BAD_MESSAGE naming the field and the character (never quoting it raw)."""
    with pytest.raises(ProtocolError) as caught:
        decode_server(_frame("SESSION_CREATED", {**CREATED, field: value}))
    assert caught.value.code == "BAD_MESSAGE"
    assert says in caught.value.message and caught.value.message.isprintable()


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(COMPLETE)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


STAT = {"presses": 1, "errors": 0, "meanIntervalMs": 1.0}


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        ("mode2", "[b]x\x1b", "SESSION_COMPLETE.mode2 holds U+001B"),
        ("mode", "\u202ewords", "U+202E"),
        ("sessionId", "q\x00", "U+0000"),
        ("invalidReasons", ["ok", "\x1b[2J"], "invalidReasons must be a list of short strings"),
        ("invalidReasons", ["x" * 201], "invalidReasons"),
        ("flags", ["\u200b"], "flags"),
        ("metrics.keys", {"ab": STAT}, "is not one character"),
        ("metrics.keys", {"\x1b": STAT}, "metrics.keys holds U+001B"),
        ("metrics.keys", {"\u202e": STAT}, "U+202E"),
        ("metrics.correct", 10**400, "metrics.correct"),
    ],
)
def test_a_result_that_cannot_be_shown_is_refused(path: str, value: Any, says: str) -> None:
    """The labels, reasons and keys the results and history screens show are checked."""
    with pytest.raises(ProtocolError) as caught:
        decode_server(_frame("SESSION_COMPLETE", _with(path, value)))
    assert says in caught.value.message and caught.value.message.isprintable()
