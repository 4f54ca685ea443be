"""Live fuzzer: hostile frames against a real ``bartype serve`` on 127.0.0.1.

Usage::

    python bench/fuzz.py                       # 10,000 frames over 10 connections
    python bench/fuzz.py --frames 20000 --connections 20 --seed 3

It first runs an honest typist on the idle server and keeps its result; then
sends ``--frames`` hostile frames (invalid JSON and UTF-8, lone surrogates,
wrong shapes and types, huge numbers, NaN, deep nesting, 1 MB strings, binary
frames, out-of-order and replayed messages) over several connections, each
paced under the rate limit, while the honest typist types again. It reports:

- the server's exceptions (lines of its log reporting one);
- per frame class, how the frames were answered (a message type, an ``ERROR``
  code, a close code) and how many answers are not in docs/protocol.md;
- whether the honest typist got the same result as on the idle server.

A frame that gets no answer within 3 s is counted as ``none``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from hostile import (
    HonestTypist,
    documented_codes,
    server_exceptions,
    start_server,
    stop_server,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

Frame = str | bytes
"""A text frame, or bytes: sent as a binary frame unless marked as raw UTF-8 (``RawText``)."""


class RawText(bytes):
    """Bytes sent as a text frame, unchecked: how invalid UTF-8 reaches the server."""


def _j(obj: object) -> str:
    return json.dumps(obj)


def invalid_json(r: random.Random) -> Frame:
    return r.choice(
        ["{", "}", "[1,", '{"type":', "nul", "{'type':'HELLO'}", '{"type":"HELLO",}', "\x00"]
        + ["".join(chr(r.randrange(32, 127)) for _ in range(r.randrange(1, 40)))]
    )


def invalid_utf8(r: random.Random) -> Frame:
    return RawText(r.choice([b"\xff\xfe", b'{"type":"\xc3"}', b"\xed\xa0\x80", b"\x80abc"]))


def surrogates(r: random.Random) -> Frame:
    s = r.choice(["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d"])
    return r.choice(
        [
            '{"type":"HELLO","data":{"version":1,"client":"$"}}'.replace("$", s),
            '{"type":"CREATE_SESSION","data":{"mode":"custom","text":"ab$cd"}}'.replace("$", s),
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"$","t":0}]}}'.replace("$", s),
            '{"type":"$","data":{}}'.replace("$", s),
            '{"type":"HELLO","data":{"$":1}}'.replace("$", s),
        ]
    )


def wrong_shapes(r: random.Random) -> Frame:
    return _j(
        r.choice(
            [
                [],
                "HELLO",
                {"type": 1},
                {"type": "HELLO", "data": []},
                {"type": "HELLO", "data": {"version": "1"}},
                {"type": "CREATE_SESSION", "data": {"mode": 5}},
                {"type": "CREATE_SESSION", "data": {"mode": "time", "duration": "30"}},
                {"type": "INPUT_UPDATE", "data": {"seq": "1", "keys": {}}},
                {"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [["a", 1]]}},
                {"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": 1, "t": "x"}]}},
                {"type": "END_SESSION", "data": {"t": [1]}},
                {"type": "HELLO", "data": {"version": 1}, "extra": True},
                {"type": "NOPE", "data": {}},
            ]
        )
    )


def huge_numbers(r: random.Random) -> Frame:
    n = r.choice(["1e400", "-1e400", str(10**40), "123456789012345678901234567890.5", "1e-400"])
    return r.choice(
        [
            '{"type":"HELLO","data":{"version":$}}'.replace("$", n),
            '{"type":"INPUT_UPDATE","data":{"seq":$,"keys":[{"key":"a","t":0}]}}'.replace("$", n),
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":$}]}}'.replace("$", n),
            '{"type":"CREATE_SESSION","data":{"mode":"words","words":$,"seed":$}}'.replace("$", n),
            '{"type":"END_SESSION","data":{"t":$}}'.replace("$", n),
        ]
    )


def nan(r: random.Random) -> Frame:
    v = r.choice(["NaN", "Infinity", "-Infinity"])
    return r.choice(
        [
            '{"type":"HELLO","data":{"version":$}}'.replace("$", v),
            '{"type":"INPUT_UPDATE","data":{"seq":1,"keys":[{"key":"a","t":$}]}}'.replace("$", v),
            '{"type":"CREATE_SESSION","data":{"mode":"time","duration":$}}'.replace("$", v),
            '{"type":"END_SESSION","data":{"t":$}}'.replace("$", v),
        ]
    )


def deep_nesting(r: random.Random) -> Frame:
    depth = r.choice([100, 1000, 5000, 30000])
    inner = "[" * depth + "]" * depth
    return r.choice([inner, '{"type":"HELLO","data":{"version":1,"client":$}}'.replace("$", inner)])


def big_strings(r: random.Random) -> Frame:
    size = r.choice([1_000_000, 60_000, 20_001])
    return r.choice(
        [
            _j({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": "x" * size}}),
            _j({"type": "HELLO", "data": {"version": 1, "client": "y" * size}}),
            _j({"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": "k" * size, "t": 0}]}}),
        ]
    )


def binary(r: random.Random) -> Frame:
    return bytes(r.randrange(256) for _ in range(r.randrange(1, 64)))


def out_of_order(r: random.Random) -> Frame:
    return _j(
        r.choice(
            [
                {"type": "START_SESSION"},
                {"type": "END_SESSION"},
                {"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": "a", "t": 0}]}},
                {"type": "INPUT_UPDATE", "data": {"seq": 9, "keys": [{"key": "a", "t": 0}]}},
                {"type": "INPUT_UPDATE", "data": {"seq": 2, "keys": [{"key": "a", "t": 5}]}},
                {"type": "INPUT_UPDATE", "data": {"input": "the qu"}},
                {"type": "CREATE_SESSION", "data": {"mode": "zen"}},
                {"type": "CREATE_SESSION", "data": {"mode": "custom", "text": "a b"}},
            ]
        )
    )


def replayed(r: random.Random) -> Frame:
    return _j(
        r.choice(
            [
                {"type": "HELLO", "data": {"version": 1}},
                {"type": "INPUT_UPDATE", "data": {"seq": 1, "keys": [{"key": "a", "t": 0}]}},
                {"type": "START_SESSION"},
                {"type": "END_SESSION", "data": {"t": 10}},
            ]
        )
    )


CLASSES: dict[str, Callable[[random.Random], Frame]] = {
    "invalid JSON": invalid_json,
    "invalid UTF-8": invalid_utf8,
    "lone surrogates": surrogates,
    "wrong shapes/types": wrong_shapes,
    "huge numbers": huge_numbers,
    "NaN/Infinity": nan,
    "deep nesting": deep_nesting,
    "big strings (to 1 MB)": big_strings,
    "binary frames": binary,
    "out of order": out_of_order,
    "replayed": replayed,
}


class Fuzzer:
    """One connection's worth of hostile frames, reconnecting whenever it is closed."""

    def __init__(self, url: str, rng: random.Random, rate: float) -> None:
        self.url = url
        self.rng = rng
        self.interval = 1 / rate
        self.answers: dict[str, Counter[str]] = defaultdict(Counter)

    async def _connect(self) -> ClientConnection:
        while True:
            try:
                return await connect(self.url, max_size=None, open_timeout=10)
            except (InvalidStatus, OSError, TimeoutError):
                await asyncio.sleep(0.2)

    async def run(self, frames: int) -> None:
        ws = await self._connect()
        for _ in range(frames):
            name = self.rng.choice(list(CLASSES))
            frame = CLASSES[name](self.rng)
            started = time.perf_counter()
            answer = await self._send(ws, frame)
            self.answers[name][answer] += 1
            if "close" in answer or answer == "none":
                await ws.close()
                ws = await self._connect()
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))
        await ws.close()

    async def _send(self, ws: ClientConnection, frame: Frame) -> str:
        try:
            if isinstance(frame, RawText):
                await ws.send(bytes(frame), text=True)
            else:
                await ws.send(frame)
            async with asyncio.timeout(3):
                reply = json.loads(await ws.recv())
        except ConnectionClosed:
            return f"close {ws.close_code}"
        except TimeoutError:
            return "none"
        # Drain what else the frame brought (an ERROR before a close, a SESSION_COMPLETE).
        answer = reply["type"] if reply["type"] != "ERROR" else reply["data"]["code"]
        wait = 1.0 if answer in CLOSING_ERRORS else 0.005
        try:
            while True:
                async with asyncio.timeout(wait):
                    await ws.recv()
        except TimeoutError:
            pass
        except ConnectionClosed:
            return f"{answer} + close {ws.close_code}"
        return answer


