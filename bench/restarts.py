"""Restart and crash bench: ``bartype serve`` killed and restarted under typists.

Usage::

    python bench/restarts.py                       # 50 SIGKILLs, then SIGTERM with 1, 6, 20 s down
    python bench/restarts.py --kills 5 --downtimes 1

Everything is real: ``bartype serve`` processes on a fixed port of 127.0.0.1,
one SQLite file for the whole run, typists speaking protocol 1 over
WebSockets and resuming as docs/protocol.md says (reconnect with
``?sessionId=&token=``, read ``SESSION_ATTACHED``, resend every batch after
its ``ack``, in order).

- **SIGKILL**: ``--clients`` typists finish 18-character custom tests (1.1 s
  each) back to back while the server is killed ``--kills`` times, each 1 – 3 s after it
  came up, and started again at once. After each kill the database file gets
  ``PRAGMA integrity_check``; at the end every result a typist was sent a
  ``SESSION_COMPLETE`` for (an *acknowledged* result) is looked up by its
  ``resultId`` and compared. Sessions in progress at a kill are lost (4001,
  as documented); their typists start a new test.
- **SIGTERM**: for each downtime, ``--term-clients`` typists are in the middle of
  a 60-character test when the server is stopped cleanly; it starts again
  after the downtime (the stop comes halfway through their typing, 6.2 s at
  ``--step-ms 100``). The typists keep typing meanwhile (their keys queue
  unsent), reconnect every 0.25 s, and finish. Every result must be the same
  session resumed, valid, stored, and equal (every metric) to the result of
  the same keys on a server that never stopped (a reference run, first).

Exit status 1 if anything was lost, corrupted, invalid or different.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostile import start_server
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

SHORT_TEXT = "a crash test of it"
"""Typed at 60 ms a key: a stored result every 1.1 s per typist (a test must last about
a second not to be AFK, which is never stored)."""
LONG_TEXT = "the typist keeps on typing while the server is away for a bit"
RECONNECT_S = 0.25
GIVE_UP_S = 40.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Outcome:
    """What a typist saw of one test."""

    session_id: str
    complete: dict[str, Any] | None = None
    lost: bool = False
    """Resume refused (4001): the server no longer had the session."""
    resumes: int = 0


@dataclass
class Typist:
    """Types ``text`` at ``step_ms`` per key, two keys a batch, resuming across drops."""

    url: str
    text: str
    step_ms: float
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def _connect(self, query: str = "", deadline: float = 0.0) -> ClientConnection | None:
        """Connect, retrying every ``RECONNECT_S`` until ``deadline`` (perf_counter)."""
        while True:
            try:
                return await connect(self.url + query, open_timeout=5, max_size=2**22)
            except (OSError, TimeoutError, InvalidHandshake):
                if time.perf_counter() >= deadline:
                    return None
                await asyncio.sleep(RECONNECT_S)

    async def one_test(self, until: float) -> Outcome | None:
        ws = await self._connect(deadline=until)
        if ws is None:
            return None
        try:
            await ws.send('{"type":"HELLO","data":{"version":1}}')
            await ws.recv()
            create = {"mode": "custom", "text": self.text}
            await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
            created = json.loads(await ws.recv())["data"]
            await ws.send('{"type":"START_SESSION"}')
            await ws.recv()
        except (ConnectionClosed, KeyError, ValueError):
            ws.transport.abort()
            return None
        test = _Test(self, Outcome(created["sessionId"]))
        query = f"?sessionId={created['sessionId']}&token={created['token']}"
        producing = asyncio.ensure_future(test.produce())
        link: ClientConnection | None = ws
        try:
            while link is not None:
                await test.exchange(link)
                if test.done.done():
                    test.outcome.complete = test.done.result()
                    break
                if link.close_code == 4001:
                    test.outcome.lost = True
                    break
                link.transport.abort()
                link = await self._connect(query, time.perf_counter() + GIVE_UP_S)
                if link is not None and not await test.resume(link):
                    break
        finally:
            producing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producing
            if link is not None:
                await link.close()
        return test.outcome

    async def run(self, until: float) -> None:
        """Test after test until ``until`` (perf_counter)."""
        while time.perf_counter() < until:
            outcome = await self.one_test(until)
            if outcome is not None:
                self.outcomes.append(outcome)


class _Test:
    """One test of a typist: its batches made on the typist's clock, sent over whichever
    link is up, resent from the server's ``ack`` after a resume."""

    def __init__(self, typist: Typist, outcome: Outcome) -> None:
        self.typist = typist
        self.outcome = outcome
        self.batches: list[str] = []
        self.sent = 0
        self.acked = 0
        self.wake = asyncio.Event()
        self.done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.begun = time.perf_counter()

    async def produce(self) -> None:
        """Key batches when due on the typist's clock, connected or not."""
        text, step_ms = self.typist.text, self.typist.step_ms
        for seq, i in enumerate(range(0, len(text), 2), start=1):
            chunk = text[i : i + 2]
            keys = [{"key": ch, "t": (i + j) * step_ms} for j, ch in enumerate(chunk)]
            due = self.begun + keys[-1]["t"] / 1000
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            self.batches.append(
                json.dumps({"type": "INPUT_UPDATE", "data": {"seq": seq, "keys": keys}})
            )
            self.wake.set()

    async def exchange(self, link: ClientConnection) -> None:
        """Send batches and read the server over ``link`` until it closes or the test ends."""
        writer = asyncio.ensure_future(self._write(link))
        try:
            await self._read(link)
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _write(self, link: ClientConnection) -> None:
        """Send the batches not sent yet, in order, as they come."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                while self.sent < len(self.batches):
                    await link.send(self.batches[self.sent])
                    self.sent += 1
                self.wake.clear()
                await self.wake.wait()

    async def _read(self, link: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in link:
                message = json.loads(raw)
                kind, data = message["type"], message.get("data") or {}
                if kind == "METRICS_UPDATE":
                    self.acked = max(self.acked, data.get("ack", 0))
                elif kind == "SESSION_COMPLETE":
                    if not self.done.done():
                        self.done.set_result(data)
                    return
                elif kind == "ERROR" and data.get("code") not in (
                    "SERVER_SHUTDOWN",
                    "INVALID_SESSION",
                ):
                    self.typist.errors.append(f"{data.get('code')}: {data.get('message')}")

    async def resume(self, link: ClientConnection) -> bool:
        """Read ``SESSION_ATTACHED`` on a new link and carry on from its ``ack``; ``False``
        if the test cannot go on."""
        self.outcome.resumes += 1
        try:
            attached = json.loads(await link.recv())
        except ConnectionClosed:
            return True  # refused (4001) or gone again: seen on the next turn
        if attached["type"] == "ERROR" and attached["data"]["code"] == "INVALID_SESSION":
            self.outcome.lost = True  # the server no longer has it (after a kill)
            return False
        if attached["type"] != "SESSION_ATTACHED":
            self.typist.errors.append(f"resume got {attached['type']} first")
            return False
        state, self.acked = attached["data"]["state"], attached["data"]["ack"]
        await link.send('{"type":"HELLO","data":{"version":1}}')
        if state == "created":
            await link.send('{"type":"START_SESSION"}')
        self.sent = self.acked
        return True


def start(db: Path, log: Path, port: int) -> subprocess.Popen[str]:
    proc, _ = start_server(db, log, "--port", str(port), "--log-level", "warning")
    return proc  # type: ignore[no-any-return]


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def stored(db: Path) -> dict[int, tuple[float, float, str]]:
    """Stored results by id: (wpm, accuracy, state)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT id, wpm, accuracy, state FROM results").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


