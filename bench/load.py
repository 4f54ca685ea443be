"""Load test of ``bartype serve`` against a bare websockets echo server, in one run.

Usage::

    python bench/load.py --typists 1000 --wpm 100 --chars 300 --batch 1
    python bench/load.py --typists 1000 --chars 100,5000 --batch 1
    python bench/load.py --typists 1000 --client-batching    # the client's normal batching
    python bench/load.py --url ws://127.0.0.1:8801/ws --pid PID --url-is-echo   # a running echo

With ``--url`` it loads a server already running (under a profiler, or beside
others on the same core so that all of them are measured in the same minutes
of a shared machine: ``--url-is-echo`` when it is bench/echo_server.py).

For each case it starts a server process pinned to one core (``taskset``),
runs N simulated typists from this process pinned to another core, and
measures over a fixed window after a warm-up:

- keystrokes handled per second (acknowledged by the server);
- server CPU per keystroke and per frame (utime + stime from ``/proc/<pid>/stat``);
- the server's resident memory (RSS) at the end of the window;
- keystroke → reply latency p50/p99 (from the moment the key is typed, so
  batching delay is included) and the frame round trip.

Typists type at the given WPM with ±30 % jitter per key, each on its own
connection, starting at a random point of their text (the prefix is sent
during the warm-up), and start a new test when they reach the end. The echo
server (bench/echo_server.py) answers every frame with one small JSON message
and no logic: the ceiling for any server on this transport. The generator's
own CPU use is reported too: above ~85 % of its core it may be the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bartype.protocol.client import BATCH_SIZE, FLUSH_DELAY_S  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have "
    "from or one had by word but not what all were we when your can said there use an each "
    "which she do how their if will up other about out many then them these so some her would"
).split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (0 if unknown)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def make_text(chars: int, rng: random.Random) -> str:
    words: list[str] = []
    length = -1
    while length < chars:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:chars].strip()


@dataclass
class Stats:
    measuring: bool = False
    keys: int = 0
    frames: int = 0
    key_latency: list[float] = field(default_factory=list)
    rtt: list[float] = field(default_factory=list)
    errors: int = 0
    disconnects: int = 0
    tests_completed: int = 0


@dataclass
class Case:
    target: str  # "echo" or "server"
    typists: int
    wpm: float
    chars: int
    batch: int
    flush_ms: float
    loop: str = "asyncio"  # the server's event loop: "asyncio" or "uvloop"
    lean: bool = False  # HELLO {metricsMs: null}: INPUT_ACK per batch, no live figures


HELLO = '{"type":"HELLO","data":{"version":1}}'
HELLO_LEAN = '{"type":"HELLO","data":{"version":1,"metricsMs":null}}'
ACK_HEADS = ('{"type":"METRICS_UPDATE"', '{"type":"INPUT_ACK"', '{"type":"ACK"')
"""How a frame that acknowledges a batch starts: the server's two answers, the echo's."""


class Typist:
    """One simulated typist on its own connection."""

    def __init__(self, case: Case, rng: random.Random, stats: Stats, number: int = 0) -> None:
        self.case = case
        # Each typist from its own loopback address (127.0.x.y), as typists behind their
        # own links are: the server's per-address limits (sessions, bytes/s) then apply to
        # one typist each, not to the whole crowd.
        self.address = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.rng = rng
        self.stats = stats
        self.text = make_text(case.chars, rng)
        self.interval = 60.0 / (case.wpm * 5)
        self.protocol = case.target == "server"
        self.pending: deque[tuple[float, list[float]]] = deque()
        self.seq = 0
        self.start = 0.0
        self.started = asyncio.Event()

    async def new_test(self, ws: ClientConnection, fast_forward: bool, start: float = 0.0) -> int:
        """Create and start a session; return the position to type from."""
        self.seq = 0
        if self.protocol:
            # Key times count from SESSION_STARTED, as docs/protocol.md asks.
            self.started.clear()
            create = {"mode": "custom", "text": self.text}
            await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
            await ws.send('{"type":"START_SESSION"}')
            await self.started.wait()
            start = max(start, time.monotonic())
        self.start = start or time.monotonic()
        position = self.rng.randrange(len(self.text) // 2) if fast_forward else 0
        for i in range(0, position, 256):
            chunk = self.text[i : min(i + 256, position)]
            await self.send_keys(ws, [{"key": ch, "t": 0} for ch in chunk], [])
        return position

    async def send_keys(
        self, ws: ClientConnection, keys: list[dict[str, object]], times: list[float]
    ) -> None:
        self.seq += 1
        frame = json.dumps({"type": "INPUT_UPDATE", "data": {"seq": self.seq, "keys": keys}})
        self.pending.append((time.monotonic(), times))
        await ws.send(frame)

    async def read(self, ws: ClientConnection) -> None:
        stats = self.stats
        pending = self.pending
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                assert isinstance(message, str)
                head = message[:26]
                if head.startswith(ACK_HEADS):
                    if not pending:
                        continue
                    sent, times = pending.popleft()
                    if stats.measuring and times:
                        now = time.monotonic()
                        stats.frames += 1
                        stats.keys += len(times)
                        stats.rtt.append(now - sent)
                        stats.key_latency.extend(now - t for t in times)
                elif head.startswith('{"type":"SESSION_STARTED"'):
                    self.started.set()
                elif head.startswith('{"type":"SESSION_COMPLETE"'):
                    stats.tests_completed += 1
                elif head.startswith('{"type":"ERROR"'):
                    stats.errors += 1
                    if stats.errors < 5:
                        print("  server error:", message[:200], file=sys.stderr)

    async def connect(self, url: str) -> ClientConnection | None:
        """A connection from this typist's own address (``None``, counted, if refused)."""
        try:
            return await connect(
                url,
                compression=None,
                ping_interval=None,
                max_size=2**20,
                local_addr=(self.address, 0),
            )
        except OSError as exc:
            print("  connect failed:", exc, file=sys.stderr)
            self.stats.disconnects += 1
            return None

    async def greet(self, ws: ClientConnection) -> None:
        """``HELLO`` (lean, if the case asks for it) where the target speaks the protocol."""
        if self.protocol:
            await ws.send(HELLO_LEAN if self.case.lean else HELLO)

    async def next_test(
        self, ws: ClientConnection, keys: list[dict[str, object]], times: list[float], at: float
    ) -> tuple[int, float]:
        """The text is typed: send the keys held, start the next test at ``at`` (or once it
        has started); its position and when its first key is due."""
        if keys:
            await self.send_keys(ws, keys, times)
        position = await self.new_test(ws, fast_forward=False, start=at)
        return position, max(at, self.start)

    async def run(self, url: str, ramp_s: float, stop_at: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, ramp_s))
        ws = await self.connect(url)
        if ws is None:
            return
        reader = asyncio.get_running_loop().create_task(self.read(ws))
        try:
            await self.greet(ws)
            position = await self.new_test(ws, fast_forward=True)
            batch = self.case.batch
            flush_s = self.case.flush_ms / 1000
            keys: list[dict[str, object]] = []
            times: list[float] = []
            first_at = 0.0
            next_at = time.monotonic() + self.rng.uniform(0, self.interval)
            while True:
                now = time.monotonic()
                wake = next_at
                if keys and flush_s:
                    wake = min(wake, first_at + flush_s)
                if wake > now:
                    await asyncio.sleep(wake - now)
                now = time.monotonic()
                if now >= stop_at:
                    break
                if now >= next_at:
                    if position >= len(self.text):
                        position, next_at = await self.next_test(ws, keys, times, next_at)
                        keys, times = [], []
                    if not keys:
                        first_at = next_at
                    keys.append(
                        {"key": self.text[position], "t": round((next_at - self.start) * 1000, 1)}
                    )
                    times.append(next_at)
                    position += 1
                    next_at += self.interval * self.rng.uniform(0.7, 1.3)
                    if position >= len(self.text):  # the test is over: as the client, send now
                        await self.send_keys(ws, keys, times)
                        keys, times = [], []
                if keys and (len(keys) >= batch or (flush_s and now >= first_at + flush_s)):
                    await self.send_keys(ws, keys, times)
                    keys, times = [], []
        except ConnectionClosed:
            self.stats.disconnects += 1
        finally:
            await ws.close()
            reader.cancel()


