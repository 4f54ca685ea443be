"""The `bartype serve` command as a real process: startup, help, and SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TIMEOUT_FACTOR
from serve_process import start_server, stop_server
from websockets.asyncio.client import connect


def test_serve_help_does_not_import_textual() -> None:
    """`bartype serve --help` never imports textual."""
    code = (
        "import sys, contextlib, io\n"
        "from bartype.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['serve', '--help'])\n"
        "import bartype.server.serve\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


try:
    import uvloop  # noqa: F401

    LOOPS = ["asyncio", "uvloop"]
except ImportError:  # not on Windows
    LOOPS = ["asyncio"]


@pytest.mark.parametrize("loop", LOOPS)
def test_sigterm_closes_clients_and_exits_zero(tmp_path: Path, loop: str) -> None:
    """SIGTERM closes connected clients with 1001 and the process exits 0 within seconds,
    on either event loop."""
    db = tmp_path / "server.sqlite3"
    proc, port = start_server(db, 0, "--loop", loop)
    try:

        async def client() -> int | None:
            async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
                assert json.loads(await ws.recv())["type"] == "WELCOME"
                proc.send_signal(signal.SIGTERM)
                async with asyncio.timeout(5 * TIMEOUT_FACTOR):
                    await ws.wait_closed()
                return ws.close_code

        started = time.monotonic()
        assert asyncio.run(client()) == 1001
        assert proc.wait(timeout=5 * TIMEOUT_FACTOR) == 0
        assert time.monotonic() - started < 5 * TIMEOUT_FACTOR
        assert db.exists()
    finally:
        stop_server(proc)


@pytest.mark.parametrize("loop", LOOPS)
def test_run_loop_runs_on_the_chosen_loop(loop: str) -> None:
    """``--loop`` picks the event loop ``bartype serve`` runs on."""
    from bartype.server.serve import run_loop

    async def main() -> int:
        assert type(asyncio.get_running_loop()).__module__.split(".")[0] == loop
        return 7

    assert run_loop(main(), loop) == 7


@pytest.mark.skipif("uvloop" not in LOOPS, reason="uvloop is not installed")
def test_run_loop_auto_prefers_uvloop() -> None:
    from bartype.server.serve import run_loop

    async def main() -> int:
        return 1 if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else 0

    assert run_loop(main(), "auto") == 1
