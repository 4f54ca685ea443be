"""SessionClient: the asyncio pump around the sans-I/O ``ClientProtocol``.

::

    client = SessionClient(connector)       # bartype.cli builds it: local_client(), open_client()
    created = await client.create(SessionOptions(mode="words", words=25))
    client.send_key("t", 0.0); client.send_key("h", 112.5) ...
    result = await client.end()              # or: await client.wait_complete()
    await client.close()

What a client must do by the protocol (batch numbers, acknowledgements,
what to resend after a resume, which request an ``ERROR`` answers, the
reconnection backoff) is ``bartype.protocol.client.ClientProtocol``. This
module only turns its events into futures and callbacks; moving frames between
it and a ``ClientChannel``, keeping its timer (keys wait up to ``FLUSH_DELAY_S``
to share a frame) and reopening the connection when it asks is ``pump.Pump``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bartype.core.options import TestOptions
from bartype.core.records import frozen
from bartype.protocol.client import (
    BATCH_SIZE,
    FLUSH_DELAY_S,
    RECONNECT_DELAYS_S,
    RECONNECT_GIVE_UP_S,
    ClientProtocol,
    Link,
    State,
)
from bartype.protocol.client_events import (
    BAD_SERVER_MESSAGE,
    ConnectionLost,
    ErrorReceived,
    Event,
    MessageRefused,
    MetricsUpdated,
    Request,
    SessionCompleted,
    SessionLost,
    SessionReady,
    StatusChanged,
    Welcomed,
)
from bartype.protocol.messages import PROTOCOL_VERSION, ErrorCode
from bartype.protocol.server_codec import message_type
from bartype.transport.base import (
    ConnectionFailed,
    Connector,
    SessionError,
    TransportError,
    VersionMismatch,
)
from bartype.transport.base import fail_future as _fail
from bartype.transport.base import resolve_future as _resolve
from bartype.transport.pump import REQUEST_TIMEOUT_S as REQUEST_TIMEOUT_S
from bartype.transport.pump import Pump

__all__ = [
    "BATCH_SIZE",
    "FLUSH_DELAY_S",
    "CreatedSession",
    "SessionClient",
    "SessionOptions",
]

log = logging.getLogger("bartype.transport")


SessionOptions = TestOptions
"""What test to ask for: ``CREATE_SESSION``'s fields (a 30 s timed test by default)."""


@frozen
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


