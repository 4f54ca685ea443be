"""SessionClient: the high-level client the TUI uses, over loopback or WebSocket.

::

    client = SessionClient.loopback(history_path)        # or: await SessionClient.connect(url)
    created = await client.create(SessionOptions(mode="words", words=25))
    client.send_key("t", 0.0); client.send_key("h", 112.5) ...
    result = await client.end()                           # or: await client.wait_complete()
    await client.close()

Keys are batched (sent within ``FLUSH_DELAY_S`` or as soon as ``BATCH_SIZE``
are queued, and at once when the test ends or its result is awaited),
numbered, and kept until the server acknowledges them. Over a
network, a dropped connection is re-opened with a short backoff, the session
resumed with its token, and every unacknowledged batch resent: the server
ignores the ones it already applied, so nothing is lost or applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bartype.protocol.codec import encode_message
from bartype.protocol.messages import (
    CREATE_SESSION,
    END_SESSION,
    ERROR,
    FATAL_CLOSE_CODES,
    HELLO,
    INPUT_UPDATE,
    METRICS_UPDATE,
    PROTOCOL_VERSION,
    SESSION_ATTACHED,
    SESSION_COMPLETE,
    SESSION_CREATED,
    SESSION_STARTED,
    START_SESSION,
    WELCOME,
    CreateSession,
    ErrorCode,
)
from bartype.transport.base import (
    ChannelClosed,
    ClientChannel,
    ConnectionFailed,
    Connector,
    SessionError,
    TransportError,
    VersionMismatch,
)

log = logging.getLogger("bartype.transport")

FLUSH_DELAY_S = 0.3
"""How long a key may wait for others to share its frame (the normal batching window).

