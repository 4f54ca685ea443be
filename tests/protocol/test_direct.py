"""The server's hot path: ``parse_key_batch`` and ``receive_text_direct``.

Both must behave exactly like the general path (``decode``, ``receive_text``
and ``encode``), only cheaper.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.protocol.codec import decode, encode, parse_key_batch
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler, reply_type
from bartype.protocol.messages import Close, InputUpdate, Outgoing, ProtocolError, RaceInput
from bartype.protocol.rooms import InMemoryRooms
from bartype.protocol.textgen import LibraryTexts
from bartype.storage.corpus import TextLibrary, default_texts_root


def batch(seq: Any, keys: Any, **extra: Any) -> str:
    return json.dumps({"type": "INPUT_UPDATE", "data": {"seq": seq, "keys": keys, **extra}})


_keys = st.lists(
    st.fixed_dictionaries(
        {
            "key": st.text(max_size=3) | st.sampled_from(["Backspace", "x" * 40]),
            "t": st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.none(),
        }
    ),
    max_size=4,
)
_frames = st.one_of(
    st.builds(batch, st.integers(-1, 3) | st.booleans() | st.none(), _keys),
    st.builds(lambda k: batch(1, k, more=1), _keys),
    st.builds(lambda k: json.dumps({"type": "INPUT_UPDATE", "data": {"keys": k}}), _keys),
    st.builds(lambda k: json.dumps({"type": "HELLO", "data": {"seq": 1, "keys": k}}), _keys),
    st.sampled_from(
        [
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":NaN}]}}',
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":Infinity}]}}',
            '{"type":"INPUT_UPDATE","data":{"input":"abc"}}',
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":1}]},"x":1}',
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":1}]}',
            "[" * 10_000,
            "{}",
        ]
    ),
    # Valid batches with text around them: whitespace (JSON allows it) or junk (it does not).
    st.builds(
        lambda k, before, after: before + batch(1, k) + after,
        _keys,
        st.sampled_from(["", " ", "\n"]),
        st.sampled_from(["", " ", "\n", "x", "{}", "]"]),
    ),
)


@settings(max_examples=400, deadline=None)
@given(_frames)
def test_parse_key_batch_accepts_only_what_decode_accepts(text: str) -> None:
    """A frame the fast parser takes is a valid INPUT_UPDATE with the same seq and keys."""
    fast = parse_key_batch(text)
    try:
        message = decode(text)
    except ProtocolError:
        assert fast is None
        return
    if fast is None:
        return  # the general path handles it (e.g. the legacy form)
    assert isinstance(message, InputUpdate)
    assert fast == (message.seq, [(k.key, k.t) for k in message.keys])


@settings(max_examples=200, deadline=None)
@given(_frames)
def test_parse_key_batch_of_a_race_accepts_only_what_decode_accepts(text: str) -> None:
    """The same frames as RACE_INPUT: what the fast parser takes is a valid RACE_INPUT."""
    text = text.replace('"INPUT_UPDATE"', '"RACE_INPUT"')
    fast = parse_key_batch(text, "RACE_INPUT")
    try:
        message = decode(text)
    except ProtocolError:
        assert fast is None
        return
    if fast is not None:
        assert isinstance(message, RaceInput)
        assert fast == (message.seq, [(k.key, k.t) for k in message.keys])


def test_parse_key_batch_leaves_text_after_the_frame_to_decode() -> None:
    """Junk after a valid batch is not a batch (``decode`` says BAD_JSON)."""
    frame = batch(1, [{"key": "a", "t": 1}])
    assert parse_key_batch(frame) == (1, [("a", 1.0)])
    for padded in (frame + "garbage", frame + "{}", frame + " ", " " + frame):
        assert parse_key_batch(padded) is None


def test_parse_key_batch_takes_plain_batches() -> None:
    assert parse_key_batch(batch(3, [{"key": "a", "t": 1}, {"key": "Backspace", "t": 2.5}])) == (
        3,
        [("a", 1.0), ("Backspace", 2.5)],
    )


def _handler() -> SessionHandler:
    ids = itertools.count(1)
    return SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        None,
        config=HandlerConfig(future_tolerance_ms=1000.0),
        new_id=lambda: f"s{next(ids)}",
        new_seed=lambda: 7,
    )


def _frames_out(actions: list[Any]) -> list[str]:
    out = []
    for action in actions:
        if isinstance(action, Close):
            out.append(f"close {action.code}")
        elif isinstance(action, Outgoing):
            if action.type in ("SESSION_CREATED", "ROOM_JOINED"):
                action = Outgoing(action.type, {**action.data, "token": "-"})
            out.append(encode(action))
    return out


def _run(scenario: list[tuple[float, str]], direct: bool) -> tuple[list[str], int]:
    handler = _handler()
    handler.races.registry = InMemoryRooms(random.Random(5))
    channel: Channel = handler.open(0.0)
    sent: list[str] = []
    replies = 0
    for now, text in scenario:
        if direct:
            reply = handler.receive_text_direct(channel, text, now)
            if reply is not None:
                replies += 1
                assert not handler.has_dirty and reply_type(reply) == json.loads(reply)["type"]
                sent.append(reply)
        else:
            handler.receive_text(channel, text, now)
        for dirty in handler.take_dirty():
            sent.extend(_frames_out(dirty.take()))
        handler.tick(now)
        for dirty in handler.take_dirty():
            sent.extend(_frames_out(dirty.take()))
    return sent, replies


def test_direct_replies_are_what_the_queue_would_send() -> None:
    """Typing, typos, resends, gaps, bad times, completion and late input: same bytes out."""
    text = "the quick brown fox"
    scenario: list[tuple[float, str]] = [
        (0.0, json.dumps({"type": "HELLO", "data": {"version": 1}})),
        (0.0, batch(1, [{"key": "t", "t": 0}])),  # no session yet: 4000 and closed
    ]
    first, _ = _run(scenario, direct=False)
    again, replies = _run(scenario, direct=True)
    assert first == again and replies == 0

    scenario = [
        (0.0, json.dumps({"type": "CREATE_SESSION", "data": {"mode": "words", "text": text}})),
        (0.0, batch(1, [{"key": "t", "t": 0}])),  # before START: NOT_STARTED
        (0.0, '{"type":"START_SESSION"}'),
    ]
    now = 0.0
    seq = 0
    typed = "the qx" + "\b" + "uick brown"
    for i, ch in enumerate(typed):
        now += 0.1
        seq += 1
        key = "Backspace" if ch == "\b" else ch
        scenario.append((now, batch(seq, [{"key": key, "t": i * 100.0}])))
    scenario += [
        (now, batch(seq, [{"key": " ", "t": 5000.0}])),  # resent: re-acked, not applied
        (now, batch(seq + 2, [{"key": " ", "t": 5000.0}])),  # gap
        (now, batch(seq + 1, [{"key": " ", "t": 10.0}])),  # earlier than the last key
        (now, batch(seq + 2, [{"key": " ", "t": 90_000.0}])),  # in the future
        (now, '{"type":"INPUT_UPDATE","data":{"input":"x"}}'),  # legacy form
        (now + 1, batch(seq + 3, [{"key": ch, "t": 3000.0} for ch in " fox"])),  # completes
        (now + 1, batch(seq + 4, [{"key": "x", "t": 4000.0}])),  # after completion
        (now + 1, "{broken"),
    ]
    queued, _ = _run(scenario, direct=False)
    direct, replies = _run(scenario, direct=True)
    assert direct == queued
    assert replies == len(typed) + 1  # every plain batch of a running test, and the resend
    assert json.loads(direct[-3])["type"] == "SESSION_COMPLETE"


def test_race_keys_on_the_hot_path_are_what_the_general_path_sends() -> None:
    """A race typed through receive_text_direct: the same frames out as through receive_text,
    a batch answered by its RACE_METRICS alone answered directly."""
    create = {"name": "ann", "options": {"mode": "custom", "text": "go on"}, "countdownS": 0}
    scenario: list[tuple[float, str]] = [
        (0.0, json.dumps({"type": "RACE_INPUT", "data": {"seq": 1, "keys": []}})),  # no room
        (0.0, json.dumps({"type": "CREATE_ROOM", "data": create})),
        (0.0, '{"type":"START_RACE"}'),
    ]

    def race_batch(seq: int, keys: str, t: float) -> str:
        data = {"seq": seq, "keys": [{"key": k, "t": t} for k in keys]}
        return json.dumps({"type": "RACE_INPUT", "data": data}, separators=(",", ":"))

    scenario += [
        (0.2, race_batch(1, "go", 100.0)),
        (0.3, race_batch(1, "go", 100.0)),  # resent: acknowledged again
        (0.3, race_batch(3, " ", 200.0)),  # gap
        (0.4, race_batch(2, " ", 50.0)),  # earlier than the last key
        (0.5, " " + race_batch(3, " o", 300.0)),  # not compact: decoded in full
        (0.6, race_batch(4, "n", 400.0)),  # finishes
        (0.7, race_batch(5, "x", 500.0)),  # after the finish
    ]
    queued, _ = _run(scenario, direct=False)
    direct, replies = _run(scenario, direct=True)
    assert direct == queued and replies == 2  # the first batch and its resend; not the finish
    types = [json.loads(frame)["type"] for frame in direct]
    assert types.count("RACE_METRICS") == 4 and "RACE_STANDINGS" in types


@settings(max_examples=500, deadline=None)
@given(st.text("abc \n", max_size=8), st.text("abc \n", max_size=8))
def test_open_word_states_agree_with_the_analyzer(typed: str, target: str) -> None:
    """The letters of the word in progress are those of ``word_states(..., False)``."""
    from bartype.core.analyzer import word_states
    from bartype.protocol.views import STATE_LETTERS, open_word_states

    expected = "".join(STATE_LETTERS[state] for _, state in word_states(typed, target, False))
    assert open_word_states(typed, target) == expected


def test_a_direct_reply_followed_by_more_is_queued_first() -> None:
    """Should anything follow a direct reply on its channel, the reply is queued first."""
    handler = _handler()
    channel = handler.open(0.0)
    handler.receive_text(channel, json.dumps({"type": "HELLO", "data": {"version": 1}}), 0.0)
    handler.take_dirty()
    channel.take()
    reply = '{"type":"METRICS_UPDATE","data":{"ack":3}}'
    handler.outbox.direct, handler.outbox.reply = channel, reply
    handler._error(channel, "SOMETHING", "after the reply")
    handler.outbox.direct = None
    assert handler.outbox.reply is None
    assert [encode(a) for a in channel.take() if isinstance(a, Outgoing)][0] == reply


_one_key_frames = st.builds(
    lambda type_, seq, key, t, spaced: json.dumps(
        {"type": type_, "data": {"seq": seq, "keys": [{"key": key, "t": t}]}},
        separators=(", ", ": ") if spaced else (",", ":"),
    ),
    st.sampled_from(["INPUT_UPDATE", "RACE_INPUT"]),
    st.integers(0, 2**54),
    st.characters(max_codepoint=0x7F) | st.sampled_from(["Backspace", "Ctrl+Backspace", "Enter"]),
    st.integers(-1, 2**53) | st.floats(-1.0, 1e17),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(_one_key_frames)
def test_a_frame_of_one_key_reads_as_json_reads_it(text: str) -> None:
    """The one-key pattern (the usual frame) gives exactly what the json path gives."""
    from bartype.protocol.codec import parse_any_key_batch

    for type_ in ("INPUT_UPDATE", "RACE_INPUT"):
        assert parse_key_batch(text, type_) == parse_any_key_batch(text, type_)


def test_our_clients_frames_take_the_one_key_pattern() -> None:
    """The frames our clients send (compact) and json.dumps' spacing match the pattern."""
    from bartype.protocol.codec import _ONE_KEY, client_message_to_json
    from bartype.protocol.messages import KeyEvent

    compact = client_message_to_json(InputUpdate(seq=7, keys=(KeyEvent("a", 120.5),)))
    spaced = batch(7, [{"key": "Backspace", "t": 3}])
    compact_match, spaced_match = _ONE_KEY["INPUT_UPDATE"]
    assert compact_match(compact) is not None
    assert spaced_match(spaced) is not None
    assert parse_key_batch(compact) == (7, [("a", 120.5)])
    assert parse_key_batch(spaced) == (7, [("Backspace", 3.0)])


def test_a_key_is_normalised_as_the_text_is_on_every_path() -> None:
    """A decomposed or singleton character typed (U+212B, "A" + U+030A) matches the text's
    NFC form ("Å", U+00C5): one correct key, solo or race, one key per frame or several."""
    for keys in (["\u212b"], ["A\u030a"], ["\u212b", " "]):
        handler = _handler()
        channel: Channel = handler.open(0.0)
        create = {"type": "CREATE_SESSION", "data": {"mode": "custom", "text": "\u00c5 b"}}
        handler.receive_text(channel, json.dumps(create), 0.0)
        handler.receive_text(channel, '{"type":"START_SESSION"}', 0.0)
        frame = batch(1, [{"key": key, "t": 10.0 * i} for i, key in enumerate(keys)])
        handler.receive_text_direct(channel, frame, 0.1)
        live = channel.session
        assert live is not None
        calc = live.session.calculator
        assert (calc.keypresses, calc.correct_keypresses) == (len(keys), len(keys)), keys
