"""Abuse bench: what one address can do to ``bartype serve``, and what an honest typist sees.

Usage::

    python bench/abuse.py                      # every scenario, 12 s each
    python bench/abuse.py --only flood,zen-word --window 8

Each scenario starts a fresh server (default limits, uvloop where installed)
and runs, for ``--window`` seconds, an abuse from 127.0.0.1 next to an honest
typist connecting from 127.0.0.2 (its own address, as a different machine
would): custom tests of a 68-character text, two keys per batch every 100 ms,
each batch's reply timed. It reports the honest typist's reply p50/p99, how
many tests it finished, the server's peak resident memory (sampled every
0.25 s), the CPU time the server used in the window (user + system), and
how each abusing connection ended (close code, HTTP status, or
still open). Scenarios:

- ``idle``: no abuse (the baseline);
- ``never-readers``: 30 connections finish a 2,900-character custom test,
  then ask for its ``SESSION_COMPLETE`` 40 times a second and never read;
- ``flood``: one connection sends ``HELLO`` as fast as it can;
- ``crowd``: 199 connections each run zen tests within every per-connection
  limit (5 batches of 200 keys a second), creating a new test when one ends;
- ``zen-word``: one connection types one endless zen word, 40 batches of
  256 keys a second (its largest reply is reported too);
- ``idle-connections``: 1,000 WebSocket connections that never send anything;
- ``half-open``: 500 TCP connections that send half a handshake and stall.

``--busy N`` reproduces a loaded machine: the server is pinned to CPU 0 and
shares it with N busy loops (at the bench's own priority: run the whole bench
under ``nice``), so it gets about a third of a core with ``--busy 2``; the
abuser and the typist run on the other CPUs. Compare figures only within one
run and one ``--busy``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hostile import HonestTypist, percentile, rss_mb, server_exceptions, start_server, stop_server
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidMessage, InvalidStatus

Codes = Counter[str]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ended(ws: ClientConnection) -> str:
    return f"close {ws.close_code}" if ws.close_code is not None else "open"


async def _open(url: str, codes: Codes, **kwargs: Any) -> ClientConnection | None:
    try:
        return await connect(url, open_timeout=20, **kwargs)
    except InvalidStatus as exc:
        codes[f"HTTP {exc.response.status_code}"] += 1
    except InvalidMessage:
        codes["closed unanswered"] += 1  # the server closed before any HTTP response
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        codes[type(exc).__name__] += 1
    return None


async def _until(stop: float, interval: float, step: Callable[[], Awaitable[None]]) -> None:
    while time.perf_counter() < stop:
        started = time.perf_counter()
        await step()
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))


async def never_readers(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    text = " ".join(f"w{i % 97}x" for i in range(1000))[:2900].strip()  # within the key burst

    async def one() -> None:
        ws = await _open(url, codes, max_queue=1)
        if ws is None:
            return
        try:
            await ws.send(
                json.dumps({"type": "CREATE_SESSION", "data": {"mode": "custom", "text": text}})
            )
            await ws.send('{"type":"START_SESSION"}')
            begun = time.perf_counter()
            for seq, i in enumerate(range(0, len(text), 256), start=1):
                t = (time.perf_counter() - begun) * 1000
                keys = [{"key": ch, "t": t} for ch in text[i : i + 256]]
                await ws.send(
                    json.dumps({"type": "INPUT_UPDATE", "data": {"seq": seq, "keys": keys}})
                )
                await asyncio.sleep(0.03)

            async def ask() -> None:
                await ws.send('{"type":"END_SESSION"}')

            await _until(stop, 1 / 40, ask)
        except ConnectionClosed:
            pass
        codes[_ended(ws)] += 1
        ws.transport.abort()

    await asyncio.gather(*(one() for _ in range(30)))


async def flood(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    while time.perf_counter() < stop:
        ws = await _open(url, codes, max_queue=None)  # its answers pile up here, unread
        if ws is None:
            await asyncio.sleep(0.5)
            continue
        try:
            sent = 0
            while time.perf_counter() < stop:
                await ws.send('{"type":"HELLO","data":{"version":1}}')
                sent += 1
                if sent % 100 == 0:
                    await asyncio.sleep(0)  # let its reader see the server's close
        except ConnectionClosed:
            pass
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await ws.wait_closed()
        codes[_ended(ws)] += 1
        ws.transport.abort()


async def _zen(
    ws: ClientConnection, stop: float, per_s: float, keys: int, word: bool, info: dict[str, Any]
) -> None:
    """Zen tests until ``stop``: ``per_s`` batches of ``keys`` keys; reading every reply."""
    sizes: list[int] = info.setdefault("reply_bytes", [])
    errors: Counter[str] = info.setdefault("errors", Counter())
    state = {"seq": 0, "begun": 0.0}

    async def reader() -> None:
        async for message in ws:
            sizes.append(len(message))
            data = json.loads(message)
            if data["type"] == "ERROR":
                errors[data["data"]["code"]] += 1
            if (
                data["type"] in ("SESSION_COMPLETE", "ERROR")
                and data["data"].get("code") != "BAD_TIMESTAMP"
            ):
                if data["type"] == "SESSION_COMPLETE" or data["data"]["code"] == "SESSION_FINISHED":
                    state["seq"] = -1  # start again

    async def create() -> None:
        await ws.send('{"type":"CREATE_SESSION","data":{"mode":"zen"}}')
        await ws.send('{"type":"START_SESSION"}')
        state["seq"], state["begun"] = 0, time.perf_counter()

    reading = asyncio.ensure_future(reader())
    await create()

    async def step() -> None:
        if state["seq"] < 0:
            await create()
        state["seq"] += 1
        t = (time.perf_counter() - state["begun"]) * 1000
        chars = "z" * keys if word else ("abc def " * (keys // 8 + 1))[:keys]
        batch = [{"key": ch, "t": t} for ch in chars]
        await ws.send(
            json.dumps({"type": "INPUT_UPDATE", "data": {"seq": state["seq"], "keys": batch}})
        )

    try:
        await _until(stop, 1 / per_s, step)
    except ConnectionClosed:
        pass
    reading.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
        await reading


async def crowd(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    async def one() -> None:
        ws = await _open(url, codes)
        if ws is None:
            return
        await _zen(ws, stop, 5.0, 200, False, info)
        codes[_ended(ws)] += 1
        await ws.close()

    await asyncio.gather(*(one() for _ in range(199)))


async def zen_word(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    ws = await _open(url, codes)
    if ws is None:
        return
    await _zen(ws, stop, 40.0, 256, True, info)
    codes[_ended(ws)] += 1
    await ws.close()


async def idle_connections(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    opened = await asyncio.gather(*(_open(url, codes) for _ in range(1000)))
    held = [ws for ws in opened if ws is not None]
    info["accepted"] = len(held)
    await asyncio.sleep(max(0.0, stop + 3 - time.perf_counter()))  # past the HELLO timeout
    for ws in held:
        codes[_ended(ws)] += 1
        ws.transport.abort()


async def half_open(url: str, stop: float, codes: Codes, info: dict[str, Any]) -> None:
    port = int(url.split(":")[2].split("/")[0])

    async def one() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            codes[type(exc).__name__] += 1
            return
        writer.write(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        opened = time.perf_counter()
        try:
            async with asyncio.timeout(max(0.1, stop - time.perf_counter())):
                await reader.read()
            codes[f"closed by the server after {round(time.perf_counter() - opened)} s"] += 1
        except TimeoutError:
            codes["open"] += 1
        writer.close()

    await asyncio.gather(*(one() for _ in range(500)))


SCENARIOS: dict[str, Callable[[str, float, Codes, dict[str, Any]], Awaitable[None]] | None] = {
    "idle": None,
    "never-readers": never_readers,
    "flood": flood,
    "crowd": crowd,
    "zen-word": zen_word,
    "idle-connections": idle_connections,
    "half-open": half_open,
}


BUSY_CPU = 0


def _pin() -> None:
    os.sched_setaffinity(0, {BUSY_CPU})


def _busy_loops(n: int) -> list[subprocess.Popen[bytes]]:
    """``n`` processes spinning on ``BUSY_CPU``: the load other work puts on a shared machine."""
    return [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=_pin)
        for _ in range(n)
    ]


def _abuse(name: str, url: str, stop: float, results: Any) -> None:
    """The abuse, in a process of its own; its codes and findings go to ``results``."""
    abuse = SCENARIOS[name]
    assert abuse is not None
    codes: Codes = Counter()
    info: dict[str, Any] = {}
    asyncio.run(abuse(url, stop, codes, info))
    sizes = info.pop("reply_bytes", [])
    info["max_reply"] = max(sizes) if sizes else 0
    results.put((codes, info))


async def run(name: str, window: float, busy: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bartype-abuse-"))
    log = tmp / "server.log"
    core = BUSY_CPU if busy else None
    proc, port = start_server(tmp / "abuse.sqlite3", log, "--log-level", "warning", core=core)
    loops = _busy_loops(busy)
    url = f"ws://127.0.0.1:{port}/ws"
    codes: Codes = Counter()
    info: dict[str, Any] = {}
    peak = rss_mb(proc.pid)
    start_rss = peak
    start_cpu = cpu_s(proc.pid)
    stop = time.perf_counter() + window
    honest = HonestTypist(url, step_ms=50.0, source="127.0.0.2")

    async def sample() -> None:
        nonlocal peak
        while time.perf_counter() < stop + 1:
            peak = max(peak, rss_mb(proc.pid))
            await asyncio.sleep(0.25)

    abuser = None
    results: multiprocessing.Queue[tuple[Codes, dict[str, Any]]] = multiprocessing.Queue()
    if SCENARIOS[name] is not None:
        # Its own process: an abuser busy in the typist's loop would delay the typist itself.
        abuser = multiprocessing.Process(target=_abuse, args=(name, url, stop, results))
        abuser.start()

    async def typing() -> None:
        await asyncio.sleep(1.0)  # let the abuse begin
        await honest.run(stop)

    try:
        await asyncio.gather(sample(), typing())
        used_cpu = cpu_s(proc.pid) - start_cpu
        if abuser is not None:
            codes, info = await asyncio.to_thread(results.get, True, 60)
            abuser.join(10)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
        stop_server(proc)
        exceptions = len(server_exceptions(log))
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "name": name,
        "p50": percentile(honest.latencies, 50),
        "p99": percentile(honest.latencies, 99),
        "tests": len(honest.results),
        "failures": honest.failures,
        "rss_start": start_rss,
        "rss_peak": peak,
        "cpu_s": used_cpu,
        "codes": codes,
        "errors": info.get("errors", Counter()),
        "max_reply": info.get("max_reply", 0),
        "accepted": info.get("accepted"),
        "exceptions": exceptions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=12.0, help="seconds per scenario")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--busy", type=int, default=0, help="busy loops sharing the server's CPU (a loaded machine)"
    )
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    print(
        f"{'scenario':<17} {'p50 ms':>7} {'p99 ms':>7} {'tests':>5} {'RSS MB':>13} {'CPU s':>5}"
        "  abusers ended"
    )
    worst = 0.0
    for name in names:
        r = asyncio.run(run(name, args.window, args.busy))
        worst = max(worst, r["p99"])
        ended = ", ".join(f"{c} ×{n}" for c, n in r["codes"].most_common()) or "-"
        if r["errors"]:
            ended += "; errors " + ", ".join(f"{c} ×{n}" for c, n in r["errors"].most_common())
        if r["max_reply"]:
            ended += f"; largest reply {r['max_reply']} B"
        print(
            f"{name:<17} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['tests']:>5} "
            f"{r['rss_start']:>5.0f} → {r['rss_peak']:>4.0f} {r['cpu_s']:>5.1f}  {ended}"
            + (f"  [server exceptions: {r['exceptions']}]" if r["exceptions"] else "")
            + (f"  [honest failures: {r['failures'][:2]}]" if r["failures"] else ""),
            flush=True,
        )
    print(f"\nworst honest p99: {worst:.1f} ms")
    sys.exit(0)


if __name__ == "__main__":
    main()
