"""Client frames' data -> client messages: every field of every message checked.

Each parser takes the ``data`` object of one client message type (the
envelope is ``json_frames.parse_frame``'s) and checks each field's type,
range and length. Unknown fields are rejected (``UNKNOWN_FIELD``): a client
that needs a new field needs a new protocol version, negotiated by ``HELLO``.
Anything wrong raises ``ProtocolError`` with a stable code. ``codec.decode``
dispatches on ``PARSERS``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from bartype.core.layouts import LAYOUTS
from bartype.core.lessons import LessonKind
from bartype.core.normalize import find_control
from bartype.core.options import MODE_RULES, Mode
from bartype.protocol.messages import (
    CREATE_ROOM,
    CREATE_SESSION,
    END_SESSION,
    HELLO,
    INPUT_UPDATE,
    JOIN_ROOM,
    LEAVE_ROOM,
    MAX_COUNTDOWN_S,
    MAX_DURATION_S,
    MAX_FINISH_DEADLINE_S,
    MAX_KEY_LENGTH,
    MAX_KEYS_PER_BATCH,
    MAX_LEGACY_INPUT_CHARS,
    MAX_METRICS_MS,
    MAX_NAME_CHARS,
    MAX_RAW_NAME_CHARS,
    MAX_ROOM_PLAYERS,
    MAX_SEED,
    MAX_SEQ,
    MAX_T_MS,
    MAX_TEXT_CHARS,
    MAX_WORDS,
    MIN_DURATION_S,
    MIN_FINISH_DEADLINE_S,
    MODES,
    QUOTE_LENGTHS,
    RACE_INPUT,
    RACE_MODES,
    READY,
    REMATCH,
    RESUME_ROOM,
    START_RACE,
    START_SESSION,
    ClientMessage,
    CreateRoom,
    CreateSession,
    EndSession,
    ErrorCode,
    Hello,
    InputUpdate,
    JoinRoom,
    KeyEvent,
    LeaveRoom,
    ProtocolError,
    RaceInput,
    Ready,
    Rematch,
    ResumeRoom,
    RoomMessage,
    StartRace,
    StartSession,
)

# -- field helpers ---------------------------------------------------------


def _bad(type_: str, name: str, expected: str) -> ProtocolError:
    return ProtocolError(ErrorCode.BAD_MESSAGE, f"{type_}.{name} must be {expected}.")


def _check_fields(type_: str, data: dict[str, Any], allowed: frozenset[str]) -> None:
    if not allowed.issuperset(data):
        extra = sorted(k for k in data if k not in allowed)
        raise ProtocolError(
            ErrorCode.UNKNOWN_FIELD,
            f"{type_} has unknown field(s) {extra}; allowed: {sorted(allowed)}.",
        )


def _int(type_: str, data: dict[str, Any], name: str, lo: int, hi: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if type(value) is not int or not lo <= value <= hi:
        raise _bad(type_, name, f"a whole number from {lo} to {hi}")
    return value


def _number(type_: str, data: dict[str, Any], name: str, lo: float, hi: float) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if type(value) not in (int, float) or not lo <= value <= hi:
        raise _bad(type_, name, f"a number from {lo:g} to {hi:g}")
    return float(value)


def _bool(type_: str, data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if value is None:
        return False
    if type(value) is not bool:
        raise _bad(type_, name, "true or false")
    return value


def _str(type_: str, data: dict[str, Any], name: str, max_len: int) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise _bad(type_, name, f"a string of at most {max_len} characters")
    return value


def _name(type_: str, data: dict[str, Any], name: str) -> str | None:
    value = _str(type_, data, name, MAX_NAME_CHARS)
    if value is not None and (not value or not all(c.isalnum() or c in "_-+#." for c in value)):
        raise _bad(type_, name, "a name of letters, digits and _-+#.")
    return value


# -- parsers -----------------------------------------------------------------

_HELLO_FIELDS = frozenset({"version", "client", "metricsMs"})


def _hello(data: dict[str, Any]) -> Hello:
    _check_fields(HELLO, data, _HELLO_FIELDS)
    version = data.get("version")
    if type(version) is not int or not 0 <= version <= MAX_SEQ:
        # Any other whole number is a version: the handler answers VERSION_MISMATCH.
        raise _bad(HELLO, "version", "a whole number from 0 (this server speaks version 1)")
    metrics_ms = data.get("metricsMs", 0)
    if metrics_ms is not None and (
        type(metrics_ms) is not int or not 0 <= metrics_ms <= MAX_METRICS_MS
    ):
        raise _bad(HELLO, "metricsMs", f"null or a whole number of ms from 0 to {MAX_METRICS_MS:,}")
    return Hello(version, _str(HELLO, data, "client", 100), metrics_ms)


_CREATE_FIELDS = frozenset(
    {
        "mode",
        "duration",
        "words",
        "quoteLength",
        "language",
        "punctuation",
        "numbers",
        "seed",
        "code",
        "text",
        "layout",
        "lesson",
    }
)


def _create(data: dict[str, Any], t: str = CREATE_SESSION) -> CreateSession:
    _check_fields(t, data, _CREATE_FIELDS)
    mode = data.get("mode", "time")
    if mode not in MODES:
        raise _bad(t, "mode", f"one of {list(MODES)}")
    duration = _number(t, data, "duration", MIN_DURATION_S, MAX_DURATION_S)
    words = _int(t, data, "words", 1, MAX_WORDS)
    quote_length = _str(t, data, "quoteLength", 10)
    if quote_length is not None and quote_length not in QUOTE_LENGTHS:
        raise _bad(t, "quoteLength", f"one of {list(QUOTE_LENGTHS)}")
    language = _name(t, data, "language") or "english"
    code = _name(t, data, "code")
    text = _str(t, data, "text", MAX_TEXT_CHARS)
    if text is not None and not text.strip():
        raise _bad(t, "text", "a non-empty text (or null to let the server choose)")
    if text is not None and (at := find_control(text)) >= 0:
        raise _bad(
            t,
            "text",
            f"text a typist can type: U+{ord(text[at]):04X} at character {at} is a control "
            "character (only tabs and line breaks are allowed)",
        )
    seed = _int(t, data, "seed", 0, MAX_SEED)
    layout = data.get("layout", "qwerty")
    if layout not in LAYOUTS:
        raise _bad(t, "layout", f"one of {list(LAYOUTS)}")
    lesson = _int(t, data, "lesson", 1, len(LessonKind))
    if mode == "code" and code is None and text is None:
        raise _bad(t, "code", "a language name in code mode (python, rust, ...)")
    if MODE_RULES[Mode(mode)].needs_text and text is None:
        raise _bad(t, "text", f"the text to type in {mode} mode")
    return CreateSession(
        mode=mode,
        duration=duration,
        words=words,
        quote_length=quote_length,
        language=language,
        punctuation=_bool(t, data, "punctuation"),
        numbers=_bool(t, data, "numbers"),
        seed=seed,
        code=code,
        text=text,
        layout=layout,
        lesson=lesson,
    )


def _start(data: dict[str, Any]) -> StartSession:
    _check_fields(START_SESSION, data, frozenset())
    return StartSession()


_INPUT_FIELDS = frozenset({"seq", "keys"})
_KEY_FIELDS = frozenset({"key", "t"})
KEY_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]").search
"""A control character other than tab, LF and CR (Tab indents code; Enter breaks a line):
typed by nobody, scored as nothing."""
_NO_CONTROL = 'typed text without control characters (Enter is "\\n", Tab "\\t")'
_LEGACY_FIELDS = frozenset({"input"})


def _bad_key(t: str, item: dict[str, Any], name: str, expected: str) -> ProtocolError:
    """What is wrong with a key object of ``t``: an unknown field first, else this field."""
    _check_fields(f"{t}.keys[]", item, _KEY_FIELDS)
    return _bad(t, f"keys[].{name}", expected)


def _legacy_input(data: dict[str, Any], t: str) -> InputUpdate:
    """The seed's ``{input}``: the whole text typed so far."""
    _check_fields(t, data, _LEGACY_FIELDS)
    text = data["input"]
    if not isinstance(text, str) or len(text) > MAX_LEGACY_INPUT_CHARS:
        raise _bad(t, "input", f"a string of at most {MAX_LEGACY_INPUT_CHARS} characters")
    if KEY_CONTROL(text) is not None:
        raise _bad(t, "input", _NO_CONTROL)
    return InputUpdate(input=text)