async def drive(
    case: Case,
    url: str,
    pid: int,
    warmup: float,
    measure: float,
    window: Callable[[str], Awaitable[None]] | None = None,
) -> dict[str, float]:
    """Run the typists against ``url``; measure over ``measure`` seconds after ``warmup``.

    ``window`` (if given) is awaited with ``"start"`` just before the measured window
    and ``"stop"`` just after it (bench/load_callgrind.py zeroes and dumps its counts).
    """
    stats = Stats()
    rng = random.Random(1)
    start = time.monotonic()
    stop_at = start + warmup + measure
    typists = [
        Typist(case, random.Random(rng.random()), stats, number) for number in range(case.typists)
    ]
    tasks = [asyncio.create_task(t.run(url, warmup * 0.6, stop_at)) for t in typists]
    await asyncio.sleep(warmup)
    if window is not None:
        await window("start")
    stats.measuring = True
    cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.monotonic()
    await asyncio.sleep(measure)
    stats.measuring = False
    cpu1, own1, t1 = cpu_seconds(pid), time.process_time(), time.monotonic()
    if window is not None:
        await window("stop")
    rss = rss_mb(pid)
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = t1 - t0
    cpu = cpu1 - cpu0
    lat = sorted(stats.key_latency) or [0.0]
    rtt = sorted(stats.rtt) or [0.0]
    return {
        "keys": stats.keys,
        "frames": stats.frames,
        "keys_per_s": stats.keys / elapsed,
        "frames_per_s": stats.frames / elapsed,
        "keys_per_frame": stats.keys / max(stats.frames, 1),
        "server_cpu": cpu / elapsed,
        "cpu_us_per_key": cpu / max(stats.keys, 1) * 1e6,
        "cpu_us_per_frame": cpu / max(stats.frames, 1) * 1e6,
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[int(len(lat) * 0.99)] * 1000,
        "rtt_p50_ms": statistics.median(rtt) * 1000,
        "generator_cpu": (own1 - own0) / elapsed,
        "server_rss_mb": rss,
        "errors": stats.errors,
        "disconnects": stats.disconnects,
        "tests": stats.tests_completed,
    }


