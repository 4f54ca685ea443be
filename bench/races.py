"""Cost of races in the sans-I/O handler: per key, per tick, and frames out, without sockets.

Usage: python bench/races.py [--rooms 100] [--racers 10] [--seconds 10] [--repeat 3]

``--rooms`` rooms of ``--racers`` racers each race on a long custom text; every
racer types at 100 WPM (a one-key ``RACE_INPUT`` frame every 120 ms), the
keys of all racers interleaved in time, and ``SessionHandler.tick`` runs every
100 ms of that (simulated) time, as ``bartype serve`` calls it. Every message
the handler queues is encoded, as the server would before sending it.

Solo and race rounds alternate ``--repeat`` times (fresh handlers each), so that
a busy machine disturbs both alike. Reported, for ``--seconds`` of racing a round:

* µs per key (median of the rounds): one ``RACE_INPUT`` frame handled and its
  reply encoded;
  the baseline, in the same run, is the same keys as solo ``INPUT_UPDATE``
  frames through ``receive_text`` (the same decoding path) with their
  ``METRICS_UPDATE`` encoded;
* the ticks: median and p99 ms per ``tick`` (the progress of every room
  computed, encoded and queued for every member);
* frames out per second, against racers × 10 Hz (one lane update per member
  per tick at most, whatever the typing rate).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

from bartype.protocol.codec import encode
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.messages import Outgoing
from bartype.protocol.textgen import LibraryTexts
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
    """Rooms created, joined and started; the clock at their start."""
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
    handler.tick(0.0)
    drain(handler)
    return handler, channels


def solo_setup(typists: int) -> tuple[SessionHandler, list[Channel]]:
    handler = new_handler()
    channels = []
    create = json.dumps({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": TEXT}})
    for _ in range(typists):
        channel = handler.open(0.0)
        handler.receive_text(channel, create, 0.0)
        handler.receive_text(channel, '{"type":"START_SESSION"}', 0.0)
        channels.append(channel)
    drain(handler)
    return handler, channels


def run(
    handler: SessionHandler, channels: list[Channel], type_: str, seconds: float, ticks: bool
) -> tuple[float, list[float], int]:
    """Type for ``seconds``; (µs per key, ms per tick, frames out)."""
    keys = int(seconds * 1000 / INTERVAL_MS)
    per_key_s = INTERVAL_MS / 1000 / len(channels)
    key_time = 0.0
    tick_times: list[float] = []
    sent = 0
    now = 0.0
    next_tick = TICK_S
    gc.collect()
    for k in range(keys):
        t = k * INTERVAL_MS
        ch = TEXT[k % len(TEXT)]
        for channel in channels:
            text = frame(type_, k + 1, ch, t)
            start = time.perf_counter()
            handler.receive_text(channel, text, now)
            sent += drain(handler)
            key_time += time.perf_counter() - start
            now += per_key_s
            if ticks and now >= next_tick:
                start = time.perf_counter()
                handler.tick(now)
                sent += drain(handler)
                tick_times.append((time.perf_counter() - start) * 1000)
                next_tick += TICK_S
    return key_time / (keys * len(channels)) * 1e6, tick_times, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--racers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    racers = args.rooms * args.racers
    solo_us: list[float] = []
    race_us: list[float] = []
    ticks: list[float] = []
    sent = 0
    for _ in range(args.repeat):
        solo, solo_channels = solo_setup(racers)
        solo_us.append(run(solo, solo_channels, "INPUT_UPDATE", args.seconds, ticks=False)[0])
        del solo, solo_channels
        race, race_channels = race_setup(args.rooms, args.racers)
        us, round_ticks, round_sent = run(race, race_channels, "RACE_INPUT", args.seconds, True)
        del race, race_channels
        race_us.append(us)
        ticks += round_ticks
        sent += round_sent
    replies = racers * int(args.seconds * 1000 / INTERVAL_MS) * args.repeat
    lanes_per_s = (sent - replies) / (args.seconds * args.repeat)
    p99 = statistics.quantiles(ticks, n=100)[98] if len(ticks) >= 100 else max(ticks)
    race_key, solo_key = statistics.median(race_us), statistics.median(solo_us)
    print(
        f"{args.rooms} rooms x {args.racers} racers at 100 WPM, {args.repeat} x {args.seconds:g} s"
    )
    print(f"  per key: race {race_key:.1f} us, solo {solo_key:.1f} us: {race_key / solo_key:.2f}x")
    print(
        f"  tick: median {statistics.median(ticks):.2f} ms, p99 {p99:.2f} ms ({len(ticks)} ticks)"
    )
    print(
        f"  lane frames out: {lanes_per_s:,.0f}/s for racers x 10 Hz = {racers * 10:,}/s "
        f"({lanes_per_s / (racers * 10):.2f}x)"
    )


if __name__ == "__main__":
    main()
