"""``@frozen`` behaves as ``@dataclass(frozen=True, slots=True)`` does."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from bartype.core.records import frozen


@dataclass(frozen=True, slots=True)
class Real:
    """A dataclass with a default, a factory and a post-init check."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count")


@frozen
class Rec:
    """The same fields as ``Real``, made a record."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count")


@frozen
class Empty:
    """A record without fields."""


@frozen
class One:
    """A record with one field."""

    value: float


@frozen
class Own:
    """A record that defines its own equality (and so must hash by its fields)."""

    value: int

    def __repr__(self) -> str:
        return "own"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Own) and other.value % 10 == self.value % 10


def pairs() -> list[tuple[Real, Rec]]:
    return [
        (Real("a"), Rec("a")),
        (Real("b", 3, ("x", "y"), "n"), Rec("b", 3, ("x", "y"), "n")),
        (Real(name="c", tags=("z",)), Rec(name="c", tags=("z",))),
    ]


def test_repr_equality_and_hash_are_the_dataclass_ones() -> None:
    """repr, ==, != and hash give what the dataclass gives, field for field."""
    for real, rec in pairs():
        assert repr(rec) == repr(real).replace("Real(", "Rec(")
        assert hash(rec) == hash(real)
        assert rec == copy.copy(rec) and not rec != dataclasses.replace(rec)
        assert rec.__eq__(real) is NotImplemented
    assert Rec("a", note="x") == Rec("a", note="y")  # compare=False, as declared
    assert Rec("a") != Rec("a", 1)
    assert repr(Empty()) == "Empty()" and Empty() == Empty() and hash(Empty()) == hash(())
    assert One(1.0) == One(1.0) and hash(One(2.0)) == hash((2.0,))
    nan = float("nan")
    assert (One(nan) == One(nan)) == (Real(str(nan)) == Real(str(nan)))
    assert One(nan) != One(float("nan"))


def test_init_is_compiled_with_the_first_instance() -> None:
    """A class's __init__ is compiled when the first instance is made, and then stays."""

    @frozen
    class Later:
        """A class no one has built yet."""

        value: int = 1

    stub = Later.__init__
    assert Later(2).value == 2 and Later.__init__ is not stub
    compiled = Later.__init__
    assert Later().value == 1 and Later.__init__ is compiled
    assert (
        Later.__init__.__qualname__
        == "test_init_is_compiled_with_the_first_instance.<locals>.Later.__init__"
    )


def test_signature_defaults_and_post_init() -> None:
    """__init__ takes the same arguments, defaults and factory, and runs __post_init__."""
    Rec("built")  # (the signature is the compiled __init__'s)
    assert str(inspect.signature(Rec)) == str(inspect.signature(Real))
    assert Rec("a").tags == () and Rec("a").tags is not None
    with pytest.raises(ValueError, match="count"):
        Rec("a", -1)
    with pytest.raises(TypeError):
        Rec()  # type: ignore[call-arg]
    assert Rec.__match_args__ == Real.__match_args__
    assert [f.name for f in dataclasses.fields(Rec)] == ["name", "count", "tags", "note"]
    assert dataclasses.asdict(Rec("a", 2)) == {"name": "a", "count": 2, "tags": (), "note": ""}
    assert Rec.__init__.__qualname__ == "Rec.__init__"


def test_frozen_and_slotted() -> None:
    """Fields cannot be set or deleted, nor attributes added; the messages are dataclasses'."""
    for obj in (Real("a"), Rec("a")):
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'name'"):
            obj.name = "b"  # type: ignore[misc]
        with pytest.raises(FrozenInstanceError, match="cannot delete field 'count'"):
            del obj.count
    # (Python 3.11's own slotted frozen dataclass raises TypeError here: bpo-45897.)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'other'"):
        Rec("a").other = 1  # type: ignore[attr-defined]
    assert not hasattr(Rec("a"), "__dict__") and vars(Rec)["__slots__"] == vars(Real)["__slots__"]


def test_copies_and_pickles() -> None:
    """copy, deepcopy, pickle and replace give equal records."""
    rec = Rec("b", 3, ("x",), "n")
    assert pickle.loads(pickle.dumps(rec)) == rec
    assert copy.deepcopy(rec) == rec and copy.deepcopy(rec).note == "n"
    assert dataclasses.replace(rec, count=4) == Rec("b", 4, ("x",), "n")


def test_methods_of_the_class_body_are_kept() -> None:
    """A __repr__ or __eq__ written in the class stays, and hash still follows the fields."""
    assert repr(Own(1)) == "own" and Own(1) == Own(11)
    assert hash(Own(1)) == hash((1,))


def test_unsupported_shapes_are_refused() -> None:
    """Inheriting from a dataclass, init=False and keyword-only fields raise TypeError."""
    with pytest.raises(TypeError, match="inherit"):

        @frozen
        class Child(Real):
            """A subclass."""

    with pytest.raises(TypeError, match="positional"):

        @frozen
        class Hidden:
            """A field outside __init__."""

            value: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="positional"):

        @frozen
        class Keyword:
            """A keyword-only field."""

            value: int = field(default=0, kw_only=True)
