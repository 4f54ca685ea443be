"""LiveSession: its phases, its input rules and its connection, with no handler around it."""

from __future__ import annotations

from typing import Any

import pytest

from bartype.core.options import Mode
from bartype.core.race import FLAG_BURST
from bartype.core.session import SessionConfig, TypingSession
from bartype.protocol.live import (
    TRANSITIONS,
    Channel,
    LiveSession,
    Phase,
    PhaseError,
    first_bad_time,
    phase_of,
    token_digest,
)
from bartype.protocol.messages import SESSION_COMPLETE, ErrorCode, Outgoing, close
from bartype.protocol.outbox import Outbox

TEXT = "the quick brown fox"


def _live(mode: Mode = Mode.WORDS, **config: Any) -> LiveSession:
    session = TypingSession(SessionConfig(mode, **config), TEXT)
    return LiveSession(
        id="s1",
        token_hash=token_digest("t"),
        session=session,
        text=TEXT,
        mode=mode.value,
        mode2="",
        language="english",
        text_id=None,
        options={},
    )


def _complete() -> Outgoing:
    return Outgoing(SESSION_COMPLETE, {"state": "ended"})


def test_a_session_is_created_then_running_then_complete() -> None:
    """START moves a created session to RUNNING; its SESSION_COMPLETE moves it to COMPLETE."""
    live = _live(word_count=4)
    assert live.phase is Phase.CREATED and live.state == "created"
    live.start(10.0)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert live.phase is Phase.RUNNING and live.started_at == 10.0 and live.state == "running"  # type: ignore[comparison-overlap]
    live.complete_with(_complete())
    assert live.phase is Phase.COMPLETE and live.state == "ended"


@pytest.mark.parametrize("phase", list(Phase))
def test_moves_outside_the_table_raise(phase: Phase) -> None:
    """start and complete_with succeed exactly where the transition table allows the move."""
    for to, move in ((Phase.RUNNING, "start"), (Phase.COMPLETE, "complete_with")):
        live = _live(word_count=4)
        live.phase = phase
        arg = 0.0 if move == "start" else _complete()
        if to in TRANSITIONS[phase]:
            getattr(live, move)(arg)
            assert live.phase is to
        else:
            with pytest.raises(PhaseError):
                getattr(live, move)(arg)
            assert live.phase is phase
    assert not TRANSITIONS[Phase.COMPLETE]


def test_refusals_follow_the_phase() -> None:
    """START and input are refused with the documented codes for the phase the session is in."""
    live = _live(word_count=4)
    refusal = live.input_refusal()
    assert refusal is not None and refusal.data["code"] == ErrorCode.NOT_STARTED
    assert live.start_refusal() is None
    live.start(0.0)
    assert live.input_refusal() is None
    refusal = live.start_refusal()
    assert refusal is not None and refusal.data["code"] == ErrorCode.ALREADY_STARTED
    live.complete_with(_complete())
    for refusal in (live.start_refusal(), live.input_refusal()):
        assert refusal is not None and refusal.data["code"] == ErrorCode.SESSION_FINISHED


def test_a_restored_session_gets_the_phase_its_fields_say() -> None:
    """A snapshot's start time and SESSION_COMPLETE decide the phase it is restored in."""
    assert phase_of(None, None) is Phase.CREATED
    assert phase_of(3.0, None) is Phase.RUNNING
    assert phase_of(3.0, _complete()) is Phase.COMPLETE
    assert phase_of(None, _complete()) is Phase.COMPLETE


def test_batch_numbers_and_times() -> None:
    """The next batch is acked+1; times may not decrease nor pass the horizon; a refused batch
    is still acknowledged."""
    live = _live(word_count=4)
    live.start(0.0)
    assert live.gap_refusal(1) is None
    gap = live.gap_refusal(3)
    assert gap is not None and gap.data == {**gap.data, "code": ErrorCode.SEQ_GAP, "ack": 0}
    assert first_bad_time([("a", 1.0), ("b", 1.0), ("c", 2.0)], None, 10.0) is None
    assert first_bad_time([("a", 5.0), ("b", 4.0)], None, 10.0) == (
        4.0,
        "earlier than the previous key",
    )
    assert first_bad_time([("a", 11.0)], None, 10.0) == (11.0, "in the future")
    assert first_bad_time([("a", 1.0)], 2.0, 10.0) == (1.0, "earlier than the previous key")
    refused = live.take_batch(1, [("t", 20_000.0)], live.horizon_ms(1.0, 1500.0))
    assert refused is not None and refused.data["code"] == ErrorCode.BAD_TIMESTAMP
    assert live.acked == 1
    assert live.horizon_ms(1.0, None) == float("inf")


