"""JSON text frames: the strict parser and compact encoder every message goes through.

Standard JSON only (no ``NaN``), compact output, and an envelope
``{"type", "data"}`` checked before any message's fields are: the one place
both directions of the protocol, and both ends, read and write JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bartype.protocol.messages import ErrorCode, ProtocolError


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


_decoder = json.JSONDecoder(parse_constant=_not_json)
"""Standard JSON only: Python's parser would take ``NaN`` and ``Infinity``."""
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
encode_json = _encoder.encode
"""Any JSON value as compact text (no ``NaN``: a figure that is not a number is a bug)."""
loads = _decoder.decode
raw_decode = _decoder.raw_decode
"""``(value, end)`` straight from the C scanner: ``json.loads`` without its
whitespace handling, for the one frame per keystroke. A frame with whitespace
before or after its object is not taken there; ``codec.decode`` handles it."""


_NONCHARS = "\\ud800-\\udfff\\ufdd0-\\ufdef\\ufffe\\uffff" + "".join(
    f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17)
)
_UNACCEPTABLE = re.compile(f"[{_NONCHARS}]")
"""Lone UTF-16 surrogates and Unicode non-characters: not text, and a surrogate
cannot even be encoded as UTF-8, so a reply that echoed one could not be sent."""
SUSPECT = re.compile(f"[{_NONCHARS}]|\\\\u")
"""Where a frame's text may hold one: raw, or behind a ``\\u`` escape (``suspect``
answers the same, faster)."""
_NONCHAR_BYTES = (b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")
"""The UTF-8 of every non-character holds one of these (U+FDD0-U+FDEF: EF B7 90-AF;
U+FFFE, U+FFFF and their like in every plane end in BF BE, BF BF); few others do."""


def suspect(text: str) -> bool:
    """``SUSPECT.search(text)``, cheaply: might ``text`` hold a lone surrogate or a
    non-character, raw or behind a ``\\u`` escape?

    Every frame meets this check, and searching the class of ranges costs about
    2.6 µs a character (0.7 ms for a batch of 256 keys). An ASCII frame can hold
    one only behind ``\\u``; another has its UTF-8 looked through for the bytes
    every non-character has (a surrogate cannot even be encoded), so only a frame
    holding them meets the class (50 µs for 256 keys of Cyrillic or emoji).
    """
    if "\\u" in text:
        return True
    if text.isascii():
        return False
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return True  # a lone surrogate
    if not any(pair in data for pair in _NONCHAR_BYTES):
        return False
    return _UNACCEPTABLE.search(text) is not None


def _unacceptable_char(obj: Any) -> str | None:
    """The first lone surrogate or non-character in any string of ``obj`` (keys too)."""
    stack = [obj]
    pop, push = stack.pop, stack.append
    search = _UNACCEPTABLE.search
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            found = search(item)
            if found is not None:
                return found.group()
        elif kind is dict:
            for key, value in item.items():
                push(key)
                push(value)
        elif kind is list:
            stack.extend(item)
    return None


def encode_message(type_: str, data: dict[str, Any]) -> str:
    """Encode any message (client or server) as a compact JSON text frame."""
    return encode_json({"type": type_, "data": data})


def parse_frame(text: str) -> tuple[str, dict[str, Any]]:
    """Parse an envelope ``{"type", "data"}`` without interpreting ``data``.

    Raises:
        ProtocolError: not JSON (``BAD_JSON``) or not a valid envelope (``BAD_MESSAGE``).
    """
    try:
        obj = loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(
            ErrorCode.BAD_JSON, f"Frame is not valid JSON ({exc}); send one JSON object per frame."
        ) from None
    if suspect(text):
        bad = _unacceptable_char(obj)
        if bad is not None:
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f"The frame holds U+{ord(bad):04X}, a lone surrogate or a non-character, "
                "which is not text; send valid Unicode (UTF-8, or paired \\u escapes).",
            )
    if not isinstance(obj, dict):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, 'A frame must be a JSON object {"type", "data"}.'
        )
    type_ = obj.get("type")
    if not isinstance(type_, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, 'A frame needs a string "type".')
    data = obj.get("data")
    if data is None:  # left out, or null: no fields
        data = {}
    if len(obj) > 2 or (len(obj) == 2 and "data" not in obj):
        extra = sorted(k for k in obj if k not in ("type", "data"))
        raise ProtocolError(
            ErrorCode.UNKNOWN_FIELD, f"Unknown envelope field(s) {extra}; only type and data."
        )
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f'"data" of {type_} must be a JSON object.')
    return type_, data