SERVER_TYPES = {
    "WELCOME",
    "SESSION_CREATED",
    "SESSION_STARTED",
    "SESSION_ATTACHED",
    "METRICS_UPDATE",
    "SESSION_COMPLETE",
}


CLOSING_ERRORS = {"SESSION_REQUIRED", "VERSION_MISMATCH", "RATE_LIMITED", "INVALID_SESSION"}
"""Errors a close follows: wait for it, so that it is not taken for the next frame's answer."""


def undocumented(answer: str, errors: set[str], closes: set[int]) -> bool:
    for part in answer.split(" + "):
        if part.startswith("close "):
            if part[6:] == "None" or int(part[6:]) not in closes:
                return True
        elif part not in errors and part not in SERVER_TYPES:
            return True
    return False


async def main_async(args: argparse.Namespace) -> int:
    errors, closes = documented_codes()
    tmp = Path(tempfile.mkdtemp(prefix="bartype-fuzz-"))
    log = tmp / "server.log"
    proc, port = start_server(tmp / "fuzz.sqlite3", log, "--log-level", "info")
    url = f"ws://127.0.0.1:{port}/ws"
    try:
        idle = HonestTypist(url)
        baseline = await idle.one_test()
        honest = HonestTypist(url)
        fuzzers = [
            Fuzzer(url, random.Random(args.seed * 1000 + i), args.rate)
            for i in range(args.connections)
        ]
        per = args.frames // args.connections
        started = time.perf_counter()
        fuzzing = asyncio.gather(*(f.run(per) for f in fuzzers))
        await asyncio.sleep(1.0)
        honest_done = asyncio.ensure_future(honest.one_test())
        await fuzzing
        during = await honest_done
        elapsed = time.perf_counter() - started
    finally:
        stop_server(proc)
    total: dict[str, Counter[str]] = defaultdict(Counter)
    for f in fuzzers:
        for name, counter in f.answers.items():
            total[name].update(counter)
    sent = sum(sum(c.values()) for c in total.values())
    bad = 0
    print(f"{sent} hostile frames over {args.connections} connections in {elapsed:.1f} s\n")
    print(f"{'class':<22} {'frames':>6}  answers")
    for name in CLASSES:
        counter = total[name]
        wrong = sum(n for a, n in counter.items() if undocumented(a, errors, closes))
        bad += wrong
        answers = ", ".join(f"{a} ×{n}" for a, n in counter.most_common())
        print(
            f"{name:<22} {sum(counter.values()):>6}  {answers}"
            + (f"  [{wrong} undocumented]" if wrong else "")
        )
    exceptions = server_exceptions(log)
    same = baseline is not None and during == baseline
    print(f"\nanswers not in docs/protocol.md: {bad}")
    print(f"server exceptions in its log: {len(exceptions)}")
    for line in exceptions[:10]:
        print("   ", line[:200])
    print(
        f"honest typist meanwhile: {'same result as on the idle server' if same else 'DIFFERENT'}"
    )
    if not same:
        print("    idle:", baseline, "\n    during:", during, honest.failures[:3])
    return 0 if bad == 0 and not exceptions and same else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--rate", type=float, default=40.0, help="frames/s per connection")
    parser.add_argument("--seed", type=int, default=1)
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
