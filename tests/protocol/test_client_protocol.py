"""ClientProtocol: the client's side of the protocol, driven with no socket and no asyncio.

Most tests join it to a real ``SessionHandler`` frame by frame (both are
sans-I/O), so what the client sends is judged by the real server logic.
"""

from __future__ import annotations

import builtins
import json
from typing import Any

import pytest

from bartype.protocol.client import (
    BATCH_SIZE,
    FLUSH_DELAY_S,
    RECONNECT_DELAYS_S,
    ClientProtocol,
    ClientStateError,
    Link,
    State,
)
from bartype.protocol.client_events import (
    BAD_SERVER_MESSAGE,
    ConnectionLost,
    ErrorReceived,
    Event,
    MessageRefused,
    MetricsUpdated,
    Request,
    SessionCompleted,
    SessionLost,
    SessionReady,
    SessionResumed,
    Status,
    StatusChanged,
    Welcomed,
)
from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Close, CreateSession, Outgoing
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root

TEXT = "resume me please"


class Wire:
    """A ClientProtocol joined to a real SessionHandler: frames go straight across."""

    def __init__(self, client: ClientProtocol | None = None) -> None:
        self.handler = SessionHandler(
            LibraryTexts(TextLibrary(default_texts_root())),
            None,
            config=HandlerConfig(future_tolerance_ms=None),
        )
        self.client = client or ClientProtocol()
        self.now = 0.0
        self.channel: Channel | None = None
        self.sent: list[dict[str, Any]] = []
        """Every frame the server received from the client, decoded."""
        self.events: list[Event] = []

    def connect(self, *, resume: bool = False) -> None:
        client = self.client
        session_id, token = (client.session_id, client.token) if resume else (None, None)
        self.channel = self.handler.open(self.now, session_id, token)
        client.connection_made(resume=resume)
        self.pump()

    def pump(self) -> None:
        """Carry frames both ways until neither side has anything to say."""
        moving = True
        while moving:
            moving = False
            for frame in self.client.data_to_send():
                moving = True
                if self.channel is not None:
                    self.sent.append(json.loads(frame))
                    self.handler.receive_text(self.channel, frame, self.now)
            for channel in self.handler.take_dirty():
                for action in channel.take():
                    if channel is not self.channel:
                        continue
                    moving = True
                    if isinstance(action, Close):
                        self.drop(action.code, action.reason)
                    else:
                        self.client.receive_frame(encode(action), self.now)
        self.events.extend(self.client.events_received())

    def drop(self, code: int = 1006, reason: str = "") -> None:
        """The connection goes: what is in flight either way is lost."""
        if self.channel is not None:
            self.handler.disconnect(self.channel, self.now)
        self.channel = None
        self.client.data_to_send()
        self.client.connection_lost(code, reason, self.now)
        self.events.extend(self.client.events_received())

    def start(self, text: str = TEXT, **options: Any) -> None:
        self.connect()
        self.client.create(CreateSession(mode="words", text=text, **options))
        self.pump()
        assert self.client.state is State.RUNNING

    def type(self, text: str, start: float = 0.0) -> None:
        for i, ch in enumerate(text):
            self.client.send_key(ch, start + i * 100.0, self.now)

    def of(self, kind: builtins.type[Any]) -> list[Any]:  # `type` is a method here
        return [e for e in self.events if isinstance(e, kind)]

    def batches(self) -> list[int]:
        return [f["data"]["seq"] for f in self.sent if f["type"] == "INPUT_UPDATE"]


def test_a_test_runs_from_hello_to_its_result() -> None:
    """HELLO, CREATE and START go out by themselves; the result arrives as an event."""
    wire = Wire()
    wire.start()
    assert [f["type"] for f in wire.sent] == ["HELLO", "CREATE_SESSION", "START_SESSION"]
    assert [type(e) for e in wire.events] == [StatusChanged, Welcomed, SessionReady]
    wire.type(TEXT)
    wire.client.flush()
    wire.pump()
    (completed,) = wire.of(SessionCompleted)
    assert completed.message.state == "completed"
    assert completed.message.metrics["keypresses"] == len(TEXT)
    assert wire.of(MetricsUpdated)[-1].message.analysis.finished
    assert wire.client.state is State.COMPLETE and wire.client.unacked == 0