def _batch(data: dict[str, Any], t: str) -> tuple[int, list[Any]]:
    """A batch's ``seq`` and its ``keys`` list (each key checked by the caller)."""
    if not _INPUT_FIELDS.issuperset(data):
        _check_fields(t, data, _INPUT_FIELDS)
    seq = data.get("seq")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise _bad(t, "seq", "a whole number from 1 (each batch one more than the last)")
    keys = data.get("keys")
    if type(keys) is not list or not 1 <= len(keys) <= MAX_KEYS_PER_BATCH:
        raise _bad(t, "keys", f"a list of 1 to {MAX_KEYS_PER_BATCH} {{key, t}} objects")
    return seq, keys


def _input(data: dict[str, Any], t: str = INPUT_UPDATE) -> InputUpdate:
    if "input" in data:
        return _legacy_input(data, t)
    seq, keys = _batch(data, t)
    events: list[KeyEvent] = []
    append = events.append
    for item in keys:
        # Hot path: one check per field, no helper calls.
        if type(item) is not dict:
            raise _bad(t, "keys[]", 'an object {"key": string, "t": ms}')
        if len(item) != 2:
            _check_fields(f"{t}.keys[]", item, _KEY_FIELDS)
        key = item.get("key")
        when: Any = item.get("t")
        if type(key) is not str or not 0 < len(key) <= MAX_KEY_LENGTH:
            raise _bad_key(t, item, "key", f"a string of 1 to {MAX_KEY_LENGTH} characters")
        if (len(key) != 1 or not " " <= key < "\x7f") and KEY_CONTROL(key) is not None:
            raise _bad_key(t, item, "key", _NO_CONTROL)
        kind = type(when)
        if kind is float:
            if not (0.0 <= when <= MAX_T_MS) or math.isnan(when):
                raise _bad_key(t, item, "t", f"a number of ms from 0 to {MAX_T_MS:g}")
        elif kind is int:
            if not 0 <= when <= MAX_T_MS:
                raise _bad_key(t, item, "t", f"a number of ms from 0 to {MAX_T_MS:g}")
            when = float(when)
        else:
            raise _bad_key(t, item, "t", "a number (ms since the test started)")
        append(KeyEvent(key, when))
    return InputUpdate(seq=seq, keys=tuple(events))


