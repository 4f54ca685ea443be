"""Rooms and races as a state machine: a fake clock, real typing sessions, no sockets."""

from __future__ import annotations

import random
from itertools import count
from typing import Any

import pytest

from bartype.core.race import FLAG_BURST, FLAG_PASTED, FLAG_TIME
from bartype.core.session import config_for
from bartype.protocol.messages import ErrorCode, Outgoing
from bartype.protocol.rooms import (
    CODE_ALPHABET,
    InMemoryRooms,
    RaceText,
    Room,
    RoomConfig,
    RoomError,
    RoomState,
    clean_name,
    normalize_code,
)

TEXT = "the quick brown fox"


class Driver:
    """One room behind an in-memory registry; each member's messages land in an inbox."""

    def __init__(self, text: str = TEXT, **config: Any) -> None:
        self.now = 0.0
        self.registry = InMemoryRooms(random.Random(7))
        tokens = count(1)
        self.texts = 0

        def make_text() -> RaceText:
            self.texts += 1
            return RaceText(text, config_for("custom"), "custom", "", "custom")

        self.room = Room(
            self.registry.new_code(),
            make_text,
            self.now,
            config=RoomConfig(**config),
            options={"mode": "custom"},
            new_token=lambda: f"token-{next(tokens)}",
        )
        self.registry.add(self.room)
        self.inbox: dict[str, list[Outgoing]] = {}

    def deliver(self) -> None:
        for to, message in self.room.take_outbox():
            self.registry.publish(self.room.code, message, to)

    def _subscribe(self, member_id: str) -> None:
        box = self.inbox.setdefault(member_id, [])
        self.registry.subscribe(self.room.code, member_id, box.append)

    def join(self, name: str, **kw: Any) -> str:
        member = self.room.join(name, self.now, **kw)
        self._subscribe(member.id)
        self.deliver()
        return member.id

    def resume(self, token: str) -> str:
        member = self.room.resume(token, self.now)
        self._subscribe(member.id)
        self.deliver()
        return member.id

    def call(self, method: str, *args: Any) -> None:
        getattr(self.room, method)(*args, self.now)
        self.deliver()

    def keys(self, member_id: str, seq: int, keys: list[tuple[str, float]]) -> None:
        self.room.input(member_id, seq, keys, self.now)
        self.deliver()

    def at(self, now: float) -> None:
        self.now = now
        self.room.tick(now)
        self.deliver()

    def drop(self, member_id: str) -> None:
        self.room.disconnect(member_id, self.now)
        self.registry.unsubscribe(self.room.code, member_id)
        self.deliver()

    def got(self, member_id: str, type_: str) -> list[dict[str, Any]]:
        return [m.data for m in self.inbox[member_id] if m.type == type_]

    def last(self, member_id: str, type_: str) -> dict[str, Any]:
        found = self.got(member_id, type_)
        assert found, f"{member_id} got no {type_}: {[m.type for m in self.inbox[member_id]]}"
        return found[-1]

    def started(self, *names: str) -> list[str]:
        """Members joined, the race started by the host, the clock at the start signal."""
        ids = [self.join(name) for name in names]
        self.call("start", ids[0])
        self.at(self.room.race.starts_at if self.room.race else self.now)
        return ids


def typed(text: str, start: float = 200.0, step: float = 100.0) -> list[tuple[str, float]]:
    return [(ch, start + i * step) for i, ch in enumerate(text)]


def error_of(call: Any) -> RoomError:
    with pytest.raises(RoomError) as info:
        call()
    return info.value


