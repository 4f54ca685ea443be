"""Room frames through the SessionHandler: routing, errors, resume and expiry, fake clock."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from bartype.protocol.codec import client_message_to_json, decode, encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import (
    ROOM_SERVER_TYPES,
    ClientMessage,
    CreateRoom,
    CreateSession,
    JoinRoom,
    KeyEvent,
    LeaveRoom,
    Outgoing,
    RaceInput,
    Ready,
    Rematch,
    ResumeRoom,
    StartRace,
)
from bartype.protocol.rooms import InMemoryRooms
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root

TEXT = "the quick brown fox"


class Frames:
    """One handler, frames in, each channel's messages collected; the clock is ``now``."""

    def __init__(self, history: Any = None, config: HandlerConfig | None = None) -> None:
        texts = LibraryTexts(TextLibrary(default_texts_root()))
        self.handler = SessionHandler(texts, history, config=config or HandlerConfig())
        self.now = 0.0
        self.out: dict[int, list[Outgoing]] = {}

    def open(self) -> Channel:
        channel = self.handler.open(self.now)
        self.out[channel.id] = []
        return channel

    def _collect(self) -> None:
        for channel, actions in self.handler.pending():
            self.out[channel.id].extend(a for a in actions if isinstance(a, Outgoing))

    def send(self, channel: Channel, type_: str, data: dict[str, Any] | None = None) -> list[Any]:
        before = len(self.out[channel.id])
        frame = {"type": type_} if data is None else {"type": type_, "data": data}
        self.handler.receive_text(channel, json.dumps(frame), self.now)
        self._collect()
        return self.out[channel.id][before:]

    def at(self, now: float) -> None:
        self.now = now
        self.handler.tick(now)
        self._collect()

    def drop(self, channel: Channel) -> None:
        self.handler.disconnect(channel, self.now)
        self._collect()

    def last(self, channel: Channel, type_: str) -> dict[str, Any]:
        found = [m.data for m in self.out[channel.id] if m.type == type_]
        assert found, f"no {type_} in {[m.type for m in self.out[channel.id]]}"
        return found[-1]


def code_of(answer: list[Outgoing]) -> str:
    errors = [m.data["code"] for m in answer if m.type == "ERROR"]
    assert len(errors) == 1, answer
    return str(errors[0])


def room_with(f: Frames, *names: str) -> tuple[str, list[Channel]]:
    """A custom-text room created by the first name, joined by the others."""
    host = f.open()
    joined = f.send(
        host, "CREATE_ROOM", {"name": names[0], "options": {"mode": "custom", "text": TEXT}}
    )
    code = joined[0].data["code"]
    channels = [host]
    for name in names[1:]:
        channel = f.open()
        f.send(channel, "JOIN_ROOM", {"code": code.lower(), "name": name})
        channels.append(channel)
    return code, channels


def test_a_race_through_frames() -> None:
    """Create, join, ready, race and standings, all as frames through the handler."""
    f = Frames()
    code, (ann, bob) = room_with(f, "Ann", "Bob")
    assert f.last(bob, "ROOM_JOINED")["code"] == code
    assert [p["name"] for p in f.last(ann, "ROOM_STATE")["players"]] == ["Ann", "Bob"]
    f.send(ann, "READY", {"ready": True})
    f.send(bob, "READY")
    countdown = f.last(bob, "RACE_COUNTDOWN")
    assert countdown["text"] == TEXT and countdown["startsAt"] == 3000
    f.at(3.0)
    f.now = 6.0
    keys = [{"key": ch, "t": 100 + i * 100} for i, ch in enumerate(TEXT)]
    assert f.send(ann, "RACE_INPUT", {"seq": 1, "keys": keys})[0].type == "RACE_METRICS"
    f.send(bob, "RACE_INPUT", {"seq": 1, "keys": keys[:5]})
    f.at(6.1)
    assert {r["id"]: r["position"] for r in f.last(ann, "RACE_PROGRESS")["racers"]} == {
        "p1": len(TEXT),
        "p2": 5,
    }
    f.at(40.0)
    standings = f.last(bob, "RACE_STANDINGS")["standings"]
    assert [(s["name"], s["status"], s["timeMs"]) for s in standings] == [
        ("Ann", "finished", 1900.0),
        ("Bob", "dnf", None),
    ]
    f.send(ann, "REMATCH")
    assert f.last(bob, "ROOM_STATE")["state"] == "lobby"


