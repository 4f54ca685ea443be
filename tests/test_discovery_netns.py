"""LAN discovery end to end: `bartype serve` in one network namespace, `bartype servers` in another.

The test makes its own little LAN: two network namespaces joined by a veth
pair, 10.77.0.1/24 on one end and 10.77.0.2/24 on the other, both inside the
namespaces only. Nothing is advertised, browsed or sent on this machine's own
interfaces. It needs root and iproute2 (`ip netns`); without them it is
skipped with the reason. The namespaces are deleted whatever happens.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import queue
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TIMEOUT_FACTOR = float(os.environ.get("BARTYPE_TEST_TIMEOUT_FACTOR", "1"))
T = 15 * TIMEOUT_FACTOR
SERVER_IP, CLIENT_IP = "10.77.0.1", "10.77.0.2"


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


class Lan:
    """Two namespaces on one veth link; processes started in them are stopped on close."""

    def __init__(self) -> None:
        tag = f"btd{os.getpid() % 100_000}"
        self.server_ns, self.client_ns = f"{tag}s", f"{tag}c"
        self._procs: list[subprocess.Popen[Any]] = []  # text or bytes: a pty process is bytes

    def create(self) -> None:
        for ns in (self.server_ns, self.client_ns):
            made = _ip("netns", "add", ns)
            if made.returncode != 0:
                raise RuntimeError(made.stderr.strip() or f"ip netns add {ns} failed")
        server_if, client_if = f"{self.server_ns}v", f"{self.client_ns}v"
        steps = [
            # Made inside the server namespace, its peer moved straight into the client's.
            ("netns", "exec", self.server_ns, "ip", "link", "add", server_if, "type", "veth",
             "peer", "name", client_if, "netns", self.client_ns),
            ("-n", self.server_ns, "addr", "add", f"{SERVER_IP}/24", "dev", server_if),
            ("-n", self.client_ns, "addr", "add", f"{CLIENT_IP}/24", "dev", client_if),
            ("-n", self.server_ns, "link", "set", server_if, "up", "multicast", "on"),
            ("-n", self.client_ns, "link", "set", client_if, "up", "multicast", "on"),
            ("-n", self.server_ns, "link", "set", "lo", "up"),
            ("-n", self.client_ns, "link", "set", "lo", "up"),
        ]  # fmt: skip
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                raise RuntimeError(f"ip {' '.join(step)}: {done.stderr.strip()}")

    def run(self, ns: str, *args: str) -> subprocess.Popen[str]:
        """Start ``python -m bartype ARGS`` inside namespace ``ns``."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-m", "bartype", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        for ns in (self.server_ns, self.client_ns):
            _ip("netns", "del", ns)  # takes its end of the veth pair with it


@pytest.fixture
def lan() -> Iterator[Lan]:
    """A two-namespace LAN, or a skip saying why there cannot be one here."""
    if sys.platform != "linux":
        pytest.skip("network namespaces are Linux only")
    if os.geteuid() != 0:
        pytest.skip("creating network namespaces needs root (CI runs as root)")
    if shutil.which("ip") is None:
        pytest.skip("`ip` (iproute2) is not installed")
    made = Lan()
    try:
        made.create()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        made.close()
        pytest.skip(f"cannot create network namespaces here: {exc}")
    try:
        yield made
    finally:
        made.close()