def test_full_life_cycle() -> None:
    """Lobby, ready, countdown, race, first finisher, deadline-free end, standings, rematch."""
    d = Driver()
    ann = d.join("Ann")
    bob = d.join("Bob")
    assert d.last(ann, "ROOM_STATE")["hostId"] == ann
    assert d.last(ann, "ROOM_JOINED") == {
        "code": d.room.code,
        "playerId": ann,
        "token": "token-1",
        "resumed": False,
    }
    d.call("set_ready", ann, True)
    assert d.room.state is RoomState.LOBBY
    d.call("set_ready", bob, True)  # everyone ready: the countdown starts
    # mypy keeps its narrowing from before the call, but the state did change.
    assert d.room.state is RoomState.COUNTDOWN  # type: ignore[comparison-overlap]
    countdown = d.last(bob, "RACE_COUNTDOWN")
    assert countdown["text"] == TEXT and countdown["racers"] == [ann, bob]
    assert countdown["startsAt"] == 3000 and countdown["serverTime"] == 0
    d.at(2.9)
    assert d.room.state is RoomState.COUNTDOWN
    d.at(3.0)
    assert d.room.state is RoomState.RACING
    assert d.last(ann, "RACE_STARTED") == {"raceId": 1, "startedAt": 3000}
    d.now = 3.5
    d.keys(ann, 1, typed("the quick "))
    assert d.last(ann, "RACE_METRICS")["ack"] == 1
    d.at(3.6)
    lanes = {r["id"]: r for r in d.last(bob, "RACE_PROGRESS")["racers"]}
    assert lanes[ann]["position"] == 10 and lanes[ann]["place"] == 1
    assert lanes[bob]["position"] == 0 and lanes[bob]["status"] == "racing"
    d.now = 6.0
    d.keys(ann, 2, typed("brown fox", 1200))
    assert d.room.state is RoomState.FINISHING
    finished = d.last(bob, "RACER_FINISHED")
    assert finished["id"] == ann and finished["place"] == 1
    assert finished["timeMs"] == 2000.0 and finished["deadlineAt"] == 36_000
    assert d.last(ann, "RACE_RESULT")["metrics"]["wpm"] > 0
    d.now = 7.0
    d.keys(bob, 1, typed(TEXT, 300, 150))
    assert d.room.state is RoomState.RESULTS
    standings = d.last(ann, "RACE_STANDINGS")["standings"]
    assert [(s["place"], s["name"], s["status"]) for s in standings] == [
        (1, "Ann", "finished"),
        (2, "Bob", "finished"),
    ]
    assert standings[1]["timeMs"] == 300 + 18 * 150
    error = error_of(lambda: d.room.rematch(bob, d.now))
    assert error.code == ErrorCode.NOT_HOST
    d.call("rematch", ann)
    assert d.room.state is RoomState.LOBBY
    assert not any(p["ready"] for p in d.last(bob, "ROOM_STATE")["players"])
    d.call("start", ann)
    assert d.last(bob, "RACE_COUNTDOWN")["raceId"] == 2 and d.texts == 2


def test_only_the_host_starts_and_only_from_the_lobby() -> None:
    """START_RACE by another member is NOT_HOST; during a race it is BAD_STATE."""
    d = Driver()
    ann, bob = d.join("Ann"), d.join("Bob")
    assert error_of(lambda: d.room.start(bob, d.now)).code == ErrorCode.NOT_HOST
    d.call("start", ann)
    assert error_of(lambda: d.room.start(ann, d.now)).code == ErrorCode.BAD_STATE
    assert error_of(lambda: d.room.set_ready(bob, True, d.now)).code == ErrorCode.BAD_STATE


def test_one_ready_racer_alone_does_not_start_a_race() -> None:
    """Everyone ready starts the race only with at least two racers."""
    d = Driver()
    ann = d.join("Ann")
    d.call("set_ready", ann, True)
    assert d.room.state is RoomState.LOBBY
    d.join("Bob", watch=True)  # a spectator does not count
    assert d.room.state is RoomState.LOBBY


def test_progress_at_a_fixed_tick_only_when_something_changed() -> None:
    """RACE_PROGRESS goes out at most every 100 ms, and not at all while nothing changes."""
    d = Driver("the quick brown fox jumps")
    ann, bob = d.started("Ann", "Bob")
    d.at(3.01)
    first = len(d.got(bob, "RACE_PROGRESS"))
    assert first == 1
    for step in range(2, 20):
        d.at(3.0 + step / 100)
    assert len(d.got(bob, "RACE_PROGRESS")) == first  # nothing typed: nothing sent
    for i, step in enumerate(range(20, 40)):  # a key every 10 ms for 200 ms
        d.now = 3.0 + step / 100
        d.keys(ann, i + 1, [("the quick brown fox jumps"[i], 10.0 * step)])
        d.at(d.now)
    assert len(d.got(bob, "RACE_PROGRESS")) - first == 2  # 20 batches, 2 ticks
    ticks = [p["tick"] for p in d.got(bob, "RACE_PROGRESS")]
    assert ticks == sorted(set(ticks))