def test_acks_trim_the_unacked_buffer() -> None:
    """Batches are numbered from 1 and kept until a reply acknowledges them."""
    wire = Wire()
    wire.start()
    frames: list[str] = []
    for word, start in (("resume ", 0), ("me ", 700), ("plea", 1000)):
        wire.type(word, start)
        wire.client.flush()
        frames += wire.client.data_to_send()
    assert wire.client.unacked == 3
    assert [json.loads(f)["data"]["seq"] for f in frames] == [1, 2, 3]
    assert wire.channel is not None
    wire.handler.receive_text(wire.channel, frames[0], wire.now)
    wire.pump()
    assert wire.client.unacked == 2
    for frame in frames[1:]:
        wire.handler.receive_text(wire.channel, frame, wire.now)
    wire.pump()
    assert wire.client.unacked == 0
    assert [e.message.ack for e in wire.of(MetricsUpdated)] == [1, 2, 3]


def test_batches_lost_in_a_drop_are_resent_after_resume_and_applied_once() -> None:
    """After a drop, every batch the server did not acknowledge goes again, unchanged."""
    wire = Wire()
    wire.start()
    wire.type("resume ")
    wire.client.flush()
    wire.pump()  # batch 1 applied and acknowledged
    wire.type("me ", 700)
    wire.client.flush()
    in_flight = wire.client.data_to_send()  # batch 2: lost with the connection
    wire.drop()
    assert wire.client.link is Link.CLOSED and wire.client.wants_resume
    assert wire.of(ConnectionLost)[-1].resuming
    wire.type("please", 1000)
    wire.client.flush()  # batch 3, made while offline: held
    assert wire.client.data_to_send() == [] and wire.client.unacked == 2
    assert wire.client.reconnect_delay(wire.now) == RECONNECT_DELAYS_S[0]
    wire.connect(resume=True)
    assert wire.batches() == [1, 2, 3]
    assert json.loads(in_flight[0]) == wire.sent[-2]  # the same batch, byte for byte
    (resumed,) = wire.of(SessionResumed)
    assert resumed.message.ack == 1
    (completed,) = wire.of(SessionCompleted)
    assert completed.message.metrics["keypresses"] == len(TEXT)
    statuses = [e.status for e in wire.of(StatusChanged)]
    assert statuses == [Status.CONNECTED, Status.RECONNECTING, Status.CONNECTED]


def test_a_batch_applied_but_not_acknowledged_is_not_sent_again() -> None:
    """The ack in SESSION_ATTACHED covers a batch whose reply the drop swallowed."""
    wire = Wire()
    wire.start()
    wire.type(TEXT[:6])
    wire.client.flush()
    (frame,) = wire.client.data_to_send()
    assert wire.channel is not None
    wire.handler.receive_text(wire.channel, frame, wire.now)  # applied; the reply is lost
    wire.drop()
    assert wire.client.unacked == 1
    wire.connect(resume=True)
    assert wire.client.unacked == 0
    assert wire.batches() == []  # the server had applied it: not sent again


def test_start_lost_in_the_drop_is_sent_again() -> None:
    """A session the server still has as created gets START_SESSION again on resume."""
    wire = Wire()
    wire.connect()
    wire.client.create(CreateSession(mode="words", text=TEXT))
    frames = wire.client.data_to_send()
    assert wire.channel is not None
    wire.handler.receive_text(wire.channel, frames[0], wire.now)  # CREATE reaches the server
    for channel in wire.handler.take_dirty():
        for action in channel.take():
            assert isinstance(action, Outgoing)  # no close: the link stays
            wire.client.receive_frame(encode(action), wire.now)
    assert wire.client.state is State.STARTING
    wire.drop()  # START_SESSION lost in flight
    wire.connect(resume=True)
    assert [f["type"] for f in wire.sent][-2:] == ["HELLO", "START_SESSION"]
    # mypy keeps its narrowing from before the call, but the state did change.
    assert wire.client.state is State.RUNNING and len(wire.of(SessionReady)) == 1  # type: ignore[comparison-overlap]