def stop_server(proc: subprocess.Popen[str], wait_s: float) -> None:
    """Stop a server as Ctrl+C would (SIGTERM); kill it if it has not ended in ``wait_s``."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_server(
    case: Case, core: int, db: Path, under: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], int]:
    """Start the case's server (``under`` a tool's command, if given) pinned to ``core``;
    the process and its port."""
    if case.target == "echo":
        cmd = [sys.executable, str(ROOT / "bench" / "echo_server.py"), "--port", "0"]
        cmd += ["--loop", case.loop]
    else:
        cmd = [
            sys.executable, "-m", "bartype", "serve", "--port", "0", "--db", str(db),
            "--log-level", "warning", "--max-connections", str(case.typists + 100),
            "--max-per-ip", str(case.typists + 100), "--loop", case.loop,
        ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    # From its own tree's directory: ``python -m`` puts the current directory on sys.path
    # before PYTHONPATH, so run from another tree it would serve that tree's code.
    proc = subprocess.Popen(
        ["taskset", "-c", str(core), *under, *cmd],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"ready (\d+)|ws://[^:]+:(\d+)/", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"the {case.target} server did not start: {line!r}")
    return proc, int(match.group(1) or match.group(2))


def run_case(case: Case, args: argparse.Namespace) -> dict[str, float]:
    if args.url:  # an already running server (e.g. under a profiler)
        return asyncio.run(drive(case, args.url, args.pid, args.warmup, args.measure))
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_server(case, args.server_core, Path(tmp) / "bench.sqlite3")
        try:
            url = f"ws://127.0.0.1:{port}/ws"
            return asyncio.run(drive(case, url, proc.pid, args.warmup, args.measure))
        finally:
            stop_server(proc, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description="Load test bartype serve against an echo server.")
    parser.add_argument("--typists", type=int, default=1000)
    parser.add_argument("--wpm", type=float, default=100.0)
    parser.add_argument("--chars", default="300", help="text length(s), comma-separated")
    parser.add_argument("--batch", type=int, default=1, help="max keys per frame")
    parser.add_argument("--flush-ms", type=float, default=0.0, help="send a partial batch after")
    parser.add_argument(
        "--client-batching",
        action="store_true",
        help=f"batch as SessionClient does: {BATCH_SIZE} keys or {FLUSH_DELAY_S * 1000:g} ms "
        "(overrides --batch and --flush-ms)",
    )
    parser.add_argument(
        "--lean",
        action="store_true",
        help="the typists say HELLO {metricsMs: null}, as bartype play does: each batch is "
        "answered by INPUT_ACK, not METRICS_UPDATE",
    )
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    parser.add_argument("--measure", type=float, default=15.0, help="seconds measured")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--no-echo", action="store_true", help="skip the echo baseline")
    parser.add_argument("--json", action="store_true", help="print results as JSON too")
    parser.add_argument("--url", help="load a running server instead (implies --no-echo)")
    parser.add_argument(
        "--url-is-echo",
        action="store_true",
        help="the --url server is bench/echo_server.py (to run it beside a server, in the "
        "same minutes, when the machine is shared)",
    )
    parser.add_argument("--pid", type=int, default=0, help="its process id, for CPU readings")
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="bartype serve's loop"
    )
    parser.add_argument(
        "--echo-loops",
        default="asyncio",
        help="event loop(s) of the echo baselines, comma-separated (asyncio, uvloop)",
    )
    args = parser.parse_args()
    if args.client_batching:
        args.batch, args.flush_ms = BATCH_SIZE, FLUSH_DELAY_S * 1000
    os.sched_setaffinity(0, {args.client_core})
    cases = (
        []
        if args.no_echo or args.url
        else [
            Case("echo", args.typists, args.wpm, 300, args.batch, args.flush_ms, loop)
            for loop in args.echo_loops.split(",")
        ]
    )
    for chars in (int(c) for c in args.chars.split(",")):
        cases.append(
            Case(
                "echo" if args.url and args.url_is_echo else "server",
                args.typists,
                args.wpm,
                chars,
                args.batch,
                args.flush_ms,
                args.loop,
                args.lean,
            )
        )
    print(
        f"# {args.typists} typists x {args.wpm:g} WPM, batch {args.batch}, "
        f"flush {args.flush_ms:g} ms{', lean acks' if args.lean else ''}; "
        f"server on core {args.server_core}, generator on core {args.client_core}; "
        f"{args.warmup:g} s warm-up, {args.measure:g} s measured"
    )
    header = (
        f"{'target':<8} {'loop':<8} {'chars':>6} {'keys/s':>8} {'keys/frame':>10} {'srv CPU':>8} "
        f"{'µs/key':>8} {'µs/frame':>9} {'p50 ms':>7} {'p99 ms':>7} {'gen CPU':>8} "
        f"{'RSS MB':>7} {'err':>4}"
    )
    print(header)
    results = []
    for case in cases:
        r = run_case(case, args)
        results.append((case, r))
        chars = "-" if case.target == "echo" else str(case.chars)
        print(
            f"{case.target:<8} {case.loop:<8} {chars:>6} "
            f"{r['keys_per_s']:>8.0f} {r['keys_per_frame']:>10.2f} "
            f"{r['server_cpu']:>7.0%} {r['cpu_us_per_key']:>8.1f} {r['cpu_us_per_frame']:>9.1f} "
            f"{r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {r['generator_cpu']:>7.0%} "
            f"{r['server_rss_mb']:>7.0f} "
            f"{r['errors'] + r['disconnects']:>4.0f}",
            flush=True,
        )
    echoes = [(c, r) for c, r in results if c.target == "echo"]
    if echoes:
        print()
    for echo_case, echo in echoes:
        for case, r in results:
            if case.target == "server":
                per_key = r["cpu_us_per_key"] / echo["cpu_us_per_frame"]
                print(
                    f"server ({case.loop}) {case.chars} chars: CPU per key = {per_key:.2f}x "
                    f"the {echo_case.loop} echo's CPU per frame; keys per CPU-second = "
                    f"{1 / per_key:.2f}x its frames per CPU-second"
                )
    if args.json:
        print(json.dumps([{"case": vars(c), **r} for c, r in results]))


if __name__ == "__main__":
    main()