def test_a_lane_shows_no_absurd_wpm_for_a_burst_and_then_the_final_figures_way() -> None:
    """Keys read at once show 0 WPM until 1 s of typing, then the rate the final WPM uses."""
    text = "the quick brown fox jumps over"
    d = Driver(text)
    ann, bob = d.started("Ann", "Bob")
    d.now = 4.0
    d.keys(ann, 1, [(ch, 900.0 + i) for i, ch in enumerate(text[:10])])  # 10 keys in 9 ms
    d.at(4.0)
    lane = d.last(bob, "RACE_PROGRESS")["racers"][0]
    assert (lane["position"], lane["wpm"]) == (10, 0.0)  # not 13,333 WPM
    d.now = 5.5
    d.keys(ann, 2, [(ch, 1900.0 + i * 100) for i, ch in enumerate(text[10:20])])
    d.at(5.5)
    lane = d.last(bob, "RACE_PROGRESS")["racers"][0]
    # 20 characters from the first key (900 ms) to the last (2,800 ms), as a result counts them
    assert lane["wpm"] == round(20 / 5 / (1.9 / 60), 2)
    d.now = 7.0
    d.keys(ann, 3, [(ch, 3000.0 + i * 50) for i, ch in enumerate(text[20:])])
    d.at(7.0)
    final = d.last(bob, "RACER_FINISHED")["wpm"]
    assert d.last(bob, "RACE_PROGRESS")["racers"][0]["wpm"] == final


def test_joining_mid_race_makes_a_spectator_until_the_next_race() -> None:
    """A newcomer watches the race (text, progress, standings), then races the next."""
    d = Driver()
    ann, _bob = d.started("Ann", "Bob")
    d.now = 4.0
    cat = d.join("Cat")
    roles = {p["id"]: p["role"] for p in d.last(cat, "ROOM_STATE")["players"]}
    assert roles[cat] == "spectator" and roles[ann] == "racer"
    assert d.last(cat, "RACE_COUNTDOWN")["text"] == TEXT
    assert error_of(lambda: d.room.input(cat, 1, [("t", 0)], d.now)).code == ErrorCode.NOT_RACING
    d.at(4.1)
    assert [r["id"] for r in d.last(cat, "RACE_PROGRESS")["racers"]] == [ann, _bob]
    d.keys(ann, 1, typed(TEXT))
    d.at(40.0)  # the deadline: Bob DNF
    assert d.last(cat, "RACE_STANDINGS")["standings"][0]["id"] == ann
    d.call("rematch", ann)
    roles = {p["id"]: p["role"] for p in d.last(cat, "ROOM_STATE")["players"]}
    assert roles[cat] == "racer"
    d.call("start", ann)
    assert cat in d.last(cat, "RACE_COUNTDOWN")["racers"]


def test_a_watcher_stays_a_spectator() -> None:
    """A member who joined to watch is never put in a race."""
    d = Driver()
    ann = d.join("Ann")
    screen = d.join("Big screen", watch=True)
    d.call("start", ann)
    assert d.last(screen, "RACE_COUNTDOWN")["racers"] == [ann]


def test_leaving_mid_race_is_dnf_and_the_name_is_free_again() -> None:
    """A racer who leaves is DNF by progress; rejoining under the same name makes a spectator."""
    d = Driver()
    ann, bob, cat = d.started("Ann", "Bob", "Cat")
    d.now = 4.0
    d.keys(bob, 1, typed("the quick"))
    d.keys(cat, 1, typed("the"))
    d.call("leave", bob)
    assert d.last(bob, "ROOM_LEFT") == {"code": d.room.code}
    again = d.join("Bob")
    assert again != bob
    assert {p["id"]: p["role"] for p in d.last(again, "ROOM_STATE")["players"]}[again] == (
        "spectator"
    )
    d.now = 5.0
    d.keys(ann, 1, typed(TEXT))
    d.at(36.0)
    standings = d.last(ann, "RACE_STANDINGS")["standings"]
    assert [(s["id"], s["status"], s["position"]) for s in standings] == [
        (ann, "finished", len(TEXT)),
        (bob, "dnf", 9),
        (cat, "dnf", 3),
    ]


def test_everyone_leaving_the_countdown_returns_to_the_lobby() -> None:
    """A countdown whose racers all left goes back to the lobby."""
    d = Driver()
    ann = d.join("Ann")
    screen = d.join("Screen", watch=True)
    d.call("start", ann)
    d.call("leave", ann)
    assert d.room.state is RoomState.LOBBY
    assert d.last(screen, "ROOM_STATE")["hostId"] == screen