def _end(data: dict[str, Any]) -> EndSession:
    _check_fields(END_SESSION, data, frozenset({"t"}))
    return EndSession(_number(END_SESSION, data, "t", 0.0, MAX_T_MS))


# -- rooms -------------------------------------------------------------------


def _required_str(type_: str, data: dict[str, Any], name: str, max_len: int) -> str:
    value = _str(type_, data, name, max_len)
    if value is None:
        raise _bad(type_, name, f"a string of at most {max_len} characters (required)")
    return value


_CREATE_ROOM_FIELDS = frozenset({"name", "options", "maxPlayers", "countdownS", "finishDeadlineS"})


def _create_room(data: dict[str, Any]) -> CreateRoom:
    t = CREATE_ROOM
    _check_fields(t, data, _CREATE_ROOM_FIELDS)
    name = _required_str(t, data, "name", MAX_RAW_NAME_CHARS)
    raw = data.get("options")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _bad(t, "options", "an object of CREATE_SESSION's text options")
    options = _create({"mode": "words", **raw}, f"{t}.options")
    if options.mode not in RACE_MODES:
        raise _bad(
            t,
            "options.mode",
            f"one of {list(RACE_MODES)} (a race needs a finish line and a text for everyone)",
        )
    return CreateRoom(
        name=name,
        options=options,
        max_players=_int(t, data, "maxPlayers", 1, MAX_ROOM_PLAYERS),
        countdown_s=_number(t, data, "countdownS", 0.0, MAX_COUNTDOWN_S),
        finish_deadline_s=_number(
            t, data, "finishDeadlineS", MIN_FINISH_DEADLINE_S, MAX_FINISH_DEADLINE_S
        ),
    )


def _join_room(data: dict[str, Any]) -> JoinRoom:
    t = JOIN_ROOM
    _check_fields(t, data, frozenset({"code", "name", "watch"}))
    return JoinRoom(
        code=_required_str(t, data, "code", 20),
        name=_required_str(t, data, "name", MAX_RAW_NAME_CHARS),
        watch=_bool(t, data, "watch"),
    )


def _resume_room(data: dict[str, Any]) -> ResumeRoom:
    t = RESUME_ROOM
    _check_fields(t, data, frozenset({"code", "token"}))
    return ResumeRoom(_required_str(t, data, "code", 20), _required_str(t, data, "token", 100))


def _ready(data: dict[str, Any]) -> Ready:
    _check_fields(READY, data, frozenset({"ready"}))
    return Ready(data.get("ready") is None or _bool(READY, data, "ready"))


def _race_input(data: dict[str, Any]) -> RaceInput:
    _check_fields(RACE_INPUT, data, _INPUT_FIELDS)
    batch = _input(data, RACE_INPUT)
    assert batch.seq is not None
    return RaceInput(batch.seq, batch.keys)


def _no_fields(type_: str, message: RoomMessage) -> Callable[[dict[str, Any]], RoomMessage]:
    def parse(data: dict[str, Any]) -> RoomMessage:
        _check_fields(type_, data, frozenset())
        return message

    return parse


PARSERS: dict[str, Callable[[dict[str, Any]], ClientMessage]] = {
    HELLO: _hello,
    CREATE_SESSION: _create,
    START_SESSION: _start,
    INPUT_UPDATE: _input,
    END_SESSION: _end,
    CREATE_ROOM: _create_room,
    JOIN_ROOM: _join_room,
    RESUME_ROOM: _resume_room,
    READY: _ready,
    START_RACE: _no_fields(START_RACE, StartRace()),
    RACE_INPUT: _race_input,
    REMATCH: _no_fields(REMATCH, Rematch()),
    LEAVE_ROOM: _no_fields(LEAVE_ROOM, LeaveRoom()),
}
