"""A real `bartype serve` process for tests: started on a free port, stopped for sure."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on now (for a server that must come back on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, port: int = 0, *extra: str) -> tuple[subprocess.Popen[str], int]:
    """Start `bartype serve` (with ``extra`` arguments) and wait until it listens;
    return the process and its port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bartype", "serve", "--port", str(port), "--db", str(db), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"ws://127\.0\.0\.1:(\d+)/ws", line)
    if match is None:
        stop_server(proc)
        said = proc.stderr.read() if proc.stderr is not None else ""
        raise AssertionError(f"bartype serve did not start: {line}{said}")
    return proc, int(match.group(1))


def stop_server(proc: subprocess.Popen[str]) -> None:
    """Terminate the server, killing it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