def test_the_host_leaving_hands_the_room_on() -> None:
    """The next member by order of joining becomes host; a dropped host stays host in grace."""
    d = Driver()
    ann, bob, cat = d.join("Ann"), d.join("Bob"), d.join("Cat")
    d.drop(ann)
    assert d.last(bob, "ROOM_STATE")["hostId"] == ann
    d.at(31.0)  # Ann's grace is over
    assert d.last(bob, "ROOM_STATE")["hostId"] == bob
    d.drop(bob)
    d.call("leave", cat)  # leaving hands on at once
    assert d.room.host_id == bob


def test_a_full_room_refuses_with_a_clear_error() -> None:
    """Past the size limit joining is ROOM_FULL, and says how many fit."""
    d = Driver(max_players=2)
    d.join("Ann")
    d.join("Bob")
    error = error_of(lambda: d.room.join("Cat", d.now))
    assert error.code == ErrorCode.ROOM_FULL and "2 players" in error.message
    assert len(d.room.members) == 2


@pytest.mark.parametrize(
    "name",
    [
        "\x1b[2J",
        "bob\x07",
        "a\tb",
        "line\nbreak",
        "\u202egnp.exe",
        "zero\u200bwidth",
        "",
        "   ",
        "x" * 21,
    ],
)
def test_hostile_names_are_refused(name: str) -> None:
    """Control and format characters, line breaks, empty and overlong names: BAD_NAME."""
    assert error_of(lambda: clean_name(name)).code == ErrorCode.BAD_NAME


def test_markup_in_names_is_kept_literally_and_names_are_unique() -> None:
    """``[red]x[/]`` is a name like any other; names are unique regardless of case."""
    d = Driver()
    ann = d.join("[red]x[/]")
    assert d.last(ann, "ROOM_STATE")["players"][0]["name"] == "[red]x[/]"
    assert clean_name("  Zoë  ") == "Zoë"
    d.join("Ann")
    assert error_of(lambda: d.room.join(" ann", d.now)).code == ErrorCode.NAME_TAKEN


def run_two_batches(d: Driver, racer: str, resume_between: bool) -> dict[str, Any]:
    """Type TEXT in two batches; optionally drop and resume the link between them."""
    d.now = 4.0
    d.keys(racer, 1, typed("the quick "))
    if resume_between:
        d.now = 4.5
        d.keys(racer, 2, typed("brown", 1200))  # applied, but its ack is lost with the link
        d.drop(racer)
        d.now = 20.0
        d.resume("token-1")
        assert d.last(racer, "ROOM_JOINED")["resumed"] is True
        assert d.last(racer, "RACE_METRICS")["ack"] == 2
        assert d.last(racer, "RACE_COUNTDOWN")["text"] == TEXT
        d.keys(racer, 2, typed("brown", 1200))  # resent: acknowledged, not applied again
        assert d.last(racer, "RACE_METRICS")["ack"] == 2
        d.keys(racer, 3, typed(" fox", 1700))
    else:
        d.now = 4.5
        d.keys(racer, 2, typed("brown", 1200))
        d.now = 5.0
        d.keys(racer, 3, typed(" fox", 1700))
    d.at(60.0)  # past the deadline: the other racer DNF
    first: dict[str, Any] = d.last(racer, "RACE_STANDINGS")["standings"][0]
    return first


def test_resume_within_grace_gives_the_unbroken_result() -> None:
    """A racer who drops and resumes with their token finishes exactly as without the drop."""
    unbroken = Driver()
    ann, _ = unbroken.started("Ann", "Bob")
    expected = run_two_batches(unbroken, ann, resume_between=False)
    broken = Driver()
    ann, _ = broken.started("Ann", "Bob")
    got = run_two_batches(broken, ann, resume_between=True)
    assert got == expected and got["flags"] == [] and got["timeMs"] == 2000.0


def test_resuming_after_the_race_gives_the_missed_result() -> None:
    """A racer back after the race ended gets their result and the standings; resends re-ack."""
    d = Driver(finish_deadline_s=5)
    ann, bob = d.started("Ann", "Bob")
    d.now = 4.0
    d.keys(bob, 1, typed(TEXT))
    d.keys(ann, 1, typed("the"))
    d.drop(ann)
    d.at(10.0)  # the deadline: Ann DNF while away
    assert d.room.state is RoomState.RESULTS
    d.resume("token-1")
    assert d.last(ann, "RACE_RESULT")["status"] == "dnf"
    assert d.last(ann, "RACE_STANDINGS")["standings"][1]["id"] == ann
    d.keys(ann, 1, typed("the"))
    assert d.last(ann, "RACE_METRICS")["ack"] == 1


