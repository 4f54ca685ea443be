"""Checked fields of server messages, and the field tables their decoders are made of.

A client reads what a server sends as strictly as a server reads a client
(``server_codec``, ``race_messages``): every documented field present, of its
type, finite; a string a typist is shown holds nothing a terminal would obey.
``Fields`` reads one JSON object that way. A message's decoder is a table:
its dataclass and one ``Spec`` per field, in the dataclass's order::

    ROOM_LEFT: message(RoomLeft, string("code"))

``message`` adds the ``data`` object the message was decoded from as the last
field; ``record`` is for the objects inside a message (no ``data``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from bartype.core.normalize import needs_escape
from bartype.protocol.messages import MAX_SEQ, ErrorCode, ProtocolError

T = TypeVar("T")

MAX_LABEL = 200
"""Longest label, id, token or reason taken from a server."""
MAX_SERVER_TEXT = 100_000
"""Longest text taken from a server (this server's own limit is 20,000 characters)."""


def is_count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_SEQ


def is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def is_str(value: Any) -> bool:
    return type(value) is str


def is_label(value: Any) -> bool:
    """A short string with nothing a terminal would obey (a reason, a flag)."""
    return (
        type(value) is str
        and len(value) <= MAX_LABEL
        and (value.isprintable() or not any(needs_escape(ch) for ch in value))
    )


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_list(value: Any) -> bool:
    return type(value) is list


def is_object(value: Any) -> bool:
    return type(value) is dict


def label(name: str) -> str:
    """A field name for an error message: the server's own key names are shown quoted, cut."""
    if name.isascii() and name.isidentifier() and len(name) <= 20:
        return name
    return f"[{name[:20]!r}]"


def _line_break_or_indent(value: str, i: int) -> bool:
    """Is ``value[i]`` a line break, or a tab of indentation (at the start of a line)?"""
    ch = value[i]
    return ch == "\n" or (ch == "\t" and i > 0 and value[i - 1] in "\n\t")


def check_shown(where: str, value: str, limit: int, lines: bool) -> None:
    """Refuse a string that cannot be shown as it is: too long, or holding a control,
    bidi, zero-width or separator character (which a terminal obeys or hides, and a
    typist cannot type)."""
    if len(value) > limit:
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"{where} has {len(value):,} characters, at most {limit:,}."
        )
    if value.isprintable():  # the fast path: False whenever there is such a character
        return
    for i, ch in enumerate(value):
        if needs_escape(ch) and not (lines and _line_break_or_indent(value, i)):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f"{where} holds U+{ord(ch):04X} at character {i + 1:,}, a control or "
                "invisible character that cannot be shown or typed.",
            )


class Fields:
    """Checked access to the fields of one JSON object of a server message."""

    __slots__ = ("data", "where")

    def __init__(self, where: str, data: dict[str, Any]) -> None:
        self.where = where
        self.data = data

    def get(self, name: str, ok: Callable[[Any], bool], expected: str, *, null: bool) -> Any:
        """The field ``name``, which must be there and pass ``ok`` (or be null if allowed)."""
        if name not in self.data:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"{self.where}.{name} is missing.")
        value = self.data[name]
        if (value is None and null) or ok(value):
            return value
        got = "null" if value is None else type(value).__name__
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"{self.where}.{label(name)} must be {expected}{' or null' if null else ''}, "
            f"not {got}.",
        )

    def string(self, name: str, *, null: bool = False) -> Any:
        return self.get(name, is_str, "a string", null=null)

    def shown(
        self, name: str, *, null: bool = False, limit: int = MAX_LABEL, lines: bool = False
    ) -> Any:
        """A string the typist is shown or the history keeps: at most ``limit``
        characters, none a terminal would obey or hide (line breaks if ``lines``)."""
        value = self.string(name, null=null)
        if value is not None:
            check_shown(f"{self.where}.{label(name)}", value, limit, lines)
        return value

    def count(self, name: str, *, null: bool = False) -> Any:
        return self.get(name, is_count, "a whole number from 0", null=null)

    def number(self, name: str) -> float:
        return float(self.get(name, is_number, "a finite number", null=False))

    def flag(self, name: str) -> bool:
        return bool(self.get(name, _is_bool, "true or false", null=False))

    def list_of(self, name: str, ok: Callable[[Any], bool], expected: str) -> tuple[Any, ...]:
        values = self.get(name, _is_list, f"a list of {expected}", null=False)
        if not all(ok(value) for value in values):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE, f"{self.where}.{name} must be a list of {expected}."
            )
        return tuple(values)

    def object(self, name: str) -> Fields:
        value = self.get(name, is_object, "an object", null=False)
        return Fields(f"{self.where}.{label(name)}", value)

    def items(self, name: str) -> list[Fields]:
        """The objects of list field ``name``, each checked as an object."""
        values = self.list_of(name, is_object, "objects")
        return [Fields(f"{self.where}.{name}[{i}]", value) for i, value in enumerate(values)]

    def optional(self, name: str) -> bool:
        """Is the optional field ``name`` given (present and not null)?"""
        return self.data.get(name) is not None


# -- field tables --------------------------------------------------------------

Spec = Callable[[Fields], Any]
"""How one field is read from a message's ``Fields`` (raising ``ProtocolError``)."""


def string(name: str, *, null: bool = False) -> Spec:
    return lambda f: f.string(name, null=null)


def shown(name: str, *, null: bool = False, limit: int = MAX_LABEL, lines: bool = False) -> Spec:
    """A string the typist is shown (``Fields.shown``)."""
    return lambda f: f.shown(name, null=null, limit=limit, lines=lines)


def count(name: str, *, null: bool = False) -> Spec:
    return lambda f: f.count(name, null=null)


def number(name: str) -> Spec:
    return lambda f: f.number(name)


def flag(name: str) -> Spec:
    return lambda f: f.flag(name)


def list_of(name: str, ok: Callable[[Any], bool] = is_str, expected: str = "strings") -> Spec:
    return lambda f: f.list_of(name, ok, expected)


def data_of(name: str) -> Spec:
    """An object field, taken as it is (checked to be an object)."""
    return lambda f: f.object(name).data


def optional(name: str, kind: Callable[[str], Spec], default: Any = None) -> Spec:
    """Field ``name`` read as ``kind`` if given (present and not null), else ``default``."""
    spec = kind(name)
    return lambda f: spec(f) if f.optional(name) else default


def nested(name: str, decode: Callable[[Fields], Any]) -> Spec:
    """An object field, decoded by its own table."""
    return lambda f: decode(f.object(name))


def items(name: str, decode: Callable[[Fields], Any]) -> Spec:
    """A list of objects, each decoded by its own table, as a tuple."""
    return lambda f: tuple(decode(item) for item in f.items(name))


def record(cls: Callable[..., T], *specs: Spec) -> Callable[[Fields], T]:
    """The decoder of an object made of ``specs``' fields (in ``cls``'s order)."""
    return lambda f: cls(*[spec(f) for spec in specs])


def message(cls: Callable[..., T], *specs: Spec) -> Callable[[Fields], T]:
    """The decoder of a message: ``specs``' fields, then the ``data`` it came from."""
    return lambda f: cls(*[spec(f) for spec in specs], f.data)
