"""Client messages -> JSON text frames: what a client sends (clients, the loopback, tests).

The inverse of ``client_decode``: each message as docs/protocol.md writes it,
without the fields its mode does not use.
"""

from __future__ import annotations

from typing import Any

from bartype.protocol.json_frames import encode_message
from bartype.protocol.messages import (
    CREATE_ROOM,
    CREATE_SESSION,
    END_SESSION,
    HELLO,
    INPUT_UPDATE,
    JOIN_ROOM,
    LEAVE_ROOM,
    RACE_INPUT,
    READY,
    REMATCH,
    RESUME_ROOM,
    ROOM_MESSAGES,
    START_RACE,
    START_SESSION,
    ClientMessage,
    CreateRoom,
    CreateSession,
    Hello,
    InputUpdate,
    JoinRoom,
    LeaveRoom,
    RaceInput,
    Ready,
    Rematch,
    ResumeRoom,
    RoomMessage,
    StartRace,
    StartSession,
)


def create_session_data(options: CreateSession) -> dict[str, Any]:
    """The ``CREATE_SESSION`` data for these options, without fields the mode does not use."""
    data: dict[str, Any] = {
        "mode": str(options.mode),
        "language": options.language,
        "punctuation": options.punctuation,
        "numbers": options.numbers,
    }
    if options.mode == "time" and options.duration is not None:
        data["duration"] = options.duration
    if options.mode == "words" and options.words is not None:
        data["words"] = options.words
    if options.mode == "quote" and options.quote_length is not None:
        data["quoteLength"] = options.quote_length
    if options.mode == "code" and options.code is not None:
        data["code"] = options.code
    if options.mode == "lesson":
        data["layout"] = options.layout
        if options.lesson is not None:
            data["lesson"] = options.lesson
    if options.seed is not None:
        data["seed"] = options.seed
    if options.text is not None:
        data["text"] = options.text
    return data


def _room_message_to_json(message: RoomMessage) -> str:
    if isinstance(message, CreateRoom):
        data: dict[str, Any] = {
            "name": message.name,
            "options": create_session_data(message.options),
            "maxPlayers": message.max_players,
            "countdownS": message.countdown_s,
            "finishDeadlineS": message.finish_deadline_s,
        }
        return encode_message(CREATE_ROOM, {k: v for k, v in data.items() if v is not None})
    if isinstance(message, JoinRoom):
        data = {"code": message.code, "name": message.name}
        if message.watch:
            data["watch"] = True
        return encode_message(JOIN_ROOM, data)
    if isinstance(message, ResumeRoom):
        return encode_message(RESUME_ROOM, {"code": message.code, "token": message.token})
    if isinstance(message, Ready):
        return encode_message(READY, {"ready": message.ready})
    if isinstance(message, RaceInput):
        keys = [{"key": k.key, "t": k.t} for k in message.keys]
        return encode_message(RACE_INPUT, {"seq": message.seq, "keys": keys})
    type_ = {StartRace: START_RACE, Rematch: REMATCH, LeaveRoom: LEAVE_ROOM}[type(message)]
    return encode_message(type_, {})


def client_message_to_json(message: ClientMessage) -> str:
    """Encode a client message (used by clients, the loopback and tests)."""
    if isinstance(message, ROOM_MESSAGES):
        return _room_message_to_json(message)
    if isinstance(message, Hello):
        data: dict[str, Any] = {"version": message.version}
        if message.client is not None:
            data["client"] = message.client
        return encode_message(HELLO, data)
    if isinstance(message, CreateSession):
        return encode_message(CREATE_SESSION, create_session_data(message))
    if isinstance(message, StartSession):
        return encode_message(START_SESSION, {})
    if isinstance(message, InputUpdate):
        if message.input is not None:
            return encode_message(INPUT_UPDATE, {"input": message.input})
        keys = [{"key": k.key, "t": k.t} for k in message.keys]
        return encode_message(INPUT_UPDATE, {"seq": message.seq, "keys": keys})
    data = {} if message.t is None else {"t": message.t}
    return encode_message(END_SESSION, data)
