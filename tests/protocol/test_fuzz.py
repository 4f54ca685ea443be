"""Hostile frames against the codec and the handler: no exception, a documented answer each."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bartype.protocol.codec import client_message_to_json, decode, encode, parse_key_batch
from bartype.protocol.handler import HandlerConfig, SessionHandler
from bartype.protocol.messages import Close, Outgoing, ProtocolError
from bartype.protocol.rooms import InMemoryRooms
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root

FIRST_ROOM = InMemoryRooms(random.Random(0)).new_code()
"""The code the first room of a registry seeded with 0 gets: joins can find it."""
PROTOCOL_MD = Path(__file__).parents[2] / "docs" / "protocol.md"


def _documented(section: str, pattern: str) -> set[str]:
    """The codes in the first column of a table under ``## section`` of docs/protocol.md."""
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(pattern, body, re.MULTILINE))


ERROR_CODES = _documented("Error codes", r"^\| `([A-Z_]+)` \|")
CLOSE_CODES = {int(c) for c in _documented("Close codes", r"^\| (\d{4}) \|")}
SERVER_TYPES = {
    "WELCOME",
    "SESSION_CREATED",
    "SESSION_STARTED",
    "SESSION_ATTACHED",
    "METRICS_UPDATE",
    "SESSION_COMPLETE",
    "ERROR",
    "ROOM_JOINED",
    "ROOM_STATE",
    "ROOM_LEFT",
    "RACE_COUNTDOWN",
    "RACE_STARTED",
    "RACE_METRICS",
    "RACE_PROGRESS",
    "RACER_FINISHED",
    "RACE_RESULT",
    "RACE_STANDINGS",
}

_hostile_strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\ud800", "a\udfff", "\ufffe", "\U0010ffff", "\ufdd0", "\x00", "\x1b[2J"]),
    st.just("x" * 25_000),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _hostile_strings,
)
_json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_hostile_strings, inner, max_size=3)
    ),
    max_leaves=8,
)
_key = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["a", "b", " ", "Backspace", "\ud800", "", "Enter", "\r"])
        | st.text(max_size=3),
        "t": st.integers(-5, 3000) | st.floats(allow_nan=True, allow_infinity=True),
    }
)
_messages = st.one_of(
    st.just({"type": "HELLO", "data": {"version": 1}}),
    st.fixed_dictionaries(
        {"type": st.just("HELLO"), "data": st.fixed_dictionaries({"version": _scalars})}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("CREATE_SESSION"),
            "data": st.fixed_dictionaries(
                {"mode": st.sampled_from(["time", "words", "custom", "zen", "quote", "code", "x"])},
                optional={
                    "text": _hostile_strings,
                    "duration": st.sampled_from([1, 2, 0, 1e308, float("nan")]),
                    "words": _scalars,
                    "code": st.sampled_from(["python", "rust", "\ud800"]),
                    "seed": st.integers(0, 5),
                },
            ),
        }
    ),
    st.just({"type": "START_SESSION"}),
    st.fixed_dictionaries(
        {
            "type": st.just("INPUT_UPDATE"),
            "data": st.fixed_dictionaries(
                {"seq": st.integers(-1, 6) | _scalars, "keys": st.lists(_key, max_size=4)}
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("INPUT_UPDATE"),
            "data": st.fixed_dictionaries({"input": _hostile_strings}),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("END_SESSION"),
            "data": st.fixed_dictionaries({}, optional={"t": _scalars}),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("CREATE_ROOM"),
            "data": st.fixed_dictionaries(
                {"name": _hostile_strings | st.just("Ann")},
                optional={
                    "options": st.just({"mode": "custom", "text": "ab cd"}) | _json_values,
                    "countdownS": st.sampled_from([0, 0.5, -1, 31]),
                },
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("JOIN_ROOM"),
            "data": st.fixed_dictionaries(
                {
                    "code": st.sampled_from([FIRST_ROOM, FIRST_ROOM.lower(), "", "\ud800"]),
                    "name": _hostile_strings | st.just("Bob"),
                }
            ),
        }
    ),
    st.sampled_from(["READY", "START_RACE", "REMATCH", "LEAVE_ROOM"]).map(lambda t: {"type": t}),
    st.fixed_dictionaries(
        {
            "type": st.just("RACE_INPUT"),
            "data": st.fixed_dictionaries(
                {"seq": st.integers(-1, 6) | _scalars, "keys": st.lists(_key, max_size=4)}
            ),
        }
    ),
    st.fixed_dictionaries({"type": _hostile_strings, "data": _json_values}),
)
_frames = st.one_of(
    _messages.map(json.dumps),
    _messages.map(lambda m: json.dumps(m, ensure_ascii=False)),
    _json_values.map(json.dumps),
    st.text(max_size=40),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
    st.integers(1, 3000).map(lambda n: "[" * n),
    st.sampled_from(
        ['{"type":"HELLO","data":{"version":NaN}}', '{"type":"END_SESSION","data":{"t":1e999}}']
    ),
)


def _answers_are_documented(actions: list[Outgoing | Close]) -> None:
    for action in actions:
        if isinstance(action, Close):
            assert action.code in CLOSE_CODES, action
            continue
        assert action.type in SERVER_TYPES, action
        encode(action).encode("utf-8")  # every answer can be sent
        if action.type == "ERROR":
            assert action.data["code"] in ERROR_CODES, action
            assert action.data["code"] != "INTERNAL", action


def test_the_documented_tables_are_read() -> None:
    """The fuzzers check answers against the error and close code tables of docs/protocol.md."""
    assert {"BAD_JSON", "BAD_MESSAGE", "INTERNAL"} <= ERROR_CODES
    assert {1000, 1008, 1011, 4000, 4008} <= CLOSE_CODES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames)
def test_codec_raises_only_protocol_errors_with_documented_codes(text: str) -> None:
    """decode gives a message or a ProtocolError with a documented code; the fast parser agrees."""
    try:
        message = decode(text)
    except ProtocolError as exc:
        assert exc.code in ERROR_CODES
        assert parse_key_batch(text) is None
    else:
        client_message_to_json(message).encode("utf-8")  # only text gets through


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), _frames, st.floats(0, 2.0)), max_size=12))
def test_handler_answers_every_frame_of_three_hostile_connections(
    script: list[tuple[int, str, float]],
) -> None:
    """Frames on three connections, time passing: each frame answered, every answer documented."""
    handler = SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())), None, config=HandlerConfig()
    )
    handler.races.registry = InMemoryRooms(random.Random(0))
    now = 0.0
    channels = [handler.open(now, peer="127.0.0.1") for _ in range(3)]
    out: dict[int, list[Any]] = {c.id: [] for c in channels}

    def drain() -> list[Any]:
        got: list[Any] = []
        for channel, actions in handler.pending():
            out[channel.id].extend(actions)
            got.extend(actions)
        return got

    drain()
    for which, frame, wait in script:
        channel = channels[which]
        was_closed = channel.closed
        before = len(out[channel.id])
        reply = handler.receive_text_direct(channel, frame, now)
        if reply is not None:
            out[channel.id].append(Outgoing("METRICS_UPDATE", json.loads(reply)["data"]))
            reply.encode("utf-8")
        drain()
        if not was_closed:
            assert len(out[channel.id]) > before, f"no answer to {frame[:80]!r}"
        now += wait
        handler.tick(now)
        drain()
    handler.tick(now + 4000.0)  # every test ends, every session expires
    drain()
    for actions in out.values():
        _answers_are_documented(actions)
