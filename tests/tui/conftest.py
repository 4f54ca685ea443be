"""Fixtures for the TUI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test advances it."""
    return FakeClock()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user folders."""
    monkeypatch.setenv("BARTYPE_HOME", str(tmp_path / "home"))
