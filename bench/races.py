"""Cost of races in the sans-I/O handler: per key, per tick, and frames out, without sockets.

Usage: python bench/races.py [--rooms 100] [--racers 10] [--seconds 10] [--repeat 3]
       python bench/races.py --instructions [--rooms 20] [--keys 20]

``--rooms`` rooms of ``--racers`` racers each race on a long custom text; every
racer types at 100 WPM (a one-key ``RACE_INPUT`` frame every 120 ms), the
keys of all racers interleaved in time, and ``SessionHandler.tick`` runs every
100 ms of that (simulated) time, as ``bartype serve`` calls it. Every message
the handler queues is encoded, as the server would before sending it.

Solo, race and keybr rounds alternate ``--repeat`` times (fresh handlers each), so
that a busy machine disturbs them alike. Every figure is CPU time of this
process (``time.process_time``), not the wall clock, which a shared machine fills
with other processes' work. The collector runs as ``bartype serve`` sets it.
Reported, for ``--seconds`` of racing a round:

* µs per key (median of the rounds): one ``RACE_INPUT`` frame through
  ``SessionHandler.receive_text_direct`` (what the server calls for every
  frame) and everything it queued encoded; the baseline, in the same run, is
  the same keys as solo ``INPUT_UPDATE`` frames through the same call, each
  typist from an address of its own (as over sockets: one address may hold 400
  sessions);
* the ticks: median and p99 ms per ``tick`` (the progress of every room
  computed, encoded and queued for every member), and how late the ticks'
  lane updates would leave one core that also handles every key at its time
  (a queue: each key and tick starts when the core is free and takes what it
  took here), p50 and p99;
* frames out per second, against racers × 10 Hz (one lane update per member
  per tick at most, whatever the typing rate);
* keybr's design, measured the same way: after every key the whole race
  (``RACE_PROGRESS``, every racer) goes to every member of the room. Its lane
  frames out per second, and the CPU per key of both designs, ticks included.

Timed per key, the race ÷ solo ratio of one tree moved from 1.1 to 1.5 between runs on
2 December, so ``--instructions`` counts instead: valgrind's instructions for ``--keys``
keys of every racer (or solo typist, ``--rooms`` × ``--racers`` of them) through
``receive_text_direct`` and the encoding of what it queued, no ticks, with collection
on only inside the ``functools.reduce`` over them. Needs ``valgrind``.

With ``--find-limit`` it looks for how many racers one core holds (rooms of
``--racers``): race rounds of ``--seconds`` with twice as many racers each time
until the ticks' lateness p99 passes ``--limit-ms`` (50), then halving the step
between the last round under it and the first over it, ``--steps`` times. Each
round prints its racers, tick median and p99, lateness p99, and the solo
per-key cost of the same moment (the machine's speed then, to compare runs).

With ``--slow-readers N`` it runs over sockets instead: a real ``bartype serve``
and ``--rooms`` rooms of ``--racers`` racers, one typing at 100 WPM, the others
reading everything; in every room of the second round, ``N`` of those racers
also type but read one message every half second (the server sends 10 to 20
a second), behind a 4 KiB receive buffer. The first round (no
slow reader) is the baseline. Reported per round: how late the honest racers'
lane updates arrive (arrival against the server's clock at the tick, one
machine: one monotonic clock), p50 and p99; the server's peak memory; and for
the slow readers, whether they are still connected, then (reading all at last)
how many lane updates they got against an honest racer's, and whether their
last lanes are the honest racers' last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import socket
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callgrind import reduce_instructions

from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Outgoing
from bartype.protocol.rooms import Room
from bartype.protocol.textgen import LibraryTexts
from bartype.server.serve import GC_THRESHOLD
from bartype.storage.corpus import TextLibrary, default_texts_root

INTERVAL_MS = 120.0
"""100 WPM: one key every 120 ms."""
TICK_S = 0.1
TEXT = " ".join(["the quick brown fox jumps over the lazy dog"] * 60)


def drain(handler: SessionHandler) -> int:
    """Encode every queued message, as the server does; return how many."""
    sent = 0
    for _, actions in handler.pending():
        for action in actions:
            if isinstance(action, Outgoing):
                encode(action)
                sent += 1
    return sent


def frame(type_: str, seq: int, key: str, t: float) -> str:
    data = {"seq": seq, "keys": [{"key": key, "t": t}]}
    return json.dumps({"type": type_, "data": data}, separators=(",", ":"))


def new_handler() -> SessionHandler:
    return SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        None,
        config=HandlerConfig(future_tolerance_ms=None),
    )


def race_setup(rooms: int, racers: int) -> tuple[SessionHandler, list[Channel]]:
    """Rooms created, joined and started; the clock at their start (each channel's room
    in ``ROOM_OF``)."""
    handler = new_handler()
    channels: list[Channel] = []
    options = {"mode": "custom", "text": TEXT}
    for r in range(rooms):
        host = handler.open(0.0)
        create = {"name": "p0", "options": options, "countdownS": 0}
        handler.receive_text(host, json.dumps({"type": "CREATE_ROOM", "data": create}), 0.0)
        joined = [a for c, acts in handler.pending() if c is host for a in acts]
        code = next(a.data["code"] for a in joined if isinstance(a, Outgoing))
        channels.append(host)
        for i in range(1, racers):
            channel = handler.open(0.0)
            join = {"code": code, "name": f"p{i}"}
            handler.receive_text(channel, json.dumps({"type": "JOIN_ROOM", "data": join}), 0.0)
            channels.append(channel)
        handler.receive_text(host, '{"type":"START_RACE"}', 0.0)
        assert r + 1 == handler.races.open_rooms
        room = handler.races.registry.get(code)
        assert room is not None
        for channel in channels[-racers:]:
            ROOM_OF[channel] = room
    handler.tick(0.0)
    drain(handler)
    return handler, channels


ROOM_OF: dict[Channel, Room] = {}
"""The room of each racer's channel, for the keybr round."""


