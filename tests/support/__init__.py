"""What the tests share: one timeout factor, a fake clock, real servers started for sure."""

from __future__ import annotations

from bartype.protocol.handler import HandlerConfig
from support.clock import FakeClock
from support.process import free_port, start_server, stop_server
from support.timeouts import TIMEOUT_FACTOR

TEST_HANDLER = HandlerConfig(future_tolerance_ms=None)
"""Scenarios replay recorded key times instantly, so the future check is off."""

__all__ = [
    "TEST_HANDLER",
    "TIMEOUT_FACTOR",
    "FakeClock",
    "free_port",
    "start_server",
    "stop_server",
]