def test_resume_after_grace_is_refused_and_the_racer_is_dnf() -> None:
    """Past the grace period the token is unknown (RESUME_EXPIRED) and the racer DNF."""
    d = Driver()
    ann, bob = d.started("Ann", "Bob")
    d.now = 4.0
    d.keys(ann, 1, typed("the"))
    d.drop(ann)
    d.at(34.0)
    error = error_of(lambda: d.room.resume("token-1", d.now))
    assert error.code == ErrorCode.RESUME_EXPIRED
    assert ann not in d.room.members
    d.keys(bob, 1, typed(TEXT, 3000))
    standings = d.last(bob, "RACE_STANDINGS")["standings"]
    assert [(s["id"], s["status"]) for s in standings] == [(bob, "finished"), (ann, "dnf")]


def test_the_deadline_ends_the_race_with_dnf_by_progress() -> None:
    """After the first finisher the others have finish_deadline_s; then DNF, by progress."""
    d = Driver(finish_deadline_s=10)
    ann, bob, cat = d.started("Ann", "Bob", "Cat")
    d.now = 4.0
    d.keys(bob, 1, typed("th"))
    d.keys(cat, 1, typed("the qu"))
    d.keys(ann, 1, typed(TEXT))
    assert d.last(ann, "RACER_FINISHED")["deadlineAt"] == 14_000
    d.at(13.9)
    assert d.room.state is RoomState.FINISHING
    d.at(14.0)
    # mypy keeps its narrowing from before the call, but the state did change.
    assert d.room.state is RoomState.RESULTS  # type: ignore[comparison-overlap]
    standings = d.last(bob, "RACE_STANDINGS")["standings"]
    assert [(s["place"], s["id"], s["status"]) for s in standings] == [
        (1, ann, "finished"),
        (2, cat, "dnf"),
        (3, bob, "dnf"),
    ]
    assert d.last(bob, "RACE_RESULT")["status"] == "dnf"


def test_a_tie_is_broken_by_order_of_joining_not_by_arrival() -> None:
    """Identical typing ties on time; the first to join wins, though their keys arrived last."""
    d = Driver()
    ann, bob = d.started("Ann", "Bob")
    d.now = 4.0
    d.keys(bob, 1, typed(TEXT))  # Bob on a fast link
    d.now = 4.8
    d.keys(ann, 1, typed(TEXT))  # Ann's identical keys 800 ms later
    standings = d.last(ann, "RACE_STANDINGS")["standings"]
    assert [(s["id"], s["timeMs"]) for s in standings] == [
        (ann, 2000.0),
        (bob, 2000.0),
    ]


def test_idle_racers_are_marked_then_dnf() -> None:
    """No input for 15 s marks a racer idle (undone by typing); 60 s makes them DNF."""
    d = Driver()
    ann, bob = d.started("Ann", "Bob")
    d.now = 3.5
    d.keys(bob, 1, typed("t"))
    d.at(18.0)
    lanes = {r["id"]: r["status"] for r in d.last(bob, "RACE_PROGRESS")["racers"]}
    assert lanes == {ann: "idle", bob: "racing"}
    d.now = 18.5
    d.keys(ann, 1, [("t", 15_400)])
    d.at(18.6)
    lanes = {r["id"]: r["status"] for r in d.last(bob, "RACE_PROGRESS")["racers"]}
    assert lanes == {ann: "racing", bob: "idle"}
    d.at(63.5)  # Bob quiet since 3.5
    assert d.room.race is not None
    assert d.room.race.racers[bob].status.value == "dnf"
    d.at(78.5)
    assert d.room.state is RoomState.RESULTS


def test_compressed_key_times_are_flagged_and_get_the_servers_time() -> None:
    """A finish claimed at 0.38 s that reached the server at 12 s counts as 12 s, flagged
    (and, at 20 ms a key, flagged as a burst too)."""
    d = Driver()
    ann, bob = d.started("Ann", "Bob")
    d.now = 5.0
    d.keys(bob, 1, typed(TEXT))  # honest: the last key at 2 s arrives at 2 s
    d.now = 15.0
    d.keys(ann, 1, typed(TEXT, 20, 20))  # claims 0.38 s, arrives at 12 s
    standings = d.last(ann, "RACE_STANDINGS")["standings"]
    assert [(s["id"], s["timeMs"], s["flags"]) for s in standings] == [
        (bob, 2000.0, []),
        (ann, 12_000.0, [FLAG_BURST, FLAG_TIME]),  # 19 characters in 0.36 s: 600 WPM
    ]


