"""The storage interfaces the handler and the server depend on, and History implementing them."""

from __future__ import annotations

import inspect

import pytest

from bartype.protocol.stores import ResultSink, ResultStore, SessionStore
from bartype.storage.history import History


def _members(protocol: type) -> list[str]:
    return sorted(
        name
        for klass in protocol.__mro__
        if klass not in (object,) and getattr(klass, "_is_protocol", False)
        for name, value in vars(klass).items()
        if not name.startswith("_") and callable(value)
    )


@pytest.mark.parametrize("protocol", [ResultSink, SessionStore, ResultStore])
def test_history_has_every_method_with_the_same_parameters(protocol: type) -> None:
    """Each method an interface declares exists on History and takes the same parameters."""
    members = _members(protocol)
    assert members
    for name in members:
        declared = inspect.signature(getattr(protocol, name)).parameters
        given = inspect.signature(getattr(History, name)).parameters
        assert list(given) == list(declared), name
        for param, spec in declared.items():
            assert given[param].kind is spec.kind, (name, param)
            assert (given[param].default is inspect.Parameter.empty) == (
                spec.default is inspect.Parameter.empty
            ), (name, param)


def test_the_server_store_is_all_of_them() -> None:
    """ResultStore is a ResultSink and a SessionStore that can be closed."""
    assert _members(ResultStore) == sorted(
        {*_members(ResultSink), *_members(SessionStore), "close"}
    )