class SessionClient(Pump[Event]):
    """One typist's connection to a session handler; see the module docstring."""

    def __init__(
        self,
        connector: Connector,
        *,
        reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS_S,
        give_up_after: float = RECONNECT_GIVE_UP_S,
        metrics_ms: int | None = 0,
    ) -> None:
        self.protocol = ClientProtocol(
            version=PROTOCOL_VERSION,
            resume=connector.remote,
            reconnect_delays=reconnect_delays,
            give_up_after=give_up_after,
            metrics_ms=metrics_ms,
        )
        super().__init__(connector, self.protocol)
        self.on_metrics: Callable[[dict[str, Any]], None] | None = None
        self.on_status: Callable[[str], None] | None = None
        self.on_error: Callable[[dict[str, Any]], None] | None = None
        self.on_message: Callable[[str, dict[str, Any]], None] | None = None
        """Every message received (type, data): for tests and debugging."""
        self.status = "offline"
        self._session: CreatedSession | None = None
        self._ready: asyncio.Future[CreatedSession] | None = None
        self._complete: asyncio.Future[dict[str, Any]] | None = None

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> SessionClient:
        """Connect to ``bartype serve`` at ``url`` and check the protocol version.

        Raises:
            ConnectionFailed: the server cannot be reached (the message says why).
            VersionMismatch: the server speaks another protocol version.
        """
        from bartype.transport.websocket import WebSocketConnector

        client = cls(WebSocketConnector(url), **kwargs)
        try:
            await client._open(resume=False)
            assert client._welcome is not None
            await client._wait(client._welcome)
        except BaseException:
            await client.close()
            raise
        return client

    # -- public API -------------------------------------------------------

    @property
    def session(self) -> CreatedSession | None:
        """The current session, once created."""
        return self._session

    @property
    def unacked(self) -> int:
        """Batches sent but not yet acknowledged."""
        return self.protocol.unacked

    async def create(self, options: SessionOptions) -> CreatedSession:
        """Create a session with ``options`` and start it.

        Raises:
            SessionError: the server refused the options (``code`` says why).
            ConnectionFailed: no connection could be opened.
        """
        self._stop_reconnecting()  # first: a new session ends the resuming of the old one
        self._session = None
        if self._channel is None:
            await self._open(resume=False)
        if self._welcome is not None:
            await self._wait(self._welcome)
        if self.protocol.link is Link.CLOSED:
            raise ConnectionFailed(f"Lost the connection to {self.connector.description}.")
        loop = asyncio.get_running_loop()
        self._ready = ready = loop.create_future()
        self._complete = loop.create_future()
        self.protocol.create(options)
        self._pump()
        created: CreatedSession = await self._wait(ready)
        return created

    def send_key(self, key: str, t: float) -> None:
        """Queue one key (a character string, "Backspace" or "CtrlBackspace") at ``t`` ms."""
        if self.protocol.send_key(key, t, asyncio.get_running_loop().time()):
            self._pump()

    def flush(self) -> None:
        """Send the queued keys now as one batch."""
        self.protocol.flush()
        self._pump()

    async def end(self, t: float | None = None) -> dict[str, Any]:
        """End the test (at client time ``t`` ms) and return the ``SESSION_COMPLETE`` data."""
        if self._complete is None or self.protocol.state in (State.IDLE, State.CREATING):
            raise SessionError(ErrorCode.SESSION_REQUIRED, "No session: call create() first.")
        self.protocol.end(t)
        self._pump()
        return await self.wait_complete()

    async def wait_complete(self) -> dict[str, Any]:
        """Wait for ``SESSION_COMPLETE`` of the current session and return its data.

        Queued keys are sent at once: the test is over here, so the last keys
        (which complete it on the server) must not wait for the flush delay.
        """
        complete = self._complete
        if complete is None:
            raise SessionError(ErrorCode.SESSION_REQUIRED, "No session: call create() first.")
        if not complete.done():
            self.flush()
        return await asyncio.shield(complete)

    def drop_session(self) -> None:
        """Forget the current session: stop resuming it (its test was finished without
        the server, say). The next ``create`` opens a connection if there is none."""
        self._stop_reconnecting()
        self.protocol.forget()
        self._session = None
        self._complete = None
        self._pump()

    async def close(self) -> None:
        """Close the connection and release the transport."""
        await self._shut(self._welcome, self._ready, self._complete)

    # -- the pump -----------------------------------------------------------

    def _closed_offline(self) -> None:
        if self.protocol.wants_resume:
            self.protocol.forget()

    def _due(self) -> None:
        self.flush()

    def _received(self, text: str, now: float) -> None:
        message = self.protocol.receive_frame(text, now)
        if message is not None and self.on_message is not None:
            self.on_message(message_type(message), message.data)

    def _handle(self, event: Event) -> None:
        if isinstance(event, MetricsUpdated):
            if self.on_metrics is not None:
                self.on_metrics(event.message.data)
        elif isinstance(event, SessionCompleted):
            _resolve(self._complete, event.message.data)
        elif isinstance(event, SessionReady):
            self._ready_with(event)
        elif isinstance(event, Welcomed):
            _resolve(self._welcome, None)
        elif isinstance(event, ErrorReceived):
            self._error_received(event)
        elif isinstance(event, MessageRefused):
            self._refused(event)
        elif isinstance(event, SessionLost):
            self._session_lost(event)
        elif isinstance(event, ConnectionLost):
            self._connection_lost(event)
        elif isinstance(event, StatusChanged):
            self.status = event.status.value
            if self.on_status is not None and self.connector.remote:
                self.on_status(self.status)

    def _ready_with(self, event: SessionReady) -> None:
        created = event.created
        self._session = CreatedSession(
            session_id=created.session_id,
            token=created.token,
            text=created.text,
            mode=created.mode,
            options=dict(created.options),
            mode2=created.mode2,
            text_id=created.text_id,
        )
        _resolve(self._ready, self._session)

    def _error_received(self, event: ErrorReceived) -> None:
        error = event.error
        failure: Exception = SessionError(error.code, error.message)
        if error.code == ErrorCode.VERSION_MISMATCH:
            failure = VersionMismatch(
                f"{self.connector.description} speaks another protocol version: {error.message}"
            )
        self._fail_request(event.answers, failure)
        if self.on_error is not None:
            self.on_error(error.data)

    def _refused(self, event: MessageRefused) -> None:
        message = f"The server sent a message this client cannot read: {event.error.message}"
        log.warning("%s", message)
        self._fail_request(event.answers, SessionError(BAD_SERVER_MESSAGE, message))
        if self.on_error is not None:
            self.on_error({"code": BAD_SERVER_MESSAGE, "message": message})

    def _session_lost(self, event: SessionLost) -> None:
        reason = event.reason
        if event.code is None:  # the connection went: say where to
            reason = f"Lost the connection to {self.connector.description} ({reason})."
        lost = ConnectionFailed(reason)
        _fail(self._ready, lost)
        _fail(self._complete, lost)

    def _connection_lost(self, event: ConnectionLost) -> None:
        if event.resuming:
            self._start_reconnecting()
            return
        gone = ConnectionFailed(f"Connection lost: {event.reason}.")
        for future in (self._welcome, self._ready, self._complete):
            _fail(future, gone)

    def _fail_request(self, request: Request | None, error: Exception) -> None:
        if request is Request.HELLO:
            _fail(self._welcome, error)
        elif request in (Request.CREATE, Request.START):
            _fail(self._ready, error)
        elif request is Request.END:
            _fail(self._complete, error)

    # -- the connection -----------------------------------------------------

    async def _open(self, *, resume: bool) -> None:
        protocol = self.protocol
        if resume:
            channel = await self.connector.open(protocol.session_id, protocol.token)
            if not protocol.wants_resume:  # the session was dropped or replaced meanwhile
                with contextlib.suppress(TransportError, OSError):
                    await channel.close()
                return
        else:
            channel = await self.connector.open(None, None)
        self._attach(channel, greet=not resume)
        protocol.connection_made(resume=resume)
        self._pump()

    async def _reopen(self) -> None:
        await self._open(resume=True)
