"""What docs/protocol.md promises, point by point, held against the codec and the handler."""

from __future__ import annotations

import json

import pytest

from bartype.protocol.codec import decode, parse_key_batch
from bartype.protocol.messages import ProtocolError

from .test_handler import TEXT, Driver, keys, message, types


def _code(text: str) -> str:
    with pytest.raises(ProtocolError) as info:
        decode(text)
    return info.value.code


def test_an_unknown_field_inside_a_key_object_is_unknown_field() -> None:
    """``{"key", "t", "shift"}`` is an unknown field, as anywhere in ``data``; a missing
    ``t`` is a bad message."""
    batch = {"seq": 1, "keys": [{"key": "a", "t": 0, "shift": True}]}
    assert _code(json.dumps({"type": "INPUT_UPDATE", "data": batch})) == "UNKNOWN_FIELD"
    batch = {"seq": 1, "keys": [{"key": "a", "when": 0}]}
    assert _code(json.dumps({"type": "INPUT_UPDATE", "data": batch})) == "UNKNOWN_FIELD"
    batch = {"seq": 1, "keys": [{"key": "a"}]}
    assert _code(json.dumps({"type": "INPUT_UPDATE", "data": batch})) == "BAD_MESSAGE"


def test_null_data_means_no_data() -> None:
    """``"data": null`` is the same as leaving ``data`` out."""
    d = Driver()
    channel = d.open()
    assert types(d.raw(channel, '{"type": "HELLO", "data": {"version": 1}}')) == ["WELCOME"]
    d.raw(channel, json.dumps({"type": "CREATE_SESSION", "data": {"text": TEXT}}))
    assert types(d.raw(channel, '{"type": "START_SESSION", "data": null}')) == ["SESSION_STARTED"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    """``NaN``/``Infinity`` are not JSON: ``BAD_JSON``, in any field, on the fast path too."""
    frame = '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":T}]}}'
    frame = frame.replace("T", constant)
    assert parse_key_batch(frame) is None
    assert _code(frame) == "BAD_JSON"
    assert _code('{"type":"END_SESSION","data":{"t":T}}'.replace("T", constant)) == "BAD_JSON"


def test_any_other_protocol_version_is_a_version_mismatch() -> None:
    """A whole-number version this server does not speak (0, 2, 1000001) gets
    VERSION_MISMATCH and 4002; a version that is not a whole number is a bad message."""
    for version in (0, 2, 1_000_001, 2**53 - 1):
        d = Driver()
        channel = d.open()
        out = d.send(channel, "HELLO", {"version": version})
        assert types(out) == ["ERROR", "close 4002"], version
        assert out[0].data["code"] == "VERSION_MISMATCH" and out[0].data["supported"] == [1]
    for bad in (-1, 1.5, "1", 2**53):
        assert _code(json.dumps({"type": "HELLO", "data": {"version": bad}})) == "BAD_MESSAGE"


@pytest.mark.parametrize("key", ["\b", "\x1b", "\x00", "\x7f", "\x9b", "a\x1b[2J"])
def test_control_characters_in_keys_are_refused(key: str) -> None:
    """A raw control character is not a typed character: BAD_MESSAGE, nothing applied;
    ``\\n`` and ``\\r`` (Enter) and ``\\t`` (Tab, indentation) are keys."""
    d = Driver()
    channel, _ = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": key, "t": 0}]})
    assert types(out) == ["ERROR"] and out[0].data["code"] == "BAD_MESSAGE"
    frame = json.dumps({"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": key, "t": 0}]}})
    assert parse_key_batch(frame) is None
    out = d.send(channel, "INPUT_UPDATE", {"input": f"th{key}"})
    assert types(out) == ["ERROR"] and out[0].data["code"] == "BAD_MESSAGE"
    for enter in ("\n", "\r"):
        assert parse_key_batch(frame.replace(json.dumps(key), json.dumps(enter))) is not None


