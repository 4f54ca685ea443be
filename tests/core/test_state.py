"""Tests for bartype.core.state: sessions by id with expiry."""

from __future__ import annotations

import pytest

from bartype.core.state import InvalidSessionError, StateManager


def test_create_get_update_delete() -> None:
    """A stored session can be read, replaced and deleted."""
    manager: StateManager[str] = StateManager(ttl=1000)
    manager.create("a", "one", now=0)
    assert manager.get("a", now=10) == "one"
    manager.update("a", "two", now=20)
    assert manager.get("a", now=30) == "two"
    manager.delete("a")
    with pytest.raises(InvalidSessionError):
        manager.get("a", now=40)


def test_unknown_and_expired_raise_one_error_type() -> None:
    """Unknown and expired ids both raise InvalidSessionError."""
    manager: StateManager[int] = StateManager(ttl=100)
    with pytest.raises(InvalidSessionError):
        manager.get("nope", now=0)
    manager.create("a", 1, now=0)
    with pytest.raises(InvalidSessionError):
        manager.get("a", now=101)


def test_use_extends_life_and_expire_removes() -> None:
    """Reading a session keeps it alive; expire() removes the idle ones."""
    manager: StateManager[int] = StateManager(ttl=100)
    manager.create("a", 1, now=0)
    manager.create("b", 2, now=0)
    manager.get("a", now=90)
    assert manager.expire(now=150) == [("b", 2)]
    assert "a" in manager and len(manager) == 1


def test_duplicate_id_is_refused() -> None:
    """Creating a session with an id in use is an error."""
    manager: StateManager[int] = StateManager(ttl=100)
    manager.create("a", 1, now=0)
    with pytest.raises(ValueError):
        manager.create("a", 2, now=0)
