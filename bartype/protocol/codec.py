"""JSON text frames <-> protocol messages, with strict validation.

``decode`` checks every field of every client message (``client_decode``): its
type, its range, its length. Unknown fields are rejected (``UNKNOWN_FIELD``): a
client that needs a new field needs a new protocol version, negotiated by
``HELLO``. Anything wrong raises ``ProtocolError`` with a stable code.
``encode`` turns a server message into its frame; ``parse_key_batch`` is the
server's hot path for a plain batch of keys. The JSON itself is
``json_frames``'; a client's own messages are encoded by ``client_encode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bartype.protocol.client_decode import KEY_CONTROL, PARSERS
from bartype.protocol.client_encode import client_message_to_json, create_session_data
from bartype.protocol.json_frames import encode_json as _encode
from bartype.protocol.json_frames import encode_message, parse_frame, raw_decode, suspect
from bartype.protocol.messages import (
    INPUT_UPDATE,
    MAX_KEY_LENGTH,
    MAX_KEYS_PER_BATCH,
    MAX_SEQ,
    MAX_T_MS,
    ClientMessage,
    Encoded,
    ErrorCode,
    Outgoing,
    ProtocolError,
)

__all__ = [
    "client_message_to_json",
    "create_session_data",
    "decode",
    "encode",
    "encode_message",
    "parse_frame",
    "parse_key_batch",
]

_last_encoded: tuple[Outgoing, str] | None = None
"""The message encoded last and its frame. A room hands the very same message to each of
its members, one after the other, so the frame of a broadcast is made once, not per member.
(Messages are not changed once queued: the identity is the whole key.)"""


def encode(message: Outgoing) -> str:
    """Encode a server message as a compact JSON text frame."""
    if type(message) is Encoded:
        return message.text
    global _last_encoded
    last = _last_encoded
    if last is not None and last[0] is message:
        return last[1]
    text = _encode({"type": message.type, "data": message.data})
    _last_encoded = (message, text)
    return text


def decode(text: str) -> ClientMessage:
    """Decode and validate one client frame.

    Raises:
        ProtocolError: with ``BAD_JSON``, ``BAD_MESSAGE``, ``UNKNOWN_TYPE`` or
            ``UNKNOWN_FIELD``.
    """
    type_, data = parse_frame(text)
    parser = PARSERS.get(type_)
    if parser is None:
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE,
            f"Unknown message type {type_[:40]!r}; expected one of {sorted(PARSERS)}.",
        )
    return parser(data)


def _one_key(type_: str, colon: str, comma: str) -> Callable[[str], re.Match[str] | None]:
    """The ``fullmatch`` of a ``type_`` frame of one key, its tokens apart by ``colon`` and
    ``comma``: ``(seq, key, integer part, fraction)``."""
    parts = [
        '{"type"', colon, '"', type_, '"', comma, '"data"', colon, '{"seq"', colon, "SEQ",
        comma, '"keys"', colon, '[{"key"', colon, "KEY", comma, '"t"', colon, "T", "}]}}",
    ]  # fmt: skip
    fields = {
        "SEQ": "([1-9][0-9]{0,15})",
        # One printable ASCII character other than " and \\ (they need an escape),
        # or a key's name: letters and "+" (Ctrl+Backspace).
        "KEY": f'"([ !#-\\[\\]-~]|[A-Za-z+]{{2,{MAX_KEY_LENGTH}}})"',
        "T": "(0|[1-9][0-9]{0,15})(\\.[0-9]{1,17})?",
    }
    return re.compile("".join(fields.get(part) or re.escape(part) for part in parts)).fullmatch


_ONE_KEY: dict[str, tuple[Callable[[str], re.Match[str] | None], ...]] = {}
"""For each type of key batch, a frame of one key (the usual frame at one key per frame)
written compactly, and as Python's ``json.dumps`` writes it. What they match, ``json`` reads
as the same values; any other frame goes to the general parser (an escape, an exponent, a
minus, more keys, other spacing, another order of fields). Compiled with the first batch
(``_one_key_frames``), not at import: start-up has no key to parse yet."""


def _one_key_frames(type_: str) -> tuple[Callable[[str], re.Match[str] | None], ...]:
    frames = _ONE_KEY[type_] = (_one_key(type_, ":", ","), _one_key(type_, ": ", ", "))
    return frames


def parse_key_batch(
    text: str, type_: str = INPUT_UPDATE
) -> tuple[int, list[tuple[str, float]]] | None:
    """A plain ``INPUT_UPDATE {seq, keys}`` frame as ``(seq, [(key, t), ...])``, else ``None``.

    With ``type_`` = ``RACE_INPUT``, the same for a race's batch of keys.

    The server's hot path: no message objects. It accepts only frames that
    ``decode`` accepts too, with the same values; anything else (another
    type, the legacy form, any invalid field) gives ``None``, and the caller
    uses ``decode``, which says what is wrong.
    """
    try:
        compact, spaced = _ONE_KEY[type_]
    except KeyError:  # the first batch of this type
        compact, spaced = _one_key_frames(type_)
    one = compact(text) or spaced(text)
    if one is not None:  # the checks below, on a frame of one key
        seq_text, key, whole, fraction = one.groups()
        seq = int(seq_text)
        when = float(whole + fraction) if fraction else float(int(whole))
        if seq > MAX_SEQ or when > MAX_T_MS:
            return None
        return seq, [(key, when)]
    return parse_any_key_batch(text, type_)


def parse_any_key_batch(
    text: str, type_: str = INPUT_UPDATE
) -> tuple[int, list[tuple[str, float]]] | None:
    """``parse_key_batch`` for any number of keys, through ``json``: what the one-key pattern
    gives, it gives too (tested)."""
    batch = _batch_object(text, type_)
    if batch is None:
        return None
    seq, keys = batch
    pairs: list[tuple[str, float]] = []
    append = pairs.append
    for item in keys:
        if type(item) is not dict or len(item) != 2:
            return None
        key = item.get("key")
        when: Any = item.get("t")
        if type(key) is not str or not 0 < len(key) <= MAX_KEY_LENGTH:
            return None
        if (len(key) != 1 or not " " <= key < "\x7f") and KEY_CONTROL(key) is not None:
            return None
        kind = type(when)
        if kind is float:
            if not (0.0 <= when <= MAX_T_MS):  # NaN fails every comparison
                return None
        elif kind is int:
            if not 0 <= when <= MAX_T_MS:
                return None
            when = float(when)
        else:
            return None
        append((key, when))
    return seq, pairs


def _batch_object(text: str, type_: str) -> tuple[int, list[Any]] | None:
    """A plain batch's ``seq`` and its (unchecked) ``keys``, read through ``json``, or
    ``None`` for anything ``decode`` should judge."""
    try:
        obj, end = raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if end != len(text):
        return None  # text after the object (even whitespace): let ``decode`` judge it
    if suspect(text):
        return None  # an escape or a non-character: ``decode`` checks every string
    if type(obj) is not dict or len(obj) != 2 or obj.get("type") != type_:
        return None
    data = obj.get("data")
    if type(data) is not dict or len(data) != 2:
        return None
    seq = data.get("seq")
    keys = data.get("keys")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return None
    if type(keys) is not list or not 1 <= len(keys) <= MAX_KEYS_PER_BATCH:
        return None
    return seq, keys