def test_a_solo_session_and_a_room_live_side_by_side() -> None:
    """A connection in a room keeps its typing session; solo frames are untouched."""
    f = Frames()
    _, (ann,) = room_with(f, "Ann")
    created = f.send(ann, "CREATE_SESSION", {"mode": "words", "text": "hi"})
    assert created[0].type == "SESSION_CREATED"
    f.send(ann, "START_RACE")
    assert f.last(ann, "ROOM_STATE")["state"] == "countdown"


def test_room_errors_are_documented_codes() -> None:
    """Unknown code, no room, already in one, bad mode, bad fields: each its own error code."""
    f = Frames()
    lone = f.open()
    assert code_of(f.send(lone, "JOIN_ROOM", {"code": "ZZZZ", "name": "x"})) == "ROOM_NOT_FOUND"
    assert code_of(f.send(lone, "JOIN_ROOM", {"code": "1!", "name": "x"})) == "ROOM_NOT_FOUND"
    assert code_of(f.send(lone, "READY")) == "NOT_IN_ROOM"
    assert code_of(f.send(lone, "RACE_INPUT", {"seq": 1, "keys": [{"key": "a", "t": 0}]})) == (
        "NOT_IN_ROOM"
    )
    timed = f.send(lone, "CREATE_ROOM", {"name": "x", "options": {"mode": "time"}})
    assert code_of(timed) == "BAD_MESSAGE" and "finish line" in timed[0].data["message"]
    own = f.send(lone, "CREATE_ROOM", {"name": "x", "options": {"mode": "adaptive", "text": "at"}})
    assert code_of(own) == "BAD_MESSAGE" and "a text for everyone" in own[0].data["message"]
    assert code_of(f.send(lone, "CREATE_ROOM", {"name": "x", "colour": 1})) == "UNKNOWN_FIELD"
    assert code_of(f.send(lone, "CREATE_ROOM", {"name": "\x1b[2J"})) == "BAD_NAME"
    missing = f.send(
        lone, "CREATE_ROOM", {"name": "x", "options": {"mode": "code", "code": "cobol"}}
    )
    assert code_of(missing) == "TEXT_UNAVAILABLE"
    assert f.handler.races.open_rooms == 0
    code, (ann, _bob) = room_with(f, "Ann", "Bob")
    assert code_of(f.send(ann, "JOIN_ROOM", {"code": code, "name": "Again"})) == "ALREADY_IN_ROOM"
    assert code_of(f.send(_bob, "START_RACE")) == "NOT_HOST"
    assert code_of(f.send(ann, "REMATCH")) == "BAD_STATE"
    newcomer = f.open()
    assert code_of(f.send(newcomer, "JOIN_ROOM", {"code": code, "name": "ANN"})) == "NAME_TAKEN"


def test_generated_texts_are_shared_and_new_each_race() -> None:
    """A words room gives every racer the same generated text, and a new one on rematch."""
    f = Frames()
    host = f.open()
    f.send(host, "CREATE_ROOM", {"name": "Ann", "options": {"words": 5}, "countdownS": 0})
    code = f.last(host, "ROOM_JOINED")["code"]
    assert f.last(host, "ROOM_STATE")["options"]["mode"] == "words"
    bob = f.open()
    f.send(bob, "JOIN_ROOM", {"code": code, "name": "Bob"})
    f.send(host, "START_RACE")
    first = f.last(bob, "RACE_COUNTDOWN")
    assert first == f.last(host, "RACE_COUNTDOWN") and len(first["text"].split()) == 5
    assert first["mode2"] == "5"
    f.at(0.1)
    f.send(host, "LEAVE_ROOM")
    f.send(bob, "LEAVE_ROOM")
    assert f.handler.races.open_rooms == 0  # nobody left: the room is gone at once


def test_resume_on_a_new_connection_takes_the_place_over() -> None:
    """RESUME_ROOM with the token seats the new connection; the old one is told."""
    f = Frames()
    code, (ann, bob) = room_with(f, "Ann", "Bob")
    token = f.last(bob, "ROOM_JOINED")["token"]
    again = f.open()
    answer = f.send(again, "RESUME_ROOM", {"code": code, "token": token})
    assert answer[0].type == "ROOM_JOINED" and answer[0].data["resumed"] is True
    assert f.last(bob, "ERROR")["code"] == "ROOM_TAKEN_OVER"
    f.drop(bob)  # the old link's end changes nothing
    assert all(p["connected"] for p in f.last(ann, "ROOM_STATE")["players"])
    f.send(ann, "START_RACE")
    assert f.last(again, "RACE_COUNTDOWN")["racers"] == ["p1", "p2"]
    wrong = f.open()
    assert code_of(f.send(wrong, "RESUME_ROOM", {"code": code, "token": "nope"})) == (
        "RESUME_EXPIRED"
    )


