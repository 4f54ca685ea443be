"""Waiting on an app under Textual's Pilot: for the condition a test needs, never a set time.

A screen pushed is not yet mounted, and what the server sends comes when it comes; on a
loaded machine either can take seconds. A test waits with :func:`until` (or :func:`shown`
for a screen) for what it is about to look at, bounded by a timeout scaled by
``TIMEOUT_FACTOR``, and fails saying what never happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen

from support.timeouts import TIMEOUT_FACTOR

WAIT_S = 10.0
"""How long a wait may take by default before the test fails (a passing one takes far less)."""

S = TypeVar("S", bound=Screen[Any])


async def until(
    pilot: Pilot[Any], ok: Callable[[], object], what: str = "", timeout_s: float = WAIT_S
) -> None:
    """Let the app run until ``ok()`` holds, at most ``timeout_s`` × ``TIMEOUT_FACTOR``.

    A widget ``ok`` queries that is not there yet (its screen is still composing) counts
    as not yet.
    """
    missing: NoMatches | None = None

    def holds() -> bool:
        nonlocal missing
        try:
            result = bool(ok())
        except NoMatches as error:
            missing = error
            return False
        missing = None
        return result

    try:
        async with asyncio.timeout(timeout_s * TIMEOUT_FACTOR):
            while not holds():
                await pilot.pause(0.01)
    except TimeoutError:
        found = f" ({missing})" if missing else ""
        raise AssertionError(
            f"timed out waiting for {what or 'the condition'}{found}; on {pilot.app.screen!r}"
        ) from None


async def shown(pilot: Pilot[Any], kind: type[S], timeout_s: float = WAIT_S) -> S:
    """Wait until the app's screen is a ``kind``, mounted, and return it."""

    def showing() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, kind) and screen.is_mounted

    await until(pilot, showing, f"a {kind.__name__}", timeout_s)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen
