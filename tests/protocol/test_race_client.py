"""The race client joined to a real SessionHandler frame by frame: no socket, no event loop."""

from __future__ import annotations

import json

import pytest

from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Close, Outgoing
from bartype.protocol.race_client import RaceClient, RaceClientStateError
from bartype.protocol.race_events import (
    CountdownStarted,
    Joined,
    Left,
    ProgressUpdated,
    RaceErrorReceived,
    Refused,
    ResultReceived,
    StandingsReceived,
)
from bartype.protocol.race_states import State
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root

TEXT = "hi there"
SKEW = 500.0
"""This client's clock reads the server's minus SKEW seconds: the start must still line up."""


class Wire:
    """A real handler and race clients joined by frames; ``now`` is the server's clock (s)."""

    def __init__(self) -> None:
        texts = LibraryTexts(TextLibrary(default_texts_root()))
        self.handler = SessionHandler(texts, None, config=HandlerConfig())
        self.now = 1000.0
        self.clients: dict[int, tuple[RaceClient, Channel]] = {}
        self.events: dict[int, list[object]] = {}

    def connect(self, client: RaceClient | None = None, rtt: float | None = None) -> RaceClient:
        """A new connection for ``client``; with ``rtt``, HELLO went that long before WELCOME."""
        client = self.open(client, rtt)
        self.pump()
        return client

    def open(self, client: RaceClient | None = None, rtt: float | None = None) -> RaceClient:
        """A new connection for ``client``, its first frames not yet moved."""
        client = client or RaceClient()
        channel = self.handler.open(self.now)
        self.clients[id(client)] = (client, channel)
        self.events.setdefault(id(client), [])
        client.connection_made(None if rtt is None else self.local - rtt)
        return client

    def drop(self, client: RaceClient) -> None:
        _, channel = self.clients.pop(id(client))
        self.handler.disconnect(channel, self.now)
        client.connection_lost(1006, "", self.local)
        self.pump()

    @property
    def local(self) -> float:
        return self.now - SKEW

    def pump(self) -> None:
        """Move frames both ways until nothing moves."""
        moved = True
        while moved:
            moved = False
            for client, channel in list(self.clients.values()):
                for frame in client.data_to_send():
                    moved = True
                    self.handler.receive_text(channel, frame, self.now)
            for channel, actions in self.handler.pending():
                for client, ch in self.clients.values():
                    if ch is channel:
                        for action in actions:
                            if isinstance(action, Outgoing):
                                moved = True
                                client.receive_frame(encode(action), self.local)
                            elif isinstance(action, Close):
                                client.connection_lost(action.code, action.reason, self.local)
            for client, _ in self.clients.values():
                self.events[id(client)].extend(client.events_received())

    def at(self, now: float) -> None:
        self.now = now
        self.handler.tick(now)
        for client, _ in self.clients.values():
            client.tick(self.local)
        self.pump()

    def seen(self, client: RaceClient, kind: type) -> list[object]:
        return [e for e in self.events[id(client)] if isinstance(e, kind)]

    def type(self, client: RaceClient, text: str, start: float, step: float) -> None:
        """Type ``text`` from server time ``start``, a key every ``step`` s, ticking between."""
        for i, ch in enumerate(text):
            self.at(start + i * step)
            client.send_key(ch, self.local)
            self.pump()
        client.flush()
        self.pump()


def room(w: Wire, bob_rtt: float | None = None) -> tuple[RaceClient, RaceClient, str]:
    ann, bob = w.connect(), w.connect(rtt=bob_rtt)
    ann.create("Ann", {"mode": "custom", "text": TEXT}, countdownS=1)
    w.pump()
    code = ann.code
    assert code is not None and ann.state is State.LOBBY
    bob.join(code.lower(), "Bob")
    w.pump()
    return ann, bob, code


def test_a_race_from_lobby_to_standings_and_rematch() -> None:
    """Two clients: joined, ready, countdown on the local clock, lanes, result, standings."""
    w = Wire()
    ann, bob, code = room(w)
    assert bob.state is State.LOBBY and bob.code == code
    assert ann.room is not None and [p.name for p in ann.room.players] == ["Ann", "Bob"]
    ann.ready()
    bob.ready()
    w.pump()
    assert ann.state is State.COUNTDOWN
    (countdown,) = w.seen(bob, CountdownStarted)
    assert isinstance(countdown, CountdownStarted) and countdown.racing
    assert countdown.race.text == TEXT
    assert countdown.starts_at == pytest.approx(w.local + 1.0)  # the server's start, our clock
    assert not ann.send_key("h", w.local)  # before the start: not taken
    w.at(1001.0)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert ann.state is State.RACING  # type: ignore[comparison-overlap]
    w.type(ann, TEXT, 1001.1, 0.1)
    assert ann.state is State.DONE
    w.type(bob, TEXT, 1002.0, 0.15)
    w.at(1004.0)
    assert w.seen(ann, ProgressUpdated)
    (result,) = w.seen(ann, ResultReceived)
    assert isinstance(result, ResultReceived) and result.result.place == 1
    assert result.result.time_ms == pytest.approx(800.0)
    (standings,) = w.seen(bob, StandingsReceived)
    assert isinstance(standings, StandingsReceived)
    assert [(s.name, s.status) for s in standings.standings.standings] == [
        ("Ann", "finished"),
        ("Bob", "finished"),
    ]
    assert ann.state is State.RESULTS and bob.state is State.RESULTS
    with pytest.raises(RaceClientStateError):
        ann.ready()
    ann.rematch()
    w.pump()
    assert bob.state is State.LOBBY and bob.unacked == 0


