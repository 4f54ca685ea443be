"""Per-address limits on IPv6, on a real server: one /64 is one address.

The server and its clients run in a network namespace of their own
(``unshare -rn``: a user and network namespace, no root needed), whose
loopback gets documentation addresses; nothing touches the machine's own
interfaces. Where such namespaces or IPv6 are not available the test is
skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import TIMEOUT_FACTOR

SCENARIO = Path(__file__).with_name("ipv6_netns.py")


def _namespace_problem() -> str | None:
    """Why this machine cannot run the scenario, or ``None``."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(
        ["unshare", "-rn", "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "lo"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if probe.returncode != 0:
        return f"no user network namespace with IPv6 here: {probe.stderr.strip()}"
    return None


def test_the_addresses_of_one_64_share_every_per_address_limit() -> None:
    """Three addresses of one /64 share its 2 connections and 1 session; another /64 does not."""
    problem = _namespace_problem()
    if problem is not None:
        print(f"skipped: {problem}")
        pytest.skip(problem)
    done = subprocess.run(
        ["unshare", "-rn", sys.executable, str(SCENARIO)],
        capture_output=True,
        text=True,
        timeout=60 * TIMEOUT_FACTOR,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "2001:db8::2": ["WELCOME", "SESSION_CREATED"],
        "2001:db8::3": ["WELCOME", "LIMIT_REACHED"],  # the /64's one session is taken
        "2001:db8::4": ["HTTP 429"],  # the /64 holds its 2 connections
        "2001:db8:0:1::1": ["WELCOME", "SESSION_CREATED"],
    }
    assert "refused a connection from 2001:db8::/64" in done.stderr