def test_feeding_keys_types_and_flags_inhuman_bursts() -> None:
    """Keys fed reach the core session; 20 characters inside 400 ms flag the result."""
    live = _live(Mode.ZEN)
    live.start(0.0)
    live.feed([(ch, 100.0 + i) for i, ch in enumerate("abcdefghij")], 1.0, 20, 400.0)
    assert live.last_t == 109.0 and live.last_key_at == 1.0 and live.first_key_at == 1.0
    assert FLAG_BURST not in live.flags
    live.feed([(ch, 200.0 + i) for i, ch in enumerate("klmnopqrstu")], 2.0, 20, 400.0)
    assert FLAG_BURST in live.flags
    assert len(live.session.log) == 21


def test_legacy_input_becomes_backspaces_and_characters() -> None:
    """The whole-text input is diffed against the last one: back to the common prefix, then on."""
    live = _live(Mode.ZEN)
    live.start(0.0)
    assert live.legacy_keys("the", 1.0) == [("t", 1000.0), ("h", 1000.0), ("e", 1000.0)]
    assert live.legacy_keys("tho", 2.0) == [("Backspace", 2000.0), ("o", 2000.0)]


def test_a_timed_test_runs_out_by_the_clients_clock_plus_grace() -> None:
    """A time test closes once its time plus the grace has passed since its first key."""
    live = _live(Mode.TIME, duration_s=15)
    live.start(0.0)
    assert not live.run_out(100.0, 1500.0)  # no key yet: the clock has not started
    live.feed([("t", 0.0)], 0.0, 20, 400.0)
    assert not live.run_out(16.0, 1500.0)
    assert live.session.state.is_open
    assert live.run_out(16.6, 1500.0)
    assert not live.session.state.is_open


def test_an_untimed_test_is_abandoned_when_idle() -> None:
    """A running words test with no key for the idle limit is abandoned; a created one is not."""
    live = _live(word_count=4)
    assert not live.idle_out(1000.0, 60_000.0)
    live.start(0.0)
    live.feed([("t", 0.0)], 0.0, 20, 400.0)
    assert not live.idle_out(59.0, 60_000.0)
    assert live.idle_out(61.0, 60_000.0)
    assert live.session.state.value == "abandoned"


def test_the_key_bucket_refills_at_its_rate() -> None:
    """A connection may spend its burst at once, then its rate a second."""
    channel = Channel(1)
    assert channel.spend_keys(100, 0.0, rate=10.0, burst=100.0)
    assert not channel.spend_keys(1, 0.0, rate=10.0, burst=100.0)
    assert channel.spend_keys(10, 1.0, rate=10.0, burst=100.0)
    assert not channel.spend_keys(1, 1.0, rate=10.0, burst=100.0)


def test_the_outbox_hands_out_each_channel_in_order_and_a_close_detaches() -> None:
    """Channels come out in the order they were first given actions; a Close detaches the
    channel from its session."""
    outbox = Outbox()
    a, b = Channel(1), Channel(2)
    live = _live(word_count=4)
    live.channel, a.session = a, live
    outbox.emit(b, Outgoing("X", {}))
    outbox.emit(a, Outgoing("Y", {}))
    outbox.emit(b, Outgoing("Z", {}))
    outbox.emit(a, close(4001))
    assert a.closed and a.session is None and live.channel is None
    outbox.emit(a, Outgoing("after close", {}))
    handed = [
        (channel.id, [getattr(x, "type", "close") for x in actions])
        for channel, actions in outbox.pending()
    ]
    assert handed == [(2, ["X", "Z"]), (1, ["Y", "close"])]
    assert not outbox.has_dirty