def test_a_dropped_racer_resumes_and_resends_what_was_not_acknowledged() -> None:
    """Keys typed while the link is down go after RESUME_ROOM, and the result is unchanged."""
    w = Wire()
    ann, bob, _ = room(w)
    ann.start()
    w.pump()
    w.at(1001.0)
    w.type(bob, "hi ", 1001.1, 0.1)
    w.drop(bob)
    assert bob.wants_resume and bob.state is State.RACING
    for i, ch in enumerate("there"):
        w.at(1001.4 + i * 0.1)
        bob.send_key(ch, w.local)
    bob.flush()
    assert bob.unacked == 1
    w.connect(bob)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert bob.state is State.DONE and bob.unacked == 0  # type: ignore[comparison-overlap]
    (joined,) = [e for e in w.seen(bob, Joined) if isinstance(e, Joined) and e.resumed]
    w.at(1040.0)
    (result,) = w.seen(bob, ResultReceived)
    assert isinstance(result, ResultReceived) and result.result.status == "finished"
    assert result.result.time_ms == pytest.approx(800.0)


def test_errors_leave_the_client_where_it_can_go_on() -> None:
    """A refused join goes back to IDLE with the error; a bad frame is refused, not acted on."""
    w = Wire()
    lone = w.connect()
    lone.join("ZZZZ", "Zed")
    w.pump()
    assert lone.state is State.IDLE
    (error,) = w.seen(lone, RaceErrorReceived)
    assert isinstance(error, RaceErrorReceived) and error.error.code == "ROOM_NOT_FOUND"
    lone.receive_frame(json.dumps({"type": "ROOM_STATE", "data": {"code": 5}}), w.local)
    assert isinstance(lone.events_received()[-1], Refused)
    with pytest.raises(RaceClientStateError):
        lone.start()


def test_leaving_and_a_lost_token_take_the_client_out_of_the_room() -> None:
    """LEAVE_ROOM gives Left; resuming past the grace period gives Left with RESUME_EXPIRED."""
    w = Wire()
    ann, bob, _ = room(w)
    ann.leave()
    w.pump()
    assert ann.state is State.IDLE and w.seen(ann, Left)
    w.drop(bob)
    w.at(1100.0)  # past the 30 s grace period: the room is gone
    w.connect(bob)
    assert bob.state is State.IDLE
    (left,) = w.seen(bob, Left)
    assert isinstance(left, Left) and left.code in ("ROOM_NOT_FOUND", "RESUME_EXPIRED")


def test_keys_are_taken_once_the_start_passed_on_our_clock() -> None:
    """Past the start on the local clock the client races, before the server's ROOM_STATE."""
    w = Wire()
    ann, _, _ = room(w)
    ann.start()
    w.pump()
    assert ann.state is State.COUNTDOWN and ann.deadline() == ann.starts_at
    w.now = 1001.05  # the server has not ticked: no ROOM_STATE racing yet
    assert ann.send_key("h", w.local)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert ann.state is State.RACING  # type: ignore[comparison-overlap]


def test_the_start_allows_for_half_the_round_trip_and_a_resume_does_not_move_it() -> None:
    """The countdown was half a round trip on its way; resuming keeps the start, and keys
    typed while the resume is being answered are kept and counted."""
    w = Wire()
    ann, bob, _ = room(w, bob_rtt=0.4)
    assert bob.rtt == pytest.approx(0.4) and ann.rtt is None
    ann.start()
    w.pump()
    assert ann.starts_at == pytest.approx(w.local + 1.0)
    starts_at = bob.starts_at
    assert starts_at is not None
    assert starts_at == pytest.approx(w.local + 1.0 - 0.2)  # the countdown took 0.2 s to come
    w.type(bob, "hi ", 1001.1, 0.1)
    w.drop(bob)
    w.at(1001.5)
    w.open(bob, rtt=0.05)  # RESUME_ROOM goes; its answer has not come yet
    assert bob.send_key("t", w.local) and bob.state is State.RACING
    bob.flush()
    w.pump()
    assert bob.starts_at == starts_at and bob.rtt == pytest.approx(0.05)
    (joined,) = [e for e in w.seen(bob, Joined) if isinstance(e, Joined) and e.resumed]
    w.type(bob, "here", 1001.6, 0.1)
    w.at(1040.0)
    (result,) = w.seen(bob, ResultReceived)
    assert isinstance(result, ResultReceived) and result.result.status == "finished"
    assert result.result.time_ms == pytest.approx((1001.9 - SKEW - starts_at) * 1000)