class Lines:
    """A process's stdout, read on a thread, so that a test can wait for a line with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=self._pump, args=(stdout,), daemon=True).start()

    def _pump(self, stdout: Any) -> None:
        for line in stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + T
        seen: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        stderr = (
            self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        )
        raise AssertionError(f"no line matching {pattern!r} in {seen!r}; stderr: {stderr}")


def _servers_json(lan: Lan, timeout: float) -> tuple[int, list[dict[str, Any]]]:
    proc = lan.run(lan.client_ns, "servers", "--json", "--timeout", str(timeout * TIMEOUT_FACTOR))
    out, err = proc.communicate(timeout=T)
    assert "Traceback" not in err, err
    return proc.returncode, json.loads(out)


def test_a_client_finds_a_server_on_the_lan_until_it_stops(lan: Lan, tmp_path: Path) -> None:
    """From the other namespace, `bartype servers` finds the advertised server's address,
    port and name (not the one started with --no-advertise); when the server stops on
    SIGTERM a watching client sees it leave, and a new search finds nothing."""
    name = "Lab [red]1[/]"
    server = lan.run(
        lan.server_ns, "serve", "--host", SERVER_IP, "--port", "0", "--name", name,
        "--db", str(tmp_path / "a.sqlite3"),
    )  # fmt: skip
    hidden = lan.run(
        lan.server_ns, "serve", "--host", SERVER_IP, "--port", "0", "--no-advertise",
        "--db", str(tmp_path / "b.sqlite3"),
    )  # fmt: skip
    port = int(Lines(server).wait_for(rf"ws://{re.escape(SERVER_IP)}:(\d+)/ws").group(1))
    hidden_port = int(Lines(hidden).wait_for(rf"ws://{re.escape(SERVER_IP)}:(\d+)/ws").group(1))

    watch = Lines(lan.run(lan.client_ns, "servers", "--watch", "--json"))
    added = json.loads(watch.wait_for(r'^\{"event": "added".*').group(0))["server"]
    assert (added["address"], added["port"], added["name"]) == (SERVER_IP, port, name)

    status, found = _servers_json(lan, 1.5)  # a server already there answers at once
    assert status == 0
    assert [(s["address"], s["port"], s["name"]) for s in found] == [(SERVER_IP, port, name)]
    assert found[0]["url"] == f"ws://{SERVER_IP}:{port}" and found[0]["rooms"] == 0
    assert hidden_port not in {s["port"] for s in found}

    server.terminate()  # SIGTERM: the advertisement is withdrawn before the server stops
    removed = json.loads(watch.wait_for(r'^\{"event": "removed".*').group(0))["server"]
    assert (removed["address"], removed["port"]) == (SERVER_IP, port)
    assert server.wait(timeout=T) == 0
    assert server.stderr is not None
    err = server.stderr.read()
    assert "withdrew the LAN advertisement" in err

    assert _servers_json(lan, 1.0) == (1, [])


_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _read_screen(fd: int, output: bytearray, text: str) -> str:
    """Read a terminal until ``text`` shows in what it was sent (escape sequences removed)."""
    deadline = time.monotonic() + T
    while time.monotonic() < deadline:
        shown = _CSI.sub("", output.decode("utf-8", "replace"))
        if text in shown:
            return shown
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                output += os.read(fd, 65536)
            except OSError:  # the process closed the terminal
                break
    raise AssertionError(f"{text!r} never showed; the screen: {shown[-2000:]!r}")


def test_bartype_race_finds_the_server_on_the_lan_and_races_there(lan: Lan, tmp_path: Path) -> None:
    """`bartype race` with no --server, in a terminal in the other namespace, lists the
    server found by mDNS (its name literally, its address), and Enter takes the racer
    into a new room there."""
    name = "Lab [red]2[/]"
    server = lan.run(
        lan.server_ns, "serve", "--host", SERVER_IP, "--port", "0", "--name", name,
        "--db", str(tmp_path / "a.sqlite3"),
    )  # fmt: skip
    port = int(Lines(server).wait_for(rf"ws://{re.escape(SERVER_IP)}:(\d+)/ws").group(1))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "BARTYPE_HOME": str(tmp_path / "home")}
    racer = subprocess.Popen(
        ["ip", "netns", "exec", lan.client_ns, sys.executable, "-m", "bartype", "race",
         "--name", "ann"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    lan._procs.append(racer)
    os.close(slave)
    output = bytearray()
    try:
        _read_screen(master, output, "choose a server")
        _read_screen(master, output, f"ws://{SERVER_IP}:{port}")
        assert name in _read_screen(master, output, name)
        os.write(master, b"\r")
        _read_screen(master, output, "1/50 players")
        _read_screen(master, output, "ann (you)")
        os.write(master, b"\x03")  # Ctrl+C
        assert racer.wait(timeout=T) == 0
    finally:
        os.close(master)
