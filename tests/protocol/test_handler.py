"""SessionHandler: messages in, messages out, with time passed in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Action, Close, Outgoing
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.history import History

TEXT = "the quick brown fox"


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    """A real results database in a temporary folder."""
    with History(tmp_path / "h.sqlite3") as db:
        yield db


class Driver:
    """Drives one handler (real texts, and a real history if given) and collects what
    each channel is sent."""

    def __init__(self, history: History | None = None, **config: Any) -> None:
        config.setdefault("future_tolerance_ms", None)
        self.history = history
        self.handler = SessionHandler(
            LibraryTexts(TextLibrary(default_texts_root())), history, config=HandlerConfig(**config)
        )
        self.now = 0.0
        self.out: dict[int, list[Action]] = {}

    def open(self, session_id: str | None = None, token: str | None = None) -> Channel:
        channel = self.handler.open(self.now, session_id, token)
        self.out[channel.id] = []
        self._collect()
        return channel

    def _collect(self) -> None:
        for channel in self.handler.take_dirty():
            self.out.setdefault(channel.id, []).extend(channel.take())

    def send(self, channel: Channel, type_: str, data: dict[str, Any] | None = None) -> list[Any]:
        frame = {"type": type_} if data is None else {"type": type_, "data": data}
        return self.raw(channel, json.dumps(frame))

    def raw(self, channel: Channel, text: str) -> list[Any]:
        before = len(self.out.get(channel.id, []))
        self.handler.receive_text(channel, text, self.now)
        self._collect()
        return self.out.get(channel.id, [])[before:]

    def tick(self, now: float) -> None:
        self.now = now
        self.handler.tick(now)
        self._collect()

    def started(
        self, text: str = TEXT, mode: str = "words", **extra: Any
    ) -> tuple[Channel, dict[str, Any]]:
        channel = self.open()
        created = self.send(channel, "CREATE_SESSION", {"mode": mode, "text": text, **extra})
        assert created[0].type == "SESSION_CREATED", created
        self.send(channel, "START_SESSION")
        return channel, created[0].data


def keys(text: str, start: float = 0.0, step: float = 100.0) -> list[dict[str, Any]]:
    return [{"key": ch, "t": start + i * step} for i, ch in enumerate(text)]


def types(actions: list[Any]) -> list[str]:
    return [a.type if isinstance(a, Outgoing) else f"close {a.code}" for a in actions]


def message(action: Action) -> Outgoing:
    """``action``, which must be a message (not a close)."""
    assert isinstance(action, Outgoing), action
    return action


def close(action: Action) -> Close:
    """``action``, which must be a close."""
    assert isinstance(action, Close), action
    return action


def test_full_session_stores_before_complete(history: History) -> None:
    """A typed text completes the session; the result is stored before SESSION_COMPLETE."""
    d = Driver(history)
    channel, created = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    assert types(out) == ["METRICS_UPDATE", "SESSION_COMPLETE"]
    assert out[0].data["ack"] == 1
    complete = out[1].data
    assert complete["state"] == "completed"
    assert complete["resultId"] == 1
    assert complete["metrics"]["correct"] == len(TEXT)
    assert complete["sessionId"] == created["sessionId"]
    # Committed by the time SESSION_COMPLETE is queued: another connection sees it.
    with History(history.path) as reader:
        stored = reader.get(complete["resultId"])
    assert stored.text == TEXT and stored.correct == len(TEXT)
    assert stored.keystrokes is not None and len(stored.keystrokes) == len(TEXT)


def test_afk_result_is_shown_but_not_stored(history: History) -> None:
    """A timed test with one key and then nothing completes as AFK and is not stored."""
    d = Driver(history)
    channel, _ = d.started(mode="time", duration=15)
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": [{"key": "t", "t": 0}]})
    d.tick(17.0)
    complete = [a for a in d.out[channel.id] if types([a]) == ["SESSION_COMPLETE"]]
    assert complete, d.out[channel.id]
    data = message(complete[0]).data
    assert data["metrics"]["afk"] is True
    assert data["resultId"] is None and not data["valid"]
    assert history.count() == 0


def test_hello_and_version_mismatch() -> None:
    """HELLO with the right version gets WELCOME; another version gets ERROR and close 4002."""
    d = Driver()
    channel = d.open()
    assert types(d.send(channel, "HELLO", {"version": 1})) == ["WELCOME"]
    assert d.send(channel, "HELLO", {"version": 1})[0].data["code"] == "ALREADY_HELLO"
    other = d.open()
    out = d.send(other, "HELLO", {"version": 99})
    assert types(out) == ["ERROR", "close 4002"]
    assert out[0].data["code"] == "VERSION_MISMATCH"
    assert out[0].data["supported"] == [1]


@pytest.mark.parametrize("type_", ["START_SESSION", "INPUT_UPDATE", "END_SESSION"])
def test_session_message_without_session_closes_4000(type_: str) -> None:
    """A session message on a connection without a session gets ERROR then close 4000."""
    d = Driver()
    channel = d.open()
    data = {"seq": 1, "keys": keys("a")} if type_ == "INPUT_UPDATE" else {}
    out = d.send(channel, type_, data)
    assert types(out) == ["ERROR", "close 4000"]
    assert out[0].data["code"] == "SESSION_REQUIRED"
    assert out[1].reason == "Session ID is required"
    assert d.send(channel, "HELLO", {"version": 1}) == []


def test_attach_with_unknown_id_or_wrong_token_closes_4001() -> None:
    """Attaching to an unknown id, or with a wrong or missing token, closes 4001."""
    d = Driver()
    _, created = d.started()
    for sid, token in [
        ("nope", "x"),
        (created["sessionId"], "wrong"),
        (created["sessionId"], None),
    ]:
        channel = d.open(sid, token)
        out = d.out[channel.id]
        assert types(out) == ["ERROR", "close 4001"]
        assert close(out[1]).reason == "Invalid session"


def test_resume_takes_over_and_resend_is_idempotent() -> None:
    """Resuming with the token moves the session; resent batches are re-acked, not re-applied."""
    d = Driver()
    first, created = d.started()
    d.send(first, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
    second = d.open(created["sessionId"], created["token"])
    attached = message(d.out[second.id][0])
    assert attached.type == "SESSION_ATTACHED"
    assert attached.data["ack"] == 1 and attached.data["state"] == "running"
    assert types(d.out[first.id][-2:]) == ["ERROR", "close 4003"]
    again = d.send(second, "INPUT_UPDATE", {"seq": 1, "keys": keys("the ")})
    assert again[0].data["metrics"]["keypresses"] == 4
    out = d.send(second, "INPUT_UPDATE", {"seq": 2, "keys": keys("quick", 400)})
    assert out[0].data["metrics"]["keypresses"] == 9
    assert out[0].data["analysis"] == {
        "wordIndex": 1,
        "offset": 0,
        "typed": "quick",
        "states": "cccccu",
        "finished": False,
    }


def test_seq_gap_is_rejected_without_ack() -> None:
    """A batch that skips a sequence number is refused and the ack stays put."""
    d = Driver()
    channel, _ = d.started()
    out = d.send(channel, "INPUT_UPDATE", {"seq": 3, "keys": keys("t")})
    assert out[0].data["code"] == "SEQ_GAP" and out[0].data["ack"] == 0


def test_decreasing_and_future_times_are_rejected() -> None:
    """A key time earlier than the previous one, or ahead of the server clock, rejects the batch."""
    d = Driver(future_tolerance_ms=1000.0)
    channel, _ = d.started()
    d.now = 1.0
    ok = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("th", 500)})
    assert ok[0].type == "METRICS_UPDATE"
    back = d.send(channel, "INPUT_UPDATE", {"seq": 2, "keys": [{"key": "e", "t": 10}]})
    assert back[0].data["code"] == "BAD_TIMESTAMP" and back[0].data["ack"] == 2
    future = d.send(channel, "INPUT_UPDATE", {"seq": 3, "keys": [{"key": "e", "t": 5000}]})
    assert future[0].data["code"] == "BAD_TIMESTAMP"
    assert "future" in future[0].data["message"]
    fine = d.send(channel, "INPUT_UPDATE", {"seq": 4, "keys": [{"key": "e", "t": 1500}]})
    assert fine[0].data["metrics"]["keypresses"] == 3


def test_inhuman_burst_is_flagged(history: History) -> None:
    """Twenty-odd characters within a few ms mark the result invalid with a flag."""
    d = Driver(history)
    text = "abcdefghij " * 4
    channel, _ = d.started(text.strip())
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(text.strip(), step=5)})
    complete = out[-1].data
    assert complete["flags"] == ["inhuman burst"]
    assert "inhuman burst" in complete["invalidReasons"]
    assert complete["valid"] is False


def test_wrong_state_messages() -> None:
    """Input before START, a second START, and input after completion get documented errors."""
    d = Driver()
    channel = d.open()
    d.send(channel, "CREATE_SESSION", {"mode": "words", "text": "hi"})
    early = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("h")})
    assert early[0].data["code"] == "NOT_STARTED"
    d.send(channel, "START_SESSION")
    assert d.send(channel, "START_SESSION")[0].data["code"] == "ALREADY_STARTED"
    done = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("hi")})
    assert types(done) == ["METRICS_UPDATE", "SESSION_COMPLETE"]
    late = d.send(channel, "INPUT_UPDATE", {"seq": 2, "keys": keys("x", 500)})
    assert late[0].data["code"] == "SESSION_FINISHED"
    assert d.send(channel, "START_SESSION")[0].data["code"] == "SESSION_FINISHED"
    assert types(d.send(channel, "END_SESSION")) == ["SESSION_COMPLETE"]


def test_end_session_early_and_before_typing(history: History) -> None:
    """END_SESSION mid-test gives an "ended" result; before any key it is "abandoned"."""
    d = Driver(history)
    channel, _ = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the qu")})
    out = d.send(channel, "END_SESSION", {"t": 900})
    assert types(out) == ["SESSION_COMPLETE"]  # once, not twice
    assert out[0].data["state"] == "ended"
    assert out[0].data["invalidReasons"][0] == "ended early"
    other, _ = d.started()
    out = d.send(other, "END_SESSION")
    assert types(out) == ["SESSION_COMPLETE"]
    assert out[0].data["state"] == "abandoned" and out[0].data["metrics"] is None
    late = d.send(other, "INPUT_UPDATE", {"seq": 1, "keys": keys("x")})
    assert late[0].data["code"] == "SESSION_FINISHED"
    never_started = d.open()
    d.send(never_started, "CREATE_SESSION", {"mode": "words", "text": TEXT})
    assert d.send(never_started, "END_SESSION")[0].data["state"] == "abandoned"
    late = d.send(never_started, "INPUT_UPDATE", {"seq": 1, "keys": keys("x")})
    assert late[0].data["code"] == "SESSION_FINISHED"
    assert [r.state for r in history.recent()] == ["ended"]


def test_time_mode_is_completed_by_tick(history: History) -> None:
    """In time mode the server closes the test once the time is up, with no key needed."""
    d = Driver(history)
    channel, created = d.started(mode="time", duration=2)
    assert created["options"]["duration"] == 2.0
    d.now = 0.5
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("alpha", 0, 100)})
    d.tick(1.5)
    assert message(d.out[channel.id][-1]).type == "METRICS_UPDATE"
    d.tick(3.5)  # 1.5 s of grace for keys still on their way
    assert message(d.out[channel.id][-1]).type == "METRICS_UPDATE"
    d.tick(4.1)
    complete = message(d.out[channel.id][-1])
    assert complete.type == "SESSION_COMPLETE"
    assert complete.data["metrics"]["durationS"] == 2.0
    assert [(r.mode, r.duration_s) for r in history.recent()] == [("time", 2.0)]


def test_generated_text_is_reproducible_from_seed() -> None:
    """Without a text the source generates one; the seed echoed in options reproduces it."""
    d = Driver()
    channel = d.open()
    first = d.send(channel, "CREATE_SESSION", {"mode": "words", "words": 8})[0].data
    seed = first["options"]["seed"]
    # (The session it replaces gets its SESSION_COMPLETE first.)
    again = d.send(channel, "CREATE_SESSION", {"mode": "words", "words": 8, "seed": seed})[-1].data
    assert again["text"] == first["text"]
    assert d.send(channel, "CREATE_SESSION", {"mode": "code", "code": "cobol"})[0].data["code"] == (
        "TEXT_UNAVAILABLE"
    )
    zen = d.send(channel, "CREATE_SESSION", {"mode": "zen"})[-1].data
    assert zen["text"] is None


def test_zen_mode_completes_on_end() -> None:
    """A zen session has no text and completes when the typist ends it."""
    d = Driver()
    channel = d.open()
    d.send(channel, "CREATE_SESSION", {"mode": "zen"})
    d.send(channel, "START_SESSION")
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("free words")})
    out = d.send(channel, "END_SESSION", {"t": 1000})
    assert out[0].data["state"] == "completed"


def test_legacy_whole_text_input() -> None:
    """INPUT_UPDATE {input} is turned into keystrokes from the difference with the last one."""
    d = Driver()
    channel, _ = d.started()
    d.now = 1.0
    out = d.send(channel, "INPUT_UPDATE", {"input": "the quc"})
    assert out[0].data["analysis"]["typed"] == "quc"
    d.now = 2.0
    out = d.send(channel, "INPUT_UPDATE", {"input": "the qui"})
    assert out[0].data["analysis"]["states"] == "cccuuu"
    d.now = 3.0
    out = d.send(channel, "INPUT_UPDATE", {"input": TEXT})
    assert types(out) == ["METRICS_UPDATE", "SESSION_COMPLETE"]


def test_storage_failure_still_completes(tmp_path: Path) -> None:
    """If storing fails the client gets STORAGE_FAILED and still its SESSION_COMPLETE."""
    history = History(tmp_path / "h.sqlite3")
    d = Driver(history)
    channel, _ = d.started()
    history.close()  # the database becomes unusable
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    assert types(out) == ["METRICS_UPDATE", "ERROR", "SESSION_COMPLETE"]
    assert out[1].data["code"] == "STORAGE_FAILED"
    assert out[2].data["resultId"] is None
    with History(tmp_path / "h.sqlite3") as reader:
        assert reader.count() == 0


def test_idle_sessions_expire() -> None:
    """A session unused for the TTL is forgotten and its connection told SESSION_EXPIRED."""
    d = Driver(session_ttl_s=10.0)
    channel, created = d.started()
    d.tick(20.0)
    assert message(d.out[channel.id][-1]).data["code"] == "SESSION_EXPIRED"
    late = d.open(created["sessionId"], created["token"])
    assert types(d.out[late.id]) == ["ERROR", "close 4001"]


def test_new_session_replaces_an_open_one() -> None:
    """CREATE_SESSION on a connection with an open session abandons the old one."""
    d = Driver()
    channel, old = d.started()
    d.send(channel, "CREATE_SESSION", {"mode": "words", "text": "new text"})
    live = d.handler.sessions.peek(old["sessionId"])
    assert live is not None and live.state == "abandoned" and live.channel is None


def test_disconnect_keeps_session_resumable() -> None:
    """After a disconnect the session can be resumed with its token."""
    d = Driver()
    channel, created = d.started()
    d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("the")})
    d.handler.disconnect(channel, d.now)
    assert d.handler.connections == 0
    again = d.open(created["sessionId"], created["token"])
    assert message(d.out[again.id][0]).data["ack"] == 1


_frames = st.one_of(
    st.text(max_size=50),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=10,
    ).map(lambda v: json.dumps({"type": "INPUT_UPDATE", "data": v})),
    st.fixed_dictionaries(
        {
            "seq": st.integers(-2, 5) | st.none(),
            "keys": st.lists(
                st.fixed_dictionaries(
                    {"key": st.text(max_size=3), "t": st.floats(allow_nan=True) | st.integers()}
                ),
                max_size=4,
            ),
        }
    ).map(lambda v: json.dumps({"type": "INPUT_UPDATE", "data": v})),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_frames, max_size=8))
def test_garbage_never_raises(frames: list[str]) -> None:
    """Any sequence of frames gets answers, never an exception out of the handler."""
    d = Driver(future_tolerance_ms=1000.0)
    channel, _ = d.started()
    for frame in frames:
        for action in d.raw(channel, frame):
            if isinstance(action, Outgoing) and action.type == "ERROR":
                assert action.data["code"] != "INTERNAL"


def test_text_options_are_stored_with_the_result(history: History) -> None:
    """A words test with punctuation is stored, and ranked, as a punctuation test."""
    d = Driver(history)
    channel, _ = d.started(punctuation=True)
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(TEXT)})
    assert out[-1].type == "SESSION_COMPLETE"
    assert history.recent()[0].options == "punctuation"


def test_pending_leaves_other_channels_listed_when_the_caller_stops() -> None:
    """A caller that fails on one channel's actions leaves the others for its next pass."""
    handler = SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None)
    channels = [handler.open(0.0) for _ in range(3)]
    for channel in channels:
        handler.receive_text(channel, '{"type":"HELLO","data":{"version":1}}', 0.0)
    first = next(iter(handler.pending()))  # the caller stops after one channel
    assert first[0] is channels[0] and types(first[1][:1]) == ["WELCOME"]
    rest = {channel.id: actions for channel, actions in handler.pending()}
    assert sorted(rest) == [channels[1].id, channels[2].id]
    assert all(types(actions[:1]) == ["WELCOME"] for actions in rest.values())
    handler.receive_text(channels[0], "{", 0.0)  # and the first one is listed again when due
    assert [c.id for c, _ in handler.pending()] == [channels[0].id]


def test_lesson_session_is_labelled_with_layout_and_lesson(history: History) -> None:
    """CREATE_SESSION in lesson mode: the server makes the drill, and the result is kept
    under mode "lesson" and mode2 "colemak 2" (each lesson of each layout its own test)."""
    d = Driver(history)
    channel = d.open()
    created = d.send(
        channel, "CREATE_SESSION", {"mode": "lesson", "layout": "colemak", "lesson": 2, "seed": 1}
    )[0].data
    assert (created["mode"], created["mode2"]) == ("lesson", "colemak 2")
    assert created["textId"] == "lesson:colemak 2"
    d.send(channel, "START_SESSION")
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys(created["text"])})
    assert out[-1].type == "SESSION_COMPLETE" and out[-1].data["state"] == "completed"
    stored = history.recent()[0]
    assert (stored.mode, stored.mode2, stored.text) == ("lesson", "colemak 2", created["text"])