def test_error_answers_the_request_that_caused_it() -> None:
    """An ERROR for a request is matched to it, even behind another session's END."""
    wire = Wire()
    wire.start()
    wire.client.end()  # END of the first session, answered by SESSION_COMPLETE
    wire.client.create(CreateSession(mode="words", language="klingon"))
    wire.pump()
    errors = wire.of(ErrorReceived)
    assert [(e.error.code, e.answers) for e in errors] == [("TEXT_UNAVAILABLE", Request.CREATE)]
    assert wire.client.state is State.IDLE
    assert wire.of(SessionCompleted) == []  # the old session's result is not this one's
    wire.client.create(CreateSession(mode="custom"))
    wire.pump()
    assert wire.of(ErrorReceived)[-1].answers is Request.CREATE
    assert wire.of(ErrorReceived)[-1].error.code == "BAD_MESSAGE"


def test_an_input_error_answers_no_request() -> None:
    """A SEQ_GAP is about batches: no request fails, the missing batches go again once."""
    wire = Wire()
    wire.start()
    for word, start in (("resume ", 0), ("me ", 700)):
        wire.type(word, start)
        wire.client.flush()
    first, second = wire.client.data_to_send()
    gap = '{"type":"ERROR","data":{"code":"SEQ_GAP","message":"resend","ack":0}}'
    wire.client.receive_frame(gap, wire.now)
    assert wire.client.data_to_send() == [first, second]
    wire.client.receive_frame(gap, wire.now)  # the same gap again: already resent
    assert wire.client.data_to_send() == []
    (error,) = [e for e in wire.client.events_received() if isinstance(e, ErrorReceived)][:1]
    assert error.answers is None and wire.client.state is State.RUNNING


def test_version_mismatch_answers_hello() -> None:
    """A server speaking another version refuses HELLO; the close that follows is final."""
    wire = Wire(ClientProtocol(version=2))
    wire.connect()
    (error,) = wire.of(ErrorReceived)
    assert (error.error.code, error.answers) == ("VERSION_MISMATCH", Request.HELLO)
    assert error.error.supported == (1,)
    assert wire.client.link is Link.CLOSED and not wire.client.wants_resume


def test_resume_refused_loses_the_session() -> None:
    """A server that no longer knows the session (restarted) refuses it: lost, offline."""
    wire = Wire()
    wire.start()
    wire.drop()
    wire.handler = SessionHandler(LibraryTexts(TextLibrary(default_texts_root())), None)
    wire.connect(resume=True)
    (lost,) = wire.of(SessionLost)
    assert lost.code == "INVALID_SESSION"
    assert wire.client.state is State.LOST and wire.client.status is Status.OFFLINE
    assert not wire.client.wants_resume


def test_reconnection_backs_off_then_gives_up() -> None:
    """Waits follow the documented backoff; after give_up_after the session is lost."""
    client = ClientProtocol(give_up_after=5.0)
    wire = Wire(client)
    wire.start()
    wire.drop()
    delays = []
    now = 0.0
    while (delay := client.reconnect_delay(now)) is not None:
        delays.append(delay)
        now += delay
    assert delays == [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.0]
    events = client.events_received()
    assert events == [StatusChanged(Status.OFFLINE), SessionLost("no connection for 5 s")]
    assert client.state is State.LOST


@pytest.mark.parametrize("code", [1000, 4001, 4003])
def test_final_close_codes_are_not_resumed(code: int) -> None:
    """After a close code that forbids reconnecting, the session is lost at once."""
    wire = Wire()
    wire.start()
    wire.drop(code)
    assert not wire.client.wants_resume and wire.client.state is State.LOST
    assert not wire.of(ConnectionLost)[-1].resuming


def test_without_resume_a_drop_loses_the_session() -> None:
    """The in-process transport does not resume: a closed channel ends the session."""
    wire = Wire(ClientProtocol(resume=False))
    wire.start()
    wire.drop()
    assert wire.client.state is State.LOST and wire.client.status is Status.OFFLINE


def test_keys_wait_for_the_flush_delay_or_the_batch_size() -> None:
    """A batch goes when BATCH_SIZE keys wait, or at the deadline tick."""
    wire = Wire()
    wire.start(text="a " * 60)
    wire.now = 10.0
    for i in range(BATCH_SIZE):
        wire.client.send_key("a" if i % 2 == 0 else " ", i * 50.0, wire.now)
    assert wire.client.unacked == 1 and wire.client.deadline() is None
    wire.client.send_key("a", 2000.0, 10.1)
    assert wire.client.deadline() == pytest.approx(10.1 + FLUSH_DELAY_S)
    wire.client.tick(10.1 + FLUSH_DELAY_S - 0.01)
    assert wire.client.unacked == 1 and wire.client.buffered == 1
    wire.client.tick(10.1 + FLUSH_DELAY_S)
    assert wire.client.unacked == 2 and wire.client.buffered == 0