def solo_setup(typists: int) -> tuple[SessionHandler, list[Channel]]:
    handler = new_handler()
    channels = []
    create = json.dumps({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": TEXT}})
    for i in range(typists):
        # Each typist from its own address, as over sockets: one address may hold 400
        # sessions and 1,000,000 characters of text, beyond which CREATE_SESSION is refused.
        channel = handler.open(0.0, peer=f"typist-{i}")
        handler.receive_text(channel, create, 0.0)
        handler.receive_text(channel, '{"type":"START_SESSION"}', 0.0)
        channels.append(channel)
    drain(handler)
    return handler, channels


@dataclass
class Round:
    """What one round measured (CPU time)."""

    key_us: float
    """Per key: its frame handled and everything it made sent."""
    tick_ms: list[float]
    late_ms: list[float]
    """How late each tick's lane updates would go out of one core: from the tick's time to
    the end of its work, after the keys that came before it (each at its own time)."""
    sent: int
    """Frames out, replies included."""
    keys: int
    cpu_s: float
    """Keys and ticks."""


def run(
    handler: SessionHandler,
    channels: list[Channel],
    type_: str,
    seconds: float,
    ticks: bool,
    *,
    keybr: bool = False,
) -> Round:
    """Type for ``seconds``, ticking every 100 ms if ``ticks``.

    With ``keybr``, keybr's design: after every key the whole race (every
    racer's progress, ``RACE_PROGRESS``) is sent to every member of the room.
    CPU time of this process, not the wall clock: on a shared machine the
    other processes' share of the cores would otherwise be counted as ours.
    """
    keys = int(seconds * 1000 / INTERVAL_MS)
    per_key_s = INTERVAL_MS / 1000 / len(channels)
    key_time = 0.0
    tick_times: list[float] = []
    late: list[float] = []
    sent = 0
    unanswered = 0
    now = 0.0
    next_tick = TICK_S
    busy = 0.0
    """When the one core would be done with what came so far (each key at its time)."""
    clock = time.process_time
    receive = handler.receive_text_direct  # what the server calls for every text frame
    gc.collect()
    for k in range(keys):
        text = frame(type_, k + 1, TEXT[k % len(TEXT)], k * INTERVAL_MS)
        for channel in channels:
            start = clock()
            answers = (receive(channel, text, now) is not None) + drain(handler)
            if keybr:
                room = ROOM_OF[channel]
                room.broadcast_progress(now)
                handler.races.deliver(room)
                answers += drain(handler)
            took = clock() - start
            key_time += took
            busy = max(busy, now) + took
            sent += answers
            unanswered += not answers
            now += per_key_s
            if ticks and now >= next_tick:
                start = clock()
                handler.tick(now)
                sent += drain(handler)
                took = clock() - start
                tick_times.append(took * 1000)
                busy = max(busy, next_tick) + took
                late.append((busy - next_tick) * 1000)
                next_tick += TICK_S
    if unanswered:
        raise SystemExit(f"{unanswered} of {keys * len(channels)} {type_} frames went unanswered")
    typed = keys * len(channels)
    cpu_s = key_time + sum(tick_times) / 1000
    return Round(key_time / typed * 1e6, tick_times, late, sent, typed, cpu_s)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


def server_gc() -> None:
    """The collector as ``bartype serve`` sets it: what is there at start frozen, rarer passes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 100)


def main() -> None:
    server_gc()
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--racers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--slow-readers", type=int, default=0, metavar="N", help="over sockets, N a room"
    )
    parser.add_argument("--find-limit", action="store_true", help="racers per core, see above")
    parser.add_argument("--limit-ms", type=float, default=50.0)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count, do not time")
    parser.add_argument("--keys", type=int, default=20, help="keys a racer, counted")
    parser.add_argument("--child", choices=("solo", "race"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        counted_child(args.child, args.rooms, args.racers, args.keys)
        return
    if args.instructions:
        instructions_main(args)
        return
    if args.find_limit:
        limit_main(args)
        return
    if args.slow_readers:
        slow_main(args)
        return
    races_main(args)


def counted_child(design: str, rooms: int, racers: int, keys: int) -> None:
    """The measured process: ``keys`` keys of every racer (or solo typist) through the
    handler and the encoding of its answers, inside ``functools.reduce`` (all that is
    counted)."""
    if design == "solo":
        handler, channels = solo_setup(rooms * racers)
        type_ = "INPUT_UPDATE"
    else:
        handler, channels = race_setup(rooms, racers)
        type_ = "RACE_INPUT"
    per_key_s = INTERVAL_MS / 1000 / len(channels)
    work: list[tuple[Channel, str, float]] = []
    for k in range(keys):
        text = frame(type_, k + 1, TEXT[k % len(TEXT)], k * INTERVAL_MS)
        work += [(c, text, (k * len(channels) + i) * per_key_s) for i, c in enumerate(channels)]
    receive = handler.receive_text_direct
    gc.collect()
    functools.reduce(lambda _, w: (receive(*w), drain(handler)), work, None)


def instructions_main(args: argparse.Namespace) -> None:
    """Instructions per key, solo and race, each counted in its own process."""
    per_key: dict[str, float] = {}
    typed = args.rooms * args.racers * args.keys
    sizes = ("--rooms", str(args.rooms), "--racers", str(args.racers), "--keys", str(args.keys))
    for design in ("solo", "race"):
        per_key[design] = reduce_instructions(__file__, "--child", design, *sizes) / typed
    print(f"{args.rooms} rooms x {args.racers} racers, {args.keys} keys each (instructions)")
    print(
        f"  per key: race {per_key['race']:,.0f}, solo {per_key['solo']:,.0f}: "
        f"{per_key['race'] / per_key['solo']:.2f}x"
    )


def races_main(args: argparse.Namespace) -> None:
    """Solo, our races and keybr's design, alternating: per key, ticks, frames out."""
    racers = args.rooms * args.racers
    rounds: dict[str, list[Round]] = {"solo": [], "race": [], "keybr": []}
    for _ in range(args.repeat):
        solo, solo_channels = solo_setup(racers)
        rounds["solo"].append(run(solo, solo_channels, "INPUT_UPDATE", args.seconds, False))
        del solo, solo_channels
        for design in ("race", "keybr"):
            ROOM_OF.clear()
            race, channels = race_setup(args.rooms, args.racers)
            keybr = design == "keybr"
            rounds[design].append(
                run(race, channels, "RACE_INPUT", args.seconds, True, keybr=keybr)
            )
            del race, channels
    ROOM_OF.clear()
    seconds = args.seconds * args.repeat

    def key_us(design: str) -> float:
        return statistics.median(r.key_us for r in rounds[design])

    def cpu_per_key(design: str) -> float:
        return statistics.median(r.cpu_s / r.keys * 1e6 for r in rounds[design])

    def lanes_per_s(design: str) -> float:
        return sum(r.sent - r.keys for r in rounds[design]) / seconds

    ticks = [t for r in rounds["race"] for t in r.tick_ms]
    late = [t for r in rounds["race"] for t in r.late_ms]
    race_key, solo_key = key_us("race"), key_us("solo")
    print(
        f"{args.rooms} rooms x {args.racers} racers at 100 WPM, {args.repeat} x {args.seconds:g} s"
        " (CPU time)"
    )
    print(f"  per key: race {race_key:.1f} us, solo {solo_key:.1f} us: {race_key / solo_key:.2f}x")
    print(
        f"  tick: median {statistics.median(ticks):.2f} ms, p99 {p99(ticks):.2f} ms "
        f"({len(ticks)} ticks); late on one core by p50 {statistics.median(late):.2f} ms, "
        f"p99 {p99(late):.2f} ms"
    )
    ours, theirs = lanes_per_s("race"), lanes_per_s("keybr")
    keys_per_s = int(args.seconds * 1000 / INTERVAL_MS) / args.seconds
    print(
        f"  lane frames out: {ours:,.0f}/s for racers x 10 Hz = {racers * 10:,}/s "
        f"({ours / (racers * 10):.2f}x)"
    )
    print("  keybr's design (the whole race to every member on every key), same run:")
    print(
        f"    lane frames out: {theirs:,.0f}/s, {theirs / ours:.1f}x ours "
        f"(racers x racers a room x keys/s = {racers * args.racers * keys_per_s:,.0f}/s)"
    )
    mine, keybr = cpu_per_key("race"), cpu_per_key("keybr")
    print(
        f"    CPU per key, ticks included: ours {mine:.1f} us, keybr {keybr:.1f} us: "
        f"{keybr / mine:.2f}x ours; solo {cpu_per_key('solo'):.1f} us"
    )


# -- over sockets, with slow readers ---------------------------------------------


@dataclass(eq=False)
class SocketRoom:
    """One room over sockets: its host (who types), the honest readers, the never-readers."""

    code: str
    host: Any
    slow: list[tuple[Any, list[dict[str, Any]]]]
    """Each slow reader and the lane updates it read."""
    starts_ms: float = 0.0
    lanes: list[dict[str, Any]] = field(default_factory=list)
    """Every lane update the host got."""


async def read_lanes(ws: Any, room: SocketRoom, keep: list[Any], delays: list[float]) -> None:
    """Read everything; keep each lane update, and how late it came (ms) in ``delays``."""
    with contextlib.suppress(Exception):
        async for text in ws:
            now = time.monotonic() * 1000
            message = json.loads(text)
            if message["type"] == "RACE_PROGRESS":
                keep.append(message["data"])
                delays.append(now - room.starts_ms - message["data"]["elapsedMs"])


async def read_slowly(ws: Any, keep: list[dict[str, Any]]) -> None:
    """One message every half second (the server sends 10 to 20 a second)."""
    with contextlib.suppress(Exception):
        while True:
            await asyncio.sleep(0.5)
            message = json.loads(await ws.recv())
            if message["type"] == "RACE_PROGRESS":
                keep.append(message["data"])


async def open_room(
    member: Callable[..., Awaitable[Any]], port: int, racers: int, slow: int
) -> tuple[SocketRoom, list[Any]]:
    """A room made by its host, joined by ``racers - 1`` members (the last ``slow`` of them
    on sockets with a tiny receive buffer); the honest members are returned with it."""
    host = await member()
    create = {"name": "p0", "options": {"mode": "custom", "text": TEXT}, "countdownS": 1}
    await host.send(json.dumps({"type": "CREATE_ROOM", "data": create}))
    room = SocketRoom(json.loads(await host.recv())["data"]["code"], host, [])
    honest = []
    for i in range(1, racers):
        if i >= racers - slow:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", port))
            sock.setblocking(False)
            ws = await member(sock=sock, max_queue=1)
            room.slow.append((ws, []))
        else:
            ws = await member()
            honest.append(ws)
        join = {"code": room.code, "name": f"p{i}"}
        await ws.send(json.dumps({"type": "JOIN_ROOM", "data": join}))
    return room, honest


async def start_race(room: SocketRoom) -> None:
    """The host starts the race; the room learns when it starts (``RACE_COUNTDOWN``)."""
    await room.host.send('{"type":"START_RACE"}')
    while (message := json.loads(await room.host.recv()))["type"] != "RACE_COUNTDOWN":
        pass
    room.starts_ms = float(message["data"]["startsAt"])


async def slow_readers_caught_up(made: list[SocketRoom]) -> tuple[list[float], int]:
    """Each slow reader reads all it was sent, at last: the share of the lane updates it
    got, and how many end on their room's last update."""
    shares: list[float] = []
    same_last = 0
    for room in made:
        for ws, mine in room.slow:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(30):
                    while not mine or mine[-1]["tick"] < room.lanes[-1]["tick"]:
                        message = json.loads(await ws.recv())
                        if message["type"] == "RACE_PROGRESS":
                            mine.append(message["data"])
            shares.append(len(mine) / max(1, len(room.lanes)))
            same_last += bool(mine) and mine[-1] == room.lanes[-1]
    return shares, same_last


async def socket_round(
    url: str, pid: int, rooms: int, racers: int, slow: int, seconds: float
) -> dict[str, Any]:
    """One round of ``rooms`` rooms over ``url``; ``slow`` never-readers in each."""
    from hostile import percentile, rss_mb
    from websockets.asyncio.client import connect

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    delays: list[float] = []
    tasks: list[asyncio.Task[None]] = []
    made: list[SocketRoom] = []
    peak = 0.0

    async with contextlib.AsyncExitStack() as stack:

        async def member(**kwargs: Any) -> Any:
            ws = await stack.enter_async_context(connect(url, compression=None, **kwargs))
            await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
            await ws.recv()
            return ws

        for _ in range(rooms):
            room, honest = await open_room(member, port, racers, slow)
            tasks += [asyncio.create_task(read_lanes(ws, room, [], delays)) for ws in honest]
            tasks += [asyncio.create_task(read_slowly(ws, got)) for ws, got in room.slow]
            await start_race(room)
            tasks.append(asyncio.create_task(read_lanes(room.host, room, room.lanes, delays)))
            made.append(room)
        await asyncio.sleep(1.2)  # the last countdown
        begin = time.monotonic()
        for k in range(int(seconds * 1000 / INTERVAL_MS)):
            await asyncio.sleep(max(0.0, begin + k * INTERVAL_MS / 1000 - time.monotonic()))
            peak = max(peak, rss_mb(pid)) if k % 2 == 0 else peak
            for room in made:
                key = {
                    "key": TEXT[k % len(TEXT)],
                    "t": round(time.monotonic() * 1000 - room.starts_ms, 1),
                }
                batch = json.dumps({"type": "RACE_INPUT", "data": {"seq": k + 1, "keys": [key]}})
                for ws in (room.host, *(ws for ws, _ in room.slow)):
                    with contextlib.suppress(Exception):  # closed: counted below
                        await ws.send(batch)
        for room in made:  # the last tick, and the host's reader caught up with it
            seen = -1
            while seen != len(room.lanes):
                seen = len(room.lanes)
                await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        never = [ws for room in made for ws, _ in room.slow]
        still_open = sum(1 for ws in never if ws.close_code is None)
        shares, same_last = await slow_readers_caught_up(made)
    return {
        "p50": percentile(delays, 50),
        "p99": percentile(delays, 99),
        "updates": len(delays),
        "rss": peak,
        "slow": len(never),
        "open": still_open,
        "share": statistics.mean(shares) if shares else 0.0,
        "same_last": same_last,
    }


def limit_round(rooms: int, racers: int, seconds: float) -> tuple[float, float, float, float]:
    """One race round and a solo one as large: (tick median and p99 ms, lateness p99 ms,
    solo µs/key)."""
    solo, solo_channels = solo_setup(rooms * racers)
    solo_us = run(solo, solo_channels, "INPUT_UPDATE", min(seconds, 2.0), False).key_us
    del solo, solo_channels
    ROOM_OF.clear()
    race, channels = race_setup(rooms, racers)
    measured = run(race, channels, "RACE_INPUT", seconds, True)
    del race, channels
    ROOM_OF.clear()
    ticks = measured.tick_ms
    return statistics.median(ticks), p99(ticks), p99(measured.late_ms), solo_us


def limit_main(args: argparse.Namespace) -> None:
    """Racers per core until the ticks' lateness p99 passes ``--limit-ms``."""
    per_room = args.racers
    under, over = 0, 0
    rooms = max(1, args.rooms // 8)
    print(f"rooms of {per_room} racers at 100 WPM, {args.seconds:g} s a round (CPU time):")

    def measure(rooms: int) -> bool:
        median, tick_p99, late_p99, solo_us = limit_round(rooms, per_room, args.seconds)
        ok = late_p99 <= args.limit_ms
        print(
            f"  {rooms * per_room:>6,} racers: tick median {median:6.1f} ms, p99 {tick_p99:6.1f} "
            f"ms; late p99 {late_p99:7.1f} ms ({'under' if ok else 'over'} {args.limit_ms:g}); "
            f"solo {solo_us:.1f} us/key"
        )
        return ok

    while measure(rooms):
        under, rooms = rooms, rooms * 2
    over = rooms
    for _ in range(args.steps):
        if over - under <= 1:
            break
        middle = (under + over) // 2
        if measure(middle):
            under = middle
        else:
            over = middle
    print(
        f"  one core holds {under * per_room:,} racers (lateness p99 over {args.limit_ms:g} ms "
        f"at {over * per_room:,})"
    )


def slow_main(args: argparse.Namespace) -> None:
    from hostile import start_server, stop_server

    for slow in (0, args.slow_readers):
        with tempfile.TemporaryDirectory() as tmp:
            proc, port = start_server(Path(tmp) / "db.sqlite3", Path(tmp) / "log.txt")
            try:
                url = f"ws://127.0.0.1:{port}/ws"
                r = asyncio.run(
                    socket_round(url, proc.pid, args.rooms, args.racers, slow, args.seconds)
                )
            finally:
                stop_server(proc)
        print(
            f"{args.rooms} rooms x {args.racers} racers, {slow} slow-reading racers a room, "
            f"{args.seconds:g} s:"
        )
        print(
            f"  honest lane updates late by p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms "
            f"({r['updates']:,} updates); server peak {r['rss']:.0f} MB"
        )
        if slow:
            print(
                f"  slow readers still connected: {r['open']}/{r['slow']}; reading all at last, "
                f"they got {r['share']:.2f}x an honest racer's lane updates, "
                f"{r['same_last']}/{r['slow']} ending on the same last lanes"
            )


if __name__ == "__main__":
    main()