async def kills(tmp: Path, n: int, clients: int, seed: int) -> bool:
    rng = random.Random(seed)
    db, log, port = tmp / "kills.sqlite3", tmp / "kills.log", free_port()
    url = f"ws://127.0.0.1:{port}/ws"
    typists = [Typist(url, SHORT_TEXT, 60.0) for _ in range(clients)]
    proc = start(db, log, port)
    until = time.perf_counter() + 3600
    running = [asyncio.ensure_future(t.run(until)) for t in typists]
    checks: list[str] = []
    began = time.perf_counter()
    for _ in range(n):
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait)
        checks.append(integrity(db))
        proc = await asyncio.to_thread(start, db, log, port)
    await asyncio.sleep(2.0)  # the last tests finish
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    proc.terminate()
    await asyncio.to_thread(proc.wait)
    checks.append(integrity(db))
    rows = stored(db)
    outcomes = [o for t in typists for o in t.outcomes]
    acknowledged = [o.complete for o in outcomes if o.complete and o.complete.get("resultId")]
    missing = [c for c in acknowledged if c["resultId"] not in rows]
    different = [
        c
        for c in acknowledged
        if c["resultId"] in rows and abs(rows[c["resultId"]][0] - c["metrics"]["wpm"]) > 0.01
    ]
    lost_sessions = sum(o.lost for o in outcomes)
    bad = [c for c in checks if c != "ok"]
    elapsed = time.perf_counter() - began
    print(
        f"SIGKILL x{n} ({clients} typists, {elapsed:.0f} s): {len(acknowledged)} acknowledged "
        f"results, {len(missing)} lost, {len(different)} different; {len(rows)} rows stored; "
        f"integrity_check ok {len(checks) - len(bad)}/{len(checks)}; "
        f"{lost_sessions} tests in progress lost to a kill (4001)",
        flush=True,
    )
    errors = [e for t in typists for e in t.errors]
    if errors:
        print(f"  protocol errors: {errors[:5]}")
    return bool(acknowledged) and not missing and not different and not bad