def test_a_dropped_room_expires_on_the_clock() -> None:
    """A room whose members all dropped is closed by the tick once the grace period is over."""
    f = Frames()
    _, (ann,) = room_with(f, "Ann")
    f.drop(ann)
    f.at(29.0)
    assert f.handler.races.open_rooms == 1
    f.at(30.1)
    assert f.handler.races.open_rooms == 0


def test_room_messages_round_trip_through_the_codec() -> None:
    """Every room message encodes to a frame that decodes to the same message."""
    messages: list[ClientMessage] = [
        CreateRoom("Ann", CreateSession(mode="quote"), 10, 5.0, 60.0),
        CreateRoom("Ann"),
        JoinRoom("ABCD", "Bob", watch=True),
        ResumeRoom("ABCD", "tok"),
        Ready(False),
        StartRace(),
        RaceInput(3, (KeyEvent("a", 1.5), KeyEvent("Backspace", 2.0))),
        Rematch(),
        LeaveRoom(),
    ]
    for message in messages:
        assert decode(client_message_to_json(message)) == message


PROTOCOL_MD = Path(__file__).parents[2] / "docs" / "protocol.md"
RACES_DOC = PROTOCOL_MD.read_text(encoding="utf-8").split("## Races\n", 1)[1].split("\n## ", 1)[0]

EXAMPLE_CLOCK = [1000.0, 1000.0, 1000.0, 1000.0, 1003.9, 1003.9, 1004.3, 1005.0, 1005.0]
"""Server time of each client frame of the doc's example (a tick runs at every whole
second passed, and at 1003.0 and 1004.0, as the server's 100 ms ticker would)."""


def replay_example() -> tuple[list[tuple[str, str]], dict[str, list[Outgoing]]]:
    """The doc's race example replayed through a handler; (doc server lines, what each got)."""
    block = RACES_DOC.split("### A race, frame by frame", 1)[1].split("```text", 1)[1]
    lines = block.split("```", 1)[0].splitlines()
    f = Frames()
    f.handler.races.registry = InMemoryRooms(random.Random(5))
    clients = {"A": f.open(), "B": f.open()}
    expected: list[tuple[str, str]] = []
    clock = iter(EXAMPLE_CLOCK)
    for line in lines:
        who, _, frame = line.partition(": ")
        if who in clients:
            now = next(clock)
            for tick in (1003.0, 1004.0):
                if f.now < tick <= now:
                    f.at(tick)
            f.now = now
            message = json.loads(frame)
            f.send(clients[who], message["type"], message.get("data"))
        elif who.startswith("S→") and frame.startswith("{"):
            expected.append((who[2:], frame))
    got = {name: f.out[channel.id] for name, channel in clients.items()}
    return expected, got


def test_the_race_example_is_what_the_server_sends() -> None:
    """Every full frame of the doc's race example reaches its clients, in that order."""
    expected, got = replay_example()
    assert len(expected) >= 10
    for name, messages in got.items():
        frames = [encode(m) for m in messages]
        tokens = [m.data["token"] for m in messages if m.type == "ROOM_JOINED"]
        wanted = [frame for to, frame in expected if name in to.split(",")]
        position = 0
        for frame in wanted:
            if "…" in frame:
                continue  # abbreviated in the doc
            doc = json.loads(frame)
            if doc["type"] == "ROOM_JOINED":
                doc["data"]["token"] = tokens[0]
            while position < len(frames) and json.loads(frames[position]) != doc:
                position += 1
            assert position < len(frames), f"{name} never got {frame}"
            position += 1


def documented_fields(type_: str) -> dict[str, set[str]]:
    """Field names in the table under ``#### `TYPE``` of the Races section.

    ``{"": top-level names, "players": names of each item of players[], ...}``."""
    body = RACES_DOC.split(f"#### `{type_}`\n", 1)[1].split("\n#### ", 1)[0].split("\n### ", 1)[0]
    fields: dict[str, set[str]] = {"": set()}
    for name in re.findall(r"^\| `([A-Za-z0-9\[\].]+)` \|", body, re.MULTILINE):
        if "[]." in name:
            outer, inner = name.split("[].", 1)
            fields.setdefault(outer, set()).add(inner)
        else:
            fields[""].add(name)
    return fields


