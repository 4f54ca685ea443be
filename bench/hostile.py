"""Shared by bench/fuzz.py and bench/abuse.py: a real server, an honest typist, the doc's codes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_MD = ROOT / "docs" / "protocol.md"
HONEST_TEXT = "the quick brown fox jumps over the lazy dog and then some more words"


def documented_codes() -> tuple[set[str], set[int]]:
    """The error codes and close codes tabled in docs/protocol.md."""
    text = PROTOCOL_MD.read_text(encoding="utf-8")

    def section(name: str) -> str:
        return text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]

    errors = set(re.findall(r"^\| `([A-Z_]+)` \|", section("Error codes"), re.MULTILINE))
    closes = {int(c) for c in re.findall(r"^\| (\d{4}) \|", section("Close codes"), re.MULTILINE)}
    return errors, closes


def start_server(db: Path, log: Path, *extra: str, core: int | None = None) -> tuple[Any, int]:
    """``bartype serve`` on a free loopback port, logging to ``log``; (process, port)."""
    cmd = [sys.executable, "-m", "bartype", "serve", "--port", "0", "--db", str(db), *extra]
    if core is not None and os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", str(core), *cmd]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"ws://[^:]+:(\d+)/", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"bartype serve did not start: {line!r}\n{log.read_text()}")
    return proc, int(match.group(1))


def stop_server(proc: Any) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_exceptions(log: Path) -> list[str]:
    """Lines of the server's log that report an exception or an internal error."""
    return [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if "Traceback" in line or "internal error" in line or " ERROR " in line
    ]


def rss_mb(pid: int) -> float:
    """Resident memory of a process (and its children, for taskset's exec), in MB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def recv_json(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv())  # type: ignore[no-any-return]


class HonestTypist:
    """Types ``HONEST_TEXT`` at a steady pace, a few keys per batch, timing each reply."""

    def __init__(
        self, url: str, step_ms: float = 60.0, keys_per_batch: int = 2, source: str | None = None
    ) -> None:
        self.url = url
        self.source = source
        """Connect from this loopback address (e.g. 127.0.0.2), apart from the abusers'."""
        self.step_ms = step_ms
        self.per_batch = keys_per_batch
        self.latencies: list[float] = []
        self.results: list[dict[str, Any]] = []
        self.failures: list[str] = []

    async def one_test(self) -> dict[str, Any] | None:
        """One custom test, key times on the clock; the SESSION_COMPLETE's figures."""
        local = None if self.source is None else (self.source, 0)
        async with connect(self.url, open_timeout=10, local_addr=local) as ws:
            await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
            await recv_json(ws, 10)
            create = {"mode": "custom", "text": HONEST_TEXT}
            await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
            await recv_json(ws, 10)
            await ws.send('{"type":"START_SESSION"}')
            await recv_json(ws, 10)
            start = time.perf_counter()
            seq = 0
            complete = None
            text = HONEST_TEXT
            for i in range(0, len(text), self.per_batch):
                chunk = text[i : i + self.per_batch]
                keys = [{"key": ch, "t": (i + j) * self.step_ms} for j, ch in enumerate(chunk)]
                due = start + keys[-1]["t"] / 1000
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                seq += 1
                sent = time.perf_counter()
                await ws.send(
                    json.dumps({"type": "INPUT_UPDATE", "data": {"seq": seq, "keys": keys}})
                )
                reply = await recv_json(ws, 10)
                self.latencies.append((time.perf_counter() - sent) * 1000)
                if reply["type"] != "METRICS_UPDATE":
                    self.failures.append(f"batch {seq}: {reply}")
                if i + self.per_batch >= len(text):
                    complete = await recv_json(ws, 10)
            if complete is None or complete["type"] != "SESSION_COMPLETE":
                self.failures.append(f"no SESSION_COMPLETE: {complete}")
                return None
            data = complete["data"]
            figures = {k: data[k] for k in ("state", "valid", "invalidReasons", "flags")}
            figures["metrics"] = data["metrics"]
            return figures

    async def run(self, until: float) -> None:
        """Test after test until ``until`` (perf_counter seconds)."""
        while time.perf_counter() < until:
            try:
                result = await self.one_test()
            except Exception as exc:  # a bench reports, it does not stop
                self.failures.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.2)
                continue
            if result is not None:
                self.results.append(result)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]
