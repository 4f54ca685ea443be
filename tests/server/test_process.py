"""The `bartype serve` command as a real process: startup, help, and SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import TIMEOUT_FACTOR, free_port, start_server, stop_server
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


@pytest.mark.parametrize(
    "signals", [[signal.SIGTERM], [signal.SIGINT, signal.SIGINT]], ids=["sigterm", "ctrl-c-twice"]
)
def test_a_test_in_progress_survives_a_clean_restart(
    tmp_path: Path, signals: list[signal.Signals]
) -> None:
    """SIGTERM (or an impatient double Ctrl+C) mid-test, then the same command again: the
    test resumes with its token, the first batch is acknowledged already, and the result
    counts every key."""
    port = free_port()
    db = tmp_path / "server.sqlite3"
    text = "the quick brown fox"
    typed = [{"key": ch, "t": 10.0 * i} for i, ch in enumerate(text)]  # no later than real time
    proc, _ = start_server(db, port)
    try:

        async def first_half() -> tuple[str, str, dict[str, Any]]:
            async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
                await ws.recv()  # WELCOME
                create = {"mode": "custom", "text": text}
                await ws.send(json.dumps({"type": "CREATE_SESSION", "data": create}))
                created = json.loads(await ws.recv())["data"]
                await ws.send(json.dumps({"type": "START_SESSION"}))
                await ws.recv()  # SESSION_STARTED
                batch = {"seq": 1, "keys": typed[:8]}
                await ws.send(json.dumps({"type": "INPUT_UPDATE", "data": batch}))
                update = json.loads(await ws.recv())
                assert update["type"] == "METRICS_UPDATE" and update["data"]["ack"] == 1
                proc.send_signal(signals[0])
                notice = json.loads(await ws.recv())
                for sig in signals[1:]:  # while it is stopping
                    proc.send_signal(sig)
                assert notice["data"]["code"] == "SERVER_SHUTDOWN"
                assert "resume" in notice["data"]["message"]
                return created["sessionId"], created["token"], update

        session_id, token, _ = asyncio.run(first_half())
        assert proc.wait(timeout=5 * TIMEOUT_FACTOR) == 0
        proc, _ = start_server(db, port)

        async def second_half() -> dict[str, Any]:
            url = f"ws://127.0.0.1:{port}/ws?sessionId={session_id}&token={token}"
            async with connect(url) as ws:
                await ws.send(json.dumps({"type": "HELLO", "data": {"version": 1}}))
                seen = {}
                while "SESSION_ATTACHED" not in seen:
                    message = json.loads(await ws.recv())
                    seen[message["type"]] = message["data"]
                attached = seen["SESSION_ATTACHED"]
                assert attached["state"] == "running" and attached["ack"] == 1
                batch = {"seq": 2, "keys": typed[8:]}
                await ws.send(json.dumps({"type": "INPUT_UPDATE", "data": batch}))
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "SESSION_COMPLETE":
                        return dict(message["data"])

        complete = asyncio.run(second_half())
        assert complete["state"] == "completed"
        assert complete["metrics"]["correct"] == len(text)
        assert complete["metrics"]["keypresses"] == len(text)
    finally:
        stop_server(proc)
