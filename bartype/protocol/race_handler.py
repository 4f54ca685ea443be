"""RaceHandler: room messages from connections to rooms, and room messages back.

The ``SessionHandler`` routes every decoded room message here, lets time pass
(``tick``) and reports dropped connections (``disconnect``); everything else
about races lives in ``bartype.protocol.rooms``. A connection is in at most
one room at a time, besides (and independently of) its typing session.
Sans-I/O like the session handler: ``now`` is passed in, messages go out
through ``emit``.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol

from bartype.core.normalize import normalize_text, split_words
from bartype.core.race import RacePlace, history_labels, kept_result, race_config
from bartype.protocol import codec
from bartype.protocol.config import HandlerConfig
from bartype.protocol.messages import (
    MAX_TEXT_CHARS,
    RACE_INPUT,
    Action,
    Close,
    CloseCode,
    CreateRoom,
    CreateSession,
    ErrorCode,
    JoinRoom,
    LeaveRoom,
    RaceInput,
    Ready,
    Rematch,
    ResumeRoom,
    RoomMessage,
    StartRace,
    error,
)
from bartype.protocol.rooms import (
    InMemoryRooms,
    Race,
    RacerStatus,
    RaceText,
    Room,
    RoomConfig,
    RoomError,
    RoomRegistry,
    normalize_code,
)
from bartype.protocol.stores import ResultSink
from bartype.protocol.textgen import TextSource, TextUnavailable


class Channel(Protocol):
    """A connection as rooms need it: an id and its key bucket
    (``bartype.protocol.handler.Channel`` is one)."""

    @property
    def id(self) -> int: ...

    def spend_keys(self, count: int, now: float, rate: float, burst: float) -> bool: ...


log = logging.getLogger("bartype.protocol.races")

DEFAULT_MAX_ROOMS = 1000


@dataclass(eq=False, slots=True)
class Seat:
    """Where a connection sits: its room and its member id there."""

    code: str
    member_id: str
    channel: Channel


class RaceHandler:
    """Rooms for the connections of one ``SessionHandler``."""

    def __init__(
        self,
        texts: TextSource,
        emit: Callable[[Any, Action], None],
        *,
        registry: RoomRegistry | None = None,
        config: RoomConfig | None = None,
        max_rooms: int = DEFAULT_MAX_ROOMS,
        new_seed: Callable[[], int] | None = None,
        results: ResultSink | None = None,
        limits: HandlerConfig | None = None,
    ) -> None:
        self.texts = texts
        limits = limits or HandlerConfig()
        self.key_rate = limits.key_rate
        self.key_burst = limits.key_burst
        """Keys a connection may send (``HandlerConfig.key_rate``), in its ``RACE_INPUT`` and
        ``INPUT_UPDATE`` batches together: one bucket."""
        self.results = results
        """Every racer's result is kept here when their race is over (``None``: not kept)."""
        self._emit = emit
        self.registry: RoomRegistry = (
            registry if registry is not None else InMemoryRooms(random.Random(secrets.randbits(64)))
        )
        self.config = config or RoomConfig()
        self.max_rooms = max_rooms
        self._new_seed = new_seed or (lambda: secrets.randbits(48))
        self._seats: dict[int, Seat] = {}
        """Channel id -> its seat."""
        self._touched: Room | None = None
        """The room the message being handled concerns: its messages go out after it."""
        self._direct = False
        """May the batch being handled be answered in ``reply`` (``receive_key_frame``)?"""
        self.reply: str | None = None
        """The ``RACE_METRICS`` frame answering the batch just handled, when not queued."""

    # -- routing -------------------------------------------------------------

    def receive(self, channel: Channel, message: RoomMessage, now: float) -> None:
        """Handle one decoded room message from ``channel``."""
        if type(message) is RaceInput:
            self.receive_keys(channel, message.seq, [(k.key, k.t) for k in message.keys], now)
        else:
            self._handle(channel, message, now)

    def receive_keys(
        self, channel: Channel, seq: int, keys: list[tuple[str, float]], now: float
    ) -> None:
        """Handle ``RACE_INPUT {seq, keys}`` from ``channel``, keys as ``(key, t)`` pairs."""
        self._handle(channel, (seq, keys), now)

    def receive_key_frame(
        self, channel: Channel, text: str, now: float, *, direct: bool = False
    ) -> bool:
        """A server's hot path: handle a plain ``RACE_INPUT`` frame, parsed once; ``False``
        when it is not one (the caller decodes it in full).

        With ``direct`` (nothing waits to be sent to ``channel``), a batch answered
        by its ``RACE_METRICS`` alone leaves that frame in ``reply``, not queued,
        for the caller to send at once and clear.
        """
        batch = codec.parse_key_batch(text, RACE_INPUT)
        if batch is None:
            return False
        self._direct = direct
        try:
            self._handle(channel, batch, now)
        finally:
            self._direct = False
        return True

    def _handle(
        self,
        channel: Channel,
        message: RoomMessage | tuple[int, list[tuple[str, float]]],
        now: float,
    ) -> None:
        try:
            if isinstance(message, tuple):
                self._input(channel, message[0], message[1], now)
            else:
                self._dispatch(channel, message, now)
        except RoomError as exc:
            self._emit(channel, error(exc.code, exc.message, **exc.extra))
        except TextUnavailable as exc:
            self._emit(
                channel,
                error(
                    ErrorCode.TEXT_UNAVAILABLE,
                    f"No text for these options ({exc}); change the options or send a text.",
                ),
            )
        except Exception:  # a bug, not bad input: report it, keep serving the others
            name = "RaceInput" if type(message) is tuple else type(message).__name__
            log.exception("internal error handling %s", name)
            self._emit(channel, error(ErrorCode.INTERNAL, "Internal server error in the room."))
        finally:
            touched, self._touched = self._touched, None
            if touched is not None:
                self.deliver(touched)
                if not touched.members:  # everyone left (the tick sees lost links go)
                    self._close(touched)

    def _dispatch(self, channel: Channel, message: RoomMessage, now: float) -> None:
        if isinstance(message, CreateRoom):
            self._create(channel, message, now)
            return
        if isinstance(message, JoinRoom):
            self._free(channel)
            room = self._room(message.code)
            member = room.join(message.name, now, watch=message.watch)
            self._sit(channel, room, member.id)
            return
        if isinstance(message, ResumeRoom):
            self._free(channel)
            room = self._room(message.code)
            member = room.resume(message.token, now)
            for other, seat in list(self._seats.items()):
                if seat.code == room.code and seat.member_id == member.id:
                    del self._seats[other]  # the old link, not yet noticed dead
                    self._emit(
                        seat.channel,
                        error(
                            ErrorCode.ROOM_TAKEN_OVER,
                            f"Your place in room {room.code} was resumed on another connection.",
                        ),
                    )
            self._sit(channel, room, member.id)
            return
        room, who = self._seated(channel)
        if isinstance(message, Ready):
            room.set_ready(who, message.ready, now)
        elif isinstance(message, StartRace):
            room.start(who, now)
        elif isinstance(message, Rematch):
            room.rematch(who, now)
        elif isinstance(message, LeaveRoom):
            room.leave(who, now)
            self.deliver(room)  # ROOM_LEFT still reaches the member
            self._stand_up(channel.id)

    def _seated(self, channel: Channel) -> tuple[Room, str]:
        """The room ``channel`` is in (the one this message concerns) and its member id."""
        seated = self._seats.get(channel.id)
        here = None if seated is None else self.registry.get(seated.code)
        if seated is None or here is None:
            raise RoomError(
                ErrorCode.NOT_IN_ROOM,
                "You are in no room: send CREATE_ROOM or JOIN_ROOM first.",
            )
        self._touched = here
        return here, seated.member_id

    def _input(self, channel: Channel, seq: int, keys: list[tuple[str, float]], now: float) -> None:
        room, who = self._seated(channel)
        race = room.race
        racer = None if race is None else race.racers.get(who)
        # The keys of a new batch count, as a solo test's do (a resent one is only acked).
        if racer is not None and seq > racer.acked:
            if not channel.spend_keys(len(keys), now, self.key_rate, self.key_burst):
                self._emit(
                    channel,
                    error(
                        ErrorCode.RATE_LIMITED,
                        f"More than {self.key_rate:g} keys/s (bursts of {self.key_burst:g}): "
                        "nobody types that fast.",
                    ),
                )
                self._emit(channel, Close(CloseCode.POLICY_VIOLATION, "Rate limit exceeded"))
                return
        self.reply = room.input(who, seq, keys, now, direct=self._direct)

    def _free(self, channel: Channel) -> None:
        seat = self._seats.get(channel.id)
        if seat is not None and self.registry.get(seat.code) is not None:
            raise RoomError(
                ErrorCode.ALREADY_IN_ROOM,
                f"You are in room {seat.code}; send LEAVE_ROOM first.",
            )

    def _room(self, raw_code: str) -> Room:
        code = normalize_code(raw_code)
        room = None if code is None else self.registry.get(code)
        if room is None:
            raise RoomError(
                ErrorCode.ROOM_NOT_FOUND,
                f"No open room has the code {raw_code[:20]!r}; check it (4 to 6 letters).",
            )
        self._touched = room
        return room

    def _sit(self, channel: Channel, room: Room, member_id: str) -> None:
        self._seats[channel.id] = Seat(room.code, member_id, channel)
        self.registry.subscribe(room.code, member_id, partial(self._emit, channel))

    def _stand_up(self, channel_id: int) -> None:
        seat = self._seats.pop(channel_id, None)
        if seat is not None:
            self.registry.unsubscribe(seat.code, seat.member_id)

    # -- rooms ---------------------------------------------------------------

    def _create(self, channel: Channel, message: CreateRoom, now: float) -> None:
        self._free(channel)
        if self._open_rooms() >= self.max_rooms:
            raise RoomError(ErrorCode.SERVER_BUSY, "The server holds too many rooms; retry later.")
        first = self._make_text(message.options, first=True)
        made = [first]

        def make_text() -> RaceText:
            # The first race's text was made (and checked) when the room was created.
            return made.pop() if made else self._make_text(message.options, first=False)

        config = replace(
            self.config,
            max_players=message.max_players or self.config.max_players,
            countdown_s=(
                self.config.countdown_s if message.countdown_s is None else message.countdown_s
            ),
            finish_deadline_s=message.finish_deadline_s or self.config.finish_deadline_s,
        )
        options = message.options
        room = Room(
            self.registry.new_code(),
            make_text,
            now,
            config=config,
            options={
                "mode": options.mode,
                "words": options.words,
                "quoteLength": options.quote_length,
                "language": options.language,
                "punctuation": options.punctuation,
                "numbers": options.numbers,
                "code": options.code,
                "seed": options.seed,
                "customText": options.text is not None,
            },
        )
        member = room.join(message.name, now)  # the name is checked before the room exists
        self.registry.add(room)
        self._touched = room
        log.info("room %s created (%s)", room.code, options.mode)
        self._sit(channel, room, member.id)

    def _make_text(self, options: CreateSession, *, first: bool) -> RaceText:
        """The text of one race: the room's own text, or one made from its options."""
        if options.text is not None:
            raw: str | None = options.text
            text_id: str | None = "custom"
        else:
            seed = options.seed if options.seed is not None else self._new_seed()
            made = self.texts.make(options, random.Random(seed))
            raw, text_id = made.text, made.text_id
        text = normalize_text(raw or "")
        if not text or len(text) > MAX_TEXT_CHARS:
            raise TextUnavailable(f"the text must have 1 to {MAX_TEXT_CHARS} characters")
        mode2 = options.label_for(text_id, word_count=len(split_words(text))).mode2
        return RaceText(text, race_config(options.mode, text), options.mode, mode2, text_id)

    def _open_rooms(self) -> int:
        return sum(1 for _ in self.registry.rooms())

    # -- time and links --------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass in every room; close expired ones."""
        for room in self.registry.rooms():
            try:
                room.tick(now)
            except Exception:  # one broken room must not stop the clock for the others
                log.exception("internal error in the tick of room %s", room.code)
            self.deliver(room)
            if room.expired(now):
                self._close(room)

    def disconnect(self, channel: Channel, now: float) -> None:
        """The connection is gone: its member keeps their place for the grace period."""
        seat = self._seats.get(channel.id)
        if seat is None:
            return
        self._stand_up(channel.id)
        room = self.registry.get(seat.code)
        if room is not None:
            room.disconnect(seat.member_id, now)
            self.deliver(room)

    def _close(self, room: Room) -> None:
        log.info("room %s closed", room.code)
        self.registry.remove(room.code)
        for channel_id, seat in list(self._seats.items()):
            if seat.code == room.code:
                del self._seats[channel_id]

    def deliver(self, room: Room) -> None:
        """Hand the room's queued messages to its members, and keep the races that ended."""
        publish = self.registry.publish
        for to, message in room.take_outbox():
            publish(room.code, message, to)
        if room.has_finished:
            for race in room.take_finished():
                if self.results is not None:
                    self._keep(room, race, self.results)

    def _keep(self, room: Room, race: Race, results: ResultSink) -> None:
        """Save the result of every racer who typed, with the room, the race and the place."""
        mode = race.text.mode
        language, options = history_labels(mode, room.options)
        for standing in race.standings or ():
            racer = race.racers[standing["id"]]
            result = racer.session.result
            if result is None:
                continue  # nothing typed
            finished = racer.status is RacerStatus.FINISHED
            try:
                results.save(
                    kept_result(result, racer.flags, finished),
                    text=race.text.text,
                    text_id=race.text.text_id,
                    language=language,
                    mode=mode,
                    mode2=race.text.mode2,
                    options=options,
                    race=RacePlace(room.code, race.id, standing["place"], len(race.racers)),
                )
            except Exception:  # the history is not the race: the others are served all the same
                log.exception("could not keep a result of room %s", room.code)

    @property
    def open_rooms(self) -> int:
        """Rooms currently open (for the health endpoint)."""
        return self._open_rooms()


__all__ = ["RaceHandler"]