The typist's screen does not wait for the server (keys are coloured and the
figures computed locally), so keys can wait: at 100 WPM (a key every ~120 ms)
two or three keys share a frame, which costs the server far less than one
frame per key. ``end()`` and ``wait_complete()`` send what is queued at once.
"""
BATCH_SIZE = 32
"""A batch is sent as soon as it has this many keys, whatever the delay."""
RECONNECT_DELAYS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
"""Waits between reconnection attempts; the last one repeats."""
RECONNECT_GIVE_UP_S = 30.0
REQUEST_TIMEOUT_S = 10.0

_REQUEST_ERRORS = frozenset(
    {
        ErrorCode.BAD_MESSAGE,
        ErrorCode.UNKNOWN_FIELD,
        ErrorCode.UNKNOWN_TYPE,
        ErrorCode.BAD_JSON,
        ErrorCode.TEXT_UNAVAILABLE,
        ErrorCode.VERSION_MISMATCH,
        ErrorCode.SESSION_REQUIRED,
        ErrorCode.INVALID_SESSION,
        ErrorCode.ALREADY_STARTED,
        ErrorCode.INTERNAL,
        ErrorCode.SERVER_BUSY,
    }
)
"""Errors that answer a request (create, start, end) rather than a batch of keys."""


@dataclass(frozen=True)
class SessionOptions(CreateSession):
    """What test to ask for: ``CREATE_SESSION``'s fields, a 30 s timed test by default.

    ``text`` overrides generation in any mode but zen.
    """

    duration: float | None = 30

    def to_json(self) -> dict[str, Any]:
        """The ``CREATE_SESSION`` data (fields not meaningful for the mode left out)."""
        data: dict[str, Any] = {
            "mode": self.mode,
            "language": self.language,
            "punctuation": self.punctuation,
            "numbers": self.numbers,
        }
        if self.mode == "time" and self.duration is not None:
            data["duration"] = self.duration
        if self.mode == "words" and self.words is not None:
            data["words"] = self.words
        if self.mode == "quote" and self.quote_length is not None:
            data["quoteLength"] = self.quote_length
        if self.mode == "code" and self.code is not None:
            data["code"] = self.code
        if self.seed is not None:
            data["seed"] = self.seed
        if self.text is not None:
            data["text"] = self.text
        return data


@dataclass(frozen=True)
class CreatedSession:
    """A session the server created (and started): the text is ``None`` in zen mode."""

    session_id: str
    token: str
    text: str | None
    mode: str
    options: dict[str, Any]
    mode2: str = ""
    """The test's label as results store it ("10" words, a quote's id, ...)."""
    text_id: str | None = None
    """Which bundled text it is ("quote:149", ...), ``None`` for a text sent or made up."""


class SessionClient:
    """One typist's connection to a session handler; see the module docstring."""

    def __init__(
        self,
        connector: Connector,
        *,
        reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS_S,
        give_up_after: float = RECONNECT_GIVE_UP_S,
    ) -> None:
        self.connector = connector
        self.on_metrics: Callable[[dict[str, Any]], None] | None = None
        self.on_status: Callable[[str], None] | None = None
        self.on_error: Callable[[dict[str, Any]], None] | None = None
        self.on_message: Callable[[str, dict[str, Any]], None] | None = None
        """Every message received (type, data): for tests and debugging."""
        self.status = "offline"
        self._reconnect_delays = reconnect_delays
        self._give_up_after = give_up_after
        self._channel: ClientChannel | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self._waiters: dict[str, deque[asyncio.Future[dict[str, Any]]]] = {}
        self._session: CreatedSession | None = None
        self._complete: asyncio.Future[dict[str, Any]] | None = None
        self._buffer: list[dict[str, Any]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._next_seq = 1
        self._unacked: deque[tuple[int, str]] = deque()
        self._started = False
        self._end_frame: str | None = None
        self._hello_done = False
        self._closing = False

    # -- construction -----------------------------------------------------

    @classmethod
    def loopback(
        cls,
        history_path: Path | None,
        *,
        texts_root: Path | None = None,
        config: Any = None,
    ) -> SessionClient:
        """A client driving an in-process handler that stores results in ``history_path``.

        ``None`` keeps no history. ``config`` is a ``HandlerConfig``.
        """
        from bartype.protocol.handler import SessionHandler
        from bartype.protocol.textgen import LibraryTexts
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.transport.loopback import LoopbackServer

        history = None
        if history_path is not None:
            from bartype.storage.history import History

            history = History(history_path)
        corpus = TextLibrary(texts_root or default_texts_root())
        handler = SessionHandler(LibraryTexts(corpus), history, config=config)
        server = LoopbackServer(handler, on_close=None if history is None else history.close)
        return cls(server)

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> SessionClient:
        """Connect to ``bartype serve`` at ``url`` and check the protocol version.

        Raises:
            ConnectionFailed: the server cannot be reached (the message says why).
            VersionMismatch: the server speaks another protocol version.
        """
        from bartype.transport.websocket import WebSocketConnector

        client = cls(WebSocketConnector(url), **kwargs)
        await client._open(None, None)
        try:
            await client._hello()
        except BaseException:
            await client.close()
            raise
        return client

    # -- public API -------------------------------------------------------

    @property
    def session(self) -> CreatedSession | None:
        """The current session, once created."""
        return self._session

    async def create(self, options: SessionOptions) -> CreatedSession:
        """Create a session with ``options`` and start it.

        Raises:
            SessionError: the server refused the options (``code`` says why).
            ConnectionFailed: no connection could be opened.
        """
        self._reset_session()  # first: a reconnect still resuming the old one gives up
        if self._channel is None:
            await self._open(None, None)
        if not self._hello_done:
            await self._hello()
        data = await self._request(
            encode_message(CREATE_SESSION, options.to_json()), SESSION_CREATED
        )
        created = CreatedSession(
            session_id=data["sessionId"],
            token=data["token"],
            text=data.get("text"),
            mode=data["mode"],
            options=dict(data.get("options") or {}),
            mode2=str(data.get("mode2") or ""),
            text_id=data.get("textId"),
        )
        self._session = created
        self._complete = asyncio.get_running_loop().create_future()
        self._started = True
        await self._request(encode_message(START_SESSION, {}), SESSION_STARTED)
        return created

    def send_key(self, key: str, t: float) -> None:
        """Queue one key (a character string, "Backspace" or "CtrlBackspace") at ``t`` ms."""
        if self._session is None or self._end_frame is not None:
            return
        self._buffer.append({"key": key, "t": t})
        if len(self._buffer) >= BATCH_SIZE:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)

    def flush(self) -> None:
        """Send the queued keys now as one batch."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return
        seq = self._next_seq
        self._next_seq += 1
        frame = encode_message(INPUT_UPDATE, {"seq": seq, "keys": self._buffer})
        self._buffer = []
        self._unacked.append((seq, frame))
        if self._channel is not None:
            self._enqueue(frame)

    @property
    def unacked(self) -> int:
        """Batches sent but not yet acknowledged."""
        return len(self._unacked)

    async def end(self, t: float | None = None) -> dict[str, Any]:
        """End the test (at client time ``t`` ms) and return the ``SESSION_COMPLETE`` data."""
        if self._session is None or self._complete is None:
            raise SessionError(ErrorCode.SESSION_REQUIRED, "No session: call create() first.")
        if not self._complete.done():
            self.flush()
            self._end_frame = encode_message(END_SESSION, {} if t is None else {"t": t})
            if self._channel is not None:
                self._enqueue(self._end_frame)
        return await self.wait_complete()

    async def wait_complete(self) -> dict[str, Any]:
        """Wait for ``SESSION_COMPLETE`` of the current session and return its data.

        Queued keys are sent at once: the test is over here, so the last keys
        (which complete it on the server) must not wait for the flush delay.
        """
        if self._complete is None:
            raise SessionError(ErrorCode.SESSION_REQUIRED, "No session: call create() first.")
        if not self._complete.done():
            self.flush()
        return await asyncio.shield(self._complete)

    def drop_session(self) -> None:
        """Forget the current session: stop resuming it (its test was finished without
        the server, say). The next ``create`` opens a connection if there is none."""
        self._reset_session()
        if self._channel is None and self.status == "reconnecting":
            self._set_status("offline")

    async def close(self) -> None:
        """Close the connection and release the transport."""
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        channel, self._channel = self._channel, None
        if channel is not None:
            with contextlib.suppress(TransportError, OSError):
                await channel.close()
        for task in (self._reader, self._writer):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._fail_waiters(ConnectionFailed("The client was closed."))
        await self.connector.aclose()
        self._set_status("offline")

    # -- internals --------------------------------------------------------

    def _reset_session(self) -> None:
        self.flush()
        self._session = None
        self._complete = None
        self._buffer = []
        self._unacked.clear()
        self._next_seq = 1
        self._started = False
        self._end_frame = None

    def _set_status(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        if self.on_status is not None and self.connector.remote:
            self.on_status(status)

    async def _open(self, session_id: str | None, token: str | None) -> None:
        channel = await self.connector.open(session_id, token)
        self._channel = channel
        self._outbox.clear()
        self._hello_done = False
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self._read(channel))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())
        self._set_status("connected")

    async def _hello(self) -> None:
        try:
            await self._request(encode_message(HELLO, {"version": PROTOCOL_VERSION}), WELCOME)
        except SessionError as exc:
            if exc.code == ErrorCode.VERSION_MISMATCH:
                raise VersionMismatch(
                    f"{self.connector.description} speaks another protocol version: {exc.message}"
                ) from None
            raise
        self._hello_done = True

    def _enqueue(self, frame: str) -> None:
        self._outbox.append(frame)
        self._wake.set()

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox and self._channel is not None:
                channel = self._channel
                frame = self._outbox.popleft()
                try:
                    await channel.send(frame)
                except ChannelClosed:
                    break  # the reader notices and reconnects; batches stay unacked

    async def _request(self, frame: str, expect: str) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(expect, deque()).append(future)
        self._enqueue(frame)
        try:
            return await asyncio.wait_for(asyncio.shield(future), REQUEST_TIMEOUT_S)
        except TimeoutError:
            raise ConnectionFailed(
                f"{self.connector.description} did not answer within {REQUEST_TIMEOUT_S:g} s."
            ) from None
        finally:
            queue = self._waiters.get(expect)
            if queue is not None and future in queue:
                queue.remove(future)

    def _resolve(self, type_: str, data: dict[str, Any]) -> None:
        queue = self._waiters.get(type_)
        while queue:
            future = queue.popleft()
            if not future.done():
                future.set_result(data)
                return

    def _fail_waiters(self, exc: Exception) -> None:
        for queue in self._waiters.values():
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # mark retrieved: the awaiting side may be gone

    def _ack(self, ack: Any) -> None:
        if type(ack) is not int:
            return
        unacked = self._unacked
        while unacked and unacked[0][0] <= ack:
            unacked.popleft()

    async def _read(self, channel: ClientChannel) -> None:
        try:
            while True:
                text = await channel.recv()
                self._dispatch(text)
        except ChannelClosed as closed:
            if channel is self._channel:
                self._channel = None
                await self._lost(closed)

    def _dispatch(self, text: str) -> None:
        try:
            message = json.loads(text)
            type_ = message["type"]
            data = message.get("data") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed frame from the server: %.80r", text)
            return
        if self.on_message is not None:
            self.on_message(type_, data)
        if "ack" in data:
            self._ack(data["ack"])
        if type_ == METRICS_UPDATE:
            if self.on_metrics is not None:
                self.on_metrics(data)
        elif type_ == SESSION_COMPLETE:
            session = self._session
            complete = self._complete
            if session is not None and data.get("sessionId") == session.session_id:
                self._unacked.clear()
                if complete is not None and not complete.done():
                    complete.set_result(data)
        elif type_ == ERROR:
            code = data.get("code")
            if code in _REQUEST_ERRORS and any(self._waiters.values()):
                exc = SessionError(str(code), str(data.get("message", "")))
                for key in (SESSION_CREATED, SESSION_STARTED, WELCOME):
                    queue = self._waiters.get(key)
                    if queue:
                        future = queue.popleft()
                        if not future.done():
                            future.set_exception(exc)
                        break
            if self.on_error is not None:
                self.on_error(data)
        elif type_ == SESSION_ATTACHED:
            self._resume(data)
        else:
            self._resolve(type_, data)

    def _resume(self, data: dict[str, Any]) -> None:
        """After re-attaching: resend START, every unacked batch, and END if pending."""
        if data.get("state") == "created" and self._started:
            self._enqueue(encode_message(START_SESSION, {}))
        for _, frame in self._unacked:
            self._enqueue(frame)
        if self._end_frame is not None:
            self._enqueue(self._end_frame)

    async def _lost(self, closed: ChannelClosed) -> None:
        session = self._session
        if (
            self._closing
            or not self.connector.remote
            or closed.code in FATAL_CLOSE_CODES
            or session is None
            or (self._complete is not None and self._complete.done())
        ):
            self._set_status("offline")
            self._fail_waiters(ConnectionFailed(f"Connection lost: {closed}."))
            if self._complete is not None and not self._complete.done():
                self._complete.set_exception(ConnectionFailed(f"Connection lost: {closed}."))
                self._complete.exception()
            return
        self._set_status("reconnecting")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._give_up_after
        attempt = 0
        while not self._closing:
            delays = self._reconnect_delays
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            if self._session is not session:
                return  # dropped, or replaced by a new session: nothing left to resume
            attempt += 1
            try:
                await self._open(session.session_id, session.token)
            except ConnectionFailed as exc:
                if loop.time() >= deadline:
                    log.warning("giving up reconnecting: %s", exc)
                    break
                continue
            # SESSION_ATTACHED (or a 4001 close) arrives on the new channel.
            self._enqueue(encode_message(HELLO, {"version": PROTOCOL_VERSION}))
            self._hello_done = True
            return
        self._set_status("offline")
        error = ConnectionFailed(f"Lost the connection to {self.connector.description}.")
        self._fail_waiters(error)
        if self._complete is not None and not self._complete.done():
            self._complete.set_exception(error)
            self._complete.exception()