def test_end_sends_waiting_keys_first_and_is_resent_after_a_drop() -> None:
    """end() flushes the buffer before END_SESSION; a drop before the result resends both."""
    wire = Wire()
    wire.start()
    wire.type("resume")
    wire.client.end(600.0)
    frames = [json.loads(f)["type"] for f in wire.client.data_to_send()]
    assert frames == ["INPUT_UPDATE", "END_SESSION"]
    wire.drop()
    wire.connect(resume=True)
    assert [f["type"] for f in wire.sent][-3:] == ["HELLO", "INPUT_UPDATE", "END_SESSION"]
    (completed,) = wire.of(SessionCompleted)
    assert completed.message.state == "ended" and completed.message.metrics["keypresses"] == 6


def test_malformed_server_messages_are_refused_cleanly() -> None:
    """Garbage is reported as MessageRefused and changes nothing; the session goes on."""
    wire = Wire()
    wire.start()
    for frame in ("not json", '{"type":"METRICS_UPDATE","data":{"ack":"x"}}', "[]"):
        wire.client.receive_frame(frame, wire.now)
    events = wire.client.events_received()
    assert [type(e) for e in events] == [MessageRefused] * 3
    refused = events[1]
    assert isinstance(refused, MessageRefused)
    assert refused.type == "METRICS_UPDATE" and "ack" in refused.error.message
    wire.client.receive_frame('{"type":"ROOM_STATE","data":{}}', wire.now)  # unknown: ignored
    assert wire.client.events_received() == []
    wire.type(TEXT)
    wire.client.flush()
    wire.pump()
    assert wire.client.state is State.COMPLETE


def test_a_malformed_answer_fails_its_request() -> None:
    """A SESSION_CREATED without a token fails the create; an unreadable result loses the test."""
    client = ClientProtocol()
    client.connection_made()
    client.create(CreateSession(mode="words", text=TEXT))
    client.receive_frame('{"type":"SESSION_CREATED","data":{"sessionId":"a"}}', 0.0)
    refused = [e for e in client.events_received() if isinstance(e, MessageRefused)]
    assert refused[0].answers is Request.CREATE and client.state is State.IDLE
    wire = Wire()
    wire.start()
    assert wire.client.session_id is not None
    bad = {"type": "SESSION_COMPLETE", "data": {"sessionId": wire.client.session_id, "x": 1}}
    wire.client.receive_frame(json.dumps(bad), wire.now)
    lost = [e for e in wire.client.events_received() if isinstance(e, SessionLost)]
    assert lost[0].code == BAD_SERVER_MESSAGE and wire.client.state is State.LOST


def test_session_expired_loses_the_session() -> None:
    """SESSION_EXPIRED for the current session loses it; the connection stays."""
    wire = Wire()
    wire.start()
    expired = {
        "type": "ERROR",
        "data": {"code": "SESSION_EXPIRED", "message": "gone", "sessionId": wire.client.session_id},
    }
    wire.client.receive_frame(json.dumps(expired), wire.now)
    assert wire.client.state is State.LOST and wire.client.link is Link.OPEN


def test_forgetting_while_reconnecting_stops_the_resume() -> None:
    """forget() drops the session: nothing to resume, the status says offline."""
    wire = Wire()
    wire.start()
    wire.drop()
    wire.client.forget()
    assert not wire.client.wants_resume and wire.client.state is State.IDLE
    assert wire.client.status is Status.OFFLINE
    assert wire.client.reconnect_delay(wire.now) is None


def test_calls_the_state_does_not_allow_raise() -> None:
    """end() with no session, create() with no connection, two connections: ClientStateError."""
    client = ClientProtocol()
    with pytest.raises(ClientStateError):
        client.create(CreateSession())
    with pytest.raises(ClientStateError):
        client.connection_made(resume=True)
    client.connection_made()
    with pytest.raises(ClientStateError):
        client.connection_made()
    with pytest.raises(ClientStateError):
        client.end()
    client.send_key("a", 0.0, 0.0)  # no session: ignored, as a key after the end is
    assert client.buffered == 0