def test_a_session_replaced_by_create_session_is_abandoned_like_end_session() -> None:
    """CREATE_SESSION over an unfinished session first sends its SESSION_COMPLETE
    (``abandoned``, no result), as END_SESSION would; it stays resumable with it."""
    d = Driver()
    channel, created = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
    out = d.send(channel, "CREATE_SESSION", {"text": TEXT})
    assert types(out) == ["SESSION_COMPLETE", "SESSION_CREATED"]
    complete = out[0].data
    assert complete["sessionId"] == created["sessionId"] and complete["state"] == "abandoned"
    assert complete["metrics"] is None and complete["resultId"] is None
    resumed = d.open(created["sessionId"], created["token"])
    again = d.out[resumed.id]
    assert types(again) == ["SESSION_ATTACHED", "SESSION_COMPLETE"]
    assert message(again[0]).data["state"] == "abandoned" and message(again[1]).data == complete


def test_a_replaced_finished_session_sends_nothing_more() -> None:
    """A session already finished has had its SESSION_COMPLETE: CREATE_SESSION just
    creates the new one."""
    d = Driver()
    channel, _ = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    assert types(d.send(channel, "CREATE_SESSION", {"text": TEXT})) == ["SESSION_CREATED"]


def test_a_time_test_ended_by_the_clock_waits_for_a_lagging_client() -> None:
    """The last batch of a 2 s test arrives 1.2 s later than the ones before it: the
    server's clock has not ended the test yet, and every key typed in time counts."""
    d = Driver()
    channel, _ = d.started(mode="time", duration=2, text="a " * 40)
    d.now = 0.95
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("a " * 5, 0, 100)})
    for now in (1.5, 2.0, 2.5, 3.0):
        d.tick(now)
    d.now = 3.1
    out = d.send(channel, "INPUT_UPDATE", {"seq": 2, "keys": keys("a " * 5, 1000, 90)})
    assert types(out) == ["METRICS_UPDATE"]
    d.tick(5.0)
    complete = message(d.out[channel.id][-1])
    assert complete.type == "SESSION_COMPLETE"
    assert complete.data["state"] == "completed" and complete.data["metrics"]["keypresses"] == 20


def test_end_session_at_the_limit_of_a_time_test_completes_it() -> None:
    """END_SESSION with ``t`` at or past the time limit completes the test (not ended)."""
    d = Driver()
    channel, _ = d.started(mode="time", duration=2, text="a " * 40)
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("a " * 5, 0, 100)})
    out = d.send(channel, "END_SESSION", {"t": 2500})
    assert out[-1].data["state"] == "completed"
    assert out[-1].data["metrics"]["durationS"] == 2.0


def test_series_has_one_item_per_sample_point_with_its_time() -> None:
    """``series.times`` gives each sample point's time (s since the first key): whole
    seconds, then the end when the last partial second is at least half a second."""
    d = Driver()
    channel, _ = d.started(text="the quick brown fox jumps over")
    out = d.send(
        channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the quick brown fox jumps over")}
    )
    series = out[-1].data["metrics"]["series"]
    assert series["times"] == [1.0, 2.0, 2.9]
    assert all(len(series[name]) == 3 for name in ("wpm", "raw", "burst", "errors"))


def test_on_resume_session_attached_comes_before_welcome() -> None:
    """A resuming connection gets SESSION_ATTACHED as it opens, before the WELCOME
    that answers its HELLO."""
    d = Driver()
    channel, created = d.started()
    d.handler.disconnect(channel, d.now)
    resumed = d.open(created["sessionId"], created["token"])
    d.send(resumed, "HELLO", {"version": 1})
    assert types(d.out[resumed.id]) == ["SESSION_ATTACHED", "WELCOME"]


def test_metrics_update_correct_is_the_credited_count() -> None:
    """``METRICS_UPDATE.metrics.correct`` counts characters credited to WPM: a wrong
    word's correct letters are not in it, the correct start of the open word is."""
    d = Driver()
    channel, _ = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("thx qu")})
    metrics = out[-1].data["metrics"]
    assert metrics["correct"] == 2 and metrics["keypresses"] == 6 and metrics["errors"] == 1


def test_a_tab_is_a_key() -> None:
    """Tab (indentation in code) is typed text, on the fast path and the legacy input too."""
    d = Driver()
    channel, _ = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "\t", "t": 0}]})
    assert "ERROR" not in types(out)
    frame = json.dumps(
        {"type": "INPUT_UPDATE", "data": {"seq": 2, "keys": [{"key": "\t", "t": 1}]}}
    )
    assert parse_key_batch(frame) is not None
