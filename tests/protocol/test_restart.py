"""Tests in progress survive a server restart: ``export_sessions`` / ``import_sessions``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bartype.storage.history import History

from .test_handler import TEXT, Driver, keys, message, types


def _restarted(d: Driver, downtime_s: float, now: float = 1000.0, **config: Any) -> Driver:
    """A new handler (a new process: its clock starts elsewhere) given ``d``'s snapshots,
    stored and read back through a real database as ``bartype serve`` does."""
    snapshots = d.handler.export_sessions(d.now)
    new = Driver(d.history, **config)
    new.now = now
    if d.history is not None:
        d.history.keep_live_sessions("test:1", snapshots)
        snapshots = [kept.snapshot for kept in d.history.take_live_sessions("test:1")]
    new.handler.import_sessions(snapshots, now, downtime_s)
    return new


def test_a_test_resumes_after_a_restart_with_the_same_result(tmp_path: Path) -> None:
    """Half typed, the server restarts; resumed with the token, the test ends with exactly
    the result of a server that never stopped."""
    half = len(TEXT) // 2
    first, rest = keys(TEXT)[:half], keys(TEXT)[half:]

    straight = Driver()
    channel, _ = straight.started()
    straight.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": first})
    expected = straight.send(channel, "INPUT_UPDATE", {"seq": 2, "keys": rest})[-1]

    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history)
        channel, created = d.started()
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": first})
        d.handler.disconnect(channel, d.now)
        new = _restarted(d, downtime_s=2.0)
        assert new.handler.live_sessions == 1
        resumed = new.open(created["sessionId"], created["token"])
        attached = new.out[resumed.id]
        assert types(attached) == ["SESSION_ATTACHED"]
        data = message(attached[0]).data
        assert data["state"] == "running" and data["ack"] == 1
        out = new.send(resumed, "INPUT_UPDATE", {"seq": 2, "keys": rest})
        assert types(out) == ["METRICS_UPDATE", "SESSION_COMPLETE"]
        complete = out[-1].data
        assert complete["metrics"] == expected.data["metrics"]
        assert history.count() == 1
        # Restored once: a second restart finds nothing left to restore.
        assert history.take_live_sessions("test:1") == []


def test_the_token_is_still_required_after_a_restart(tmp_path: Path) -> None:
    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history)
        channel, created = d.started()
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
        new = _restarted(d, downtime_s=1.0)
        wrong = new.open(created["sessionId"], "not-the-token")
        assert types(new.out[wrong.id]) == ["ERROR", "close 4001"]


def test_a_timed_test_that_ran_out_during_the_restart_ends_on_time(tmp_path: Path) -> None:
    """The typist's clock kept running while the server was away: a 2 s test typed for
    0.5 s before a 5 s restart is over. The server waits for the typist to come back with
    the keys typed meanwhile, then ends the test at 2 s with every key typed before that."""
    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history)
        channel, created = d.started(mode="time", duration=2)
        d.now = 0.5
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("alpha", 0, 100)})
        new = _restarted(d, downtime_s=5.0)
        new.tick(new.now + 0.5)  # the clock alone does not end a test just restored
        assert history.count() == 0
        resumed = new.open(created["sessionId"], created["token"])
        # Typed while the server was away: " beta" before the 2 s, " gamma" after it.
        out = new.send(
            resumed,
            "INPUT_UPDATE",
            {"seq": 2, "keys": keys(" beta", 1000, 100) + keys(" gamma", 2100, 100)},
        )
        complete = out[-1]
        assert complete.type == "SESSION_COMPLETE"
        assert complete.data["metrics"]["durationS"] == 2.0
        assert complete.data["metrics"]["keypresses"] == len("alpha beta")


def test_a_restored_test_nobody_resumes_is_ended_after_the_grace() -> None:
    d = Driver()
    channel, created = d.started(mode="time", duration=2)
    d.now = 0.5
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("alpha", 0, 100)})
    new = _restarted(d, downtime_s=5.0, restore_grace_s=10.0)
    live = new.handler.sessions.peek(created["sessionId"])
    assert live is not None
    new.tick(new.now + 9.0)
    assert live.complete is None
    new.tick(new.now + 2.0)
    assert live.complete is not None and live.complete.data["metrics"]["durationS"] == 2.0


def test_keys_typed_during_the_restart_pass_the_future_check() -> None:
    """With the server clock check on: keys the typist typed while the server was away
    are accepted after the restart; a key still ahead of the clock is not."""
    d = Driver(future_tolerance_ms=1500.0)
    channel, created = d.started()
    d.now = 0.4
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ", 0, 100)})
    new = _restarted(d, downtime_s=4.0, future_tolerance_ms=1500.0)
    resumed = new.open(created["sessionId"], created["token"])
    ok = new.send(resumed, "INPUT_UPDATE", {"seq": 2, "keys": keys("quick", 4000, 100)})
    assert types(ok) == ["METRICS_UPDATE"]
    ahead = new.send(resumed, "INPUT_UPDATE", {"seq": 3, "keys": [{"key": " ", "t": 9000.0}]})
    assert types(ahead) == ["ERROR"] and ahead[0].data["code"] == "BAD_TIMESTAMP"


def test_a_finished_test_is_resumed_with_its_result() -> None:
    """A test that finished while its client was away: after a restart, resuming it still
    gives SESSION_ATTACHED, then its SESSION_COMPLETE."""
    d = Driver()
    channel, created = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    result = out[-1]
    assert result.type == "SESSION_COMPLETE"
    new = _restarted(d, downtime_s=1.0)
    resumed = new.open(created["sessionId"], created["token"])
    again = new.out[resumed.id]
    assert types(again) == ["SESSION_ATTACHED", "SESSION_COMPLETE"]
    assert message(again[0]).data["state"] == "completed"
    assert message(again[1]).data == result.data


def test_a_restart_does_not_extend_the_ttl() -> None:
    """A session unused for 590 s of a 600 s TTL, then a 5 s restart: restored, and
    forgotten 5 s later, as it would have been without the restart."""
    d = Driver(session_ttl_s=600.0)
    channel, created = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
    d.handler.disconnect(channel, d.now)
    d.now = 590.0
    assert _restarted(d, downtime_s=11.0, session_ttl_s=600.0).handler.live_sessions == 0
    new = _restarted(d, downtime_s=5.0, session_ttl_s=600.0)
    assert new.handler.live_sessions == 1
    new.now += 6.0
    late = new.open(created["sessionId"], created["token"])
    assert types(new.out[late.id]) == ["ERROR", "close 4001"]


def test_snapshots_are_json_and_a_damaged_one_is_skipped() -> None:
    d = Driver()
    for text in ("one two three", "four five six"):
        channel, _ = d.started(text=text)
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("o")})
    snapshots = json.loads(json.dumps(d.handler.export_sessions(d.now)))
    assert len(snapshots) == 2
    del snapshots[0]["config"]
    new = Driver()
    assert new.handler.import_sessions(snapshots, 0.0) == 1
    assert new.handler.import_sessions([{"id": "x"}, "junk"], 0.0) == 0  # type: ignore[list-item]


LONG_TEXT = "the quick brown fox jumps over the lazy dog"


def _typed_slowly(d: Driver, channel: Any, first_seq: int, typed: list[dict[str, Any]]) -> Any:
    """Send ``typed`` one key per batch, each batch arriving 0.5 s after the previous one
    (server time); return the last reply."""
    out: list[Any] = []
    for i, key in enumerate(typed):
        d.now += 0.5
        out = d.send(channel, "INPUT_UPDATE", {"seq": first_seq + i, "keys": [key]})
    return out[-1]


def test_keys_that_arrive_much_slower_than_they_claim_are_flagged() -> None:
    """Without any restart, 43 keys claiming 5 s that reach the server over 21 s get the
    result flagged "timing mismatch"."""
    d = Driver()
    channel, _ = d.started(text=LONG_TEXT, mode="custom")
    complete = _typed_slowly(d, channel, 1, keys(LONG_TEXT, 0, 120))
    assert complete.type == "SESSION_COMPLETE"
    assert complete.data["flags"] == ["timing mismatch"]


def test_a_20_s_restart_does_not_count_as_typing_time(tmp_path: Path) -> None:
    """A typist finishes during a 20 s restart and reconnects 2 s after the server is back:
    the downtime and the reconnection are not time the keys took to arrive (no flag)."""
    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history, future_tolerance_ms=1500.0)
        channel, created = d.started(text=LONG_TEXT, mode="custom")
        typed = keys(LONG_TEXT, 0, 120)
        d.now = 1.0
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": typed[:8]})
        d.now = 1.5
        new = _restarted(d, downtime_s=20.0, future_tolerance_ms=1500.0)
        new.now += 2.0
        resumed = new.open(created["sessionId"], created["token"])
        out = new.send(resumed, "INPUT_UPDATE", {"seq": 2, "keys": typed[8:]})
        assert out[-1].type == "SESSION_COMPLETE"
        assert out[-1].data["flags"] == [] and out[-1].data["valid"] is True


def test_keys_sent_slowly_after_a_restart_are_still_flagged(tmp_path: Path) -> None:
    """Only the downtime (and the reconnection, at most the restore grace) is left out:
    a client that resumes at once and then trickles its keys over 18 s is still flagged."""
    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history)
        channel, created = d.started(text=LONG_TEXT, mode="custom")
        typed = keys(LONG_TEXT, 0, 120)
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": typed[:8]})
        new = _restarted(d, downtime_s=20.0)
        resumed = new.open(created["sessionId"], created["token"])
        complete = _typed_slowly(new, resumed, 2, typed[8:])
        assert complete.type == "SESSION_COMPLETE"
        assert complete.data["flags"] == ["timing mismatch"]


def test_kept_sessions_hold_a_hash_of_the_token_not_the_token(tmp_path: Path) -> None:
    """What a stopped server keeps in its database has no resume token in it, and the
    token still resumes the session after the restart."""
    path = tmp_path / "server.sqlite3"
    with History(path) as history:
        d = Driver(history)
        channel, created = d.started()
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
        snapshots = d.handler.export_sessions(d.now)
        assert created["token"] not in json.dumps(snapshots)
        history.keep_live_sessions("test:1", snapshots)
        stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
        assert created["token"].encode() not in stored
        new = Driver(history)
        kept = [k.snapshot for k in history.take_live_sessions("test:1")]
        assert new.handler.import_sessions(kept, 0.0) == 1
    resumed = new.open(created["sessionId"], created["token"])
    assert types(new.out[resumed.id]) == ["SESSION_ATTACHED"]
