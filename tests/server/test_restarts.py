"""bench/restarts.py, small: a few SIGKILLs and one SIGTERM restart of real servers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import TIMEOUT_FACTOR

BENCH = Path(__file__).resolve().parents[2] / "bench" / "restarts.py"


def test_kills_lose_no_acknowledged_result_and_a_restart_resumes_every_test() -> None:
    """Two SIGKILLs under three typists lose no acknowledged result and leave the database
    intact; a 1 s SIGTERM restart resumes both typists' tests, valid and unchanged."""
    # 40 ms a key is 300 WPM: as fast as a result can be and still be valid (under 350).
    run = subprocess.run(
        [sys.executable, str(BENCH), "--kills", "2", "--clients", "3"]
        + ["--downtimes", "1", "--term-clients", "2", "--step-ms", "40"],
        capture_output=True,
        text=True,
        timeout=120 * TIMEOUT_FACTOR,
        cwd=BENCH.parent,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 lost, 0 different" in run.stdout and " 0 acknowledged" not in run.stdout
    assert "integrity_check ok 3/3" in run.stdout
    assert "2/2 resumed, valid, stored and identical" in run.stdout
