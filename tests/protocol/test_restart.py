"""Tests in progress survive a server restart: ``export_sessions`` / ``import_sessions``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_handler import TEXT, Driver, keys, types

from bartype.storage.history import History


def _restarted(d: Driver, downtime_s: float, now: float = 1000.0, **config: Any) -> Driver:
    """A new handler (a new process: its clock starts elsewhere) given ``d``'s snapshots,
    stored and read back through a real database as ``bartype serve`` does."""
    snapshots = d.handler.export_sessions(d.now)
    new = Driver(d.history, **config)
    new.now = now
    if d.history is not None:
        d.history.keep_live_sessions(snapshots)
        snapshots = d.history.take_live_sessions()
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
        assert attached[0].data["state"] == "running" and attached[0].data["ack"] == 1
        out = new.send(resumed, "INPUT_UPDATE", {"seq": 2, "keys": rest})
        assert types(out) == ["METRICS_UPDATE", "SESSION_COMPLETE"]
        complete = out[-1].data
        assert complete["metrics"] == expected.data["metrics"]
        assert history.count() == 1
        # Restored once: a second restart finds nothing left to restore.
        assert history.take_live_sessions() == []


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
    0.5 s before a 5 s restart is over, and ends at 2 s, not 7."""
    with History(tmp_path / "server.sqlite3") as history:
        d = Driver(history)
        channel, created = d.started(mode="time", duration=2)
        d.now = 0.5
        d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("alpha", 0, 100)})
        new = _restarted(d, downtime_s=5.0)
        resumed = new.open(created["sessionId"], created["token"])
        new.tick(new.now + 0.2)
        complete = new.out[resumed.id][-1]
        assert complete.type == "SESSION_COMPLETE"
        assert complete.data["metrics"]["durationS"] == 2.0


def test_sessions_older_than_the_ttl_are_not_restored() -> None:
    d = Driver(session_ttl_s=60.0)
    channel, _ = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
    assert _restarted(d, downtime_s=61.0, session_ttl_s=60.0).handler.live_sessions == 0
    assert _restarted(d, downtime_s=59.0, session_ttl_s=60.0).handler.live_sessions == 1


def test_finished_tests_are_not_kept() -> None:
    d = Driver()
    channel, _ = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    assert d.handler.export_sessions(d.now) == []


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