def test_server_race_messages_have_exactly_the_documented_fields() -> None:
    """Each room message the server sends has the fields its table in protocol.md lists."""
    _, got = replay_example()
    seen: dict[str, dict[str, Any]] = {}
    for messages in got.values():
        for message in messages:
            seen.setdefault(message.type, message.data)
    checked = 0
    for type_ in ROOM_SERVER_TYPES:
        if f"#### `{type_}`\n" not in RACES_DOC:
            raise AssertionError(f"{type_} is not documented")
        fields = documented_fields(type_)
        if not fields[""] or type_ not in seen:
            continue  # documented inline (no table)
        data = seen[type_]
        assert set(data) == fields[""], type_
        for outer, inner in fields.items():
            if outer:
                assert all(set(item) == inner for item in data[outer]), (type_, outer)
        checked += 1
    assert checked == 7  # the seven with a table


def test_race_keys_spend_the_connections_key_rate_as_solo_keys_do() -> None:
    """A racer's new batches spend the connection's key bucket (key_rate), a resent one is
    acknowledged without counting; past the burst: RATE_LIMITED, and the link closed 1008."""
    f = Frames(config=HandlerConfig(key_rate=10.0, key_burst=20.0))
    _, (ann, _bob) = room_with(f, "Ann", "Bob")
    f.send(ann, "START_RACE")
    f.at(3.0)

    def batch(seq: int, n: int) -> dict[str, Any]:
        return {"seq": seq, "keys": [{"key": "t", "t": seq * 100 + i} for i in range(n)]}

    assert [m.type for m in f.send(ann, "RACE_INPUT", batch(1, 15))] == ["RACE_METRICS"]
    assert [m.type for m in f.send(ann, "RACE_INPUT", batch(1, 15))] == ["RACE_METRICS"]
    assert not ann.closed  # 15 of 20 spent: the resend did not count
    (refused,) = f.send(ann, "RACE_INPUT", batch(2, 6))
    assert refused.data["code"] == "RATE_LIMITED" and "10 keys/s" in refused.data["message"]
    assert ann.closed  # a Close followed the error


def test_a_broadcast_is_one_frame_for_all_members() -> None:
    """The lanes every member gets are one message, made once as its frame; it and a
    racer's RACE_METRICS are byte for byte the codec's encoding of their data."""
    f = Frames()
    _, channels = room_with(f, "Ann", "Bob", "Cat", "Dan")
    f.send(channels[0], "START_RACE")
    f.at(3.0)
    (metrics,) = f.send(channels[1], "RACE_INPUT", {"seq": 1, "keys": [{"key": "t", "t": 5}]})
    f.at(3.1)
    lanes = [[m for m in f.out[c.id] if m.type == "RACE_PROGRESS"][-1] for c in channels]
    assert all(m is lanes[-1] for m in lanes) and lanes[-1].data["tick"] == 2
    for message in (metrics, lanes[-1]):
        assert encode(message) == encode(Outgoing(message.type, message.data))
    assert metrics.data["ack"] == 1 and metrics.data["analysis"]["typed"] == "t"
    assert [lane["position"] for lane in lanes[-1].data["racers"]] == [0, 1, 0, 0]


def test_race_results_are_kept_with_room_race_and_final_place(tmp_path: Path) -> None:
    """When a race is over each racer who typed is saved: the room, the race, the place;
    a DNF is kept as invalid (never a best)."""
    from bartype.core.race import NOT_FINISHED, RacePlace
    from bartype.storage.history import History

    with History(tmp_path / "server.sqlite3") as history:
        f = Frames(history)  # the handler keeps results: its rooms do too
        code, (ann, bob, cat) = room_with(f, "Ann", "Bob", "Cat")
        f.send(ann, "START_RACE")
        f.at(3.0)
        f.now = 6.0
        keys = [{"key": ch, "t": 100 + i * 100} for i, ch in enumerate(TEXT)]
        f.send(bob, "RACE_INPUT", {"seq": 1, "keys": keys})
        f.send(ann, "RACE_INPUT", {"seq": 1, "keys": keys[:5]})
        assert history.count() == 0  # kept when the race is over, with the final places
        f.send(ann, "LEAVE_ROOM")
        f.send(cat, "LEAVE_ROOM")
        stored = {r.race: r for r in history.recent()}
    assert set(stored) == {RacePlace(code, 1, 1, 3), RacePlace(code, 1, 2, 3)}  # Cat typed nothing
    bob_kept, ann_kept = stored[RacePlace(code, 1, 1, 3)], stored[RacePlace(code, 1, 2, 3)]
    assert (bob_kept.mode, bob_kept.text, bob_kept.valid) == ("custom", TEXT, True)
    assert bob_kept.wpm == f.last(bob, "RACE_RESULT")["metrics"]["wpm"]
    assert not ann_kept.valid and NOT_FINISHED in ann_kept.invalid_reasons
