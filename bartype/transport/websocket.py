"""WebSocket transport: the only module importing the ``websockets`` client."""

from __future__ import annotations

import ssl
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from bartype.transport.base import ChannelClosed, ConnectionFailed

OPEN_TIMEOUT_S = 5.0
MAX_SERVER_FRAME = 2**20
STATUS_HINTS = {
    429: "too many connections from this address",
    503: "the server is full or shutting down",
}


DEFAULT_PORT = 8765
"""``bartype serve``'s default port (its --port default), used when an address has none."""


def ws_url(url: str, session_id: str | None = None, token: str | None = None) -> str:
    """The ``/ws`` endpoint of ``url`` (``ws://host:port`` or a full URL), with resume query."""
    parts = urlsplit(url if "://" in url else f"ws://{url}")
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    netloc = parts.netloc
    if scheme == "ws" and parts.hostname and parts.port is None:
        netloc += f":{DEFAULT_PORT}"  # bartype serve's port, not HTTP's 80
    path = parts.path if parts.path not in ("", "/") else "/ws"
    query = parts.query
    if session_id is not None:
        query = urlencode({"sessionId": session_id, "token": token or ""})
    return urlunsplit((scheme, netloc, path, query, ""))


_ERRNO_WORDS: dict[type[OSError], str] = {
    ConnectionResetError: "the connection was reset",
    ConnectionAbortedError: "the connection was aborted",
    BrokenPipeError: "the connection was closed",
}
"""Words for errors that reach us without a message of their own."""


def _no_tls(where: str, reason: str) -> str:
    """The TLS handshake failed: ``bartype serve`` speaks plain WebSocket only."""
    plain = "ws:" + where.removeprefix("wss:").removesuffix("/ws")
    return (
        f"Cannot reach {where}: the TLS handshake failed ({reason}). bartype serve speaks "
        f"plain WebSocket, without TLS: use {plain}, or put a TLS proxy in front of it."
    )


class WebSocketChannel:
    """A ``ClientChannel`` over one WebSocket connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    async def recv(self) -> str:
        try:
            message = await self.ws.recv()
        except ConnectionClosed as exc:
            raise _closed(exc) from None
        if isinstance(message, bytes):
            return message.decode("utf-8", "replace")
        return message

    async def close(self) -> None:
        await self.ws.close()


def _closed(exc: ConnectionClosed) -> ChannelClosed:
    frame = exc.rcvd or exc.sent
    if frame is None:
        return ChannelClosed(1006, "connection lost")
    return ChannelClosed(int(frame.code), frame.reason)


class WebSocketConnector:
    """Opens WebSocket channels to ``bartype serve`` at ``url``."""

    def __init__(self, url: str, *, open_timeout: float = OPEN_TIMEOUT_S) -> None:
        self.url = url
        self.open_timeout = open_timeout

    @property
    def remote(self) -> bool:
        return True

    @property
    def description(self) -> str:
        return self.url

    async def open(
        self, session_id: str | None = None, token: str | None = None
    ) -> WebSocketChannel:
        uri = ws_url(self.url, session_id, token)
        where = ws_url(self.url)
        hint = "Is `bartype serve` running there?"
        try:
            ws = await connect(
                uri,
                compression=None,
                open_timeout=self.open_timeout,
                ping_interval=10,
                ping_timeout=10,
                close_timeout=2,
                max_size=MAX_SERVER_FRAME,
            )
        except InvalidURI:
            raise ConnectionFailed(
                f"{self.url!r} is not a WebSocket address; use ws://HOST:PORT."
            ) from None
        except ConnectionRefusedError:
            raise ConnectionFailed(f"Cannot reach {where} (connection refused). {hint}") from None
        except TimeoutError:
            raise ConnectionFailed(f"Cannot reach {where} (timed out). {hint}") from None
        except InvalidStatus as exc:
            status = exc.response.status_code
            detail = STATUS_HINTS.get(status, "is it a bartype server?")
            raise ConnectionFailed(
                f"{where} refused the connection (HTTP {status}: {detail})."
            ) from None
        except InvalidHandshake as exc:
            raise ConnectionFailed(
                f"{where} did not complete the WebSocket handshake ({exc})."
            ) from None
        except ssl.SSLError as exc:
            raise ConnectionFailed(_no_tls(where, str(exc.reason or exc))) from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or _ERRNO_WORDS.get(type(exc), "network error")
            if where.startswith("wss:"):
                # A plain server drops a TLS hello at once: a reset, not an SSL error.
                raise ConnectionFailed(_no_tls(where, reason)) from None
            raise ConnectionFailed(f"Cannot reach {where} ({reason}). {hint}") from None
        return WebSocketChannel(ws)

    async def aclose(self) -> None:
        return None