async def reference(tmp: Path, step_ms: float) -> dict[str, Any]:
    """The long test's result on a server that never stops."""
    db, log, port = tmp / "reference.sqlite3", tmp / "reference.log", free_port()
    proc = start(db, log, port)
    try:
        typist = Typist(f"ws://127.0.0.1:{port}/ws", LONG_TEXT, step_ms)
        outcome = await typist.one_test(time.perf_counter() + 30)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait)
    assert outcome is not None and outcome.complete is not None, "the reference run failed"
    return outcome.complete


async def restart(
    tmp: Path, downtime: float, clients: int, ref: dict[str, Any], step_ms: float
) -> bool:
    db, log, port = tmp / f"term{downtime:g}.sqlite3", tmp / f"term{downtime:g}.log", free_port()
    url = f"ws://127.0.0.1:{port}/ws"
    proc = start(db, log, port)
    typists = [Typist(url, LONG_TEXT, step_ms) for _ in range(clients)]
    stagger = 0.05  # seconds between the typists' starts
    typing_s = len(LONG_TEXT) * step_ms / 1000

    async def staggered(typist: Typist, delay: float) -> Outcome | None:
        await asyncio.sleep(delay)
        return await typist.one_test(time.perf_counter() + 10)

    tests = [asyncio.ensure_future(staggered(t, stagger * i)) for i, t in enumerate(typists)]
    await asyncio.sleep(typing_s / 2)  # every typist mid-test
    stopped = time.perf_counter()
    proc.terminate()
    await asyncio.to_thread(proc.wait)
    await asyncio.sleep(max(0.0, downtime - (time.perf_counter() - stopped)))
    proc = await asyncio.to_thread(start, db, log, port)
    outcomes = await asyncio.gather(*tests)
    proc.terminate()
    await asyncio.to_thread(proc.wait)
    rows = stored(db)
    keys = ("wpm", "rawWpm", "accuracy", "consistency", "correct", "incorrect", "durationS")
    good = 0
    problems: list[str] = []
    for outcome in outcomes:
        complete = outcome.complete if outcome else None
        if outcome is None or complete is None:
            problems.append("lost" if outcome and outcome.lost else "no result")
            continue
        same = complete["metrics"] == ref["metrics"] and complete["valid"] == ref["valid"]
        if not outcome.resumes:
            problems.append("not resumed")
        elif not complete["valid"]:
            problems.append(f"invalid: {complete['invalidReasons']}")
        elif complete.get("resultId") not in rows:
            problems.append("not stored")
        elif not same:
            diff = {k: (complete["metrics"][k], ref["metrics"][k]) for k in keys}
            problems.append(f"different: {diff}")
        else:
            good += 1
    errors = [e for t in typists for e in t.errors]
    print(
        f"SIGTERM, {downtime:g} s down ({clients} typists mid-test): {good}/{clients} resumed, "
        f"valid, stored and identical to the unbroken run (wpm {ref['metrics']['wpm']}, "
        f"consistency {ref['metrics']['consistency']})"
        + (f"; {problems}" if problems else "")
        + (f"; protocol errors: {errors[:3]}" if errors else ""),
        flush=True,
    )
    return good == clients


async def main_async(args: argparse.Namespace) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="bartype-restarts-"))
    ok = True
    if args.kills:
        ok &= await kills(tmp, args.kills, args.clients, args.seed)
    downtimes = [float(d) for d in args.downtimes.split(",") if d]
    if downtimes:
        ref = await reference(tmp, args.step_ms)
        for downtime in downtimes:
            ok &= await restart(tmp, downtime, args.term_clients, ref, args.step_ms)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8, help="typists during the kills")
    parser.add_argument("--downtimes", default="1,6,20", help="SIGTERM downtimes, seconds")
    parser.add_argument("--term-clients", type=int, default=6, help="typists per SIGTERM")
    parser.add_argument(
        "--step-ms", type=float, default=100.0, help="ms per key of the SIGTERM typists"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(main_async(args)) else 1)


if __name__ == "__main__":
    main()