def test_pasted_text_is_flagged_on_the_standings() -> None:
    """A text arriving as one key at one instant is flagged as pasted."""
    d = Driver()
    ann, _ = d.started("Ann", "Bob")
    d.now = 5.0
    d.keys(ann, 1, [(TEXT, 1900)])
    d.at(40.0)
    assert FLAG_PASTED in d.last(ann, "RACE_STANDINGS")["standings"][0]["flags"]


def test_a_short_text_typed_by_a_program_is_flagged_on_the_standings() -> None:
    """A text under twenty characters, each key its own 0.1 ms after the last (a program,
    not a paste), is an inhuman burst: finishing first does not make it a clean win."""
    d = Driver("quick brown f")
    ann, _ = d.started("Ann", "Bob")
    d.now = 5.0
    d.keys(ann, 1, typed("quick brown f", start=1900, step=0.1))
    d.at(40.0)
    first = d.last(ann, "RACE_STANDINGS")["standings"][0]
    assert first["id"] == ann and FLAG_BURST in first["flags"]


def test_false_start_is_refused_without_losing_the_batch() -> None:
    """Keys during the countdown are NOT_RACING and not consumed; sent again later they count."""
    d = Driver()
    ann = d.join("Ann")
    d.call("start", ann)
    d.now = 2.0
    error = error_of(lambda: d.room.input(ann, 1, typed("the"), d.now))
    assert error.code == ErrorCode.NOT_RACING and error.extra == {"ack": 0}
    d.now = 3.5
    d.keys(ann, 1, typed("the"))
    assert d.last(ann, "RACE_METRICS")["ack"] == 1


def test_batches_are_numbered_and_timed_like_solo_input() -> None:
    """A gap is SEQ_GAP with the ack; a key ahead of the server's clock is BAD_TIMESTAMP."""
    d = Driver()
    ann, _ = d.started("Ann", "Bob")
    d.now = 3.5
    gap = error_of(lambda: d.room.input(ann, 2, typed("t"), d.now))
    assert gap.code == ErrorCode.SEQ_GAP and gap.extra == {"ack": 0}
    ahead = error_of(lambda: d.room.input(ann, 1, [("t", 2500.0)], d.now))
    assert ahead.code == ErrorCode.BAD_TIMESTAMP and ahead.extra["ack"] == 1
    back = error_of(lambda: d.room.input(ann, 2, [("t", 300.0), ("h", 200.0)], d.now))
    assert back.code == ErrorCode.BAD_TIMESTAMP


def test_empty_rooms_expire() -> None:
    """A room expires when nobody is in it: all left, or all dropped and the grace passed."""
    d = Driver()
    assert d.room.expired(0.0)  # created, nobody joined yet
    ann = d.join("Ann")
    bob = d.join("Bob")
    d.call("leave", bob)
    assert not d.room.expired(d.now)
    d.drop(ann)
    assert not d.room.expired(29.9)
    assert d.room.expired(30.0)


def test_codes_are_short_and_unambiguous() -> None:
    """Codes are 4 letters without look-alikes, reproducible from the seed, typed in any case."""
    assert not set("ILOUV0123456789") & set(CODE_ALPHABET)
    first = InMemoryRooms(random.Random(1)).new_code()
    assert first == InMemoryRooms(random.Random(1)).new_code()
    assert len(first) == 4 and set(first) <= set(CODE_ALPHABET)
    assert normalize_code(f" {first.lower()} ") == first
    assert normalize_code("AB1D") is None and normalize_code("ABC") is None


def test_a_crowded_registry_grows_its_codes() -> None:
    """When short codes keep colliding, the registry hands out longer ones."""
    registry = InMemoryRooms(random.Random(3))
    codes = set()
    for _ in range(300):
        code = registry.new_code()
        assert code not in codes
        codes.add(code)
        registry.add(Room(code, lambda: RaceText(TEXT, config_for("custom"), "custom"), 0.0))
    assert len(registry) == 300
