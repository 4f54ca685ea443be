"""``@frozen``: ``@dataclass(frozen=True, slots=True)``, with one method compiled, not six.

A frozen dataclass writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` as Python source and compiles each one
(``exec``): about 1.2 ms a class on our machine, which made the protocol's
messages, the client's events and the core's values (some 80 classes) a third of
what ``bartype play`` did before its first frame beyond a bare Textual app. An
``@frozen`` class is that same dataclass (its fields, ``dataclasses.fields``, ``replace``,
``asdict``, ``__match_args__``, copying and pickling) with only ``__init__``
compiled, and that when the first instance is made (start-up builds few of the
message classes it imports; until then ``inspect.signature`` sees ``*args,
**kwargs``). The other five are closures over the class's field names that behave
as the generated ones do (the same repr, equality, hash and
``FrozenInstanceError``). Python 3.13 cut part of the same cost by compiling one
block per class.

Not supported (a ``TypeError`` says so): inheriting from a dataclass, fields
outside ``__init__`` (``field(init=False)``), keyword-only fields and ``InitVar``.
A method the class body defines (``__repr__``, ``__eq__``, ``__hash__``) is kept,
as a dataclass keeps it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


class _HasDefaultFactory:
    """The ``__init__`` default of a field made by a factory (as dataclasses has it)."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _HasDefaultFactory()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T]) -> type[T]:
    """``cls`` as a frozen dataclass with slots (see the module's docstring)."""
    own = dict(cls.__dict__)
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: a record does not inherit from a dataclass")
    made: type[Any] = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=True)
    if any("InitVar" in str(f.type) for f in made.__dataclass_fields__.values()):
        raise TypeError(f"{cls.__name__}: a record has no InitVar")
    fields = dataclasses.fields(made)
    for f in fields:
        if not f.init or f.kw_only is True:
            raise TypeError(f"{cls.__name__}.{f.name}: a record's fields are all positional")
    names = tuple(f.name for f in fields)
    methods: dict[str, Callable[..., Any]] = {
        "__init__": _lazy_init(made, fields),
        "__setattr__": _frozen_setattr(made, names),
        "__delattr__": _frozen_delattr(made, names),
        "__getstate__": _getstate,
        "__setstate__": _setstate,
    }
    if "__repr__" not in own:
        methods["__repr__"] = _repr(tuple(f.name for f in fields if f.repr))
    if "__eq__" not in own:
        methods["__eq__"] = _eq(_values(tuple(f.name for f in fields if f.compare)))
    if "__hash__" not in own or (own["__hash__"] is None and "__eq__" in own):
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        methods["__hash__"] = _hash(_values(hashed))
    for name, method in methods.items():
        method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """The one compiled method: ``__init__``, as a frozen dataclass writes it."""
    env: dict[str, Any] = {"__set": object.__setattr__, "__factory": _HAS_DEFAULT_FACTORY}
    params = ["self"]
    body = []
    for f in fields:
        param = f.name
        value = f.name
        if f.default is not MISSING:
            env[f"__dflt_{f.name}"] = f.default
            param += f" = __dflt_{f.name}"
        elif f.default_factory is not MISSING:
            env[f"__dflt_{f.name}"] = f.default_factory
            param += " = __factory"
            value = f"__dflt_{f.name}() if {f.name} is __factory else {f.name}"
        params.append(param)
        body.append(f"    __set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    exec(source, env)
    init: Callable[..., None] = env["__init__"]
    init.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    return init


def _lazy_init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one (``_init``) on the first instance."""

    def __init__(self: object, *args: Any, **kwargs: Any) -> None:
        init = _init(cls, fields)
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """A function giving the tuple of an object's ``names`` attributes."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _repr(names: tuple[str, ...]) -> Callable[[object], str]:
    @recursive_repr()
    def __repr__(self: object) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({fields})"

    return __repr__


def _eq(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__


def _frozen_setattr(cls: type, names: tuple[str, ...]) -> Callable[[object, str, Any], None]:
    def __setattr__(self: object, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]

    return __setattr__


def _frozen_delattr(cls: type, names: tuple[str, ...]) -> Callable[[object, str], None]:
    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]

    return __delattr__


def _getstate(self: Any) -> list[Any]:
    """Pickling and copying: the field values (slots and frozen: no ``__dict__`` to copy)."""
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)
