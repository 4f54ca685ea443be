"""Tests for bartype.core.race: standings, official times and cheat flags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bartype.core.race import (
    FLAG_BURST,
    FLAG_PASTED,
    FLAG_TIME,
    CheatRules,
    RacerStanding,
    cheat_flags,
    inhuman_burst,
    official_time,
    pasted,
    ranked,
)


def racer(
    id_: str,
    slot: int,
    *,
    time_ms: float | None = None,
    position: int = 0,
    accuracy: float = 100.0,
) -> RacerStanding:
    return RacerStanding(
        id=id_,
        slot=slot,
        finished=time_ms is not None,
        time_ms=time_ms,
        position=position,
        wpm=60.0,
        accuracy=accuracy,
    )


def order(racers: list[RacerStanding]) -> list[str]:
    return [r.id for _, r in ranked(racers)]


def test_finishers_by_time_then_the_rest_by_progress() -> None:
    """Finishers come first by official time; DNF and racing by characters reached."""
    racers = [
        racer("dnf-far", 1, position=90),
        racer("slow", 2, time_ms=12_000),
        racer("fast", 3, time_ms=9_000),
        racer("dnf-near", 4, position=10),
    ]
    assert order(racers) == ["fast", "slow", "dnf-far", "dnf-near"]
    assert [place for place, _ in ranked(racers)] == [1, 2, 3, 4]


def test_tie_broken_by_accuracy_then_order_of_joining() -> None:
    """Equal times go to the more accurate racer, then to the one who joined first."""
    racers = [
        racer("c", 3, time_ms=10_000.2, accuracy=99.0),
        racer("b", 2, time_ms=10_000.0, accuracy=97.0),
        racer("a", 1, time_ms=9_999.9, accuracy=97.0),
    ]
    assert order(racers) == ["c", "a", "b"]
    dnf = [racer("y", 2, position=5), racer("x", 1, position=5)]
    assert order(dnf) == ["x", "y"]


@given(st.permutations(range(6)))
def test_ranking_does_not_depend_on_input_order(perm: list[int]) -> None:
    """The standings are the same whatever order the racers are listed in."""
    racers = [
        racer("a", 1, time_ms=5000),
        racer("b", 2, time_ms=5000),
        racer("c", 3, time_ms=4000, accuracy=90),
        racer("d", 4, position=30),
        racer("e", 5, position=30, accuracy=50),
        racer("f", 6, position=31),
    ]
    shuffled = [racers[i] for i in perm]
    assert order(shuffled) == ["c", "a", "b", "f", "d", "e"]


def test_official_time_is_the_racers_own_unless_the_server_saw_it_much_later() -> None:
    """The claimed time counts within the tolerance; beyond it the server's, flagged."""
    assert official_time(10_000, 10_400, 2000).official_ms == 10_000
    assert not official_time(10_000, 12_000, 2000).flagged
    check = official_time(10_000, 12_001, 2000)
    assert check.flagged and check.official_ms == 12_001
    # A resent batch: its arrival says nothing, the claimed time stands.
    assert official_time(10_000, None, 2000) == official_time(10_000, 10_000, 2000)
    # Later than the server saw it (a clock behind): only hurts the racer, kept.
    assert official_time(10_500, 10_000, 2000).official_ms == 10_500


def test_latency_does_not_change_the_official_time() -> None:
    """Two racers typing identically, one over a slow link, get the same time."""
    lan = official_time(8000, 8003, 2000)
    slow = official_time(8000, 8000 + 600, 2000)
    assert lan.official_ms == slow.official_ms and not slow.flagged


def test_pasted_needs_a_run_of_equal_times() -> None:
    """Twelve characters at one instant are pasted; a composed pair is not."""
    assert pasted([0.0] * 12, 12)
    assert not pasted([0.0] * 11 + [1.0], 12)
    assert not pasted([0, 0, 50, 50, 100], 12)


def test_inhuman_burst_over_600_wpm() -> None:
    """Twenty characters within 400 ms are flagged; at 100 ms a key they are not."""
    assert inhuman_burst([i * 15.0 for i in range(20)], 20, 400)
    assert not inhuman_burst([i * 100.0 for i in range(50)], 20, 400)
    assert not inhuman_burst([0.0] * 30, 20, 400)  # one instant: a paste, flagged elsewhere


def test_a_short_text_typed_faster_than_600_wpm_is_a_burst() -> None:
    """Under twenty characters (from six) are held to the same rate over all of them: a
    13-character text in 100 ms is flagged, in 300 ms (just under 600 WPM) it is not."""
    fast = [i * 100 / 12 for i in range(13)]
    assert inhuman_burst(fast, 20, 400, 6)
    assert not inhuman_burst(fast, 20, 400)  # without a least count, as before
    assert not inhuman_burst([i * 25.0 for i in range(13)], 20, 400, 6)
    assert inhuman_burst([i * 3.0 for i in range(7)], 20, 400, 6)  # 7 characters in 18 ms
    assert not inhuman_burst([i * 5.0 for i in range(5)], 20, 400, 6)  # a roll: too few to say
    assert cheat_flags(fast, CheatRules()) == (FLAG_BURST,)


def test_a_short_text_at_one_instant_is_pasted() -> None:
    """Under twelve characters (from six) all at one instant are pasted; a composed pair
    at one instant, or a short text typed, is not."""
    assert pasted([5.0] * 7, 12, 6)
    assert not pasted([5.0] * 7, 12)  # without a least count, as before
    assert not pasted([5.0] * 6 + [9.0], 12, 6)
    assert not pasted([5.0, 5.0, 90.0, 200.0, 300.0, 410.0], 12, 6)
    assert cheat_flags([5.0] * 7, CheatRules()) == (FLAG_PASTED,)


def test_cheat_flags_in_a_fixed_order() -> None:
    """Flags come in the order pasted, burst, time, each once."""
    rules = CheatRules()
    times = [0.0] * 12 + [100 + i * 10.0 for i in range(20)]
    assert cheat_flags(times, rules, True) == (FLAG_PASTED, FLAG_BURST, FLAG_TIME)
    assert cheat_flags([i * 120.0 for i in range(40)], rules) == ()
